"""The case record on cards: the timeline (newest first, one line each, details on tap),
one entry's details, and what the advocate sees once they close the case.

The advocate who holds the case gets the buttons to add to it; an SMLO reads it. Every
card here shows the case's details, so the bot keeps track of the message and folds it
back or clears it like the case card (`referrals/views.py`).
"""

from __future__ import annotations

from typing import TypeVar

from cards import wording as w
from cards.details import LOCAL_TIME, reached_line
from cards.elements import Element, action, buttons, card, facts, heading, para, row_with_button
from cards.record_entries import Facts, Record, day, details, line
from cards.record_words import FORM_TITLES
from cards.verbs import Verb
from referrals.case_record import (
    CaseEntry,
    ContactLogged,
    EntryKind,
    OnwardReferral,
    RiskAssessment,
    SupportAgreement,
)
from referrals.referral import Referral

T = TypeVar("T")
PAGE = 15  # timeline lines on one card; older ones a tap away
K = EntryKind


def record_card(
    r: Referral, record: Record, *, may_add: bool, start: int = 0, notice: str = ""
) -> Element:
    """The timeline; with the buttons to add to it for the advocate who holds the case."""
    data = {"referral_id": r.id}
    body: list[Element] = [heading(f"Case record: {r.reference}")]
    if notice:
        body.append(para(notice))
    standing = [reached_line(r)] if r.outside_teams else []  # no Teams chat to reach
    body.append(facts([*standing, *_standing(record)]))
    newest_first = list(reversed(record.entries))
    shown = newest_first[start : start + PAGE]
    if not shown:
        body.append(para("Nothing is recorded yet.", subtle=True))
    for entry in shown:
        open_it = action("Open", Verb.RECORD_ENTRY, {**data, "entry_id": entry.id})
        body.append(row_with_button(line(entry, record), open_it))
    if start + PAGE < len(newest_first):
        older = {**data, "start": str(start + PAGE)}
        body.append(buttons(action("Older entries", Verb.RECORD, older, validate=False)))
    if may_add:
        body += [
            buttons(*(_form(r, kind) for kind in (K.CONTACT, K.SUPPORT_AGREEMENT))),
            buttons(*(_form(r, kind) for kind in (K.RISK_ASSESSMENT, K.ONWARD_REFERRAL))),
            buttons(*(_form(r, kind) for kind in (K.UPDATE, K.CLOSURE))),
        ]
    body.append(para(w.FOLDS_BACK if may_add else w.DETAILS_FOLD_BACK, subtle=True))
    back = Verb.OPEN_CASE if may_add else Verb.OPEN
    return card(body, [action("Back to the case", back, data, validate=False)])


def entry_card(r: Referral, entry: CaseEntry, record: Record, *, may_add: bool) -> Element:
    data = {"referral_id": r.id, "entry_id": entry.id}
    rows: Facts = details(entry, record)
    actions: list[Element] = []
    corrected = entry.id in record.corrections
    if may_add and not corrected and entry.kind not in (K.CORRECTION, K.CLOSURE):
        if isinstance(entry.content, OnwardReferral):
            outcome = {**data, "kind": K.ONWARD_OUTCOME.value}
            actions.append(action("Record the outcome", Verb.RECORD_FORM, outcome))
        fix = {**data, "kind": K.CORRECTION.value}
        actions.append(action("Correct this", Verb.RECORD_FORM, fix))
    actions.append(action("Back to the record", Verb.RECORD, {"referral_id": r.id}))
    return card(
        [
            heading(f"{r.reference}: {w.label(entry.kind).lower()}"),
            *([para("This entry was corrected.", attention=True)] if corrected else []),
            facts(rows),
            para(w.FOLDS_BACK if may_add else w.DETAILS_FOLD_BACK, subtle=True),
        ],
        actions,
    )


def closed_by_you_card(r: Referral, *, as_holder: bool = True) -> Element:
    """To whoever closed it (the advocate who held it, or an SMLO): nothing about the
    person stays in the chat."""
    thanks = "Thank you for supporting them. " if as_holder else ""
    told = (
        "The person who referred it has been told their case is closed, and where to get help."
        if r.advocate_id
        else "No one else needs to be told."
    )
    return card(
        [
            heading(f"You closed {r.reference}"),
            para(thanks + told),
            para(
                "The record is kept for the set time, then the details are erased. Its "
                "details are cleared from this chat now."
            ),
        ]
    )


def _form(r: Referral, kind: EntryKind) -> Element:
    data = {"referral_id": r.id, "kind": kind.value}
    return action(FORM_TITLES[kind], Verb.RECORD_FORM, data, validate=False)


def _standing(record: Record) -> Facts:
    """Where the case stands, from the entries that stand."""
    live = record.live()
    contacts = [e.content for e in live if isinstance(e.content, ContactLogged)]
    first = next((c for c in contacts if c.first_success), None)
    tries = sum(1 for c in contacts if not c.reached)
    reached = day(first.at.astimezone(LOCAL_TIME).date()) if first else "Not yet"
    if tries:
        reached += f" ({w.count_of(tries, 'try', 'tries')} that did not reach them)"
    rows: Facts = [("First contact", reached)]
    next_contact = next((c.next_contact for c in reversed(contacts) if c.next_contact), None)
    if next_contact:
        rows.append(("Next contact agreed", day(next_contact)))
    agreement = _last(live, SupportAgreement)
    if agreement is not None:
        review = f", review {day(agreement.review_on)}" if agreement.review_on else ""
        rows.append(("Support agreement", day(agreement.confidentiality_agreed_on) + review))
    risk = _last(live, RiskAssessment)
    if risk is not None:
        rows.append(("Risk", f"{w.label(risk.level)}, review by {day(risk.review_due())}"))
    return rows


def _last(entries: list[CaseEntry], kind: type[T]) -> T | None:
    found = [e.content for e in entries if isinstance(e.content, kind)]
    return found[-1] if found else None
