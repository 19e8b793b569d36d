"""The advocates' monthly wellbeing check-in: the card they answer, the thank-you, and
the SMLO's note that someone would like a one-to-one (which never says who or why; the
roster card, the SMLO's only, does)."""

from __future__ import annotations

import calendar
from collections.abc import Mapping

from cards.elements import Element, action, card, choice_input, heading, para, text_input
from cards.verbs import Verb
from referrals.checkins import MAX_CAPACITY, MAX_HOURS, Checkin, Feeling

FEELING_WORDS = {
    Feeling.FINE: "Fine",
    Feeling.STRETCHED: "Stretched",
    Feeling.TALK: "I would like to talk",
}
# How the SMLO's roster says it, of someone else.
ON_THE_ROSTER = {
    Feeling.FINE: "fine",
    Feeling.STRETCHED: "stretched",
    Feeling.TALK: "would like to talk",
}
ONE_TO_ONE_PREVIEW = "An advocate would like a one-to-one"
ECHO_HOURS = 12  # what the hours box gives back and holds: a number, not a story


def _month_words(month: str) -> str:
    names = calendar.month_name
    year, number = month.split("-")
    return f"{names[int(number)]} {year}"


def checkin_card(
    month: str,
    problems: Mapping[str, str] | None = None,
    typed: Mapping[str, str] | None = None,
) -> Element:
    """This month's check-in: private, read by the service lead only. Sent back with
    `problems`, it keeps what they chose and typed (`typed`)."""
    problems, typed = problems or {}, typed or {}
    capacity = [(str(n), str(n) if n < MAX_CAPACITY else f"{n} or more") for n in range(6)]
    return card(
        [
            heading(f"How are you doing? ({_month_words(month)})"),
            para(
                "This is your monthly check-in. Only the service lead (SMLO) sees your "
                "answers. They are never in the figures."
            ),
            *choice_input(
                "feeling",
                "How are you finding being an advocate?",
                [(f.value, words) for f, words in FEELING_WORDS.items()],
                value=typed.get("feeling", ""),
                required=True,
                problem=problems.get("feeling"),
            ),
            *choice_input(
                "capacity",
                "How many new people could you support just now?",
                capacity,
                value=typed.get("capacity", ""),
                required=True,
                compact=True,
                problem=problems.get("capacity"),
            ),
            *text_input(
                "hours",
                f"Hours you gave this month, if you like (a whole number up to {MAX_HOURS}).",
                value=typed.get("hours", "")[:ECHO_HOURS],
                max_length=ECHO_HOURS,
                problem=problems.get("hours"),
            ),
        ],
        [action("Send", Verb.ANSWER_CHECKIN, {"month": month}, primary=True)],
    )


PROBLEM_WORDS = {
    "feeling": "Please choose how you are finding it.",
    "capacity": "Please choose a number from 0 to 5.",
    "hours": f"Please write a whole number of hours from 0 to {MAX_HOURS}, or leave it empty.",
}


def thanks_card(checkin: Checkin) -> Element:
    """After answering: what was kept, and what happens next."""
    told = (
        "We have asked the service lead to arrange a one-to-one with you. They will be in touch."
        if checkin.feeling is Feeling.TALK
        else "If anything changes, type check-in to answer again."
    )
    return card([heading("Thank you for checking in"), para(told)])


def one_to_one_card() -> Element:
    """To each SMLO: content-free; the roster shows who."""
    return card(
        [
            heading(ONE_TO_ONE_PREVIEW),
            para("Please arrange a one-to-one. The roster shows who asked."),
        ],
        [action("Show the roster", Verb.ROSTER, validate=False)],
    )


def checkin_line(checkin: Checkin | None) -> str:
    """The roster card's line for one advocate's latest check-in (the SMLO's only)."""
    if checkin is None:
        return "No check-in yet"
    hours = f", {checkin.hours} hours" if checkin.hours is not None else ""
    return (
        f"Check-in {_month_words(checkin.month)}: {ON_THE_ROSTER[checkin.feeling]}, "
        f"room for {checkin.capacity} more{hours}"
    )
