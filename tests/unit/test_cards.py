"""Every card the product can show: plain words, valid Adaptive Cards 1.5 for Teams, no
disclosure on the cards that arrive unasked, and problems shown next to their field.

Referrals are brought to each state through the real domain transitions, with a
different canary in every free-text answer and in the referrer's name, so a card that
leaks content names the field that leaked.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from botbuilder.core import serializer_helper
from botbuilder.schema import AdaptiveCardInvokeResponse

from bot.activities import card_response
from bot.handler import DETAILS_NOT_SHOWN
from bot.ingress.gate import invoke_body
from bot.messages import (
    ADVOCATE_GONE,
    ALREADY_WITHDRAWN,
    DIRECTORY_DOWN,
    NOT_FOR_YOU,
    NOT_FOUND,
    NOT_IN_TEAMS,
    OUT_OF_DATE,
    SERVICE_GONE,
    THREAD_CLOSED,
    UNEXPECTED,
    UNREADABLE,
)
from bot.routes.capacity import NOT_SAVED, SAVED
from bot.routes.intake import NO_DRAFT, STOPPED
from bot.routes.triage import ASK_ANYWAY_WHY, SERVICE_NOT_LISTED
from cards import (
    advocate,
    case_record,
    chart,
    intake,
    intake_steps,
    notices,
    record_forms,
    referrer,
    smlo,
)
from cards import audit as audit_module
from cards import availability as availability_module
from cards import checkins as checkins_module
from cards import delivery as delivery_module
from cards import digest as digest_module
from cards import escalation as escalation_module
from cards import help as help_module
from cards import messages as messages_module
from cards import notifications as notifications_module
from cards import outside as outside_module
from cards import pathway as pathway_module
from cards import reminders as reminders_module
from cards import roster as roster_module
from cards import statistics as statistics_module
from cards import subjects as subjects_module
from cards import support as support_module
from cards import triage as triage_module
from cards import wording as w
from cards.audit import audit_card
from cards.availability import availability_card
from cards.delivery import undelivered_card
from cards.details import answer_facts
from cards.elements import Element, plain
from cards.intake import CONSENT_NEEDED
from cards.intake_steps import SENDER_BODIES, STEP_BODIES, step_card
from cards.notifications import notification_card, update_words
from cards.parsers import (
    CHOICES,
    ECHO_EXTRA,
    MULTI_CHOICES,
    STEP_FIELDS,
    UNKNOWN_CHOICE,
    CardPayloadInvalid,
    parse_step_answers,
)
from cards.record_entries import Record
from cards.record_forms import Form
from cards.record_inputs import CORRECTABLE, read_form, shown_back
from cards.record_inputs import ECHO_EXTRA as ECHO_RECORD
from cards.verbs import Verb
from config.support import shipped_support_directory
from dialogs.intake import STALE_CARD
from referrals.allocation import ConflictReason, allocation_options, format_reference
from referrals.audit import ActorRole, AuditAction, AuditEntry, Outcome
from referrals.availability import Availability, AvailabilityState
from referrals.case_record import TEXT_LIMITS as RECORD_LIMITS
from referrals.case_record import (
    CloseOutcome,
    Closure,
    EntryKind,
    OnwardOutcome,
    RiskLevel,
    UpdateKind,
)
from referrals.checkins import Checkin, Feeling
from referrals.digest import Count, Digest, Line
from referrals.escalation import Consent, Destination, Escalation, InfoCategory
from referrals.identity import ANONYMOUS as SHOWN_AS_ANONYMOUS
from referrals.identity import NOT_ON_BEHALF
from referrals.intake import (
    TEXT_LIMITS,
    AgeBand,
    BehalfRole,
    ContactMethod,
    Employment,
    Gender,
    Identity,
    IntakeAnswers,
    IntakeStep,
    Route,
    When,
    Wish,
    YesNoUnsure,
    quick_request,
    steps_for,
)
from referrals.messages import Recipient, Sender, ThreadMessage
from referrals.notifications import TELL_PERSON, Notification
from referrals.notifications import NotificationKind as Kind
from referrals.pathway import Outcome as StepOutcome
from referrals.pathway import PathwayStep, StepConsent, StepKind, StepStatus
from referrals.people import Actor, Advocate
from referrals.periods import Kind as PeriodKind
from referrals.periods import Period, month_at, month_index, offered_periods
from referrals.referral import DeclineReason, ReassignReason, Referral
from referrals.referral_base import SYSTEM
from referrals.report_set import report_for
from referrals.roster import GroupChange, Person
from referrals.roster_changes import RosterChange, RosterResult
from referrals.services.capacity import Capacity
from referrals.signposting import Signpost, signpost_targets
from referrals.statistics import (
    NOT_GIVEN,
    Measure,
    MonthTallies,
    Onward,
    Result,
    Wait,
    build_report,
)
from referrals.statistics import Contact as ContactMade
from referrals.subjects import SubjectWish
from referrals.support import Category, Contact, SupportDirectory, SupportService
from referrals.triage import Risk, TriageDecision, Urgency
from referrals.views import CLEARED
from solving.highs import HighsSolver
from tests.support.teams import actions_of, input_values
from tests.support.teams import card_texts as texts_of
from tests.unit.readability import card_sentences, flesch, score_card, syllables
from tests.unit.record_builders import AT_LIMITS as RECORD_AT_LIMITS
from tests.unit.record_builders import RECORD_CANARIES, closed, kept_case

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
SMLO_IDS = ("smlo-1",)
KEEP_DAYS = 30  # the default draft_keep_days in config/settings.py
WELCOME_BACK = "Welcome back. Here is where you were."  # bot/handler.py, on `continue`
ALREADY_DONE = "Someone already did this, so nothing has changed. This is where it stands."

TEXT_FIELDS = tuple(TEXT_LIMITS)
CANARIES = {name: f"CANARY-{name}-7f3a" for name in TEXT_FIELDS}
NAME_CANARY = "CANARY-referrer-name-7f3a"

REFERRER = Actor("referrer-1", NAME_CANARY)
SMLO = Actor("smlo-1", "Sam Smlo", is_smlo=True)
AWAY = Availability(AvailabilityState.AWAY, until=date(2026, 3, 20))
ADA = Advocate("advocate-1", "Ada Lovell", team="Team North")
BEN = Advocate("advocate-2", "Ben Okafor", team="Custody", availability=AWAY)
CAL = Advocate("advocate-3", "Cal Reyes")
ROSTER = (ADA, BEN, CAL)
NAMES = {a.user_id: a.display_name for a in ROSTER}
ADA_ACTOR = Actor(ADA.user_id, ADA.display_name, is_advocate=True)

CHOSEN = IntakeAnswers(
    route=Route.EXPERIENCED,
    employment=Employment.STAFF,
    wishes=(Wish.TALK_TO_ADVOCATE, Wish.JUST_RECORD),
    when=When.PAST_MONTH,
    colleague=YesNoUnsure.YES,
    contact_methods=(ContactMethod.TEAMS, ContactMethod.PERSONAL_EMAIL),
    leave_message=YesNoUnsure.NO,
    gender=Gender.WOMAN,
    age_band=AgeBand.FROM_25_TO_34,
    subject_wish=SubjectWish.ACT_NOW,  # so staff see whom it is about (held: never)
    consent=True,
)
# Asked only on the on-behalf route, so shown only there.
BEHALF_TEXT = ("behalf_name",)
FULL = CHOSEN.with_changes(**{k: v for k, v in CANARIES.items() if k not in BEHALF_TEXT})
ON_BEHALF = FULL.with_changes(
    route=Route.ON_BEHALF,
    behalf_role=BehalfRole.HR,
    behalf_name=CANARIES["behalf_name"],
    behalf_consent=YesNoUnsure.UNSURE,
    gender=None,  # not asked on the on-behalf route
    age_band=None,
)
AGREED = ON_BEHALF.with_changes(behalf_consent=YesNoUnsure.YES)
# Every text answer at its documented limit, in characters that take the most room
# (4 bytes each in UTF-16, which is how Teams counts a message's size).
AT_LIMITS = ON_BEHALF.with_changes(**{name: "😀" * n for name, n in TEXT_LIMITS.items()})


# -- referrals, through the real transitions ---------------------------------------------


def draft(answers: IntakeAnswers = FULL) -> Referral:
    referral = Referral.start_draft(REFERRER, NOW)
    referral.record_answers(REFERRER, answers, IntakeStep.REVIEW, NOW)
    return referral


def submitted(answers: IntakeAnswers = FULL, number: int = 42) -> Referral:
    referral = draft(answers)
    referral.submit(REFERRER, format_reference(2026, number), SMLO_IDS, NOW)
    return referral


def matched() -> Referral:
    """Sent, and found to name the same person as two referrals by someone else."""
    referral = submitted(number=43)
    references = (referral.reference, format_reference(2026, 7), format_reference(2026, 42))
    referral.record_subject_match(references, SMLO_IDS, NOW)
    return referral


def erased(referral: Referral) -> Referral:
    """`referral` with its personal data erased (withdrawn, or at the end of keeping)."""
    referral.erase_personal_data(NOW + timedelta(days=1))
    return referral


def offered(answers: IntakeAnswers = FULL) -> Referral:
    referral = submitted(answers)
    referral.offer(SMLO, ADA, NOW + timedelta(hours=1))
    return referral


def awaiting_after_decline(answers: IntakeAnswers = FULL) -> Referral:
    referral = offered(answers)
    referral.decline(ADA_ACTOR, DeclineReason.NO_CAPACITY, SMLO_IDS, NOW + timedelta(hours=2))
    return referral


def active(answers: IntakeAnswers = FULL) -> Referral:
    referral = offered(answers)
    referral.accept(ADA_ACTOR, SMLO_IDS, NOW + timedelta(hours=2))
    return referral


def signposted(answers: IntakeAnswers = FULL, where: Signpost = Signpost.WELLBEING) -> Referral:
    referral = submitted(answers)
    referral.mark_out_of_remit(SMLO, where, NOW + timedelta(hours=1))
    return referral


def closed_case(answers: IntakeAnswers = FULL) -> Referral:
    referral = active(answers)
    closing = Closure(CloseOutcome.COULD_NOT_REACH, False, "CANARY-closing-note-7f3a")
    referral.close(ADA_ACTOR, NOW + timedelta(days=3), closing, SMLO_IDS)
    return referral


def signposted_to(
    answers: IntakeAnswers = FULL,
    service_id: str = "eap",
    directory: SupportDirectory | None = None,
) -> Referral:
    """Sent to a service in the support directory (the filled-in one unless said)."""
    service = (directory or FILLED_DIRECTORY).get(service_id)
    assert service is not None
    referral = submitted(answers)
    referral.mark_out_of_remit(SMLO, service, NOW + timedelta(hours=1))
    return referral


def reassigned(answers: IntakeAnswers = FULL) -> Referral:
    """Given to Cal by an SMLO after Ada held it, and Cal took it on."""
    referral = active(answers)
    referral.ask_for_new_advocate(REFERRER, SMLO_IDS, NOW + timedelta(days=1))
    referral.reassign(SMLO, CAL, ReassignReason.PERSON_ASKED, NOW + timedelta(days=2))
    return referral


def asked_for_new(answers: IntakeAnswers = FULL) -> Referral:
    referral = active(answers)
    referral.ask_for_new_advocate(REFERRER, SMLO_IDS, NOW + timedelta(days=1))
    return referral


def triaged(answers: IntakeAnswers = FULL) -> Referral:
    referral = submitted(answers)
    decision = TriageDecision(True, Urgency.URGENT, frozenset(Risk))
    referral.record_triage(SMLO, decision, NOW + timedelta(minutes=30))
    return referral


STATES: dict[str, Callable[[IntakeAnswers], Referral]] = {
    "submitted": submitted,
    "offered": offered,
    "active": active,
    "awaiting_after_decline": awaiting_after_decline,
    "signposted": signposted,
    "closed": closed_case,
    "reassigned": reassigned,
    "asked_for_new": asked_for_new,
    "triaged": triaged,
    "signposted_to_service": signposted_to,
}


def real_problems(step: IntakeStep, answers: IntakeAnswers) -> tuple[IntakeAnswers, dict[str, str]]:
    """What the parser says about a card sent back with every field of `step` wrong."""
    wrong: dict[str, str] = {}
    for name in STEP_FIELDS[step]:
        if name in CHOICES or name in MULTI_CHOICES:
            wrong[name] = "not-a-choice"
        elif name == "work_phone":
            wrong[name] = "call me maybe"
        elif name == "personal_email":
            wrong[name] = "not an email"
        else:
            wrong[name] = "x" * (TEXT_LIMITS[name] + 1)
    with pytest.raises(CardPayloadInvalid) as invalid:
        parse_step_answers(step, wrong, answers)
    assert set(invalid.value.problems) == set(STEP_FIELDS[step]), "every field should be wrong"
    return invalid.value.answers or answers, invalid.value.problems


def required_problem() -> tuple[IntakeAnswers, dict[str, str]]:
    """The one required question of the intake, left unanswered."""
    with pytest.raises(CardPayloadInvalid) as invalid:
        parse_step_answers(IntakeStep.ON_BEHALF, {"behalf_role": "hr"}, ON_BEHALF)
    return invalid.value.answers or ON_BEHALF, invalid.value.problems


# -- every card the product can show -----------------------------------------------------


class Face(Enum):
    UNASKED = "arrives unasked, so it must carry no disclosure"
    CONTENT_FREE = "asked for, but has no reason to show any disclosure either"
    READER = "for someone allowed to read the referral, so it shows it"
    OTHER = "shows no referral, or is checked elsewhere"


@dataclass(frozen=True)
class Shown:
    name: str
    build: Callable[[], Element]
    face: Face = Face.OTHER
    problems: tuple[tuple[str, str], ...] = ()  # (input id, problem) passed to the card
    on_behalf: bool = False  # a reader card of an on-behalf referral: shows who the person is
    anonymous: bool = False  # a reader card of a referral anonymous to the service


def _step_variants() -> Iterator[Shown]:
    for step in STEP_BODIES:
        on_behalf = step is IntakeStep.ON_BEHALF
        plain = IntakeAnswers(route=Route.ON_BEHALF) if on_behalf else IntakeAnswers()
        base = ON_BEHALF if on_behalf else FULL
        asked_on_behalf = step in steps_for(ON_BEHALF)
        at_limits = AT_LIMITS if asked_on_behalf else AT_LIMITS.with_changes(route=Route.CONCERN)
        yield Shown(f"step:{step}:empty", partial(step_card, "r1", step, plain))
        yield Shown(f"step:{step}:prefilled", partial(step_card, "r1", step, base))
        if asked_on_behalf:
            yield Shown(f"step:{step}:on_behalf", partial(step_card, "r1", step, ON_BEHALF))
        yield Shown(f"step:{step}:at_limits", partial(step_card, "r1", step, at_limits))
        for notice in (STALE_CARD, WELCOME_BACK):
            yield Shown(
                f"step:{step}:notice:{notice[:12]}",
                partial(step_card, "r1", step, base, notice=notice),
            )
        echoed, problems = real_problems(step, base)
        yield Shown(
            f"step:{step}:problems",
            partial(step_card, "r1", step, echoed, problems),
            problems=tuple(problems.items()),
        )
    for step in SENDER_BODIES:
        echoed, problems = real_problems(step, ON_BEHALF)
        yield Shown(
            f"step:{step}:on_behalf:problems",
            partial(step_card, "r1", step, echoed, problems),
            problems=tuple(problems.items()),
        )
    for step in (IntakeStep.ABOUT_YOU, IntakeStep.SUBJECT, IntakeStep.CONTACT):  # not in Teams
        yield Shown(
            f"step:{step}:outside",
            partial(step_card, "r1", step, ON_BEHALF, outside_teams=True),
        )
        echoed, problems = real_problems(step, ON_BEHALF)
        problems = {k: v for k, v in problems.items() if k not in ("route", "identity")}  # kept
        yield Shown(
            f"step:{step}:outside:problems",
            partial(step_card, "r1", step, echoed, problems, outside_teams=True),
            problems=tuple(problems.items()),
        )
    echoed, problems = required_problem()
    yield Shown(
        "step:on_behalf:required",
        partial(step_card, "r1", IntakeStep.ON_BEHALF, echoed, problems),
        problems=tuple(problems.items()),
    )


def _referrer_cards() -> Iterator[Shown]:
    for has_draft in (False, True):
        for hint in ("", "smlo", "advocate"):
            yield Shown(
                f"welcome:draft={has_draft}:hint={hint[:16]}",
                partial(intake.welcome_card, has_draft, hint, help_lines=HELP_LINES),
            )
    yield Shown("not_now", intake.not_now_card)
    for name, answers in (("", FULL), (":on_behalf", ON_BEHALF)):
        yield Shown(
            f"review{name}",
            partial(in_state, intake.review_card, draft, answers),
            Face.READER,
            on_behalf=answers is ON_BEHALF,
        )
    yield Shown("review:nothing_given", lambda: intake.review_card(draft(IntakeAnswers())))
    yield Shown("review:at_limits", lambda: intake.review_card(draft(AT_LIMITS)))
    yield Shown("review:notice", lambda: intake.review_card(draft(), notice=STALE_CARD))
    yield Shown(
        "review:consent_needed",
        lambda: intake.review_card(draft(FULL.with_changes(consent=False)), CONSENT_NEEDED),
        Face.READER,
        problems=(("consent", CONSENT_NEEDED),),
    )
    yield Shown("receipt", lambda: intake.receipt_card(submitted()), Face.UNASKED)
    yield Shown(
        "receipt:name_held",
        lambda: intake.receipt_card(submitted(FULL.with_changes(subject_wish=None))),
        Face.UNASKED,
    )
    yield Shown(
        "receipt:no_contact_way",
        lambda: intake.receipt_card(submitted(FULL.with_changes(contact_methods=()))),
        Face.UNASKED,
    )
    yield Shown(
        "receipt:quick",
        lambda: intake.receipt_card(submitted(quick_request(IntakeAnswers(consent=True)))),
        Face.UNASKED,
    )
    for has_draft in (False, True):
        build = partial(intake.ask_contact_card, "f" * 32, has_draft)
        yield Shown(f"ask_contact:draft={has_draft}", build)
    yield Shown(
        "ask_contact:consent_needed",
        partial(intake.ask_contact_card, "f" * 32, False, CONSENT_NEEDED),
        problems=(("consent", CONSENT_NEEDED),),
    )
    yield Shown(
        "receipt:on_behalf",
        lambda: intake.receipt_for(submitted(ON_BEHALF)),
        Face.UNASKED,
    )
    yield Shown(
        "receipt:sender",
        lambda: intake.sender_receipt_card(submitted().reference, submitted().submitted_at),
        Face.UNASKED,
    )
    yield Shown("stop", lambda: intake.stop_card(draft().id))
    yield Shown("kept", lambda: intake.kept_card(KEEP_DAYS))
    yield Shown("deleted", intake.deleted_card)
    yield Shown("cleared", intake.cleared_card)
    yield Shown("my_referrals:none", lambda: referrer.my_referrals_card([]))
    yield Shown(
        "my_referrals:some",
        lambda: referrer.my_referrals_card([submitted(), active(), signposted()]),
        Face.CONTENT_FREE,
    )
    yield Shown(
        "withdraw_confirm", lambda: referrer.withdraw_confirm_card(submitted()), Face.CONTENT_FREE
    )
    yield Shown("withdrawn", lambda: referrer.withdrawn_card(submitted().reference))


def in_state(
    show: Callable[[Referral], Element],
    build: Callable[[IntakeAnswers], Referral],
    answers: IntakeAnswers,
) -> Element:
    return show(build(answers))


def smlo_card(referral: Referral) -> Element:
    return smlo.referral_card(referral, NAMES, support=FILLED_DIRECTORY)


def details_card(referral: Referral) -> Element:
    return smlo.details_card(referral, NAMES, support=FILLED_DIRECTORY)


def allocation_card(referral: Referral, problem: str = "") -> Element:
    """The allocation card with the options the domain works out for this referral."""
    choices = allocation_options(referral, ROSTER, {ADA.user_id: 3, BEN.user_id: 1}, on=TODAY)
    return smlo.allocation_card(referral, choices, problem)


# Named in "avoid", by name and by team, so the allocation card flags two conflicts.
CONFLICTED = FULL.with_changes(avoid=f"{CANARIES['avoid']} Ada Lovell, or anyone in Custody")


def _smlo_cards() -> Iterator[Shown]:
    for state, build in STATES.items():
        yield Shown(
            f"smlo_referral:{state}",
            partial(in_state, smlo_card, build, FULL),
            Face.UNASKED,
        )
        yield Shown(
            f"smlo_referral:{state}:on_behalf",
            partial(in_state, smlo_card, build, ON_BEHALF),
            Face.UNASKED,
        )
        yield Shown(
            f"details:{state}",
            partial(in_state, details_card, build, ON_BEHALF),
            Face.READER,
            on_behalf=True,
        )
    yield Shown(
        "details:on_behalf:agreed",
        lambda: details_card(active(AGREED)),
        Face.READER,
        on_behalf=True,
    )
    yield Shown("details:experienced", lambda: details_card(active()), Face.READER)
    yield Shown(
        "smlo_referral:already_done",
        lambda: smlo.referral_card(offered(), NAMES, ALREADY_DONE, support=SHIPPED_DIRECTORY),
        Face.UNASKED,
    )
    yield Shown(
        "smlo_referral:asked",
        lambda: smlo.referral_card(
            offered(),
            NAMES,
            f"We have asked {ADA.display_name}. We will tell you their answer.",
            support=SHIPPED_DIRECTORY,
        ),
        Face.UNASKED,
    )
    conflict = offered()
    conflict.decline(ADA_ACTOR, DeclineReason.CONFLICT, SMLO_IDS, NOW + timedelta(hours=2))
    yield Shown("smlo_referral:declined_conflict", lambda: smlo_card(conflict), Face.UNASKED)
    returned = offered()
    returned.return_offer(SMLO, replace(ADA, active=False), SMLO_IDS, NOW + timedelta(hours=2))
    yield Shown("smlo_referral:offer_returned", lambda: smlo_card(returned), Face.UNASKED)
    yield Shown(
        "smlo_update:offer_returned",
        lambda: notices.update_card(
            returned.reference, update_words(Kind.DECLINED, returned, NAMES)
        ),
        Face.UNASKED,
    )
    for kind, referral in (
        (Kind.ACCEPTED, active()),
        (Kind.DECLINED, awaiting_after_decline()),
        (Kind.WITHDRAWN, conflict),
    ):
        words = update_words(kind, referral, NAMES)
        yield Shown(
            f"smlo_update:{kind}",
            partial(notices.update_card, referral.reference, words),
            Face.UNASKED,
        )
    yield Shown(
        "notification:offered",
        lambda: notification_card(
            Kind.OFFERED, offered(), NAMES, frozenset(), ADA.user_id, support=SHIPPED_DIRECTORY
        ),
        Face.UNASKED,
    )
    yield Shown("details:at_limits", lambda: details_card(active(AT_LIMITS)))
    yield Shown(
        "details:unknown_advocate",
        lambda: smlo.details_card(active(), {}, support=SHIPPED_DIRECTORY),
    )
    for state, build in (("submitted", submitted), ("awaiting", awaiting_after_decline)):
        yield Shown(
            f"allocation:{state}:conflicts",
            partial(in_state, allocation_card, build, CONFLICTED),
            Face.CONTENT_FREE,
        )
    yield Shown(
        "allocation:problem",
        lambda: allocation_card(submitted(), "Please choose someone."),
        problems=(("advocate_id", "Please choose someone."),),
    )
    yield Shown("allocation:no_advocates", lambda: smlo.allocation_card(submitted(), []))
    for name, directory in (
        ("shipped", SHIPPED_DIRECTORY),
        ("filled", FILLED_DIRECTORY),
        ("empty", SupportDirectory()),
        ("longest", LONGEST_DIRECTORY),
    ):
        yield Shown(
            f"out_of_remit:{name}",
            partial(in_state, partial(smlo.out_of_remit_card, support=directory), submitted, FULL),
            Face.CONTENT_FREE,
        )
    for problem in ("Please choose where they should go.", SERVICE_NOT_LISTED):
        yield Shown(
            f"out_of_remit:problem:{problem[:20]}",
            partial(smlo.out_of_remit_card, submitted(), FILLED_DIRECTORY, problem),
            problems=(("signpost", problem),),
        )
    yield Shown(
        "subject_match:alert", lambda: subjects_module.match_alert_card(matched()), Face.UNASKED
    )
    yield Shown(
        "subject_match:open",
        lambda: subjects_module.match_card(matched(), [submitted(number=7), active()]),
        Face.CONTENT_FREE,
    )
    yield Shown("subject_match:none_left", lambda: subjects_module.match_card(matched(), []))
    yield Shown(
        "subject_match:alert_erased",
        lambda: subjects_module.match_alert_card(erased(matched())),
        Face.UNASKED,
    )
    yield Shown("inbox:empty", lambda: smlo.inbox_card([]))
    yield Shown("roster:empty", lambda: smlo.roster_card([]))
    yield Shown("undelivered:none", lambda: undelivered_card([], SERVICE_LEADS, NAMES))
    yield Shown(
        "undelivered:none_after_retry",
        lambda: undelivered_card([], SERVICE_LEADS, NAMES, "That one has already gone again."),
    )
    yield Shown(
        "undelivered:some",
        lambda: undelivered_card(STUCK, SERVICE_LEADS, NAMES, "We are trying again now."),
        Face.CONTENT_FREE,
    )
    yield Shown(
        "roster:some",
        lambda: smlo.roster_card([(ADA, 2), (BEN, 0), (replace(CAL, active=False), 0)]),
        Face.CONTENT_FREE,
    )
    checked_in = Checkin(
        ADA.user_id, "2026-03", Feeling.TALK, 1, 12, datetime(2026, 3, 2, tzinfo=UTC)
    )
    yield Shown(
        "roster:check-ins",
        lambda: smlo.roster_card([(ADA, 2), (BEN, 0)], checkins={ADA.user_id: checked_in}),
        Face.CONTENT_FREE,
    )
    yield Shown(
        "audit",
        lambda: audit_card(submitted(), AUDIT_TRAIL, NAMES),
        Face.CONTENT_FREE,
    )
    yield Shown(
        "inbox:some",
        lambda: smlo.inbox_card([submitted(), awaiting_after_decline()]),
        Face.CONTENT_FREE,
    )
    yield Shown(
        "inbox:over_limit",
        lambda: smlo.inbox_card([submitted(FULL, n) for n in range(1, 26)]),
    )


def _advocate_cards() -> Iterator[Shown]:
    yield Shown("offer", lambda: advocate.offer_card(offered()), Face.UNASKED)
    yield Shown("offer:on_behalf", lambda: advocate.offer_card(offered(ON_BEHALF)), Face.UNASKED)
    yield Shown("offer:notice", lambda: advocate.offer_card(offered(), STALE_CARD), Face.UNASKED)
    yield Shown("decline", lambda: advocate.decline_card(offered()), Face.CONTENT_FREE)
    yield Shown(
        "decline:problem",
        lambda: advocate.decline_card(offered(), "Please choose a reason."),
        problems=(("reason", "Please choose a reason."),),
    )
    yield Shown(
        "declined", lambda: advocate.declined_card(awaiting_after_decline()), Face.CONTENT_FREE
    )
    yield Shown("case", lambda: advocate.case_card(active(ON_BEHALF)), Face.READER, on_behalf=True)
    yield Shown(
        "case:on_behalf:agreed",
        lambda: advocate.case_card(active(AGREED)),
        Face.READER,
        on_behalf=True,
    )
    yield Shown("case:experienced", lambda: advocate.case_card(active()), Face.READER)
    yield Shown("case:at_limits", lambda: advocate.case_card(active(AT_LIMITS)))
    yield Shown("my_cases:empty", lambda: advocate.my_cases_card([]))
    yield Shown("case_gone", advocate.case_gone_card, Face.CONTENT_FREE)
    # A case or details card folded back, or cleared, by the sweep: it replaces what the
    # person had open, unasked, so it must carry nothing about the person.
    yield Shown("case_folded", lambda: advocate.case_folded_card(active(AT_LIMITS)), Face.UNASKED)
    for fate in sorted(CLEARED):
        yield Shown(
            f"details_cleared:{fate}",
            partial(notices.details_cleared_card, "SMA-2026-0007", fate),
            Face.UNASKED,
        )
    yield Shown(
        "my_cases:some",
        lambda: advocate.my_cases_card([offered(), active()]),
        Face.CONTENT_FREE,
    )


def _triage_cards() -> Iterator[Shown]:
    yield Shown("triage", partial(triage_module.triage_card, submitted()), Face.CONTENT_FREE)
    yield Shown("triage:again", partial(triage_module.triage_card, triaged()), Face.CONTENT_FREE)
    problems = {"in_remit": UNKNOWN_CHOICE, "urgency": UNKNOWN_CHOICE, "risks": UNKNOWN_CHOICE}
    yield Shown(
        "triage:problems",
        partial(triage_module.triage_card, submitted(), problems),
        problems=tuple(problems.items()),
    )
    yield Shown(
        "inbox:triaged", lambda: smlo.inbox_card([submitted(), triaged()]), Face.CONTENT_FREE
    )


ESCALATION_CANARY = "CANARY-escalation-7f3a"
ESCALATED = Escalation(
    Destination.PSD,
    Consent.CONSENTED,
    NOW.date(),
    ESCALATION_CANARY,
    tuple(InfoCategory),
    note=ESCALATION_CANARY,
)


def escalated(answers: IntakeAnswers = FULL) -> Referral:
    """An active case with a decision the person was told of, one they were not, and a
    consent withdrawn."""
    referral = active(answers)
    at = NOW + timedelta(hours=4)
    told = referral.record_escalation(SMLO, ESCALATED, at)
    silent = replace(
        ESCALATED,
        destination=Destination.CRIME_REPORT,
        consent=Consent.WITHOUT_CONSENT,
        approved_by=ESCALATION_CANARY,
        tell_person=False,
        not_told_reason=ESCALATION_CANARY,
    )
    referral.record_escalation(SMLO, silent, at)
    referral.record_escalation(SMLO, replace(ESCALATED, destination=Destination.HR), at)
    referral.withdraw_consent(REFERRER, told.id, SMLO_IDS, at)
    return referral


def _escalation_cards() -> Iterator[Shown]:
    yield Shown(
        "escalation", partial(escalation_module.escalation_card, active()), Face.CONTENT_FREE
    )
    yield Shown(
        "escalation:again", partial(escalation_module.escalation_card, escalated()), Face.OTHER
    )
    problems = {
        name: "Please fill this in."
        for name in ("destination", "consent", "categories", "decided_on", *escalation_module.TEXTS)
    }
    at_limits = {name: "x" * RECORD_LIMITS[name] for name in escalation_module.TEXTS}
    sent = {**at_limits, "categories": ",".join(InfoCategory), "destination": "psd"}
    yield Shown(
        "escalation:problems",
        partial(escalation_module.escalation_card, active(), problems, sent, "2026-03-02"),
        problems=tuple(problems.items()),
    )
    for kind in (Kind.ESCALATED,):
        yield Shown(
            f"notification:{kind}",
            partial(
                notification_card,
                kind,
                escalated(),
                NAMES,
                frozenset({SMLO.user_id}),
                REFERRER.user_id,
                support=SHIPPED_DIRECTORY,
            ),
            Face.UNASKED,
        )
    yield Shown(
        "notification:escalated:declined",
        partial(
            escalation_module.escalated_card,
            _declined(),
            "",
        ),
        Face.UNASKED,
    )
    yield Shown(
        "smlo_update:consent_withdrawn",
        partial(
            notification_card,
            Kind.CONSENT_WITHDRAWN,
            escalated(),
            NAMES,
            frozenset({SMLO.user_id}),
            SMLO.user_id,
            support=SHIPPED_DIRECTORY,
        ),
        Face.UNASKED,
    )
    referral = escalated()
    decision = referral.escalations[-1]
    yield Shown(
        "withdraw_consent:confirm",
        partial(escalation_module.withdraw_consent_confirm_card, referral, decision),
        Face.CONTENT_FREE,
    )
    yield Shown(
        "withdraw_consent:done",
        partial(escalation_module.consent_withdrawn_card, referral),
        Face.CONTENT_FREE,
    )
    yield Shown(
        "my_referrals:escalated",
        partial(referrer.my_referrals_card, [escalated()]),
        Face.CONTENT_FREE,
    )
    yield Shown("smlo_referral:escalated", lambda: smlo_card(escalated()), Face.UNASKED)
    yield Shown("details:escalated", lambda: details_card(escalated()))


def _declined() -> Referral:
    referral = active()
    declined = replace(ESCALATED, consent=Consent.DECLINED, categories=())
    referral.record_escalation(SMLO, declined, NOW + timedelta(hours=4))
    return referral


def with_pathway() -> Referral:
    """An active case with every kind of step, each started and ended at its longest."""
    referral = escalated()
    for kind in StepKind:
        for status, outcome in (
            (StepStatus.STARTED, None),
            (StepStatus.OUTCOME, StepOutcome.OTHER),
        ):
            step = PathwayStep(kind, status, NOW.date(), StepConsent.WITHOUT_CONSENT, outcome)
            referral.record_pathway_step(SMLO, step, NOW + timedelta(hours=5))
    return referral


def _pathway_cards() -> Iterator[Shown]:
    yield Shown("pathway", partial(pathway_module.pathway_card, active()), Face.CONTENT_FREE)
    yield Shown(
        "pathway:again", partial(pathway_module.pathway_card, with_pathway()), Face.CONTENT_FREE
    )
    problems = {name: "Please choose." for name in ("kind", "status", "outcome", "consent", "on")}
    sent = {"kind": "grievance", "status": "outcome", "consent": "consented"}
    yield Shown(
        "pathway:problems",
        partial(pathway_module.pathway_card, active(), problems, sent, "2026-03-02"),
        Face.CONTENT_FREE,
        problems=tuple(problems.items()),
    )
    yield Shown("smlo_referral:pathway", lambda: smlo_card(with_pathway()), Face.UNASKED)
    yield Shown("details:pathway", lambda: details_card(with_pathway()))


def _reassignment_cards() -> Iterator[Shown]:
    options = allocation_options(asked_for_new(), ROSTER, {ADA.user_id: 2}, on=TODAY)
    yield Shown(
        "reassign", partial(smlo.reassign_card, asked_for_new(), options), Face.CONTENT_FREE
    )
    problems = {"reason": "Please choose why.", "advocate_id": "Please choose someone."}
    yield Shown(
        "reassign:problems",
        partial(smlo.reassign_card, asked_for_new(), options, problems),
        problems=tuple(problems.items()),
    )
    yield Shown("reassign:nobody", partial(smlo.reassign_card, asked_for_new(), []))
    yield Shown("reassigned", partial(notices.reassigned_card, reassigned()), Face.UNASKED)
    yield Shown(
        "closed_for_advocate",
        partial(notices.closed_for_advocate_card, closed_case()),
        Face.UNASKED,
    )
    yield Shown(
        "new_advocate_confirm",
        partial(referrer.new_advocate_confirm_card, active()),
        Face.CONTENT_FREE,
    )
    yield Shown(
        "new_advocate_asked", partial(referrer.new_advocate_asked_card, active()), Face.CONTENT_FREE
    )
    yield Shown(
        "allocated:new_advocate", partial(notices.allocated_card, reassigned()), Face.UNASKED
    )
    yield Shown(
        "my_referrals:asked",
        partial(referrer.my_referrals_card, [asked_for_new(), active()]),
        Face.CONTENT_FREE,
    )


ANONYMOUS = FULL.with_changes(identity=Identity.ANONYMOUS)


def _anonymity_cards() -> Iterator[Shown]:
    """A referral anonymous to the service, on every card that shows who referred."""
    yield Shown(
        "step:about_you:anonymous", partial(step_card, "r1", IntakeStep.ABOUT_YOU, ANONYMOUS)
    )
    yield Shown("step:contact:anonymous", partial(step_card, "r1", IntakeStep.CONTACT, ANONYMOUS))
    refused = ON_BEHALF.with_changes(identity=Identity.ANONYMOUS)
    problems = {"identity": NOT_ON_BEHALF}
    yield Shown(
        "step:about_you:anonymous_on_behalf",
        partial(step_card, "r1", IntakeStep.ABOUT_YOU, refused, problems),
        problems=tuple(problems.items()),
    )
    yield Shown("review:anonymous", lambda: intake.review_card(draft(ANONYMOUS)), Face.READER)
    yield Shown(
        "receipt:anonymous", lambda: intake.receipt_card(submitted(ANONYMOUS)), Face.UNASKED
    )
    yield Shown(
        "details:anonymous", lambda: details_card(active(ANONYMOUS)), Face.READER, anonymous=True
    )
    yield Shown(
        "case:anonymous",
        lambda: advocate.case_card(active(ANONYMOUS)),
        Face.READER,
        anonymous=True,
    )
    yield Shown("smlo_referral:anonymous", lambda: smlo_card(submitted(ANONYMOUS)), Face.UNASKED)
    yield Shown("inbox:anonymous", lambda: smlo.inbox_card([submitted(ANONYMOUS)]), Face.UNASKED)
    yield Shown(
        "allocation:anonymous",
        lambda: allocation_card(submitted(ANONYMOUS.with_changes(avoid=""))),
        Face.CONTENT_FREE,
    )
    yield Shown(
        "my_referrals:anonymous",
        partial(referrer.my_referrals_card, [submitted(ANONYMOUS), active(ANONYMOUS)]),
        Face.CONTENT_FREE,
    )
    yield Shown(
        "share_identity_confirm",
        partial(referrer.share_identity_confirm_card, active(ANONYMOUS)),
        Face.CONTENT_FREE,
    )
    yield Shown(
        "identity_shared", partial(referrer.identity_shared_card, active()), Face.CONTENT_FREE
    )
    yield Shown(
        "escalation:anonymous",
        partial(escalation_module.escalation_card, active(ANONYMOUS)),
        Face.CONTENT_FREE,
    )


def _notices() -> Iterator[Shown]:
    yield Shown("allocated", lambda: notices.allocated_card(active()), Face.UNASKED)
    yield Shown(
        "allocated:on_behalf", lambda: notices.allocated_card(active(ON_BEHALF)), Face.UNASKED
    )
    yield Shown(
        "withdrawn_for_advocate",
        lambda: notices.withdrawn_for_advocate_card(active()),
        Face.UNASKED,
    )
    yield Shown("case_closed", lambda: notices.case_closed_card(active(), HELP_LINES), Face.UNASKED)
    for where in Signpost:
        for name, directory in (("shipped", SHIPPED_DIRECTORY), ("networks", NETWORKS)):
            yield Shown(
                f"signposted:{where}:{name}",
                partial(notices.signposted_card, signposted(FULL, where), directory),
                Face.UNASKED,
            )
    for service in signpost_targets(FILLED_DIRECTORY):
        yield Shown(
            f"signposted_to:{service.id}",
            partial(notices.signposted_card, signposted_to(FULL, service.id), FILLED_DIRECTORY),
            Face.UNASKED,
        )
    yield Shown(
        "signposted_to:since_taken_out",
        partial(notices.signposted_card, signposted_to(FULL, "eap"), SHIPPED_DIRECTORY),
        Face.UNASKED,
    )
    yield Shown(
        "signposted:staff_network:longest",
        partial(
            notices.signposted_card, signposted(FULL, Signpost.STAFF_NETWORK), LONGEST_DIRECTORY
        ),
        Face.UNASKED,
    )
    yield Shown(
        "signposted_to:longest",
        partial(
            notices.signposted_card,
            signposted_to(FULL, LONGEST_DIRECTORY.services[0].id, LONGEST_DIRECTORY),
            LONGEST_DIRECTORY,
        ),
        Face.UNASKED,
    )
    for title, message in (
        NOT_FOR_YOU,
        OUT_OF_DATE,
        ALREADY_WITHDRAWN,
        UNREADABLE,
        NOT_FOUND,
        ADVOCATE_GONE,
        DIRECTORY_DOWN,
        SERVICE_GONE,
        THREAD_CLOSED,
        NOT_IN_TEAMS,
    ):
        yield Shown(f"problem:{title}", partial(notices.problem_card, title, message))
    yield Shown(
        "problem:unexpected", lambda: notices.problem_card(*UNEXPECTED, error_id="5F3A09C2")
    )
    for name, words in (
        ("stopped", STOPPED),
        ("no_draft", NO_DRAFT),
        ("details_not_shown", DETAILS_NOT_SHOWN),
    ):
        yield Shown(f"note:{name}", partial(notices.note_card, words))
    yield from _checkin_cards()
    yield from _digest_cards()


def _digest_cards() -> Iterator[Shown]:
    nothing = Digest({})
    some = Digest(
        {
            Line.TRIAGE: Count(3, 1),
            Line.ADVOCATE: Count(2, 0),
            Line.OFFERS: Count(1, 1),
            Line.REVIEWS: Count(12, 4),
        }
    )
    yield Shown("digest:nothing", partial(digest_module.digest_card, nothing))
    yield Shown("digest:some", partial(digest_module.digest_card, some))


def _checkin_cards() -> Iterator[Shown]:
    at = datetime(2026, 6, 3, 10, 0, tzinfo=UTC)
    for kind in (Kind.CHECKIN_DUE, Kind.ONE_TO_ONE_ASKED):
        notice = Notification.new("checkin-notice:x", "u-1", kind, at)
        yield Shown(f"checkin:{kind}", partial(notifications_module.checkin_notice_card, notice))
    problems = dict(checkins_module.PROBLEM_WORDS)
    yield Shown("checkin:problems", partial(checkins_module.checkin_card, "2026-06", problems))
    for feeling in Feeling:
        answered = Checkin("u-1", "2026-06", feeling, 2, 5, at)
        yield Shown(f"checkin:thanks:{feeling}", partial(checkins_module.thanks_card, answered))


def _message_cards() -> Iterator[Shown]:
    at = datetime(2026, 6, 3, 10, 0, tzinfo=UTC)
    said = [
        ThreadMessage("m1", Sender.REFERRER, Recipient.SMLOS, "Can we talk on Friday?", at, at),
        ThreadMessage("m2", Sender.SMLO, Recipient.REFERRER, "Yes, I will call you then.", at),
        ThreadMessage("m3", Sender.ADVOCATE, Recipient.REFERRER, "I will be there too.", at),
    ]
    mid = "f" * 32
    for reader in Sender:
        build = partial(messages_module.thread_card, active(), reader, said, mid)
        yield Shown(f"thread:{reader}", build)
    yield Shown(
        "thread:empty", partial(messages_module.thread_card, submitted(), Sender.SMLO, [], mid)
    )
    yield Shown(
        "thread:on_behalf",
        partial(messages_module.thread_card, active(ON_BEHALF), Sender.ADVOCATE, said, mid),
    )
    yield Shown(
        "thread:closed", partial(messages_module.thread_card, closed_case(), Sender.SMLO, said, mid)
    )
    for problem in (
        "empty",
        "2001 characters; the limit is 2000",
        "characters that cannot be stored",
    ):
        note = messages_module.problem_words(problem)
        yield Shown(
            f"thread:problem:{problem}",
            partial(
                messages_module.thread_card,
                active(),
                Sender.REFERRER,
                said,
                mid,
                typed="x" * 2001,
                problem=note,
            ),
            problems=(("text", note),),
        )
    yield Shown("new_message", partial(messages_module.new_message_card, active()), Face.UNASKED)
    for reader in Sender:  # replaces the thread unasked, once it has been open a while
        folded = partial(messages_module.thread_folded_card, active(AT_LIMITS), reader)
        yield Shown(f"thread_folded:{reader}", folded, Face.UNASKED)
    for fate in sorted(CLEARED):
        cleared = partial(messages_module.thread_cleared_card, "SMA-2026-0007", fate)
        yield Shown(f"thread_cleared:{fate}", cleared, Face.UNASKED)
    # A long thread pages back; the worst a page can hold: the biggest messages in the
    # characters that grow most in a card (escaped, or four bytes each), words shown back.
    for name, char in (("long", "x"), ("emoji", "😀"), ("escaped", "\\")):
        many_said = [
            ThreadMessage(f"m{n}", Sender.REFERRER, Recipient.SMLOS, char * 2000, at)
            for n in range(25)
        ]
        for start in (0, 10):
            build = partial(
                messages_module.thread_card,
                active(),
                Sender.SMLO,
                many_said,
                mid,
                typed=char * (2000 + messages_module.ECHO_EXTRA),
                problem=messages_module.problem_words("too_long"),
                start=start,
            )
            # Words that would take too much room are not shown back, and the note says so.
            shown_back = name == "long"
            note = (
                messages_module.problem_words("too_long")
                if shown_back
                else messages_module.TOO_LONG_TO_SHOW
            )
            yield Shown(f"thread:{name}:from_{start}", build, problems=(("text", note),))
    yield Shown(
        "thread:too_long_to_show",
        partial(
            messages_module.thread_card,
            active(),
            Sender.REFERRER,
            said,
            mid,
            typed="x" * 9000,
            problem=messages_module.problem_words("too_long"),
        ),
        problems=(("text", messages_module.TOO_LONG_TO_SHOW),),
    )
    # Words typed in the chat, offered back to send: for one referral, for several, and
    # over the limit (shown back) or far over it (not shown).
    typed = "Can I speak to my advocate please?"
    many = [submitted(number=n) for n in range(1, 6)]
    too_long = messages_module.problem_words("too_long")
    offers: dict[str, tuple[list[Referral], str, str]] = {
        "one:submitted": ([submitted()], typed, ""),
        "one:active": ([active()], typed, ""),
        "several": (many, typed, ""),
        "over_limit": ([active()], "x" * (2000 + messages_module.ECHO_EXTRA), too_long),
        "far_over_limit": ([active()], "x" * 9000, messages_module.TOO_LONG_TO_SHOW),
    }
    for name, (referrals, words, problem) in offers.items():
        ids = [f"{n:032x}" for n in range(len(referrals))]
        build = partial(messages_module.typed_words_card, referrals, words, ids)
        problems = (("text", problem),) if problem else ()
        yield Shown(f"typed_words:{name}", build, problems=problems)
    yield Shown("not_sent", messages_module.not_sent_card, Face.CONTENT_FREE)


def _stuck() -> list[tuple[Notification, Referral]]:
    referral = active()
    kinds = (Kind.NEW_REFERRAL, Kind.OFFERED, Kind.ADVOCATE_ALLOCATED, Kind.WITHDRAWN)
    recipients = ("smlo-1", ADA.user_id, referral.referrer_id, "someone-else")
    return [
        (replace(Notification.new(referral.id, who, kind, NOW), last_error="403"), referral)
        for kind, who in zip(kinds, recipients, strict=True)
    ]


STUCK = _stuck()
SERVICE_LEADS = frozenset({"smlo-1"})

AUDIT_TRAIL = [
    AuditEntry(NOW, "r", "", ActorRole.REFERRER, AuditAction.SUBMIT, Outcome.ALLOWED),
    AuditEntry(NOW, "r", "smlo-1", ActorRole.SMLO, AuditAction.VIEW_DETAILS, Outcome.ALLOWED),
    AuditEntry(NOW, "r", "smlo-1", ActorRole.SMLO, AuditAction.VIEW_DETAILS, Outcome.ALLOWED),
    AuditEntry(NOW, "r", ADA.user_id, ActorRole.ADVOCATE, AuditAction.ACCEPT, Outcome.ALLOWED),
    AuditEntry(NOW, "r", "x-123456", ActorRole.OTHER, AuditAction.VIEW_DETAILS, Outcome.REFUSED),
    AuditEntry(NOW, "r", "system", ActorRole.SYSTEM, AuditAction.PURGE, Outcome.ALLOWED),
]


def _roster_changes() -> Iterator[Shown]:
    """Every answer to `add advocate …` / `remove advocate …`, each way the group can go."""
    pat = Person("p-1", "Pat *O'Brien*")
    others = (pat, Person("p-2", "Pat Okafor"), Person("p-3", "Patrick [Lee](https://x.example)"))
    plain_results = {
        RosterResult.ASK_WHO: RosterChange(RosterResult.ASK_WHO),
        RosterResult.NOT_FOUND: RosterChange(RosterResult.NOT_FOUND, "Pat O'Brien"),
        RosterResult.SEVERAL: RosterChange(RosterResult.SEVERAL, "Pat", candidates=others),
        RosterResult.ALREADY_ADVOCATE: RosterChange(RosterResult.ALREADY_ADVOCATE, "Pat", pat),
        RosterResult.NOT_ADVOCATE: RosterChange(RosterResult.NOT_ADVOCATE, "Pat", pat),
    }
    for result, change in plain_results.items():
        yield Shown(f"roster_change:{result}", partial(roster_module.roster_change_card, change))
    for group in GroupChange:
        for result in (RosterResult.ADDED, RosterResult.REMOVED):
            if (result, group) == (RosterResult.ADDED, GroupChange.THROUGH_OTHER_GROUP):
                continue  # adding never reaches a nested group
            for cases in (0, 1, 3) if result is RosterResult.REMOVED else (0,):
                change = RosterChange(result, "Pat", pat, group=group, open_cases=cases)
                yield Shown(
                    f"roster_change:{result}:{group}:{cases}",
                    partial(roster_module.roster_change_card, change),
                )


def _second_half(tallies: MonthTallies, months: Sequence[str]) -> MonthTallies:
    """The same months again, six months on: a busy year."""
    later = [month_at(month_index(m) + 6) for m in months]
    return {
        new: dict(tallies[old]) for old, new in zip(months, later, strict=True) if old in tallies
    }


def _statistics_cards() -> Iterator[Shown]:
    """The SMLO's figures: busy (with other reviews to choose), everyone alike, too few to
    break down, none at all, and before any review has ended."""
    offered = offered_periods(datetime(2027, 1, 5, tzinfo=UTC), "2025-06")
    first = next(p for p in reversed(offered) if p.kind is PeriodKind.WINDOW)
    months = first.months
    m = Measure
    busy: MonthTallies = {
        month: {(m.RECEIVED, ""): n, (m.ROUTE, Route.EXPERIENCED): n, (m.GENDER, "not_given"): n}
        for month, n in zip(months, (6, 0, 2, 7, 5, 9), strict=True)
        if n
    }
    busy[months[-1]] |= {
        (m.WISH, Wish.TALK_TO_ADVOCATE): 7,
        (m.WISH, Wish.INFORMATION): 3,
        (m.RESULT, Result.ALLOCATED): 6,
        (m.RESULT, Result.WITHDRAWN): 1,
        (m.ADVOCATE, ADA.user_id): 6,
        # What the advocates' case records count:
        (m.CONTACT, ContactMade.FIRST): 6,
        (m.CONTACT, ContactMade.AGAIN): 14,
        (m.CONTACT, ContactMade.NOT_REACHED): 3,
        (m.ONWARD_REFERRAL, Onward.INTERNAL): 5,
        (m.ONWARD_REFERRAL, Onward.EXTERNAL): 2,
        (m.ONWARD_OUTCOME, OnwardOutcome.ACCEPTED): 5,
        (m.RISK, RiskLevel.MEDIUM): 8,
        (m.RISK, RiskLevel.HIGH): 1,
        (m.UPDATE, UpdateKind.SPECIAL_MEASURES): 5,
        (m.UPDATE, UpdateKind.OTHER): 9,
        (m.RESULT, Result.CLOSED): 12,
        (m.CLOSED_AS, CloseOutcome.SUPPORT_COMPLETED): 7,
        (m.CLOSED_AS, CloseOutcome.OTHER): 5,
        # How long it took: every referral taken on was taken on within a day.
        (m.TIME_TO_ALLOCATION, Wait.WITHIN_A_DAY): 6,
        (m.TIME_TO_FIRST_CONTACT, Wait.DAYS_1_TO_2): 5,
        (m.TIME_TO_FIRST_CONTACT, Wait.OVER_14_DAYS): 1,
        # What referrals became, and what the service lead passed on:
        (m.BECAME, StepKind.MISCONDUCT): 5,
        (m.BECAME, StepKind.CRIMINAL): 2,
        **{(m.ESCALATED_TO, d.value): 6 for d in Destination},
    }
    few: MonthTallies = {months[3]: {(m.RECEIVED, ""): 2, (m.ROUTE, Route.CONCERN): 2}}
    few[months[3]] |= {(m.RESULT, Result.CLOSED): 2, (m.CLOSED_AS, NOT_GIVEN): 2}
    alike: MonthTallies = {months[5]: {(m.RECEIVED, ""): 6, (m.GENDER, Gender.WOMAN): 6}}
    alike[months[5]] |= {
        (m.RESULT, Result.CLOSED): 6,
        (m.CLOSED_AS, CloseOutcome.COULD_NOT_REACH): 6,
        (m.CONTACT, ContactMade.FIRST): 2,
        (m.CONTACT, ContactMade.AGAIN): 1,
        (m.TIME_TO_FIRST_CONTACT, Wait.WITHIN_A_DAY): 2,
    }
    empty: MonthTallies = {}
    for name, tallies in (("some", busy), ("alike", alike), ("too_few", few), ("none", empty)):
        report = build_report(months, tallies)
        choices = offered if name == "some" else [first]
        yield Shown(
            f"statistics:{name}",
            partial(statistics_module.statistics_card, report, choices),
            Face.CONTENT_FREE,
        )
    # The busiest card there is: a year, with every choice the drop-down ever offers.
    year = Period(first.first, PeriodKind.YEAR)
    years_on = offered_periods(datetime(2035, 1, 5, tzinfo=UTC), first.first)
    yield Shown(
        "statistics:year",
        partial(
            statistics_module.statistics_card,
            report_for(year, busy | _second_half(busy, months), first.first, HighsSolver()),
            years_on,
        ),
        Face.CONTENT_FREE,
    )
    yield Shown(
        "statistics:none_ended",
        partial(statistics_module.statistics_card, None, ()),
        Face.CONTENT_FREE,
    )


HELP_FOR = {
    "referrer": help_module.HelpFor(),
    "referrer_with_draft": help_module.HelpFor(has_draft=True),
    "smlo": help_module.HelpFor(smlo=True),
    "advocate": help_module.HelpFor(advocate=True),
    "off_the_list": help_module.HelpFor(off_the_list=True),
    "smlo_and_advocate": help_module.HelpFor(smlo=True, advocate=True, has_draft=True),
}


def _help_cards() -> Iterator[Shown]:
    for name, who in HELP_FOR.items():
        yield Shown(f"help:{name}", partial(help_module.help_card, who, help_lines=HELP_LINES))
        yield Shown(
            f"help:{name}:not_understood",
            partial(help_module.help_card, who, help_lines=HELP_LINES, not_understood=True),
        )


SHIPPED_DIRECTORY = shipped_support_directory()
HELP_LINES = support_module.help_lines(SHIPPED_DIRECTORY)
# The force's own services filled in, with every way of reaching them and their own hours.
FILLED_DIRECTORY = SupportDirectory(
    (
        *SHIPPED_DIRECTORY.listed,
        SupportService(
            "eap",
            "Employee **assistance** programme",
            "Free, private counselling for staff.",
            Category.EAP,
            internal=True,
            contact=Contact("0100 000 0000", "60000", "https://eap.example.org/staff"),
            hours="Monday to Friday, 9am to 5pm",
            source="Our intranet",
        ),
        SupportService(
            "night-line",
            "Night line",
            "Someone to talk to at night.",
            Category.CRISIS_LINE,
            internal=False,
            contact=Contact("0100 000 0001"),
            hours="Evenings",
            crisis=True,
            source="Its own leaflet",
        ),
    )
)

# The force's staff networks filled in: more of them than the referrer's card lists.
NETWORKS = SupportDirectory(
    (
        *SHIPPED_DIRECTORY.listed,
        *(
            SupportService(
                f"network-{n}",
                f"Network {n}",
                "Peer support from colleagues.",
                Category.STAFF_NETWORK,
                internal=True,
                contact=Contact(web=f"https://network{n}.example.org"),
                source="Our intranet",
            )
            for n in range(1, notices.MOST_OF_A_KIND + 2)
        ),
    )
)
# More services than the SMLO's list offers, each with every text at its longest (in
# characters that take the most room) and every way of reaching it.
LONGEST_DIRECTORY = SupportDirectory(
    tuple(
        SupportService(
            f"{n:02d}-" + "a" * 47,
            "😀" * 300,
            "😀" * 300,
            Category.STAFF_NETWORK,
            internal=n % 2 == 0,
            contact=Contact("+1" + "0" * 19, "+1" + "0" * 19, "https://" + "a" * 300 + ".org"),
            hours="😀" * 300,
            source="Test",
        )
        for n in range(smlo.MOST_SERVICES_OFFERED + 10)
    )
)


def _support_cards() -> Iterator[Shown]:
    yield Shown("support", partial(support_module.support_card, SHIPPED_DIRECTORY))
    yield Shown("support:filled", partial(support_module.support_card, FILLED_DIRECTORY))
    yield Shown("support:empty", partial(support_module.support_card, SupportDirectory()))
    yield Shown("directory", partial(support_module.directory_card, SHIPPED_DIRECTORY))
    yield Shown("directory:filled", partial(support_module.directory_card, FILLED_DIRECTORY))
    lines = support_module.help_lines(FILLED_DIRECTORY)
    yield Shown(
        "help:mixed_hours", partial(help_module.help_card, HELP_FOR["referrer"], help_lines=lines)
    )
    yield Shown(
        "help:no_lines", partial(help_module.help_card, HELP_FOR["referrer"], help_lines="")
    )


def _record_cards() -> Iterator[Shown]:
    """The case record: timeline, each entry, each form (fresh, correcting, with problems,
    showing back over-long words), closing; with canaries in every free text, and full."""
    later = NOW + timedelta(hours=3)
    for name, texts in (("canaries", RECORD_CANARIES), ("at_limits", RECORD_AT_LIMITS)):
        referral = active()
        entries = kept_case(referral, ADA_ACTOR, later, texts)
        record = Record(entries, SHIPPED_DIRECTORY)
        face = Face.CONTENT_FREE if name == "canaries" else Face.OTHER
        for may_add in (True, False):
            build = partial(case_record.record_card, referral, record, may_add=may_add)
            yield Shown(f"record:{name}:{'holder' if may_add else 'smlo'}", build, face)
        for i, entry in enumerate(entries):
            build = partial(case_record.entry_card, referral, entry, record, may_add=True)
            yield Shown(f"record_entry:{name}:{i}:{entry.kind}", build)
            if entry.kind in CORRECTABLE and entry.id not in record.corrections:
                fix = Form(EntryKind.CORRECTION, entry=entry)
                build = partial(record_forms.form_card, referral, fix, record, later)
                yield Shown(f"record_correct:{name}:{i}:{entry.kind}", build)
        for kind in record_forms.FIELDS:
            onward = entries[4] if kind is EntryKind.ONWARD_OUTCOME else None
            build = partial(
                record_forms.form_card, referral, Form(kind, entry=onward), record, later
            )
            yield Shown(f"record_form:{name}:{kind}", build)
        shut = active()
        closing = closed(shut, ADA_ACTOR, later, texts["note"])
        build = partial(
            case_record.entry_card,
            shut,
            closing,
            Record([closing], SHIPPED_DIRECTORY),
            may_add=False,
        )
        yield Shown(f"record_entry:{name}:closure", build)
    referral, empty = active(), Record([], SHIPPED_DIRECTORY)
    by_smlo = Form(EntryKind.CLOSURE, by_smlo=True)
    yield Shown(
        "record_form:closure:by_smlo",
        partial(record_forms.form_card, referral, by_smlo, empty, NOW),
    )
    yield Shown("record:empty", partial(case_record.record_card, referral, empty, may_add=True))
    yield Shown("closed_by_you", partial(case_record.closed_by_you_card, referral), Face.UNASKED)
    for name, shut in (("smlo", referral), ("signposted", signposted())):
        build = partial(case_record.closed_by_you_card, shut, as_holder=False)
        yield Shown(f"closed_by_you:{name}", build, Face.UNASKED)
    many = [
        e
        for _ in range(4)
        for e in kept_case(referral, ADA_ACTOR, NOW + timedelta(hours=3), RECORD_AT_LIMITS)
    ]
    long = Record(many, SHIPPED_DIRECTORY)
    for start in (0, case_record.PAGE):
        build = partial(case_record.record_card, referral, long, may_add=True, start=start)
        yield Shown(f"record:long:{start}", build)
    for kind in record_forms.FIELDS:
        for name, wrong in (
            ("problems", _wrong_inputs(kind, 1)),
            ("shown_back", _wrong_inputs(kind, ECHO_RECORD)),
        ):
            problems = read_form(kind, wrong)[1]
            form = Form(kind, shown_back(wrong), problems)
            build = partial(record_forms.form_card, referral, form, empty, NOW)
            yield Shown(f"record_form:{name}:{kind}", build, problems=tuple(problems.items()))


def _wrong_inputs(kind: EntryKind, over: int) -> dict[str, str]:
    """Every input of the kind's form wrong: text `over` its limit, choices and dates unknown."""
    fresh = record_forms.form_card(active(), Form(kind), Record([], SHIPPED_DIRECTORY), NOW)
    ids = [e["id"] for e in fresh["body"] if str(e.get("type")).startswith("Input.")]
    return {
        i: "😀" * (RECORD_LIMITS[i] + over) if i in RECORD_LIMITS else "not-a-choice" for i in ids
    }


def _capacity_cards() -> Iterator[Shown]:
    """The advocate's availability, "Offer anyway", and the caseload limits."""
    free = Capacity(ADA, ADA.availability, 1, 3, TODAY)
    limited = Availability(AvailabilityState.LIMITED, new_cases=2, caseload_then=1)
    yield Shown("availability:free", partial(availability_card, free))
    yield Shown(
        "availability:limited",
        partial(availability_card, replace(free, availability=limited), notice=SAVED),
    )
    yield Shown("availability:away", partial(availability_card, Capacity(BEN, AWAY, 0, 3, TODAY)))
    problems = {"new_cases": "Please give a number from 1 to 20.", "until": NOT_SAVED}
    yield Shown(
        "availability:problems",
        partial(availability_card, free, problems),
        problems=tuple(problems.items()),
    )
    avoiding = submitted(CONFLICTED)
    loads = {ADA.user_id: 3, BEN.user_id: 1}
    choices = allocation_options(avoiding, ROSTER, loads, on=TODAY)
    yield Shown(
        "allocation:not_offered",
        partial(smlo.allocation_card, avoiding, choices),
        Face.CONTENT_FREE,
    )
    yield Shown(
        "offer_anyway",
        partial(availability_module.offer_anyway_card, avoiding, choices),
        Face.CONTENT_FREE,
    )
    chosen = {"advocate_id": "Please choose someone.", "override": "Please choose why."}
    yield Shown(
        "offer_anyway:problems",
        partial(availability_module.offer_anyway_card, avoiding, choices, chosen),
        Face.CONTENT_FREE,
        problems=tuple(chosen.items()),
    )
    reassign_to = allocation_options(avoiding, ROSTER, loads, on=TODAY)
    problem = {"override": ASK_ANYWAY_WHY}
    yield Shown(
        "reassign:not_offered",
        partial(smlo.reassign_card, avoiding, reassign_to, problem),
        Face.CONTENT_FREE,
        problems=tuple(problem.items()),
    )
    directory = {CAL.user_id: (ConflictReason.SAME_DEPARTMENT, ConflictReason.LINE_MANAGEMENT)}
    flagged = allocation_options(submitted(), ROSTER, {}, on=TODAY, flagged=directory)
    yield Shown(
        "allocation:directory_flags",
        partial(smlo.allocation_card, submitted(), flagged),
        Face.CONTENT_FREE,
    )
    open_to_all = allocation_options(submitted(), [CAL], {}, on=TODAY)
    yield Shown(
        "offer_anyway:none",
        partial(availability_module.offer_anyway_card, submitted(), open_to_all),
        Face.CONTENT_FREE,
    )
    roster = [(ADA, 2), (BEN, 0), (replace(CAL, caseload_limit=5), 1)]
    yield Shown("limits", partial(availability_module.limits_card, roster, 3))
    yield Shown("limits:empty", partial(availability_module.limits_card, [], 3))
    yield Shown(
        "limits:set",
        partial(
            availability_module.limits_card, roster, 3, notice="Cal Reyes can now hold 5 cases."
        ),
    )


def _lapsed() -> Referral:
    referral = offered()
    referral.lapse_offer(Actor(SYSTEM), "offer_unanswered:2:t", SMLO_IDS, NOW + timedelta(days=3))
    return referral


def _reminder_cards() -> Iterator[Shown]:
    """Each reminder's face, to the person it is for and, for a nudge meant for an
    advocate who is away, to the SMLO instead."""
    smlos = frozenset({SMLO.user_id})
    faces = [
        (Kind.NOT_TRIAGED, submitted(), SMLO.user_id),
        (Kind.NOT_ALLOCATED, submitted(), SMLO.user_id),
        (Kind.OFFER_REMINDER, offered(), ADA.user_id),
        (Kind.OFFER_REMINDER, offered(), SMLO.user_id),
        (Kind.OFFER_LAPSED, _lapsed(), SMLO.user_id),
        (Kind.OFFER_LAPSED, _lapsed(), ADA.user_id),
        (Kind.CONTACT_REMINDER, active(), ADA.user_id),
        (Kind.CONTACT_REMINDER, active(), SMLO.user_id),
        (Kind.CONTACT_OVERDUE, active(), SMLO.user_id),
        (Kind.CASE_QUIET, active(), ADA.user_id),
        (Kind.CASE_QUIET, active(), SMLO.user_id),
        (Kind.RISK_REVIEW_DUE, active(), ADA.user_id),
        (Kind.AGREEMENT_REVIEW_DUE, active(), ADA.user_id),
        (Kind.NEXT_CONTACT_DUE, active(), ADA.user_id),
        (Kind.NEXT_CONTACT_DUE, active(), SMLO.user_id),
        (Kind.REVIEW_OVERDUE, active(), SMLO.user_id),
        (Kind.DRAFT_EXPIRING, draft(), REFERRER.user_id),
    ]
    for kind, referral, recipient in faces:
        yield Shown(
            f"reminder:{kind}:{'smlo' if recipient in smlos else 'advocate'}",
            partial(
                notification_card,
                kind,
                referral,
                NAMES,
                smlos,
                recipient,
                support=SHIPPED_DIRECTORY,
            ),
            Face.UNASKED,
        )


def outside_active() -> Referral:
    """A referral an SMLO took for someone without Teams, reached by phone, taken on."""
    taker = replace(SMLO, display_name=NAME_CANARY)  # the maker's name, as a referrer's
    referral = Referral.start_outside_draft(taker, NOW)
    by_phone = ON_BEHALF.with_changes(
        behalf_consent=YesNoUnsure.YES, contact_methods=(ContactMethod.PERSONAL_PHONE,)
    )
    referral.record_answers(taker, by_phone, IntakeStep.REVIEW, NOW)
    referral.submit(taker, format_reference(2026, 43), SMLO_IDS, NOW)
    referral.offer(SMLO, ADA, NOW + timedelta(hours=1))
    referral.accept(ADA_ACTOR, SMLO_IDS, NOW + timedelta(hours=2))
    return referral


def _outside_cards() -> Iterator[Shown]:
    referral, smlos = outside_active(), frozenset(SMLO_IDS)
    draft = Referral.start_outside_draft(SMLO, NOW)
    draft.record_answers(SMLO, ON_BEHALF, IntakeStep.REVIEW, NOW)
    yield Shown("outside:review", partial(intake.review_card, draft))
    for kind in TELL_PERSON.values():
        for recipient in (ADA.user_id, SMLO.user_id):
            yield Shown(
                f"outside:to_do:{kind}:{recipient}",
                partial(
                    notification_card,
                    kind,
                    referral,
                    NAMES,
                    smlos,
                    recipient,
                    support=SHIPPED_DIRECTORY,
                ),
                Face.UNASKED,
            )
    yield Shown(
        "outside:smlo_face",
        partial(smlo.referral_card, referral, NAMES, smlo_ids=SMLO_IDS, support=SHIPPED_DIRECTORY),
        Face.UNASKED,
    )
    how = "Please choose how they asked."
    yield Shown("outside:withdraw", partial(outside_module.withdraw_for_person_card, referral))
    yield Shown(
        "outside:withdraw:problems",
        partial(outside_module.withdraw_for_person_card, referral, how),
        problems=(("how", how),),
    )
    yield Shown(
        "outside:receipt", partial(outside_module.taken_receipt_card, referral), Face.CONTENT_FREE
    )
    yield Shown(
        "outside:withdrawn",
        partial(outside_module.withdrawn_for_person_card, referral.reference),
        Face.CONTENT_FREE,
    )
    yield Shown(
        "outside:details",
        partial(smlo.details_card, referral, NAMES, SMLO_IDS, support=SHIPPED_DIRECTORY),
        Face.READER,
        on_behalf=True,
    )
    yield Shown("outside:case", partial(advocate.case_card, referral), Face.READER, on_behalf=True)
    no_entries = Record((), SHIPPED_DIRECTORY)
    yield Shown(
        "outside:record", partial(case_record.record_card, referral, no_entries, may_add=True)
    )
    for employment in (Employment.FORMER, Employment.OFFICER):
        leaving = IntakeAnswers(employment=employment, leaving=YesNoUnsure.YES)
        for route in (Route.EXPERIENCED, Route.ON_BEHALF):
            yield Shown(
                f"step:contact:leaving:{employment}:{route}",
                partial(step_card, "r1", IntakeStep.CONTACT, leaving.with_changes(route=route)),
            )


CARDS: tuple[Shown, ...] = (
    *_anonymity_cards(),
    *_help_cards(),
    *_capacity_cards(),
    *_support_cards(),
    *_roster_changes(),
    *_step_variants(),
    *_referrer_cards(),
    *_smlo_cards(),
    *_advocate_cards(),
    *_notices(),
    *_statistics_cards(),
    *_record_cards(),
    *_reassignment_cards(),
    *_triage_cards(),
    *_pathway_cards(),
    *_escalation_cards(),
    *_reminder_cards(),
    *_message_cards(),
    *_outside_cards(),
)
UNASKED = [c for c in CARDS if c.face is Face.UNASKED]
CONTENT_FREE = [c for c in CARDS if c.face is Face.CONTENT_FREE]
READER = [c for c in CARDS if c.face is Face.READER]
WITH_PROBLEMS = [c for c in CARDS if c.problems]


def each(cards: list[Shown] | tuple[Shown, ...]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("shown", cards, ids=[c.name for c in cards])


def test_the_catalogue_covers_every_step_state_and_face() -> None:
    names = {c.name for c in CARDS}
    assert {f"step:{s}:problems" for s in STEP_BODIES} <= names
    assert {f"smlo_referral:{s}:on_behalf" for s in STATES} <= names
    assert len(names) == len(CARDS), "card names must be unique"
    assert UNASKED
    assert CONTENT_FREE
    assert READER
    assert WITH_PROBLEMS


# -- 1. plain words ----------------------------------------------------------------------

_WORDS = {text for words in w.LABELS.values() for text in words.values()}
_WORDS |= {text for words in w.SENDER_LABELS.values() for text in words.values()}
_LABEL = "|".join(re.escape(t) for t in sorted(_WORDS, key=len, reverse=True))
_ONLY_LABELS = re.compile(rf"(?:{_LABEL}|{re.escape(w.NOT_GIVEN)})(?:, (?:{_LABEL}))*")


def is_service_wording(value: str) -> bool:
    """A fact value written by us (an answer's label, "Not given"), not by the person."""
    return _ONLY_LABELS.fullmatch(value) is not None


@each(CARDS)
def test_card_reads_as_plain_english(shown: Shown) -> None:
    result = score_card(shown.name, shown.build(), is_service_wording)

    assert result.score >= 60, result.report()


def test_a_short_plain_sentence_is_very_easy() -> None:
    assert flesch(["The cat sat on the mat."]) > 100


def test_a_dense_bureaucratic_sentence_is_very_hard() -> None:
    dense = (
        "Notwithstanding the aforementioned considerations, organisational accountability "
        "necessitates comprehensive documentation of allegations substantiated "
        "subsequently through independent investigative procedures."
    )
    assert flesch([dense]) < 30


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("cat", 1),
        ("please", 1),  # silent final e
        ("advocate", 3),
        ("people", 2),  # consonant + le
        ("table", 2),
        ("referral", 3),
        ("you're", 1),
        ("non-binary", 4),
        ("999", 1),
        ("SMA-2026-0042", 1),
        ("rhythm", 1),  # no vowel run but y: at least one
    ],
)
def test_syllable_heuristic(word: str, expected: int) -> None:
    assert syllables(word) == expected


def test_scored_text_leaves_out_the_persons_answers_and_ids() -> None:
    details = details_card(active())
    sentences = card_sentences(details, is_service_wording)

    assert "What happened" in sentences
    assert w.label(Employment.STAFF) in sentences
    assert w.labels((Wish.TALK_TO_ADVOCATE, Wish.JUST_RECORD)) in sentences
    assert not [s for s in sentences if "CANARY" in s or s == "SMA-2026-0042"]


def test_a_failing_card_is_reported_with_its_score_and_hardest_sentences() -> None:
    card = notices.problem_card(
        "Notwithstanding organisational considerations",
        "Comprehensive documentation necessitates investigation. Go now. Sit.",
    )
    report = score_card("dense", card).report()

    assert report.splitlines()[0].startswith("dense: Flesch reading ease ")
    assert "Notwithstanding organisational considerations" in report.splitlines()[2]
    assert "Sit." not in report, "only the three hardest sentences are listed"


ANSWER_TYPES = (
    Route,
    Employment,
    BehalfRole,
    YesNoUnsure,
    Wish,
    When,
    ContactMethod,
    Gender,
    AgeBand,
    Signpost,
    DeclineReason,
    RiskLevel,
    OnwardOutcome,
    UpdateKind,
    CloseOutcome,
)


def test_every_member_of_every_answer_type_has_its_own_intended_label() -> None:
    for enum in ANSWER_TYPES:
        shown = [w.label(member) for member in enum]
        assert set(enum) == set(w.LABELS[enum]), f"{enum.__name__} has members with no label"
        assert len(set(shown)) == len(shown), f"two {enum.__name__} answers read alike: {shown}"
        assert [words for _, words in w.options(enum)] == shown
    # Members of different types share the value "other"; each keeps its own words.
    assert w.label(Gender.OTHER) == "I describe myself another way"
    assert w.label(BehalfRole.OTHER) == "Something else"
    assert w.label(DeclineReason.OTHER) == "Another reason"
    assert dict(w.options(Gender))["other"] == "I describe myself another way"


def test_every_label_is_its_own_sentence() -> None:
    card = step_card("r1", IntakeStep.ABOUT_YOU, IntakeAnswers())
    sentences = card_sentences(card)

    assert "Which of these fits best?" in sentences
    assert "Police officer" in sentences
    assert "Next" in sentences


# -- 2. valid Adaptive Cards 1.5, within Teams' limits ---------------------------------------

AC_1_5_TYPES = frozenset(
    {
        "AdaptiveCard",
        # elements
        "TextBlock",
        "Image",
        "Media",
        "RichTextBlock",
        "TextRun",
        "ActionSet",
        "Container",
        "ColumnSet",
        "Column",
        "FactSet",
        "ImageSet",
        "Table",
        "TableRow",
        "TableCell",
        # inputs
        "Input.Text",
        "Input.Number",
        "Input.Date",
        "Input.Time",
        "Input.Toggle",
        "Input.ChoiceSet",
        # actions
        "Action.Execute",
        "Action.OpenUrl",
        "Action.ShowCard",
        "Action.Submit",
        "Action.ToggleVisibility",
    }
)
MAX_CARD_BYTES = 28 * 1024  # the strictest Teams limit (notes/botbuilder-teams.md §6)


def typed_elements(element: Any) -> Iterator[dict[str, Any]]:
    if isinstance(element, dict):
        if "type" in element:
            yield element
        for key, value in element.items():
            if key != "data":
                yield from typed_elements(value)
    elif isinstance(element, list):
        for item in element:
            yield from typed_elements(item)


@each(CARDS)
def test_card_is_adaptive_card_1_5(shown: Shown) -> None:
    card = shown.build()
    types = {e["type"] for e in typed_elements(card)}

    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.5"
    assert types <= AC_1_5_TYPES, f"not in Adaptive Cards 1.5: {types - AC_1_5_TYPES}"


@each(CARDS)
def test_every_input_is_labelled_and_every_required_one_says_what_is_wrong(shown: Shown) -> None:
    inputs = [e for e in typed_elements(shown.build()) if e["type"].startswith("Input.")]

    for element in inputs:
        assert str(element.get("label", "")).strip(), f"{element['id']} has no label"
        assert str(element.get("id", "")).strip(), "an input without an id sends nothing back"
        if element.get("isRequired"):
            assert str(element.get("errorMessage", "")).strip(), f"{element['id']} needs one"


@each(CARDS)
def test_every_button_carries_its_verb(shown: Shown) -> None:
    card = shown.build()
    actions = [e for e in typed_elements(card) if e["type"].startswith("Action.")]

    for element in actions:
        assert element["type"] == "Action.Execute", "cards update in place (Universal Actions)"
        assert element["verb"] in set(Verb), element["verb"]
        assert element["data"]["verb"] == element["verb"]
        assert str(element.get("title", "")).strip()


@each(CARDS)
def test_card_fits_the_teams_size_limit(shown: Shown) -> None:
    # Teams counts a message's size in UTF-16 (see the notes), so measure it that way.
    size = len(json.dumps(shown.build(), ensure_ascii=False).encode("utf-16-le"))

    assert size <= MAX_CARD_BYTES, f"{shown.name} is {size:,} bytes"


def longest_shown_back(name: str) -> str:
    return "😀" * (TEXT_LIMITS[name] + ECHO_EXTRA)


def test_a_step_card_showing_back_over_long_text_still_fits() -> None:
    too_long = {"account": longest_shown_back("account"), "avoid": longest_shown_back("avoid")}
    with pytest.raises(CardPayloadInvalid) as invalid:
        parse_step_answers(IntakeStep.WHAT_HAPPENED, too_long, FULL)
    answers = invalid.value.answers or FULL
    card = step_card("r1", IntakeStep.WHAT_HAPPENED, answers, invalid.value.problems)

    assert answers.account == too_long["account"], "the person's words are shown back"
    assert len(json.dumps(card, ensure_ascii=False).encode("utf-16-le")) <= MAX_CARD_BYTES


def test_text_far_over_its_limit_is_not_shown_back_and_the_person_is_told() -> None:
    far_too_long = {"account": longest_shown_back("account") + "x"}
    with pytest.raises(CardPayloadInvalid) as invalid:
        parse_step_answers(IntakeStep.WHAT_HAPPENED, far_too_long, FULL)

    assert (invalid.value.answers or FULL).account == FULL.account
    assert "too long for us to show it back" in invalid.value.problems["account"]


def test_cards_filled_to_every_text_limit_are_really_full() -> None:
    for name, limit in TEXT_LIMITS.items():
        assert len(getattr(AT_LIMITS, name)) == limit
    review = json.dumps(intake.review_card(draft(AT_LIMITS)), ensure_ascii=False)
    assert review.count("😀") == sum(TEXT_LIMITS.values())


# -- 3. no disclosure on a card that arrives unasked ------------------------------------------

ALL_CANARIES = {**CANARIES, "referrer_name": NAME_CANARY}


@each(UNASKED + CONTENT_FREE)
def test_card_that_arrives_unasked_shows_no_disclosure(shown: Shown) -> None:
    text = json.dumps(shown.build(), ensure_ascii=False)

    leaked = [field for field, canary in ALL_CANARIES.items() if canary in text]
    assert not leaked, f"{shown.name} shows {leaked}"
    assert "CANARY" not in text


def test_every_state_of_the_smlo_card_is_checked_for_disclosure() -> None:
    checked = {c.name.split(":")[1] for c in UNASKED if c.name.startswith("smlo_referral:")}
    assert set(STATES) <= checked


@each(READER)
def test_card_for_a_reader_shows_what_they_told_us(shown: Shown) -> None:
    shown_words = " ".join(texts_of(shown.build()))
    expected = {f: c for f, c in CANARIES.items() if shown.on_behalf or f not in BEHALF_TEXT}
    if not shown.name.startswith("review") and not shown.anonymous:
        expected["referrer_name"] = NAME_CANARY  # the referrer does not need their own name

    # What people typed is shown with Markdown escaped (renders as typed): see `plain`.
    missing = [field for field, canary in expected.items() if plain(canary) not in shown_words]
    assert not missing, f"{shown.name} does not show {missing}"


ANONYMOUS_READERS = [c for c in READER if c.anonymous]


@each(ANONYMOUS_READERS)
def test_staff_reading_an_anonymous_referral_see_anonymous_and_how_to_reach_them(
    shown: Shown,
) -> None:
    built = shown.build()
    words = " ".join(texts_of(built))
    assert NAME_CANARY not in json.dumps(built, ensure_ascii=False)
    assert REFERRER.user_id not in json.dumps(built, ensure_ascii=False)
    assert fact_rows(built)["Referred by"] == SHOWN_AS_ANONYMOUS
    assert "messages in this app" in words


def test_the_anonymity_choice_is_explained_before_it_is_made_and_on_the_receipt() -> None:
    asked = " ".join(texts_of(step_card("r1", IntakeStep.ABOUT_YOU, IntakeAnswers())))
    for words in w.ANONYMITY_EXPLAINED:
        assert words in asked
    assert asked.index(w.ANONYMITY_EXPLAINED[0]) < asked.index(w.ANONYMITY_CHOICE)
    receipt = " ".join(texts_of(intake.receipt_card(submitted(ANONYMOUS))))
    for words in w.ANONYMOUS_RECEIPT:
        assert words in receipt
    assert w.ANONYMOUS_RECEIPT[0] not in " ".join(texts_of(intake.receipt_card(submitted())))


def test_the_readme_quotes_the_anonymity_explanation_exactly_as_the_person_reads_it() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    flat = " ".join(line.strip().removeprefix(">").strip() for line in readme.splitlines())
    flat = re.sub(r"\s+", " ", flat)
    for words in (
        *w.ANONYMITY_EXPLAINED,
        *w.ANONYMOUS_RECEIPT,
        w.ANONYMITY_CHOICE,
        w.ANONYMOUS_CONTACT_WARNING,
        NOT_ON_BEHALF,
    ):
        assert words in flat, words


def test_contact_details_are_discouraged_not_forbidden_when_anonymous() -> None:
    shown = step_card("r1", IntakeStep.CONTACT, ANONYMOUS)
    assert w.ANONYMOUS_CONTACT_WARNING in texts_of(shown)
    ids = [element.get("id") for element in shown["body"]]
    assert {"personal_phone", "personal_email", "work_phone"} <= set(ids)


def test_an_anonymous_referrers_own_list_offers_to_tell_the_service_who_they_are() -> None:
    shown = referrer.my_referrals_card([submitted(ANONYMOUS), active()])
    assert json.dumps(shown).count('"title": "Tell the service who I am"') == 1


# -- 4. problems next to their field -------------------------------------------------------


@each(WITH_PROBLEMS)
def test_problem_is_shown_right_under_its_input(shown: Shown) -> None:
    body = shown.build()["body"]
    ids = [element.get("id") for element in body]

    for input_id, problem in shown.problems:
        assert input_id in ids, f"no input {input_id!r} on {shown.name}"
        after = body[ids.index(input_id) + 1]
        assert after["type"] == "TextBlock"
        assert after["text"] == problem
        assert after.get("color") == "Attention"


def test_staff_see_only_that_a_name_is_sealed_until_someone_else_names_them() -> None:
    referral = active(FULL.with_changes(subject_wish=SubjectWish.ONLY_IF_ANOTHER))
    subject = [CANARIES[f] for f in ("subject_name", "subject_number", "subject_email")]
    for staff_card in (details_card(referral), advocate.case_card(referral)):
        words = " ".join(texts_of(staff_card))
        assert not [c for c in subject if plain(c) in words]
        assert "Sealed: shown only if someone else names the same person" in words

    referral.release_subject(NOW)
    assert all(plain(c) in " ".join(texts_of(details_card(referral))) for c in subject)


def test_the_receipt_says_again_what_was_chosen_for_the_name_and_never_the_name() -> None:
    held = " ".join(texts_of(intake.receipt_card(submitted(FULL.with_changes(subject_wish=None)))))
    now = " ".join(texts_of(intake.receipt_card(submitted())))
    nobody = " ".join(texts_of(intake.receipt_card(submitted(CHOSEN))))

    assert "You did not choose, so we keep the name you gave sealed" in held
    assert "The service lead and your advocate will see who you named" in now
    assert "named" not in nobody
    assert not [c for c in CANARIES.values() if c in held + now]


def test_staff_never_see_the_monitoring_answers_which_are_only_counted_in_totals() -> None:
    referral = active(FULL)
    assert FULL.gender is not None
    assert FULL.age_band is not None
    staff_cards = (details_card(referral), advocate.case_card(referral))
    referrer_card = intake.review_card(draft(FULL))

    for shown in staff_cards:
        titles = [fact["title"] for fact in find_all(shown, "FactSet", "facts")]
        assert "Gender" not in titles
        assert "Age" not in titles
    titles = [fact["title"] for fact in find_all(referrer_card, "FactSet", "facts")]
    assert "Gender" in titles
    assert "Age" in titles


def fact_rows(card: Element) -> dict[str, str]:
    return {fact["title"]: fact["value"] for fact in find_all(card, "FactSet", "facts")}


def test_staff_always_see_the_senders_role_the_person_and_whether_they_know_on_behalf() -> None:
    bare = IntakeAnswers(route=Route.ON_BEHALF, behalf_consent=YesNoUnsure.NO, consent=True)
    referral = active(bare)

    for shown in (details_card(referral), advocate.case_card(referral)):
        rows = fact_rows(shown)
        assert rows["Referred by"] == plain(NAME_CANARY)
        assert rows["Referrer's role"] == w.NOT_GIVEN
        assert rows["Person referred"] == w.NOT_GIVEN
        assert rows["Person knows and agrees"] == "No"
    words = " ".join(texts_of(advocate.case_card(referral)))
    assert "please talk to the service lead before you get in touch" in words


def test_on_behalf_answers_left_from_an_earlier_route_are_not_shown_as_if_asked() -> None:
    stale = FULL.with_changes(behalf_role=BehalfRole.HR, behalf_name="Left over")

    rows = fact_rows(details_card(active(stale)))

    assert not {"Referrer's role", "Person referred", "Person knows and agrees"} & set(rows)


def test_the_sender_reads_about_the_person_on_the_review_and_the_receipt() -> None:
    review = intake.review_card(draft(AGREED))
    rows = fact_rows(review)
    words = " ".join(texts_of(review))

    assert rows["Your role in this"] == "HR"
    assert rows["Their name"] == plain(CANARIES["behalf_name"])
    assert rows["They know and agree"] == "Yes"
    assert rows["Contact them by"] == "A Teams chat or call, Their email"
    assert "Gender" not in rows, "the sender's own gender is not asked"
    assert intake.SENDER_NOTE in words
    assert intake.SENDER_CONSENT_TEXT in words
    assert intake.CONSENT_TEXT not in words
    receipt = " ".join(texts_of(intake.receipt_for(submitted(AGREED))))
    assert "ask an advocate to contact the person, in the way you gave" in receipt
    assert "The service lead may contact you in Teams" in receipt
    assert "in the way you chose" not in receipt
    assert w.DANGER_FOR_SENDER in receipt


def test_each_on_behalf_step_asks_about_the_person_not_the_sender() -> None:
    for step in steps_for(ON_BEHALF):
        if step is IntakeStep.REVIEW:
            continue
        words = " ".join(texts_of(step_card("r1", step, ON_BEHALF)))
        assert "your advocate" not in words.lower(), step
        assert "contact you" not in words, step
        assert "My own" not in words, step
        assert "my options" not in words, step
    contact = " ".join(texts_of(step_card("r1", IntakeStep.CONTACT, ON_BEHALF)))
    assert "How can an advocate reach them?" in contact
    assert "Their own phone" in contact
    wishes = " ".join(texts_of(step_card("r1", IntakeStep.WISHES, ON_BEHALF)))
    assert "What would they like from us?" in wishes
    assert "Find out what their options are" in wishes


def test_figures_say_they_are_for_an_ended_review_and_hide_answers_everyone_gave_alike() -> None:
    card = next(c for c in CARDS if c.name == "statistics:alike").build()
    texts = [e.get("text") for e in card["body"]]
    facts = {fact["title"]: fact["value"] for fact in find_all(card, "FactSet", "facts")}

    assert "Figures for the six-month review June to November 2025" in texts
    assert statistics_module.WHOLE_PERIOD in texts
    assert texts[texts.index("Gender") + 1] == statistics_module.ALIKE
    assert "Woman" not in facts, "every category hidden, so no '0' gives the answer away"
    assert facts["November 2025"] == "6", "the month they came in is not an answer"


def test_figures_offer_the_other_ended_reviews_years_and_quarters_with_the_one_shown_chosen() -> (
    None
):
    card = next(c for c in CARDS if c.name == "statistics:some").build()
    (chooser,) = [e for e in card["body"] if e.get("type") == "Input.ChoiceSet"]
    button, as_file, for_panel = card["actions"]

    assert [c["value"] for c in chooser["choices"]] == [
        "window-2026-06",
        "window-2025-12",
        "window-2025-06",
        "year-2025-06",
        "quarter-2026-09",
        "quarter-2026-06",
        "quarter-2026-03",
        "quarter-2025-12",
        "quarter-2025-09",
        "quarter-2025-06",
    ]
    titles = [c["title"] for c in chooser["choices"]]
    assert titles[1] == "Review: Dec 2025 to May 2026"
    assert titles[3] == "Year: Jun 2025 to May 2026"
    assert titles[4] == "Quarter: Sep to Nov 2026"
    assert chooser["value"] == "window-2025-06"
    assert button["verb"] == Verb.STATISTICS
    assert (as_file["verb"], as_file["data"]["period"]) == (Verb.FIGURES_FILE, "window-2025-06")
    assert as_file["associatedInputs"] == "none", "the review shown, not the one chosen"
    assert (for_panel["verb"], for_panel["data"]["period"]) == (
        Verb.SCRUTINY_FILE,
        "window-2025-06",
    )
    only = next(c for c in CARDS if c.name == "statistics:alike").build()
    assert [a["verb"] for a in only["actions"]] == [Verb.FIGURES_FILE, Verb.SCRUTINY_FILE]
    year = next(c for c in CARDS if c.name == "statistics:year").build()
    assert "Figures for the year June 2025 to May 2026" in texts_of(year)
    (older,) = [e for e in year["body"] if e.get("type") == "Input.ChoiceSet"]
    kinds = [c["value"].split("-")[0] for c in older["choices"]]
    assert (kinds.count("window"), kinds.count("quarter")) == (4, 8), "the latest few only"
    assert kinds.count("year") == 3, "the latest two, and the one shown"
    assert older["value"] == "year-2025-06"
    assert Verb.SCRUTINY_FILE not in [a["verb"] for a in year["actions"]], "reviews only"
    none = next(c for c in CARDS if c.name == "statistics:none_ended").build()
    assert statistics_module.NONE_YET in texts_of(none)


def test_figures_show_the_case_work_in_plain_words_with_small_counts_suppressed() -> None:
    card = next(c for c in CARDS if c.name == "statistics:some").build()
    texts = [e.get("text") for e in card["body"]]
    facts = {fact["title"]: fact["value"] for fact in find_all(card, "FactSet", "facts")}

    assert statistics_module.CASE_WORK in texts
    assert facts["Reached for the first time"] == "6"
    assert facts["Reached again"] == "14"
    assert facts["Reached, in all"] == "20"
    assert facts["Tried but did not reach them"] == "fewer than 5"
    assert facts["To a service inside the force"] == "5"
    assert facts["To a service outside the force"] == "fewer than 5"
    assert facts["Accepted"] == "5"
    assert facts["Medium"] == "8"
    assert facts["High"] == "fewer than 5"
    assert facts["Talked through special measures"] == "5"
    assert facts["Support is complete"] == "7"
    assert facts["Another reason"] == "5", "CloseOutcome.OTHER keeps its own words"
    assert facts["Something else"] == "9", "and UpdateKind.OTHER its own"
    assert facts["Closed with no outcome given"] == "0"


def test_how_cases_closed_is_hidden_when_few_closed_or_every_case_closed_alike() -> None:
    for name, reason in (
        ("too_few", statistics_module.FEW_CLOSED),
        ("alike", statistics_module.CASES_ALIKE),
    ):
        card = next(c for c in CARDS if c.name == f"statistics:{name}").build()
        texts = [e.get("text") for e in card["body"]]
        facts = {fact["title"]: fact["value"] for fact in find_all(card, "FactSet", "facts")}

        assert texts[texts.index("How cases were closed") + 1] == reason
        assert not {w.label(outcome) for outcome in CloseOutcome} & set(facts)
    alike = next(c for c in CARDS if c.name == "statistics:alike").build()
    facts = {fact["title"]: fact["value"] for fact in find_all(alike, "FactSet", "facts")}
    assert facts["Reached, in all"] == "fewer than 5"
    assert "Reached for the first time" not in facts


def facts_after(card: dict[str, Any], title: str) -> dict[str, str]:
    """The facts shown under a title on the card."""
    body = card["body"]
    texts = [e.get("text") for e in body]
    return {f["title"]: f["value"] for f in body[texts.index(title) + 1]["facts"]}


def test_figures_show_how_long_it_took_by_band_with_small_bands_suppressed() -> None:
    card = next(c for c in CARDS if c.name == "statistics:some").build()
    texts = [e.get("text") for e in card["body"]]
    to_allocation = statistics_module.TITLES[Measure.TIME_TO_ALLOCATION]
    to_contact = statistics_module.TITLES[Measure.TIME_TO_FIRST_CONTACT]

    assert statistics_module.WAITS in texts
    assert texts.index(statistics_module.WAITS) < texts.index(statistics_module.CASE_WORK)
    assert facts_after(card, to_allocation) == {
        "Within a day": "6",
        "1 to 2 days": "0",
        "3 to 7 days": "0",
        "8 to 14 days": "0",
        "More than 14 days": "0",
        "In all": "6",
    }
    contact = facts_after(card, to_contact)
    assert contact["More than 14 days"] == "fewer than 5"
    assert contact["1 to 2 days"] == "hidden", "else 1 = 6 - 5"
    assert contact["In all"] == "6"


def test_how_long_it_took_is_not_broken_down_when_fewer_than_five_waited() -> None:
    card = next(c for c in CARDS if c.name == "statistics:alike").build()
    title = statistics_module.TITLES[Measure.TIME_TO_FIRST_CONTACT]

    assert facts_after(card, title) == {"In all": "fewer than 5"}


def find_all(element: object, kind: str, key: str) -> list[dict[str, str]]:
    """Every item under `key` of every element of type `kind`, anywhere in a card."""
    found: list[dict[str, str]] = []
    if isinstance(element, dict):
        if element.get("type") == kind:
            found += element.get(key, [])
        for value in element.values():
            found += find_all(value, kind, key)
    elif isinstance(element, list):
        for item in element:
            found += find_all(item, kind, key)
    return found


def test_formatting_or_a_link_planted_in_an_answer_is_shown_as_typed_on_staff_cards() -> None:
    planted = "**URGENT** call [here](https://evil.example) now"
    referral = active(FULL.with_changes(account=planted, safe_times="# big\n- list"))
    cards = (details_card(referral), advocate.case_card(referral))

    for shown in cards:
        words = " ".join(texts_of(shown))
        assert "[here](" not in words.replace("\\[here\\](", ""), "a live link survived"
        assert "\\*\\*URGENT\\*\\*" in words
        assert "\\# big" in words
        assert "\\- list" in words


def test_every_card_builder_is_in_the_catalogue() -> None:
    """A new `*_card` function must be added above, so every check here covers it."""
    builders = {
        fn.__code__
        for module in (
            advocate,
            availability_module,
            intake,
            notices,
            smlo,
            referrer,
            intake_steps,
            audit_module,
            delivery_module,
            roster_module,
            statistics_module,
            chart,
            notifications_module,
            help_module,
            support_module,
            case_record,
            record_forms,
            triage_module,
            escalation_module,
            reminders_module,
            digest_module,
            messages_module,
            outside_module,
            subjects_module,
        )
        for name, fn in vars(module).items()
        if name.endswith("_card") and inspect.isfunction(fn) and fn.__module__ == module.__name__
    }
    called: set[object] = set()

    def trace(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            called.add(frame.f_code)

    sys.setprofile(trace)
    try:
        for shown in CARDS:
            shown.build()
    finally:
        sys.setprofile(None)

    missing = sorted(code.co_name for code in builders - called)
    assert not missing, f"cards never built by the catalogue: {missing}"


def test_every_limited_box_says_its_limit_and_never_cuts_text_off() -> None:
    """Teams cuts text past `maxLength` off without a word; the limit is said up front and
    the server shows longer text back with a note instead."""
    seen: set[str] = set()
    for route in (Route.EXPERIENCED, Route.ON_BEHALF):  # the sender's own cards too
        answers = IntakeAnswers(route=route)
        boxes = [
            e
            for step in steps_for(answers)
            if step is not IntakeStep.REVIEW
            for e in typed_elements(step_card("r1", step, answers))
            if e["type"] == "Input.Text"
        ]
        for box in boxes:
            limit = TEXT_LIMITS[box["id"]]
            said = f"{box['label']} {box.get('placeholder', '')}"
            assert f"Up to {limit:,} characters." in said, (route, box["id"])
            assert "maxLength" not in box, (route, box["id"])
        seen |= {box["id"] for box in boxes}

    assert seen == set(TEXT_LIMITS)


def test_counts_agree_with_their_nouns() -> None:
    one_case = texts_of(smlo.roster_card([(ADA, 1), (BEN, 2)]))
    assert "Free, 1 of 3 cases" in one_case
    assert "Away until Fri 20 March" in one_case
    assert not any("1 cases" in t for t in one_case)
    choices = allocation_options(submitted(), ROSTER, {ADA.user_id: 1}, on=TODAY)
    offered_to = " ".join(texts_of(smlo.allocation_card(submitted(), choices)))
    assert "Ada Lovell (Team North): Free, 1 of 3 cases" in offered_to
    assert "Free, 0 of 3 cases" in offered_to
    assert "after 1 day." in " ".join(texts_of(intake.kept_card(1)))
    assert "after 30 days." in " ".join(texts_of(intake.kept_card(30)))
    one_record = " ".join(texts_of(audit_card(submitted(), AUDIT_TRAIL[:1], NAMES)))
    assert "1 record of who opened or changed it" in one_record


def test_the_audit_card_says_what_its_stopped_count_means() -> None:
    none = " ".join(texts_of(audit_card(submitted(), AUDIT_TRAIL[:4], NAMES)))
    once = " ".join(texts_of(audit_card(submitted(), AUDIT_TRAIL, NAMES)))
    twice = " ".join(texts_of(audit_card(submitted(), [*AUDIT_TRAIL, AUDIT_TRAIL[4]], NAMES)))

    assert "No one without access has tried to see or change it." in none
    assert "Once, someone without access tried to see or change it. We stopped them." in once
    assert "2 times, someone without access tried" in twice
    assert "stopped." not in none
    assert "0 stopped" not in once


def test_each_notification_has_its_own_content_free_preview() -> None:
    referral = active()
    shown = {kind: notifications_module.preview_text(kind, referral) for kind in Kind}

    assert shown[Kind.NEW_REFERRAL] == "New referral SMA-2026-0042"
    assert shown[Kind.OFFERED] == "You have been asked to support someone"
    assert shown[Kind.DECLINED] == "SMA-2026-0042 needs another advocate"
    assert shown[Kind.ADVOCATE_ALLOCATED] == "There is news about your referral"
    for kind, words in shown.items():
        assert not words.startswith("Update on"), kind
        assert "CANARY" not in words, kind
        assert NAME_CANARY not in words, kind
        assert ADA.display_name not in words, kind


def test_the_smlo_reads_the_kind_of_reason_an_advocate_said_no() -> None:
    referral = offered()
    referral.decline(ADA_ACTOR, DeclineReason.CONFLICT, SMLO_IDS, NOW + timedelta(hours=2))

    note = update_words(Kind.DECLINED, referral, NAMES)
    card = " ".join(texts_of(smlo_card(referral)))

    reason = "The reason they gave: they may know the people involved."
    assert note == f"Ada Lovell could not take SMA-2026-0042. {reason} Please choose someone else."
    assert f"Ada Lovell could not take it. {reason}" in card
    referral.offer(SMLO, CAL, NOW + timedelta(hours=3))
    assert "could not take" not in " ".join(texts_of(smlo_card(referral)))


def _buttons(card: Element) -> dict[str, str]:
    return {str(a["title"]): str(a["verb"]) for a in actions_of(card)}


def test_help_offers_each_person_what_they_can_do_now() -> None:
    referrer_help = help_module.help_card(HELP_FOR["referrer"], help_lines=HELP_LINES)
    smlo_help = help_module.help_card(HELP_FOR["smlo"], help_lines=HELP_LINES)
    advocate_help = help_module.help_card(HELP_FOR["advocate"], help_lines=HELP_LINES)
    off_help = help_module.help_card(HELP_FOR["off_the_list"], help_lines=HELP_LINES)

    assert _buttons(referrer_help) == {
        "Ask an advocate to contact me": Verb.ASK_CONTACT,  # the three-tap way, here too
        "Start a referral": Verb.START,
        "My referrals": Verb.MY_REFERRALS,
        w.GET_HELP_NOW: Verb.SUPPORT,
    }
    assert "Carry on where I left off" in _buttons(
        help_module.help_card(HELP_FOR["referrer_with_draft"], help_lines=HELP_LINES)
    )
    assert {"Inbox", "New referral", "Roster", "Stats", "Undelivered", "Start a referral"} <= set(
        _buttons(smlo_help)
    )
    smlo_words = " ".join(texts_of(smlo_help))
    for typed in (
        "referral SMA-2026-0042",
        "audit SMA-2026-0042",
        "add advocate",
        "remove advocate",
    ):
        assert typed in smlo_words
    assert "My cases" in _buttons(advocate_help)
    assert "Inbox" not in _buttons(advocate_help)
    assert "My cases" not in _buttons(off_help)
    off_words = " ".join(texts_of(off_help))
    assert "You are off the advocate list" in off_words
    assert "cannot take new cases" in off_words
    assert "You can still make a referral" in off_words
    for card_ in (referrer_help, smlo_help, advocate_help, off_help):
        words = texts_of(card_)
        assert w.DANGER in words
        assert HELP_LINES in words
    assert "My cases" not in _buttons(referrer_help)
    assert "Inbox" not in _buttons(referrer_help)
    not_understood = texts_of(
        help_module.help_card(HELP_FOR["smlo"], help_lines=HELP_LINES, not_understood=True)
    )
    assert help_module.NOT_UNDERSTOOD in not_understood


def test_the_help_lines_come_from_the_directory_in_the_words_they_always_had() -> None:
    assert HELP_LINES == (
        "Other help, day or night: Rape Crisis 0808 500 2222. Samaritans 116 123. "
        "Victim Support 08 08 16 89 111."
    )
    assert support_module.help_lines(FILLED_DIRECTORY) == (
        "Other help: Rape Crisis 0808 500 2222 (day or night). Samaritans 116 123 (day or "
        "night). Victim Support 08 08 16 89 111 (day or night). Night line 0100 000 0001 "
        "(evenings)."
    )
    assert support_module.help_lines(SupportDirectory()) == ""
    for has_draft in (False, True):
        welcome = intake.welcome_card(has_draft, help_lines=HELP_LINES)
        assert HELP_LINES in texts_of(welcome)
        assert _buttons(welcome)[w.GET_HELP_NOW] == Verb.SUPPORT


def test_get_help_now_lists_only_the_services_filled_in_inside_and_outside_the_force() -> None:
    shipped = " ".join(texts_of(support_module.support_card(SHIPPED_DIRECTORY)))
    for listed in ("Rape Crisis 0808 500 2222", "Samaritans 116 123", "Victim Support"):
        assert listed in shipped
    assert w.DANGER in shipped
    assert "Inside the force" not in shipped
    for to_fill in SHIPPED_DIRECTORY.to_fill:
        assert to_fill.name not in shipped, "a service to fill is never shown"

    filled = " ".join(texts_of(support_module.support_card(FILLED_DIRECTORY)))
    assert "Inside the force" in filled
    assert "Employee \\*\\*assistance\\*\\* programme 0100 000 0000, or text 60000" in filled
    assert "Online: https://eap.example.org/staff" in filled
    assert "(monday to friday, 9am to 5pm)" in filled


def test_the_smlo_sees_the_directory_and_what_is_still_to_fill_in() -> None:
    shown = support_module.directory_card(SHIPPED_DIRECTORY)
    words = " ".join(texts_of(shown))
    assert "Samaritans 116 123" in words
    assert "Still to fill in" in words
    for to_fill in SHIPPED_DIRECTORY.to_fill:
        assert to_fill.name in words
    assert "Still to fill in" not in " ".join(
        texts_of(support_module.directory_card(SupportDirectory(SHIPPED_DIRECTORY.listed)))
    )
    assert _buttons(smlo.roster_card([]))["Support directory"] == Verb.DIRECTORY


# -- out of remit: the SMLO signposts from the support directory ----------------------------


def _choices(card: Element) -> list[tuple[str, str]]:
    [chosen] = [e for e in typed_elements(card) if e["type"] == "Input.ChoiceSet"]
    assert chosen["style"] == "compact", "a drop-down: the list can be long"
    return [(c["value"], c["title"]) for c in chosen["choices"]]


def test_the_smlo_chooses_a_listed_service_inside_the_force_first_or_a_kind_of_help() -> None:
    choices = _choices(smlo.out_of_remit_card(submitted(), FILLED_DIRECTORY))

    assert choices[:3] == [
        ("service:eap", "Inside the force: Employee **assistance** programme"),
        ("service:rape-crisis", "Outside the police: Rape Crisis"),
        ("service:samaritans", "Outside the police: Samaritans"),
    ]
    assert choices[-5:] == [(k.value, f"General: {w.label(k)}") for k in Signpost]
    shipped = dict(_choices(smlo.out_of_remit_card(submitted(), SHIPPED_DIRECTORY)))
    assert "service:emergency" not in shipped, "999 is not where a matter outside goes"
    for to_fill in SHIPPED_DIRECTORY.to_fill:
        assert f"service:{to_fill.id}" not in shipped, "a service to fill is never offered"
    words = " ".join(texts_of(smlo.out_of_remit_card(submitted(), SHIPPED_DIRECTORY)))
    assert "Services still to be filled in are not listed. Type directory" in words


def test_a_long_directory_is_cut_to_what_fits_and_the_smlo_is_told() -> None:
    card = smlo.out_of_remit_card(submitted(), LONGEST_DIRECTORY)
    services = [(v, t) for v, t in _choices(card) if v.startswith("service:")]

    assert len(services) == smlo.MOST_SERVICES_OFFERED
    assert all(len(t.partition(": ")[2]) == smlo.LONGEST_CHOICE_NAME for _, t in services)
    assert services[0][1].endswith("…")
    assert f"Only the first {smlo.MOST_SERVICES_OFFERED} services fit here." in " ".join(
        texts_of(card)
    )


def test_the_referrer_is_told_the_service_and_how_to_reach_it() -> None:
    card = notices.signposted_card(signposted_to(FULL, "eap"), FILLED_DIRECTORY)
    words = " ".join(texts_of(card))

    assert "The best place to help with this is: Employee \\*\\*assistance\\*\\* programme." in (
        words
    )
    assert "0100 000 0000, or text 60000 (monday to friday, 9am to 5pm)" in words
    assert "Free, private counselling for staff." in words
    assert "Online: https://eap.example.org/staff" in words
    assert _buttons(card)[w.GET_HELP_NOW] == Verb.SUPPORT
    smlo_words = " ".join(texts_of(smlo_card(signposted_to(FULL, "eap"))))
    assert "Sent on to: Employee \\*\\*assistance\\*\\* programme." in smlo_words


def test_a_kind_of_help_lists_the_directorys_services_of_that_kind_and_points_to_the_rest() -> None:
    card = notices.signposted_card(signposted(FULL, Signpost.STAFF_NETWORK), NETWORKS)
    words = " ".join(texts_of(card))

    assert "The best place to help with this is: A staff network." in words
    shown = [n for n in range(1, notices.MOST_OF_A_KIND + 2) if f"Network {n} " in f"{words} "]
    assert shown == list(range(1, notices.MOST_OF_A_KIND + 1))
    assert "There are more under Get help now." in words
    hr = " ".join(texts_of(notices.signposted_card(signposted(FULL, Signpost.HR), NETWORKS)))
    assert "The best place to help with this is: HR." in hr
    assert "Network" not in hr


def test_a_service_since_taken_out_of_the_directory_falls_back_to_its_kind() -> None:
    referral = signposted_to(FULL, "eap")  # filled in then; still to fill in the shipped file

    words = " ".join(texts_of(notices.signposted_card(referral, SHIPPED_DIRECTORY)))
    smlo_words = " ".join(texts_of(smlo.referral_card(referral, {}, support=SHIPPED_DIRECTORY)))

    assert "The best place to help with this is: Wellbeing and the helpline for staff." in words
    assert "Employee" not in words
    assert "Sent on to: Wellbeing and the helpline for staff." in smlo_words


def test_a_referral_signposted_before_services_could_be_chosen_reads_as_it_did() -> None:
    old = signposted(FULL, Signpost.FEDERATION_OR_UNION)
    assert old.signpost_service == ""

    words = " ".join(texts_of(notices.signposted_card(old, SHIPPED_DIRECTORY)))

    assert "The best place to help with this is: The Police Federation or a union." in words


@pytest.mark.parametrize(
    "shown", [c for c in CARDS if c.face is not Face.OTHER], ids=lambda c: c.name
)
def test_no_escalation_text_is_on_a_card_that_may_not_show_it(shown: Shown) -> None:
    assert ESCALATION_CANARY not in json.dumps(shown.build())


def test_the_roster_shows_each_advocates_latest_check_in_to_the_smlo() -> None:
    shown = texts_of(next(c for c in CARDS if c.name == "roster:check-ins").build())
    words = " ".join(shown)

    assert "Check-in March 2026: would like to talk, room for 1 more, 12 hours" in words
    assert "No check-in yet" in words


def test_the_check_in_card_names_the_month_it_is_for() -> None:
    shown = " ".join(texts_of(checkins_module.checkin_card("2026-03")))

    assert "March 2026" in shown
    assert "February" not in shown


def test_the_weekly_digest_shows_counts_and_overdue_with_buttons_to_the_lists() -> None:
    some = Digest({Line.TRIAGE: Count(3, 1), Line.QUIET: Count(2, 2)})
    card = digest_module.digest_card(some)
    shown = " ".join(texts_of(card))

    assert "3, 1 overdue" in shown
    assert "2, 2 overdue" in shown
    assert "Offers not answered yet" in shown
    verbs = [a["verb"] for a in card["actions"]]
    assert verbs == [Verb.INBOX.value, Verb.ROSTER.value]
    assert notifications_module.preview_text(Kind.WEEKLY_DIGEST, active()) == (
        "Your weekly summary"
    )


def test_every_kind_of_message_about_a_referral_can_be_listed_as_undelivered() -> None:
    """A parked reminder, escalation news or message note must not break the SMLO's
    `undelivered` card: each kind about a referral says what it was, in words."""
    from referrals.notifications import ABOUT_NO_REFERRAL, NotificationKind

    about_referrals = set(NotificationKind) - ABOUT_NO_REFERRAL
    assert about_referrals <= set(delivery_module.WHAT)
    for kind in about_referrals:
        parked = replace(STUCK[0][0], kind=kind)
        shown = " ".join(texts_of(undelivered_card([(parked, STUCK[0][1])], SERVICE_LEADS, NAMES)))
        assert delivery_module.WHAT[kind] in shown


def test_the_thread_pages_back_through_every_message_once_newest_first() -> None:
    at = datetime(2026, 6, 3, 10, 0, tzinfo=UTC)
    said = [
        ThreadMessage(f"m{n}", Sender.REFERRER, Recipient.SMLOS, "x" * (n * 97 % 2000 + 1), at)
        for n in range(40)
    ]
    pages, start = [], 0
    while True:
        shown, earlier = messages_module.page_of(said, start)
        pages.append(shown)
        start += len(shown)
        if not earlier:
            break

    seen = [m.id for page in reversed(pages) for m in page]
    assert seen == [m.id for m in said], "every message once, in order"
    assert all(0 < len(page) <= messages_module.PAGE_AT_MOST for page in pages)
    assert messages_module.page_of([], 0) == ([], 0)


def test_on_the_on_behalf_route_the_role_says_whose_it_is() -> None:
    sender = dict(answer_facts(ON_BEHALF, for_referrer=True))
    staff = dict(answer_facts(ON_BEHALF, for_referrer=False))
    assert {"Their role", "Your role in this"} <= set(sender)
    assert {"Person's role", "Referrer's role"} <= set(staff)
    assert "Role" in dict(answer_facts(FULL, for_referrer=True))


def test_the_referrer_reads_who_will_read_their_message_before_and_after_an_advocate() -> None:
    before, after = submitted(), active()
    for r, reads in ((before, "The service lead will read"), (after, "Your advocate will read")):
        thread = " ".join(texts_of(messages_module.thread_card(r, Sender.REFERRER, [], "m1")))
        offer = " ".join(texts_of(messages_module.typed_words_card([r], "hello", ["m1"])))
        assert reads in thread
        assert reads in offer
    assert "The service lead can read it too" in messages_module.who_reads(after)
    staff = messages_module.thread_card(after, Sender.ADVOCATE, [], "m1")
    assert "will read your message" not in " ".join(texts_of(staff))
    assert messages_module.TO_THE_SENDER not in texts_of(staff)
    on_behalf = messages_module.thread_card(active(ON_BEHALF), Sender.SMLO, [], "m1")
    assert messages_module.TO_THE_SENDER in texts_of(on_behalf), "not to the person referred"


def test_staff_read_how_to_reach_someone_without_teams_on_every_card_of_the_case() -> None:
    referral = outside_active()
    record = Record((), SHIPPED_DIRECTORY)
    for shown in (
        smlo.details_card(referral, NAMES, SMLO_IDS, support=SHIPPED_DIRECTORY),
        advocate.case_card(referral),
        case_record.record_card(referral, record, may_add=True),
    ):
        assert "Reached outside Teams by phone" in " ".join(texts_of(shown))
    in_teams = " ".join(texts_of(case_record.record_card(active(), record, may_add=True)))
    assert "Reached outside Teams" not in in_teams


def test_the_smlos_card_and_inbox_say_a_referral_is_for_someone_not_in_teams() -> None:
    referral = outside_active()
    face = " ".join(texts_of(smlo.referral_card(referral, NAMES, support=SHIPPED_DIRECTORY)))
    inbox = " ".join(texts_of(smlo.inbox_card([referral, active()])))

    assert "Not in Teams Taken by a service lead" in face
    assert inbox.count("not in Teams") == 1


def test_logging_a_contact_with_someone_not_in_teams_starts_with_how_they_are_reached() -> None:
    record = Record((), SHIPPED_DIRECTORY)
    contact = Form(EntryKind.CONTACT)

    outside = record_forms.form_card(outside_active(), contact, record, NOW)
    in_teams = record_forms.form_card(active(), contact, record, NOW)

    assert input_values(outside)["how"] == "phone"
    assert input_values(in_teams).get("how", "") == ""


def test_a_case_for_someone_without_teams_offers_no_messages_as_they_have_no_chat() -> None:
    referral = outside_active()

    d = SHIPPED_DIRECTORY
    for shown, of_a_case_in_teams in (
        (
            smlo.details_card(referral, NAMES, SMLO_IDS, support=d),
            smlo.details_card(active(), NAMES, SMLO_IDS, support=d),
        ),
        (advocate.case_card(referral), advocate.case_card(active())),
    ):
        assert "Messages" not in json.dumps(shown.get("actions", []))
        assert "Messages" in json.dumps(of_a_case_in_teams.get("actions", []))


def test_the_thread_of_a_case_for_someone_without_teams_offers_no_box_and_says_why() -> None:
    """Only a forged press can open it: it offers nothing to send that would be refused."""
    shown = messages_module.thread_card(outside_active(), Sender.SMLO, [], "m-1")

    assert Verb.SEND_MESSAGE.value not in json.dumps(shown.get("actions", []))
    assert "text" not in input_values(shown)
    assert "not in Teams" in " ".join(texts_of(shown))


def test_an_undelivered_to_do_for_the_smlo_who_took_a_referral_is_for_a_service_lead() -> None:
    """They are its maker (`referrer_id`) but not the person it is for."""
    referral = outside_active()
    to_do = replace(STUCK[0][0], kind=Kind.TELL_PERSON_CLOSED, recipient_id=referral.referrer_id)
    leads = SERVICE_LEADS | {referral.referrer_id}

    shown = " ".join(texts_of(undelivered_card([(to_do, referral)], leads, NAMES)))

    assert "a service lead" in shown
    assert "the person who referred" not in shown


@each(CARDS)
def test_a_cards_invoke_answer_is_written_as_botbuilders_serialiser_writes_it(
    shown: Shown,
) -> None:
    """The card answer skips msrest's serialiser (bot/ingress/gate.py) and must not differ."""
    for body in (card_response(shown.build()).body, card_response(None).body):
        assert isinstance(body, AdaptiveCardInvokeResponse)
        assert json.loads(invoke_body(body)) == json.loads(json.dumps(serializer_helper(body)))
