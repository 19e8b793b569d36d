"""What a referrer can tell us, step by step, and the limits that apply.

Every answer is optional (None or empty means skipped) except the few in
`REQUIRED_ANSWERS` (on the on-behalf route, whether the person knows and agrees) and the
final consent. The values are closed sets so that statistics never depend on free text.

On the on-behalf route (an investigator, intelligence lead or HR referring someone as part
of their job) the sender is reached in Teams as the referrer; the contact answers are the
*person's*, so the advocate can reach them, and `behalf_name` says who they are.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum


class IntakeStep(StrEnum):
    ABOUT_YOU = "about_you"
    ON_BEHALF = "on_behalf"  # asked only when the route is ON_BEHALF
    WISHES = "wishes"
    WHAT_HAPPENED = "what_happened"
    CONTACT = "contact"
    MONITORING = "monitoring"
    REVIEW = "review"


STEP_ORDER: tuple[IntakeStep, ...] = tuple(IntakeStep)


class Route(StrEnum):
    EXPERIENCED = "experienced"
    WITNESSED = "witnessed"
    CONCERN = "concern"
    ON_BEHALF = "on_behalf"


class Identity(StrEnum):
    """Whether the service's people may know who referred (`referrals.identity`)."""

    NAMED = "named"
    ANONYMOUS = "anonymous"  # sealed apart: staff see "Anonymous" and reach them by message


class Employment(StrEnum):
    OFFICER = "officer"
    STAFF = "staff"
    VOLUNTEER = "volunteer"
    FORMER = "former"


class BehalfRole(StrEnum):
    INVESTIGATOR = "investigator"
    INTELLIGENCE = "intelligence"
    HR = "hr"
    OTHER = "other"


class YesNoUnsure(StrEnum):
    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


class Wish(StrEnum):
    TALK_TO_ADVOCATE = "talk_to_advocate"
    INFORMATION = "information"
    FORMAL_REPORT = "formal_report"
    SPECIALIST_HELP = "specialist_help"
    JUST_RECORD = "just_record"


class When(StrEnum):
    PAST_WEEK = "past_week"
    PAST_MONTH = "past_month"
    PAST_YEAR = "past_year"
    LONGER = "longer"
    ONGOING = "ongoing"


class ContactMethod(StrEnum):
    TEAMS = "teams"
    WORK_PHONE = "work_phone"
    PERSONAL_PHONE = "personal_phone"
    PERSONAL_EMAIL = "personal_email"


class Gender(StrEnum):
    WOMAN = "woman"
    MAN = "man"
    NON_BINARY = "non_binary"
    OTHER = "other"
    PREFER_NOT = "prefer_not"


class AgeBand(StrEnum):
    UNDER_25 = "under_25"
    FROM_25_TO_34 = "25_34"
    FROM_35_TO_44 = "35_44"
    FROM_45_TO_54 = "45_54"
    OVER_55 = "55_plus"
    PREFER_NOT = "prefer_not"


# Documented limits (README, cards): text beyond them is refused with a kind message and
# the person's words are shown back so nothing is lost.
TEXT_LIMITS: dict[str, int] = {
    "account": 2000,
    "avoid": 500,
    "behalf_name": 100,
    "safe_times": 200,
    "work_phone": 30,
    "personal_phone": 30,
    "personal_email": 254,
}


# The questions a step may not be left without: the rest can be skipped. Someone referring
# as part of their job must say whether the person knows and agrees, since the service
# only contacts people who agree (DESIGN.md §4, step 2).
REQUIRED_ANSWERS: dict[IntakeStep, tuple[str, ...]] = {
    IntakeStep.ON_BEHALF: ("behalf_consent",),
}


# Kept after withdrawal and after the retention period, for anonymous statistics only
# (and `identity`, so the trail of an erased referral still says its referrer was anonymous).
STATISTICAL_FIELDS = (
    "route",
    "identity",
    "employment",
    "behalf_role",
    "wishes",
    "when",
    "colleague",
    "gender",
    "age_band",
)


@dataclass(frozen=True)
class IntakeAnswers:
    route: Route | None = None
    identity: Identity | None = None  # None: not chosen, so named
    employment: Employment | None = None
    behalf_role: BehalfRole | None = None
    behalf_consent: YesNoUnsure | None = None
    behalf_name: str = ""  # the person referred, on the on-behalf route; never counted
    # Leaving the force soon (so soon without Teams): asked beside employment, never counted.
    leaving: YesNoUnsure | None = None
    wishes: tuple[Wish, ...] = ()
    account: str = ""
    when: When | None = None
    colleague: YesNoUnsure | None = None
    avoid: str = ""
    contact_methods: tuple[ContactMethod, ...] = ()
    work_phone: str = ""
    personal_phone: str = ""
    personal_email: str = ""
    safe_times: str = ""
    leave_message: YesNoUnsure | None = None
    gender: Gender | None = None
    age_band: AgeBand | None = None
    consent: bool = False

    def with_changes(self, **changes: object) -> IntakeAnswers:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def statistical_only(self) -> IntakeAnswers:
        """What survives erasure: closed-set answers the service is measured by; no free
        text, no contact details."""
        return IntakeAnswers(**{name: getattr(self, name) for name in STATISTICAL_FIELDS})


def is_whole_text(text: str) -> bool:
    """Whether `text` can be stored: no lone half of a surrogate pair (a broken client can
    send one, e.g. "\\ud800"), which no UTF-8 encoder, and so no cipher, will take."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def mended_text(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD, the replacement character."""
    if is_whole_text(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def limit_problems(answers: IntakeAnswers) -> dict[str, str]:
    """Field name -> short reason, for every text answer over its documented limit or
    with characters that cannot be stored."""
    found = {
        name: text_problem(getattr(answers, name), limit) for name, limit in TEXT_LIMITS.items()
    }
    return {name: problem for name, problem in found.items() if problem}


def text_problem(text: str, limit: int) -> str:
    """Why `text` cannot be kept ("" if it can): over its limit, or unstorable."""
    if len(text) > limit:
        return f"{len(text)} characters; the limit is {limit}"
    if not is_whole_text(text):
        return "characters that cannot be stored"
    return ""


# Asked only on the on-behalf route / left out of it: the sender's own gender and age
# say nothing about the people the service supports, and the person gives theirs (if
# they want to) to their advocate.
ON_BEHALF_ONLY = frozenset({IntakeStep.ON_BEHALF})
NOT_ON_BEHALF = frozenset({IntakeStep.MONITORING})


def is_on_behalf(answers: IntakeAnswers) -> bool:
    return answers.route is Route.ON_BEHALF


def steps_for(answers: IntakeAnswers) -> list[IntakeStep]:
    """The steps this person will see: the on-behalf step only for on-behalf referrals,
    which leave out the monitoring step."""
    skipped = NOT_ON_BEHALF if is_on_behalf(answers) else ON_BEHALF_ONLY
    return [step for step in STEP_ORDER if step not in skipped]


def next_step(current: IntakeStep | None, answers: IntakeAnswers) -> IntakeStep:
    """The step after `current` (the first step when None); review is the last."""
    steps = steps_for(answers)
    if current is None:
        return steps[0]
    later = [s for s in steps if STEP_ORDER.index(s) > STEP_ORDER.index(current)]
    return later[0] if later else IntakeStep.REVIEW


def previous_step(current: IntakeStep, answers: IntakeAnswers) -> IntakeStep:
    """The step before `current`; the first step is its own previous step."""
    steps = steps_for(answers)
    earlier = [s for s in steps if STEP_ORDER.index(s) < STEP_ORDER.index(current)]
    return earlier[-1] if earlier else steps[0]


def can_skip(step: IntakeStep) -> bool:
    """Whether a step may be skipped as a whole: not if it asks a required question."""
    return not REQUIRED_ANSWERS.get(step)


def missing_answers(step: IntakeStep, answers: IntakeAnswers) -> tuple[str, ...]:
    """The required questions of `step` that have no answer yet."""
    return tuple(name for name in REQUIRED_ANSWERS.get(step, ()) if not getattr(answers, name))


def first_unanswered_step(
    answers: IntakeAnswers, before: IntakeStep = IntakeStep.REVIEW
) -> IntakeStep | None:
    """The first step this person sees, before `before`, with a required question left
    unanswered; None when every one is answered."""
    for step in steps_for(answers):
        if STEP_ORDER.index(step) >= STEP_ORDER.index(before):
            return None
        if missing_answers(step, answers):
            return step
    return None


# Someone who has left the force, or is leaving it, may soon have no Teams and no work
# phone or e-mail: the contact step asks them kindly for a personal way to stay in touch,
# with these ways chosen to start with. Never required.
STAY_IN_TOUCH = (ContactMethod.PERSONAL_PHONE, ContactMethod.PERSONAL_EMAIL)


def may_lose_teams(answers: IntakeAnswers) -> bool:
    """Whether they said they used to work here, or are leaving."""
    return answers.employment is Employment.FORMER or answers.leaving is YesNoUnsure.YES


def stay_in_touch_methods(answers: IntakeAnswers) -> tuple[ContactMethod, ...]:
    """The contact ways the contact step shows chosen: theirs if they chose any; else, for
    someone who may lose Teams, the personal ones."""
    if answers.contact_methods or not may_lose_teams(answers):
        return answers.contact_methods
    return STAY_IN_TOUCH


def quick_request(answers: IntakeAnswers) -> IntakeAnswers:
    """The short way in: "ask an advocate to contact me". Whatever the person already told
    us stays; the wish to talk to an advocate is added, and a Teams chat is the way to reach
    them unless they chose another. Everything else is left for the first conversation."""
    wishes = answers.wishes
    if Wish.TALK_TO_ADVOCATE not in wishes:
        wishes = (Wish.TALK_TO_ADVOCATE, *wishes)
    contact = answers.contact_methods or (ContactMethod.TEAMS,)
    return answers.with_changes(wishes=wishes, contact_methods=contact)
