"""The case record's forms: one short card per kind of entry, one to correct an entry on
its own form, and one to close the case. Sent back with the person's words and a note
under each input that needs another look when something could not be saved; read by
`cards.record_inputs`."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from cards import wording as w
from cards.details import LOCAL_TIME
from cards.elements import (
    Element,
    action,
    card,
    choice_input,
    date_input,
    heading,
    para,
    text_input,
    time_input,
    toggle,
)
from cards.record_entries import Record, day, happened_on, summary
from cards.record_inputs import NO, RISK_FLAGS, WRONG_DETAILS, WRONG_ENTRY, YES, inputs_of
from cards.record_words import FORM_TITLES, RISK_QUESTIONS
from cards.verbs import Verb
from referrals.case_record import (
    REVIEW_AFTER,
    TEXT_LIMITS,
    CaseEntry,
    CloseOutcome,
    ContactHow,
    EntryKind,
    OnwardOutcome,
    RiskLevel,
    UpdateKind,
)
from referrals.intake import IntakeAnswers
from referrals.referral import Referral
from referrals.support import Category

K = EntryKind
YES_NO = [(YES, "Yes"), (NO, "No")]
CLOSING = (
    "Closing ends the support on this case. The person who referred it is told it is "
    "closed, with where to get help and how to come back. The record is kept for the set "
    "time, then its details are erased."
)


@dataclass(frozen=True)
class Form:
    """A form to show: what it is for, what it says now, and what needs another look."""

    kind: EntryKind
    values: Mapping[str, str] = field(default_factory=dict)
    problems: Mapping[str, str] = field(default_factory=dict)
    entry: CaseEntry | None = None  # the entry corrected, or the referral on an outcome is of
    # The id the saved entry will take (kept when the form is shown again): a second press
    # of Save finds it already on the record and adds nothing.
    form_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    by_smlo: bool = False  # closing someone else's case: the note says why, and is needed


def form_card(r: Referral, form: Form, record: Record, now: datetime) -> Element:
    local = now.astimezone(LOCAL_TIME)
    today = local.date().isoformat()
    kind = form.entry.kind if form.kind is K.CORRECTION and form.entry else form.kind
    values = {**_fresh(kind, r.answers, today, local.strftime("%H:%M")), **form.values}
    if kind is K.CONTACT and r.outside_channel and not form.values:  # not in Teams: the way
        values["how"] = ContactHow(r.outside_channel.value)  # they are reached, to start with
    if form.kind is K.CORRECTION and form.entry is not None and not form.values:
        values.update(inputs_of(form.entry.content))
    data = {"referral_id": r.id, "kind": form.kind.value, "form_id": form.form_id}
    body: list[Element] = [heading(f"{FORM_TITLES[form.kind]}: {r.reference}")]
    if form.problems:
        body.append(para("Nothing is saved yet. Please look at the notes below.", attention=True))
    if form.entry is not None:
        data["entry_id"] = form.entry.id
        about = f"{summary(form.entry, record)}, {day(happened_on(form.entry))}"
        body.append(para(f"This is about: {about}."))
    if form.kind is K.CORRECTION:
        data["of_kind"] = kind.value
        body += _correction(values, form.problems)
    if form.kind is K.CLOSURE:
        body.append(para(CLOSING))
    body += FIELDS[kind](Inputs(values, form.problems, today, record, form.by_smlo))
    title = "Close the case" if form.kind is K.CLOSURE else "Save"
    return card(
        body,
        [
            action(title, Verb.RECORD_SAVE, data, primary=True),
            action("Cancel", Verb.RECORD, {"referral_id": r.id}, validate=False),
        ],
    )


@dataclass(frozen=True)
class Inputs:
    values: Mapping[str, str]
    problems: Mapping[str, str]
    today: str
    record: Record
    by_smlo: bool = False

    def text(self, name: str, label: str, *, multiline: bool = True) -> list[Element]:
        limit = TEXT_LIMITS[name]
        return text_input(
            name,
            f"{label} {w.up_to(limit)}",
            value=self.values.get(name, ""),
            multiline=multiline,
            problem=self.problems.get(name),
        )

    def day(
        self, name: str, label: str, *, past: bool = True, required: bool = True
    ) -> list[Element]:
        return date_input(
            name,
            label,
            value=self.values.get(name, ""),
            latest=self.today if past else "",
            required=required,
            problem=self.problems.get(name),
        )

    def choice(self, name: str, label: str, options: list[tuple[str, str]]) -> list[Element]:
        return choice_input(
            name,
            label,
            options,
            value=self.values.get(name, ""),
            required=True,
            problem=self.problems.get(name),
        )


def _correction(values: Mapping[str, str], problems: Mapping[str, str]) -> list[Element]:
    return [
        para("The entry stays on the record, marked as corrected, with your reason."),
        *text_input(
            "reason",
            f"Why are you correcting it? {w.up_to(TEXT_LIMITS['reason'])}",
            value=values.get("reason", ""),
            problem=problems.get("reason"),
        ),
        *choice_input(
            "wrong",
            "What is wrong with it?",
            [
                (WRONG_DETAILS, "Some details: the right ones are below"),
                (WRONG_ENTRY, "It should not be on the record at all"),
            ],
            value=values.get("wrong", ""),
            required=True,
            problem=problems.get("wrong"),
        ),
    ]


def _contact(i: Inputs) -> list[Element]:
    return [
        *i.day("date", "Date"),
        *time_input("time", "Time", value=i.values.get("time", ""), problem=i.problems.get("time")),
        *i.choice("how", "How", w.options(ContactHow)),
        *i.text("note", "A short note (optional)."),
        *i.day("next_contact", "Next contact agreed (optional)", past=False, required=False),
    ]


def _agreement(i: Inputs) -> list[Element]:
    return [
        *i.day(
            "confidentiality_agreed_on", "Confidentiality and its limits explained and agreed on"
        ),
        *i.text(
            "arrangements", "How to contact them, at what times, and if a message may be left."
        ),
        *i.text("wants", "What they want from the service."),
        *i.day("review_on", "Review date (optional)", past=False, required=False),
        para("A new agreement replaces the last one. Both stay on the record.", subtle=True),
    ]


def _risk(i: Inputs) -> list[Element]:
    questions: list[Element] = []
    for name in RISK_FLAGS:
        questions += toggle(name, RISK_QUESTIONS[name], "Yes", value=i.values.get(name) == "true")
    defaults = ", ".join(
        f"{w.label(level).lower()} {REVIEW_AFTER[level].days} days" for level in RiskLevel
    )
    return [
        *i.day("assessed_on", "Assessed on"),
        *questions,
        *i.text("other_concern", "Any other concern (optional)."),
        *i.text("own_view", "Their own view of the risk (optional)."),
        *i.choice("level", "Overall level", w.options(RiskLevel)),
        *i.text("actions", "Actions agreed."),
        *i.day(
            "review_on", f"Next review (optional; if empty: {defaults})", past=False, required=False
        ),
        para("A high level tells the service lead at once. It does not say why.", subtle=True),
    ]


def _onward(i: Inputs) -> list[Element]:
    services = [
        (s.id, f"{s.name} ({'in the force' if s.internal else 'outside the force'})")
        for s in i.record.directory.listed
        if s.category is not Category.EMERGENCY
    ]
    return [
        *choice_input(
            "service_id",
            "Which service?",
            services,
            value=i.values.get("service_id", ""),
            required=True,
            dropdown="Choose a service",
            problem=i.problems.get("service_id"),
        ),
        *i.choice("consented", "Did they agree to this referral?", YES_NO),
        *i.day("referred_on", "Referred on"),
    ]


def _onward_outcome(i: Inputs) -> list[Element]:
    return [
        *i.choice("outcome", "Outcome", w.options(OnwardOutcome)),
        *i.day("on", "On"),
    ]


def _update(i: Inputs) -> list[Element]:
    return [
        *i.choice("update_kind", "What happened", w.options(UpdateKind)),
        *i.day("on", "On"),
        *i.text("note", "A short note (optional)."),
    ]


def _closure(i: Inputs) -> list[Element]:
    return [
        *i.choice("outcome", "Why is the case closing?", w.options(CloseOutcome)),
        *i.choice("person_told", "Have they been told it is closing?", YES_NO),
        *i.text(
            "note",
            "Why you are closing it. The record keeps this."
            if i.by_smlo
            else "A note for the service lead (optional).",
        ),
    ]


FIELDS = {
    K.CONTACT: _contact,
    K.SUPPORT_AGREEMENT: _agreement,
    K.RISK_ASSESSMENT: _risk,
    K.ONWARD_REFERRAL: _onward,
    K.ONWARD_OUTCOME: _onward_outcome,
    K.UPDATE: _update,
    K.CLOSURE: _closure,
}


def _fresh(kind: EntryKind, answers: IntakeAnswers, today: str, now: str) -> dict[str, str]:
    """What a new form starts with: today, now, and the intake's contact arrangements."""
    days = ("date", "confidentiality_agreed_on", "assessed_on", "referred_on", "on")
    values = dict.fromkeys(days, today) | {"time": now}
    if kind is K.SUPPORT_AGREEMENT:
        values["arrangements"] = _arrangements(answers)
    return values


def _arrangements(a: IntakeAnswers) -> str:
    parts = []
    if a.contact_methods:
        parts.append(f"By {w.contact_ways(a.contact_methods).replace('your', 'their')}.")
    if a.safe_times:
        parts.append(f"Safe times: {a.safe_times}.")
    if a.leave_message is not None:
        parts.append(f"A message may be left: {w.label(a.leave_message).lower()}.")
    return " ".join(parts)[: TEXT_LIMITS["arrangements"]]
