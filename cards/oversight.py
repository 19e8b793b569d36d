"""The data protection auditor's access report: one whole month of who opened or changed
referrals, counted by person, kind and outcome. Ids, roles and counts only: never a
referral, its reference or anything it says. People come a page at a time (the most
refused first), so the card stays well within Teams' size limit however busy the month."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from cards import wording as w
from cards.audit import ACTIONS, ROLE_WORDS
from cards.elements import Element, action, card, choice_input, facts, heading, para, plain
from cards.verbs import Verb
from referrals.access_report import REFERRERS, AccessReport, PersonAccess
from referrals.audit import AuditAction
from referrals.referral_base import SYSTEM

PEOPLE_PER_PAGE = 15
KINDS_PER_PERSON = 4  # the rest are counted together


def month_words(month: str) -> str:
    return datetime.strptime(month, "%Y-%m").strftime("%B %Y")


def _who(person: PersonAccess, names: Mapping[str, str]) -> str:
    if person.actor_id == REFERRERS:
        return "People who referred (the trail never names them)"
    if person.actor_id == SYSTEM:
        return "The system"
    roles = ", ".join(sorted(ROLE_WORDS[r] for r in person.roles))
    known = names.get(person.actor_id)
    return f"{plain(known) if known else 'id ' + person.actor_id} ({roles})"


def _kinds(counts: tuple[tuple[AuditAction, int], ...]) -> str:
    ranked = sorted(counts, key=lambda c: (-c[1], c[0]))
    shown = [f"{ACTIONS[a]} {n}" for a, n in ranked[:KINDS_PER_PERSON]]
    rest = sum(n for _, n in ranked[KINDS_PER_PERSON:])
    return "; ".join(shown + ([f"other kinds {rest}"] if rest else []))


def _person(person: PersonAccess, names: Mapping[str, str]) -> tuple[str, str]:
    counted = f"{w.count_of(person.total, 'time')} in all"
    if person.refused:
        counted += f". Stopped {person.refusals}: {_kinds(person.refused)}"
    if person.allowed:
        counted += f". Allowed: {_kinds(person.allowed)}"
    return _who(person, names), counted


def access_report_card(report: AccessReport, names: Mapping[str, str], page: int = 0) -> Element:
    """`names`: staff names by id where known (the roster); anyone else by their id."""
    pages = max(1, -(-len(report.people) // PEOPLE_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    body = [
        heading(f"Access report for {month_words(report.month)}"),
        para(
            f"{w.count_of(report.entries, 'record')} of someone opening or changing a "
            f"referral, or looking at the trail or the figures; {report.refusals} of them "
            "stopped. Who, when and what kind only: never what a referral says."
        ),
    ]
    if report.by_action:
        body.append(para("By kind", subtle=True))
        body.append(
            facts(
                (ACTIONS[a].capitalize(), f"{allowed} allowed, {refused} stopped")
                for a, allowed, refused in report.by_action
            )
        )
    shown = report.people[page * PEOPLE_PER_PAGE : (page + 1) * PEOPLE_PER_PAGE]
    if shown:
        heading_words = "By person, the most stopped first"
        if pages > 1:
            heading_words += f" (page {page + 1} of {pages})"
        body.append(para(heading_words, subtle=True))
        body.append(facts(_person(p, names) for p in shown))
    else:
        body.append(para("Nobody opened or changed a referral that month."))
    options = [(m, month_words(m)) for m in report.months]
    body += choice_input("month", "Another month", options, value=report.month, dropdown="Month")
    actions = [action("Show month", Verb.ACCESS_REPORT, {"page": "0"})]
    if page > 0:
        actions.append(_page(report.month, page - 1, "Previous page"))
    if page + 1 < pages:
        actions.append(_page(report.month, page + 1, "Next page"))
    return card(body, actions)


def _page(month: str, page: int, title: str) -> Element:
    return action(title, Verb.ACCESS_REPORT, {"month": month, "page": str(page)}, validate=False)
