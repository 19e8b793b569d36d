"""Availability and capacity: the advocate's own card, the SMLO's "Offer anyway" card and
the caseload limits card. Words only: the service checks every choice again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from cards import wording as w
from cards.elements import (
    Element,
    action,
    card,
    choice_input,
    date_input,
    facts,
    heading,
    para,
    plain,
    text_input,
)
from cards.verbs import Verb
from referrals.availability import (
    LONGEST_AWAY_DAYS,
    MOST_CASES,
    NOT_OVERRIDABLE,
    Availability,
    AvailabilityState,
    OverrideReason,
)
from referrals.people import Advocate, AllocationOption
from referrals.referral import Referral
from referrals.services.capacity import Capacity

S = AvailabilityState


def day(d: date) -> str:
    """ "Wed 1 April" """
    return f"{d:%a} {d.day} {d:%B}"


def availability_words(a: Availability, caseload: int, limit: int) -> str:
    """ "Free, 1 of 3 cases", "Away until Wed 1 April", "1 more just now, 2 of 3 cases" """
    load = f"{caseload} of {limit} cases"
    if a.state is S.AWAY and a.until is not None:
        return f"Away until {day(a.until)}"
    if a.state is S.LIMITED:
        more = max(min(a.caseload_then + a.new_cases, limit) - caseload, 0)
        return f"{more} more just now, {load}"
    return f"Free, {load}" if caseload < limit else f"Full, {load}"


def availability_card(
    c: Capacity, problems: Mapping[str, str] | None = None, notice: str = ""
) -> Element:
    """The advocate's own availability: what it is now, and a form to change it."""
    problems = problems or {}
    a = c.availability
    body: list[Element] = [heading("When you can take cases")]
    if notice:
        body.append(para(notice))
    body += [
        facts([("Now", availability_words(a, c.caseload, c.limit))]),
        para(
            "Tell us when you can take new cases. We will not ask you while you are away "
            "or full. Away ends by itself on the date you give."
        ),
        *choice_input(
            "availability",
            "How are you fixed?",
            w.options(AvailabilityState),
            value=a.state.value,
            required=True,
            problem=problems.get("availability"),
        ),
        *text_input(
            "new_cases",
            f"If only a few: how many more? (1 to {MOST_CASES})",
            value=str(a.new_cases) if a.state is S.LIMITED else "",
            max_length=2,
            problem=problems.get("new_cases"),
        ),
        *date_input(
            "until",
            "If away: the day you are back",
            value=a.until.isoformat() if a.until else "",
            latest=(c.today + timedelta(days=LONGEST_AWAY_DAYS)).isoformat(),
            problem=problems.get("until"),
        ),
    ]
    return card(body, [action("Save", Verb.SET_AVAILABILITY, primary=True)])


def offer_anyway_card(
    r: Referral, choices: Sequence[AllocationOption], problems: Mapping[str, str] | None = None
) -> Element:
    """Ask someone who would not be offered it: only with a reason, which is kept."""
    data, problems = {"referral_id": r.id}, problems or {}
    # A private conflict (an anonymous referral's) is never set aside, so not listed here.
    excluded = [o for o in choices if not o.offered and not NOT_OVERRIDABLE & {*o.excluded_for}]
    back = action("Back", Verb.SHOW_ALLOCATE, data, validate=False)
    if not excluded:
        return card(
            [
                heading(f"Offer {r.reference} anyway"),
                para("You can ask any of them from the list. Go back to pick one."),
            ],
            [back],
        )
    options = [
        (o.advocate.user_id, f"{o.advocate.display_name}: {w.labels(o.excluded_for)}")
        for o in excluded
    ]
    return card(
        [
            heading(f"Offer {r.reference} anyway"),
            para(
                "These people are away, full, or may know the people involved. Ask one only "
                "if you have a good reason. We keep your reason with the referral's history."
            ),
            *choice_input(
                "advocate_id",
                "Who should we ask?",
                options,
                required=True,
                problem=problems.get("advocate_id"),
            ),
            *choice_input(
                "override",
                "Why?",
                w.options(OverrideReason),
                required=True,
                problem=problems.get("override"),
            ),
        ],
        [action("Ask them anyway", Verb.OFFER_ANYWAY, data, primary=True), back],
    )


def limits_card(
    advocates: Sequence[tuple[Advocate, int]], default: int, problem: str = "", notice: str = ""
) -> Element:
    """The SMLO sets one advocate's caseload limit."""
    active = [(a, held) for a, held in advocates if a.active]
    body: list[Element] = [heading("Caseload limits")]
    if notice:
        body.append(para(notice))
    if not active:
        body.append(para("There is no one on the advocate list yet."))
        return card(body, [action("Back", Verb.ROSTER, validate=False)])
    options = [
        (a.user_id, f"{a.display_name}: {held} of {a.limit(default)} cases") for a, held in active
    ]
    body += [
        para(f"Each advocate holds at most {default} cases, unless you set another limit here."),
        *choice_input("advocate_id", "Whose limit?", options, required=True, dropdown="Choose"),
        *text_input(
            "limit",
            f"Their limit (1 to {MOST_CASES}, or 0 for the usual {default})",
            max_length=2,
            problem=problem or None,
        ),
    ]
    return card(
        body,
        [
            action("Set limit", Verb.SET_LIMIT, primary=True),
            action("Back", Verb.ROSTER, validate=False),
        ],
    )


def limit_set(advocate: Advocate, limit: int) -> str:
    return f"{plain(advocate.display_name)} can now hold {w.count_of(limit, 'case')}."
