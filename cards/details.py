"""The details of a referral, for the people allowed to read them (SMLO, accepted advocate)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from cards import wording as w
from cards.elements import plain
from referrals.identity import is_anonymous, referrer_shown_as
from referrals.intake import Identity, IntakeAnswers, YesNoUnsure, is_on_behalf
from referrals.outside import OutsideChannel
from referrals.referral import Referral
from referrals.subjects import SubjectWish

# The force's local time, with GMT or BST shown, so nobody has to convert from UTC.
LOCAL_TIME = ZoneInfo("Europe/London")


# How the person is reached, for a referral taken for someone without Teams.
CHANNEL_WORDS = {OutsideChannel.PHONE: "by phone", OutsideChannel.EMAIL: "by email"}
IN_THE_WAY_GIVEN = "in the way the referral gives"


def channel_words(r: Referral) -> str:
    """ "by phone", "by email", or "in the way the referral gives"."""
    channel = r.outside_channel
    return CHANNEL_WORDS[channel] if channel else IN_THE_WAY_GIVEN


def reached_line(r: Referral) -> tuple[str, str]:
    """The fact row on the SMLO's details and the advocate's case card."""
    return ("Reached outside Teams", channel_words(r))


def when(moment: datetime | None) -> str:
    if moment is None:
        return w.NOT_GIVEN
    return moment.astimezone(LOCAL_TIME).strftime("%d %b %Y, %H:%M %Z")


def answer_facts(a: IntakeAnswers, *, for_referrer: bool) -> list[tuple[str, str]]:
    """The answers as fact rows, worded for the referrer ("you") or for staff ("they").
    Monitoring answers are only ever counted in totals, so staff never see them.

    On the on-behalf route the role, the person's name and whether they know and agree
    are always shown (never left out as "not asked"), and the sender reads about the
    person as "they"."""
    you, sender = for_referrer, for_referrer and is_on_behalf(a)
    titles = _SENDER_TITLES if sender else _REFERRER_TITLES if you else _STAFF_TITLES
    # On the on-behalf route everyone reads about the person as "they" ("Their email").
    labels = w.sender_labels if is_on_behalf(a) else w.labels
    # Beside "Your role in this" ("Referrer's role"), a bare "Role" could be either's.
    role = ("Their role" if you else "Person's role") if is_on_behalf(a) else "Role"
    rows = [("Which fits best", w.label(a.route)), (role, w.label(a.employment))]
    if a.leaving is not None:  # asked later: shown only where given
        rows.append(("Leaving the force", w.label(a.leaving)))
    if you and not is_on_behalf(a):  # staff read who referred from `referral_facts`
        rows.append((w.ANONYMITY_CHOICE, w.label(a.identity or Identity.NAMED)))
    if is_on_behalf(a):
        rows += _behalf_facts(a, for_referrer=you)
    rows += [
        (titles["wishes"], labels(a.wishes)),
        ("What happened", _text(a.account)),
        ("When", w.label(a.when)),
        ("A colleague", w.label(a.colleague)),
        (titles["avoid"], _text(a.avoid)),
        *(subject_facts(a) if you else []),
        (titles["contact_methods"], labels(a.contact_methods)),
        (titles["work_phone"], _text(a.work_phone)),
        (titles["personal_phone"], _text(a.personal_phone)),
        (titles["personal_email"], _text(a.personal_email)),
        ("Safe times", _text(a.safe_times)),
        ("Leave a message", w.label(a.leave_message)),
    ]
    # The on-behalf route does not ask the sender's own gender and age; any given before
    # the route changed are still shown to the person who gave them.
    if you and (not sender or a.gender or a.age_band):
        rows += [("Gender", w.label(a.gender)), ("Age", w.label(a.age_band))]
    return rows


_STAFF_TITLES = {
    "wishes": "They would like",
    "avoid": "Not as advocate",
    "contact_methods": "Contact by",
    "work_phone": "Work phone",
    "personal_phone": "Own phone",
    "personal_email": "Own email",
}
_REFERRER_TITLES = _STAFF_TITLES | {"wishes": "You would like", "avoid": "Not as your advocate"}
# Someone referring another person reads about that person.
_SENDER_TITLES = {
    "wishes": "They would like",
    "avoid": "Not as their advocate",
    "contact_methods": "Contact them by",
    "work_phone": "Their work phone",
    "personal_phone": "Their own phone",
    "personal_email": "Their email",
}


def _behalf_facts(a: IntakeAnswers, *, for_referrer: bool) -> list[tuple[str, str]]:
    """Who referred the person, who they are and whether they know: always all three."""
    you = for_referrer
    return [
        ("Your role in this" if you else "Referrer's role", w.label(a.behalf_role)),
        ("Their name" if you else "Person referred", _text(a.behalf_name)),
        ("They know and agree" if you else "Person knows and agrees", w.label(a.behalf_consent)),
    ]


def subject_facts(a: IntakeAnswers) -> list[tuple[str, str]]:
    """Whom it is about, as the person gave it, and what the service may do with it; one
    line when they named nobody, as a choice about no name would only puzzle them."""
    if not a.names_someone:
        return [("Who it is about", w.NOT_GIVEN)]
    return [
        ("Who it is about", _text(a.subject_name)),
        ("Their number", _text(a.subject_number)),
        ("Their work email", _text(a.subject_email)),
        ("What we may do with it", w.label(a.subject_wish or SubjectWish.ONLY_IF_ANOTHER)),
    ]


# What staff read while whom it is about is held (`referrals.subjects`): that a name was
# given and is sealed, never the name.
SUBJECT_HELD = "Sealed: shown only if someone else names the same person"


def _staff_subject_facts(r: Referral) -> list[tuple[str, str]]:
    if r.subject_shown:
        return subject_facts(r.answers)[:3]  # the choice is the referrer's, not staff's
    if r.answers.names_someone:
        return [("Who it is about", SUBJECT_HELD)]
    return [("Who it is about", w.NOT_GIVEN)]


def _text(value: str) -> str:
    return plain(value) or w.NOT_GIVEN


def behalf_notes(a: IntakeAnswers, *, for_advocate: bool) -> list[str]:
    """What staff should know first about an on-behalf referral; nothing for the others."""
    if not is_on_behalf(a):
        return []
    if for_advocate:
        if a.behalf_consent is YesNoUnsure.YES:
            return [
                "A colleague referred this person as part of their job, and says the person "
                "knows and agrees. Please get in touch with the person in the way given, at a "
                "safe time."
            ]
        return [
            "A colleague referred this person as part of their job. They did not say that "
            "the person knows and agrees, so please talk to the service lead before you "
            "get in touch."
        ]
    notes = [
        "A colleague sent this as part of their job. You can ask them in Teams if you "
        "need to know more."
    ]
    if a.behalf_consent is not YesNoUnsure.YES:
        notes.append(
            "The person may not know about this yet. Please check with the colleague before "
            "an advocate gets in touch."
        )
    return notes


def referral_facts(r: Referral) -> list[tuple[str, str]]:
    """For the SMLO and the accepted advocate: who referred (as `referrer_shown_as` says:
    "Anonymous" when they chose it), or the SMLO who took it for someone without Teams,
    then the answers."""
    answers = answer_facts(r.answers, for_referrer=False)
    subject = _staff_subject_facts(r)
    who = plain(referrer_shown_as(r)) or w.NOT_GIVEN
    if r.outside_teams:  # taken by a service lead for someone without Teams
        return [("Reference", r.reference), ("Taken by", who), reached_line(r), *answers, *subject]
    return [("Reference", r.reference), ("Referred by", who), *answers, *subject]


ANONYMOUS_FOR_ADVOCATE = (
    "This person chose not to tell the service who they are. Please reach them through "
    "messages in this app: they are told there is a message, and can answer it. Use a "
    "phone number or email only if they gave one below."
)
ANONYMOUS_FOR_SMLO = (
    "This person chose not to tell the service who they are, so nobody here can see their "
    "name. You and their advocate reach them through messages in this app. They can tell "
    "the service who they are later if they want to."
)


def anonymity_notes(r: Referral, *, for_advocate: bool) -> list[str]:
    """How staff reach someone anonymous to the service; nothing for a named referral."""
    if not is_anonymous(r.answers):
        return []
    return [ANONYMOUS_FOR_ADVOCATE if for_advocate else ANONYMOUS_FOR_SMLO]
