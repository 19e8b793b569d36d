"""The words people see for each answer value, and the service's fixed phrases.

Kept short and plain: every card must read at Flesch reading ease 60 or above
(tests/unit/test_cards.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from cards.record_words import RECORD_LABELS
from referrals.allocation import ConflictReason
from referrals.availability import AvailabilityState, Exclusion, OverrideReason
from referrals.escalation import Consent, Destination, InfoCategory
from referrals.intake import (
    AgeBand,
    BehalfRole,
    ContactMethod,
    Employment,
    Gender,
    Identity,
    IntakeStep,
    Route,
    When,
    Wish,
    YesNoUnsure,
)
from referrals.pathway import Outcome, StepConsent, StepKind, StepStatus
from referrals.referral import DeclineReason, ReassignReason
from referrals.signposting import Signpost
from referrals.states import ReferralState
from referrals.subjects import SubjectWish
from referrals.triage import Risk, Urgency

PREFER_NOT = "Prefer not to say"
DETAILS_FOLD_BACK = (
    "These details hide again after a few minutes, and are removed from this chat if the "
    "referral is withdrawn or closed."
)
FOLDS_BACK = (
    "These details hide again after a few minutes, and when the case ends. You can open "
    "them again at any time while the case is yours."
)

# One mapping per answer type: members of different enums may share a value ("other"),
# so a single dict keyed by members would let one overwrite another.
# The two bars no reason of the SMLO's lifts read alike: an anonymous referrer's own team,
# line or self (`referrals.identity`), and the person a referral is about
# (`referrals.subjects`). Told apart, the words would say who referred, or whom a sealed
# name is about; alike, they say only that this advocate cannot have this case.
CANNOT_BE_OFFERED = "Cannot be offered this case"


LABELS: dict[type[StrEnum], dict[StrEnum, str]] = {
    Route: {
        Route.EXPERIENCED: "It happened to me",
        Route.WITNESSED: "I saw it happen to someone else",
        Route.CONCERN: "I am worried about a colleague",
        Route.ON_BEHALF: "I am referring someone as part of my job",
    },
    Identity: {
        Identity.NAMED: "Yes, they can know who I am",
        Identity.ANONYMOUS: "No, keep me anonymous to the service",
    },
    Employment: {
        Employment.OFFICER: "Police officer",
        Employment.STAFF: "Police staff",
        Employment.VOLUNTEER: "Volunteer",
        Employment.FORMER: "I used to work here",
    },
    BehalfRole: {
        BehalfRole.INVESTIGATOR: "Investigator",
        BehalfRole.INTELLIGENCE: "Intelligence",
        BehalfRole.HR: "HR",
        BehalfRole.OTHER: "Something else",
    },
    SubjectWish: {
        SubjectWish.ACT_NOW: (
            "Use it now: the service lead and the advocate see it with the referral"
        ),
        SubjectWish.ONLY_IF_ANOTHER: "Keep it sealed: use it only if someone else names them",
    },
    YesNoUnsure: {
        YesNoUnsure.YES: "Yes",
        YesNoUnsure.NO: "No",
        YesNoUnsure.UNSURE: "Not sure",
    },
    Wish: {
        Wish.TALK_TO_ADVOCATE: "Talk to an advocate",
        Wish.INFORMATION: "Find out what my options are",
        Wish.FORMAL_REPORT: "Make a formal report",
        Wish.SPECIALIST_HELP: "Get help from a support service",
        Wish.JUST_RECORD: "Just note what happened, for now",
    },
    When: {
        When.PAST_WEEK: "In the last week",
        When.PAST_MONTH: "In the last month",
        When.PAST_YEAR: "In the last year",
        When.LONGER: "More than a year ago",
        When.ONGOING: "It is still going on",
    },
    ContactMethod: {
        ContactMethod.TEAMS: "A Teams chat or call",
        ContactMethod.WORK_PHONE: "My work phone",
        ContactMethod.PERSONAL_PHONE: "My own phone",
        ContactMethod.PERSONAL_EMAIL: "My own email",
    },
    Gender: {
        Gender.WOMAN: "Woman",
        Gender.MAN: "Man",
        Gender.NON_BINARY: "Non-binary",
        Gender.OTHER: "I describe myself another way",
        Gender.PREFER_NOT: PREFER_NOT,
    },
    AgeBand: {
        AgeBand.UNDER_25: "Under 25",
        AgeBand.FROM_25_TO_34: "25 to 34",
        AgeBand.FROM_35_TO_44: "35 to 44",
        AgeBand.FROM_45_TO_54: "45 to 54",
        AgeBand.OVER_55: "55 or over",
        AgeBand.PREFER_NOT: PREFER_NOT,
    },
    Signpost: {
        Signpost.STAFF_NETWORK: "A staff network",
        Signpost.FEDERATION_OR_UNION: "The Police Federation or a union",
        Signpost.HR: "HR",
        Signpost.WELLBEING: "Wellbeing and the helpline for staff",
        Signpost.OTHER_SERVICE: "Another support service",
    },
    Urgency: {Urgency.ROUTINE: "Routine", Urgency.URGENT: "Urgent"},
    Destination: {
        Destination.PSD: "Professional Standards (PSD)",
        Destination.CCU: "The counter-corruption unit",
        Destination.SAFEGUARDING: "Safeguarding",
        Destination.CRIME_REPORT: "A crime report",
        Destination.HR: "HR",
        Destination.OTHER: "Another team",
    },
    InfoCategory: {
        InfoCategory.IDENTITY: "Who the person is",
        InfoCategory.SUBJECT: "Who it is about",
        InfoCategory.ACCOUNT: "What happened, in outline",
        InfoCategory.RISK: "The risk we saw",
        InfoCategory.CASE_RECORD: "Parts of the case record",
    },
    StepKind: {
        StepKind.FORMAL_REPORT: "A formal report made",
        StepKind.MISCONDUCT: "Looked into as misconduct",
        StepKind.CRIMINAL: "Looked into as a crime",
        StepKind.GRIEVANCE: "A grievance",
    },
    StepStatus: {StepStatus.STARTED: "Started", StepStatus.OUTCOME: "Ended, with an outcome"},
    Outcome: {
        Outcome.UPHELD: "Upheld",
        Outcome.NOT_UPHELD: "Not upheld",
        Outcome.NO_FURTHER_ACTION: "No further action",
        Outcome.CHARGED: "Charged",
        Outcome.RESOLVED: "Resolved",
        Outcome.OTHER: "Some other end",
    },
    StepConsent: {
        StepConsent.CONSENTED: "With their consent",
        StepConsent.WITHOUT_CONSENT: "Without their consent",
    },
    Consent: {
        Consent.CONSENTED: "With their consent",
        Consent.DECLINED: "They said no: nothing was passed",
        Consent.WITHOUT_CONSENT: "Without consent, because of a risk to others",
    },
    Risk: {
        Risk.TO_THE_PERSON: "Risk to the person",
        Risk.TO_OTHERS: "Risk to others",
        Risk.SAFEGUARDING: "A safeguarding concern",
    },
    ReassignReason: {
        ReassignReason.ADVOCATE_UNAVAILABLE: "Their advocate is not available for a while",
        ReassignReason.CONFLICT_FOUND: "We found a conflict of interest",
        ReassignReason.PERSON_ASKED: "The person asked for someone else",
        ReassignReason.ADVOCATE_LEFT: "Their advocate has left the list",
    },
    DeclineReason: {
        DeclineReason.NO_CAPACITY: "I do not have time just now",
        DeclineReason.CONFLICT: "I may know the people involved",
        DeclineReason.OTHER: "Another reason",
    },
    ConflictReason: {
        ConflictReason.NAMED_BY_REFERRER: "Named by the person as someone to avoid",
        ConflictReason.TEAM_NAMED_BY_REFERRER: "Their team was named as one to avoid",
        ConflictReason.DECLINED_BEFORE: "Said no to this case before",
        ConflictReason.HELD_BEFORE: "Had this case before",
        ConflictReason.SAME_DEPARTMENT: "Same department as the referrer, says the staff list",
        ConflictReason.LINE_MANAGEMENT: "One of them manages the other, says the staff list",
        # An anonymous referral: never why, so the list cannot point at who referred it.
        ConflictReason.PRIVATE: CANNOT_BE_OFFERED,
    },
    AvailabilityState: {
        AvailabilityState.AVAILABLE: "I can take new cases",
        AvailabilityState.LIMITED: "Only a few more just now",
        AvailabilityState.AWAY: "I am away until a date",
    },
    Exclusion: {
        Exclusion.AWAY: "Away",
        Exclusion.FULL: "Has as many cases as they can take",
        Exclusion.ASKED_TO_AVOID: "The person asked not to have them or their team",
        Exclusion.DECLINED_FOR_CONFLICT: "Said no to this case for a conflict",
        Exclusion.PRIVATE_CONFLICT: CANNOT_BE_OFFERED,
        Exclusion.NOT_FOR_THIS_REFERRAL: CANNOT_BE_OFFERED,
    },
    OverrideReason: {
        OverrideReason.AGREED_WITH_ADVOCATE: "I asked them and they agreed",
        OverrideReason.PERSON_ASKED: "The person asked for them",
        OverrideReason.NO_ONE_ELSE: "No one else suitable can take it",
        OverrideReason.CONFLICT_CHECKED: "I checked: there is no real conflict",
    },
    ReferralState: {
        ReferralState.DRAFT: "Not sent yet",
        ReferralState.SUBMITTED: "New",
        ReferralState.AWAITING_ALLOCATION: "Needs an advocate",
        ReferralState.OFFERED: "Offered to an advocate",
        ReferralState.ACTIVE: "Advocate in place",
        ReferralState.SIGNPOSTED: "Sent to another service",
        ReferralState.CLOSED: "Closed",
        ReferralState.WITHDRAWN: "Withdrawn",
    },
    **RECORD_LABELS,
}

# The advocate's reason for saying no, as the SMLO reads it (a category, never content):
# it helps them choose someone else.
DECLINED_BECAUSE: dict[DeclineReason, str] = {
    DeclineReason.NO_CAPACITY: "they do not have time just now",
    DeclineReason.CONFLICT: "they may know the people involved",
    DeclineReason.OTHER: "another reason",
}

STEP_TITLES: dict[IntakeStep, str] = {
    IntakeStep.ABOUT_YOU: "About you",
    IntakeStep.ON_BEHALF: "Who you are referring",
    IntakeStep.WISHES: "What you would like",
    IntakeStep.WHAT_HAPPENED: "What happened",
    IntakeStep.SUBJECT: "Who it is about",
    IntakeStep.CONTACT: "How to reach you",
    IntakeStep.MONITORING: "A few last questions",
    IntakeStep.REVIEW: "Check and send",
}

# Someone referring another person as part of their job reads the questions about that
# person, not about themselves: these words replace the ones above on the on-behalf route.
# Kept per answer type, as LABELS is: two types may share a value ("other").
SENDER_LABELS: dict[type[StrEnum], dict[StrEnum, str]] = {
    Wish: {Wish.INFORMATION: "Find out what their options are"},
    ContactMethod: {
        ContactMethod.WORK_PHONE: "Their work phone",
        ContactMethod.PERSONAL_PHONE: "Their own phone",
        ContactMethod.PERSONAL_EMAIL: "Their email",
    },
}
SENDER_STEP_TITLES: dict[IntakeStep, str] = {
    IntakeStep.WISHES: "What they would like",
    IntakeStep.CONTACT: "How to reach them",
}

DANGER = "If you are in danger now, call 999."

# Anonymous to the service (`referrals.identity`): what the person reads before they choose
# (the first intake step) and again on the receipt. The README quotes it word for word.
ANONYMITY_CHOICE = "Can the service's people know who you are?"
ANONYMITY_EXPLAINED = (
    "You can choose to be anonymous to the service. Then the service lead and your "
    'advocate will not see your name: they see "Anonymous", and they reach you through '
    "messages in this app. You can tell them who you are later, from my referrals. If you "
    "do not choose, they will see your name.",
    "What it does not hide: Microsoft Teams and the force's IT systems still know which "
    "account used this app. And anything you type here, such as a phone number or email, "
    "is seen by your advocate and the service lead.",
    "If you are referring someone as part of your job, you cannot be anonymous.",
)
ANONYMOUS_RECEIPT = (
    "You chose to be anonymous to the service. The service lead and your advocate will not "
    "see your name unless you decide to tell them. You can, at any time, from my referrals.",
    "Microsoft Teams and the force's IT systems still know which account used this app. "
    "Anything you typed, such as a phone number or email, is seen by your advocate and the "
    "service lead.",
)
NAMED_ON_BEHALF = (
    "As you are referring someone as part of your job, the service will know it was you."
)
# On the contact step, for someone who chose anonymity: allowed, and honest about it.
ANONYMOUS_CONTACT_WARNING = (
    "You chose to be anonymous. Your advocate will reach you through messages in this app. "
    "A phone number or email you give here is seen by your advocate and the service lead, "
    "and may tell them who you are. You can leave them empty."
)
DANGER_FOR_SENDER = "If the person is in danger now, call 999."
# The button that opens the support directory's "Get help now" card (cards/support.py).
GET_HELP_NOW = "Get help now"
NOT_GIVEN = "Not given"

# Said under a required question (referrals/intake.py REQUIRED_ANSWERS) left unanswered.
REQUIRED_NOTES: dict[str, str] = {
    "behalf_consent": "Please answer this, so we know if we can contact them.",
    # A referral for someone without Teams (referrals/outside.py) needs a way to reach them.
    "contact_methods": "They are not in Teams. Please choose a phone or email to reach them.",
}
NEEDED = "We need an answer to this one."

# How the advocate will get in touch, as the receipt says it.
CONTACT_WAYS: dict[ContactMethod, str] = {
    ContactMethod.TEAMS: "a Teams chat",
    ContactMethod.WORK_PHONE: "your work phone",
    ContactMethod.PERSONAL_PHONE: "your own phone",
    ContactMethod.PERSONAL_EMAIL: "your own email",
}


def contact_ways(methods: tuple[ContactMethod, ...]) -> str:
    """ "a Teams chat", "a Teams chat or your own phone", … ("" when none was chosen)."""
    ways = [CONTACT_WAYS[m] for m in methods]
    return " or ".join([", ".join(ways[:-1]), ways[-1]] if len(ways) > 1 else ways)


def up_to(limit: int) -> str:
    """The limit of a free-text box, said in its label before anyone reaches it."""
    return f"Up to {limit:,} characters."


def label(value: StrEnum | None) -> str:
    return NOT_GIVEN if value is None else LABELS[type(value)][value]


def labels(values: tuple[StrEnum, ...]) -> str:
    return ", ".join(label(v) for v in values) if values else NOT_GIVEN


def options(enum: type[StrEnum]) -> list[tuple[str, str]]:
    """(value, words) pairs for a choice input, in the enum's order."""
    return [(member.value, LABELS[enum][member]) for member in enum]


def count_of(n: int, one: str, many: str = "") -> str:
    """ "1 case", "3 cases": a count with its noun agreeing (`many` for irregular plurals)."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def step_title(step: IntakeStep, *, for_sender: bool) -> str:
    return (for_sender and SENDER_STEP_TITLES.get(step)) or STEP_TITLES[step]


def sender_label(value: StrEnum | None) -> str:
    """An answer's words for someone referring another person (the person is "they")."""
    if value is None:
        return NOT_GIVEN
    return SENDER_LABELS.get(type(value), {}).get(value) or label(value)


def sender_labels(values: tuple[StrEnum, ...]) -> str:
    return ", ".join(sender_label(v) for v in values) if values else NOT_GIVEN


def sender_options(enum: type[StrEnum]) -> list[tuple[str, str]]:
    """`options`, worded for someone referring another person."""
    return [(member.value, sender_label(member)) for member in enum]


@dataclass(frozen=True)
class Voice:
    """Whom the wishes, what-happened and contact questions speak to: the person
    themselves, or a sender referring someone as part of their job ("they")."""

    wishes: str
    wish_options: Callable[[type[StrEnum]], list[tuple[str, str]]]
    account_intro: str
    colleague: str
    avoid: str
    contact_intro: str
    contact_methods: str
    contact_options: Callable[[type[StrEnum]], list[tuple[str, str]]]
    work_phone: str
    personal_phone: str
    personal_email: str
    safe_times: str
    leave_message: str
    stay_in_touch: str  # to someone who has left the force, or is leaving it


YOU = Voice(
    wishes="What would you like from us? Tick all that fit.",
    wish_options=options,
    account_intro="You do not need to give details now. Your advocate can talk it through "
    "with you.",
    colleague="Is the person who did it a colleague?",
    avoid="Is there anyone, or any team, you would not want as your advocate?",
    contact_intro="",
    contact_methods="How can your advocate get in touch?",
    contact_options=options,
    work_phone="Work phone",
    personal_phone="Your own phone",
    personal_email="Your own email",
    safe_times="When is it safe to contact you?",
    leave_message="Is it OK to leave a message?",
    stay_in_touch="As you are leaving, or have left, your Teams and work phone may stop "
    "working. If you are happy to, give us your own phone or email so we can stay in "
    "touch. You do not have to.",
)
SENDER = Voice(
    wishes="What would they like from us? Tick all that fit.",
    wish_options=sender_options,
    account_intro="You do not need to give details now. The advocate can hear it from them.",
    colleague="Was it done by a colleague?",
    avoid="Is there anyone, or any team, they would not want as their advocate?",
    contact_intro="Please give their details, not yours. We can reach you in Teams.",
    contact_methods="How can an advocate reach them?",
    contact_options=sender_options,
    work_phone="Their work phone",
    personal_phone="Their own phone",
    personal_email="Their email",
    safe_times="When is it safe to contact them?",
    leave_message="Is it OK to leave them a message?",
    stay_in_touch="If they are leaving, or have left, their Teams and work phone may stop "
    "working. If they are happy to, give their own phone or email so we can stay in "
    "touch. They do not have to.",
)


def _outside_options(enum: type[StrEnum]) -> list[tuple[str, str]]:
    """`sender_options` without a Teams chat, which cannot reach someone not in Teams."""
    return [(v, words) for v, words in sender_options(enum) if v != ContactMethod.TEAMS.value]


# An SMLO taking a referral for someone not in Teams (`new referral`): a phone or email is
# the only way to them, so the card neither offers a Teams chat nor says it may stop.
OUTSIDE = replace(
    SENDER,
    contact_intro="They are not in Teams: please give a phone or email to reach them.",
    contact_options=_outside_options,
    stay_in_touch="",
)
