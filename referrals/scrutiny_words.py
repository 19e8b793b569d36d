"""The scrutiny export's words: every value a row can hold, and what each rung of each
field's ladder shows. Plain words, as on the figures card."""

from __future__ import annotations

from referrals.case_record import CloseOutcome
from referrals.escalation import Consent, Destination
from referrals.intake import Employment, Route, Wish
from referrals.statistics import NOT_GIVEN, Wait

NONE = "None"
NONE_GIVEN = "None given"
ANYTHING_ELSE = "Anything else"
ANOTHER_ANSWER = "Another answer"  # a category this version does not know
NO_ADVOCATE = "No advocate (sent to another service)"
NOT_REACHED = "Not reached"
SIGNPOSTED = "Sent to another service (outside our remit)"
INSIDE = "inside the force"
OUTSIDE = "outside the force"
MONTHS = (
    *("January", "February", "March", "April", "May", "June", "July", "August"),
    *("September", "October", "November", "December"),
)
ROUTES: dict[str, str] = {
    Route.EXPERIENCED: "It happened to them",
    Route.WITNESSED: "They saw it happen",
    Route.CONCERN: "Worried about a colleague",
    Route.ON_BEHALF: "Sent in as part of a job",
    NOT_GIVEN: "Not given",
}
EMPLOYMENTS: dict[str, str] = {
    Employment.OFFICER: "Police officer",
    Employment.STAFF: "Police staff",
    Employment.VOLUNTEER: "Volunteer",
    Employment.FORMER: "Used to work here",
    NOT_GIVEN: "Not given",
}
WISHES = {
    Wish.TALK_TO_ADVOCATE: "Talk to an advocate",
    Wish.INFORMATION: "Know their options",
    Wish.FORMAL_REPORT: "Make a formal report",
    Wish.SPECIALIST_HELP: "Help from a support service",
    Wish.JUST_RECORD: "Just note what happened",
}
OUTCOMES: dict[str, str] = {
    CloseOutcome.SUPPORT_COMPLETED: "Support completed",
    CloseOutcome.NO_LONGER_WANTED: "They no longer wanted support",
    CloseOutcome.COULD_NOT_REACH: "We could not reach them",
    CloseOutcome.MOVED_SERVICE: "Moved to another service",
    CloseOutcome.OTHER: "Another reason",
    NOT_GIVEN: "Not given",
}
DESTINATIONS = {
    Destination.PSD: "Professional Standards (PSD)",
    Destination.CCU: "Counter-corruption unit",
    Destination.SAFEGUARDING: "Safeguarding",
    Destination.CRIME_REPORT: "Crime report",
    Destination.HR: "HR",
    Destination.OTHER: "Another team",
}
CONSENTS = {
    Consent.CONSENTED: "with their consent",
    Consent.DECLINED: "they said no, nothing passed",
    Consent.WITHOUT_CONSENT: "without consent (a risk to others)",
}
WAITS: dict[str, str] = {
    Wait.WITHIN_A_DAY: "Within a day",
    Wait.DAYS_1_TO_2: "1 to 2 days",
    Wait.DAYS_3_TO_7: "3 to 7 days",
    Wait.DAYS_8_TO_14: "8 to 14 days",
    Wait.OVER_14_DAYS: "More than 14 days",
}
# What each rung of each field's ladder shows, finest first (the explanation sheet).
RUNGS: dict[str, tuple[str, ...]] = {
    "route": ("As they told us", "Whether it happened to them, or anything else", "Not shown"),
    "employment": (
        "As they told us",
        "Police officer or staff, or anything else",
        "Not shown",
    ),
    "month_closed": ("The month", "Which three months of the review", "Not shown"),
    "wishes": ("What they asked for", "How many things they asked for", "Not shown"),
    "onward": (
        "How many, inside or outside the force (never which service)",
        "Whether there was any",
        "Not shown",
    ),
    "escalations": (
        "Each decision: to which team, and the consent",
        "Whether there was any decision",
        "Not shown",
    ),
    "outcome": ("How it ended", "Support completed, or ended another way", "Not shown"),
    "time_to_allocation": ("In five bands of whole days", "Within a week or longer", "Not shown"),
    "time_to_first_contact": (
        "In five bands of whole days",
        "Within a week or longer",
        "Not shown",
    ),
}
HEADINGS: dict[str, str] = {
    "route": "How they came to us",
    "employment": "Who they are",
    "month_closed": "When it closed",
    "wishes": "What they asked for",
    "onward": "Referred on to other services",
    "escalations": "Passed on by the service lead, and the consent",
    "outcome": "How it ended",
    "time_to_allocation": "From being sent to an advocate taking it on",
    "time_to_first_contact": "From an advocate taking it on to first reaching them",
}
