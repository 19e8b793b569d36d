"""People, answers and lifecycle paths shared by the domain unit tests.

Referrals in a given state are always built by walking real transitions from a draft,
never by setting fields, so a test can only reach states the domain itself allows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from referrals.intake import IntakeAnswers, IntakeStep, Route
from referrals.people import Actor, Advocate
from referrals.referral import DeclineReason, ReassignReason, Referral
from referrals.signposting import Signpost
from referrals.states import ReferralState, Transition

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=3)

# Put in every free-text answer; it must never leave the answers (history, outbox, errors).
CANARY = "CANARY-disclosure-7f3a"

# The duplicate is on purpose: configuration mistakes must not notify anyone twice.
SMLO_IDS = ("smlo-1", "smlo-2", "smlo-1")
UNIQUE_SMLO_IDS = ("smlo-1", "smlo-2")


class Role(StrEnum):
    """How a person stands towards the one referral under test."""

    REFERRER = "referrer"
    OTHER_REFERRER = "other_referrer"
    SMLO = "smlo"
    ADVOCATE = "advocate"  # the advocate this referral is (or was) offered to
    OTHER_ADVOCATE = "other_advocate"
    STRANGER = "stranger"
    INACTIVE_ADVOCATE = "inactive_advocate"  # the same advocate, since taken off the list


ACTORS: dict[Role, Actor] = {
    Role.REFERRER: Actor("referrer-1", "Rosa Referrer-Name"),
    Role.OTHER_REFERRER: Actor("referrer-2", "Olly Otherreferrer-Name"),
    Role.SMLO: Actor("smlo-1", "Sam Smlo-Name", is_smlo=True),
    Role.ADVOCATE: Actor("advocate-1", "Ada Advocate-Name", is_advocate=True),
    Role.OTHER_ADVOCATE: Actor("advocate-2", "Ben Otheradvocate-Name", is_advocate=True),
    Role.STRANGER: Actor("stranger-1", "Stan Stranger-Name"),
    Role.INACTIVE_ADVOCATE: Actor("advocate-1", "Ada Advocate-Name"),
}
DISPLAY_NAMES = tuple(actor.display_name for actor in ACTORS.values())

OFFERED_ADVOCATE = Advocate("advocate-1", "Ada Advocate-Name", team="Team North")
REMOVED_ADVOCATE = dataclasses.replace(OFFERED_ADVOCATE, active=False)
# The advocate a case is given to when it is taken from the one who held it.
NEXT_ADVOCATE = Advocate("advocate-3", "Nia Next-Advocate")


def text_fields() -> list[str]:
    """Every free-text answer, found from the dataclass so a new one is covered too."""
    return [f.name for f in dataclasses.fields(IntakeAnswers) if f.type == "str"]


def answers_with_canary(*, consent: bool = True) -> IntakeAnswers:
    base = IntakeAnswers(route=Route.EXPERIENCED, consent=consent)
    return base.with_changes(**{name: CANARY for name in text_fields()})


def new_draft(*, consent: bool = True, referrer: Actor | None = None) -> Referral:
    referrer = referrer or ACTORS[Role.REFERRER]
    draft = Referral.start_draft(referrer, NOW)
    draft.record_answers(referrer, answers_with_canary(consent=consent), IntakeStep.REVIEW, NOW)
    return draft


def attempt(referral: Referral, transition: Transition, actor: Actor, now: datetime = NOW) -> None:
    """Ask the referral to make `transition` on behalf of `actor`."""
    actions: dict[Transition, Callable[[], None]] = {
        Transition.SUBMIT: lambda: referral.submit(actor, "SMA-2026-0001", SMLO_IDS, now),
        Transition.OFFER: lambda: referral.offer(actor, OFFERED_ADVOCATE, now),
        Transition.MARK_OUT_OF_REMIT: lambda: referral.mark_out_of_remit(
            actor, Signpost.WELLBEING, now
        ),
        Transition.ACCEPT: lambda: referral.accept(actor, SMLO_IDS, now),
        Transition.DECLINE: lambda: referral.decline(
            actor, DeclineReason.NO_CAPACITY, SMLO_IDS, now
        ),
        Transition.RETURN_OFFER: lambda: referral.return_offer(
            actor, REMOVED_ADVOCATE, SMLO_IDS, now
        ),
        Transition.REASSIGN: lambda: referral.reassign(
            actor, NEXT_ADVOCATE, ReassignReason.CONFLICT_FOUND, now
        ),
        Transition.CLOSE: lambda: referral.close(actor, now),
        Transition.LAPSE_OFFER: lambda: referral.lapse_offer(actor, "offer:2:t", SMLO_IDS, now),
        Transition.WITHDRAW: lambda: referral.withdraw(actor, SMLO_IDS, now),
    }
    assert set(actions) == set(Transition), "a new transition needs a line here"
    actions[transition]()


Step = tuple[Transition, Role]


@dataclass(frozen=True)
class Path:
    """A named way of reaching `state` from a fresh draft."""

    name: str
    state: ReferralState
    steps: tuple[Step, ...]

    def then(self, name: str, state: ReferralState, *steps: Step) -> Path:
        return Path(name, state, self.steps + steps)

    @property
    def advocate_holds_offer(self) -> bool:
        """Whether the advocate was offered this referral and has not declined since."""
        holds = False
        for transition, _ in self.steps:
            if transition is Transition.OFFER:
                holds = True
            elif transition in (Transition.DECLINE, Transition.RETURN_OFFER):
                holds = False
        return holds

    @property
    def advocate_allocated(self) -> bool:
        return any(transition is Transition.ACCEPT for transition, _ in self.steps)


S = ReferralState
T = Transition
DRAFT = Path("draft", S.DRAFT, ())
SUBMITTED = DRAFT.then("submitted", S.SUBMITTED, (T.SUBMIT, Role.REFERRER))
OFFERED = SUBMITTED.then("offered", S.OFFERED, (T.OFFER, Role.SMLO))
AWAITING = OFFERED.then("awaiting_after_decline", S.AWAITING_ALLOCATION, (T.DECLINE, Role.ADVOCATE))
RETURNED = OFFERED.then("awaiting_after_return", S.AWAITING_ALLOCATION, (T.RETURN_OFFER, Role.SMLO))
OFFERED_AGAIN = AWAITING.then("offered_again", S.OFFERED, (T.OFFER, Role.SMLO))
ACTIVE = OFFERED.then("active", S.ACTIVE, (T.ACCEPT, Role.ADVOCATE))
SIGNPOSTED = SUBMITTED.then("signposted", S.SIGNPOSTED, (T.MARK_OUT_OF_REMIT, Role.SMLO))

PATHS: tuple[Path, ...] = (
    DRAFT,
    SUBMITTED,
    OFFERED,
    AWAITING,
    RETURNED,
    OFFERED_AGAIN,
    ACTIVE,
    SIGNPOSTED,
    AWAITING.then("signposted_after_decline", S.SIGNPOSTED, (T.MARK_OUT_OF_REMIT, Role.SMLO)),
    ACTIVE.then("closed_after_support", S.CLOSED, (T.CLOSE, Role.ADVOCATE)),
    SIGNPOSTED.then("closed_after_signposting", S.CLOSED, (T.CLOSE, Role.SMLO)),
    SUBMITTED.then("withdrawn_when_submitted", S.WITHDRAWN, (T.WITHDRAW, Role.REFERRER)),
    AWAITING.then("withdrawn_when_awaiting", S.WITHDRAWN, (T.WITHDRAW, Role.REFERRER)),
    OFFERED.then("withdrawn_when_offered", S.WITHDRAWN, (T.WITHDRAW, Role.REFERRER)),
    ACTIVE.then("withdrawn_when_active", S.WITHDRAWN, (T.WITHDRAW, Role.REFERRER)),
    SIGNPOSTED.then("withdrawn_when_signposted", S.WITHDRAWN, (T.WITHDRAW, Role.REFERRER)),
)


def walk(path: Path) -> Referral:
    """A referral brought to the end of `path` through real transitions."""
    referral = new_draft()
    for transition, role in path.steps:
        attempt(referral, transition, ACTORS[role])
    return referral
