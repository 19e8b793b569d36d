"""The details of a referral, for the people allowed to read them (SMLO, accepted advocate)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from cards import wording as w
from cards.elements import plain
from referrals.intake import IntakeAnswers
from referrals.referral import Referral

# The force's local time, with GMT or BST shown, so nobody has to convert from UTC.
LOCAL_TIME = ZoneInfo("Europe/London")


def when(moment: datetime | None) -> str:
    if moment is None:
        return w.NOT_GIVEN
    return moment.astimezone(LOCAL_TIME).strftime("%d %b %Y, %H:%M %Z")


def answer_facts(a: IntakeAnswers, *, for_referrer: bool) -> list[tuple[str, str]]:
    """The answers as fact rows, worded for the referrer ("you") or for staff ("they").
    Monitoring answers are only ever counted in totals, so staff never see them."""
    you = for_referrer
    rows = [("Which fits best", w.label(a.route)), ("Role", w.label(a.employment))]
    if a.behalf_role or a.behalf_consent:
        rows += [
            ("Your role in this" if you else "Referrer's role", w.label(a.behalf_role)),
            (
                "They know and agree" if you else "Person knows and agrees",
                w.label(a.behalf_consent),
            ),
        ]
    rows += [
        ("You would like" if you else "They would like", w.labels(a.wishes)),
        ("What happened", plain(a.account) or w.NOT_GIVEN),
        ("When", w.label(a.when)),
        ("A colleague", w.label(a.colleague)),
        ("Not as your advocate" if you else "Not as advocate", plain(a.avoid) or w.NOT_GIVEN),
        ("Contact by", w.labels(a.contact_methods)),
        ("Work phone", plain(a.work_phone) or w.NOT_GIVEN),
        ("Own phone", plain(a.personal_phone) or w.NOT_GIVEN),
        ("Own email", plain(a.personal_email) or w.NOT_GIVEN),
        ("Safe times", plain(a.safe_times) or w.NOT_GIVEN),
        ("Leave a message", w.label(a.leave_message)),
    ]
    if you:
        rows += [("Gender", w.label(a.gender)), ("Age", w.label(a.age_band))]
    return rows


def referral_facts(r: Referral) -> list[tuple[str, str]]:
    """For the SMLO and the accepted advocate: who referred, then the answers."""
    return [
        ("Reference", r.reference),
        ("Referred by", plain(r.referrer_name) or w.NOT_GIVEN),
        *answer_facts(r.answers, for_referrer=False),
    ]
