"""The case record's forms in and out: a form's inputs read into the typed entry, and an
entry written back into inputs (to correct it on its own form).

Dates come as Teams' date inputs give them ("2026-12-03"), times as "14:30", both in the
force's local time (`cards.details.LOCAL_TIME`). Each problem is named by the input it
belongs to, in plain words; the domain checks the rest (`referrals.case_record`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from enum import StrEnum
from typing import TypeVar

from cards.details import LOCAL_TIME
from referrals.case_record import (
    TEXT_LIMITS,
    CloseOutcome,
    Closure,
    ContactHow,
    ContactLogged,
    Content,
    EntryKind,
    OnwardOutcome,
    OnwardReferral,
    OnwardReferralOutcome,
    RiskAssessment,
    RiskLevel,
    SupportAgreement,
    UpdateKind,
    UpdateRecorded,
)
from referrals.intake import is_whole_text

E = TypeVar("E", bound=StrEnum)

CHOOSE = "Please choose one."
GIVE_DATE = "Please give a date, like 03/12/2026."
GIVE_TIME = "Please give a time, like 14:30."
REASON_NEEDED = "Please say why you are correcting it."
YES, NO = "yes", "no"
# Over-long text is shown back on the form (to shorten, not retype) when it is at most
# this much over its limit, and any other input when it is at most `LONGEST_CHOICE`: more
# could push the card past Teams' size limit (tests/unit/test_record_cards.py).
ECHO_EXTRA = 250
LONGEST_CHOICE = 100
# A correction: the right details follow, or the entry should not be there at all.
WRONG_DETAILS, WRONG_ENTRY = "details", "entry"


class FormReader:
    """Reads one form's inputs, gathering a problem per input instead of stopping."""

    def __init__(self, inputs: Mapping[str, str]) -> None:
        self.inputs = inputs
        self.problems: dict[str, str] = {}

    def raw(self, name: str) -> str:
        return self.inputs.get(name, "").strip()

    def text(self, name: str) -> str:
        value, limit = self.raw(name), TEXT_LIMITS[name]
        if not is_whole_text(value):
            self.problems[name] = "Some of this did not come through. Please type it again."
        elif len(value) > limit:
            self.problems[name] = (
                f"This is {len(value):,} characters. The limit is {limit:,}. Please make it "
                "shorter."
            )
            if len(value) > limit + ECHO_EXTRA:
                self.problems[name] += " It was too long for us to show it back here."
        return value

    def day(self, name: str, *, required: bool = False) -> date | None:
        value = self.raw(name)
        if not value:
            if required:
                self.problems[name] = GIVE_DATE
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.problems[name] = GIVE_DATE
            return None

    def moment(self, day_name: str, time_name: str) -> datetime | None:
        """A local date and time, as an aware moment."""
        day = self.day(day_name, required=True)
        value = self.raw(time_name)
        try:
            at = time.fromisoformat(value) if value else None
        except ValueError:
            at = None
        if at is None:
            self.problems[time_name] = GIVE_TIME
            return None
        return datetime.combine(day, at, LOCAL_TIME) if day else None

    def choice(self, name: str, enum: type[E]) -> E | None:
        try:
            return enum(self.raw(name))
        except ValueError:
            self.problems[name] = CHOOSE
            return None

    def yes_no(self, name: str) -> bool:
        """A required yes or no (radio buttons)."""
        value = self.raw(name)
        if value not in (YES, NO):
            self.problems[name] = CHOOSE
        return value == YES

    def ticked(self, name: str) -> bool:
        return self.raw(name) == "true"


def _contact(r: FormReader) -> Content | None:
    at, how = r.moment("date", "time"), r.choice("how", ContactHow)
    note, next_contact = r.text("note"), r.day("next_contact")
    if at is None or how is None:
        return None
    return ContactLogged(at, how, note, next_contact)


def _agreement(r: FormReader) -> Content | None:
    agreed = r.day("confidentiality_agreed_on", required=True)
    arrangements, wants, review = r.text("arrangements"), r.text("wants"), r.day("review_on")
    return SupportAgreement(agreed, arrangements, wants, review) if agreed else None


def _risk(r: FormReader) -> Content | None:
    assessed, level = r.day("assessed_on", required=True), r.choice("level", RiskLevel)
    in_contact, to_self, from_other, others = (r.ticked(name) for name in RISK_FLAGS)
    other, own_view, actions = r.text("other_concern"), r.text("own_view"), r.text("actions")
    review = r.day("review_on")
    if assessed is None or level is None:
        return None
    return RiskAssessment(
        assessed, level, in_contact, to_self, from_other, others, other, own_view, actions, review
    )


def _onward(r: FormReader) -> Content | None:
    """`internal` is the directory's to say: the route fills it in from the service."""
    service_id = r.raw("service_id")
    if not service_id:
        r.problems["service_id"] = CHOOSE
    consented, on = r.yes_no("consented"), r.day("referred_on", required=True)
    if not service_id or on is None or "consented" in r.problems:
        return None
    return OnwardReferral(service_id, consented, on, internal=False)


def _onward_outcome(r: FormReader) -> Content | None:
    outcome, on = r.choice("outcome", OnwardOutcome), r.day("on", required=True)
    onward_id = r.raw("onward_id")
    return OnwardReferralOutcome(onward_id, outcome, on) if outcome and on else None


def _update(r: FormReader) -> Content | None:
    kind, on, note = r.choice("update_kind", UpdateKind), r.day("on", required=True), r.text("note")
    return UpdateRecorded(kind, on, note) if kind and on else None


def _closure(r: FormReader) -> Content | None:
    outcome, told, note = r.choice("outcome", CloseOutcome), r.yes_no("person_told"), r.text("note")
    return Closure(outcome, told, note) if outcome and "person_told" not in r.problems else None


RISK_FLAGS = ("still_in_contact", "harm_to_self", "risk_from_other", "safeguarding_others")
READERS: dict[EntryKind, Callable[[FormReader], Content | None]] = {
    EntryKind.CONTACT: _contact,
    EntryKind.SUPPORT_AGREEMENT: _agreement,
    EntryKind.RISK_ASSESSMENT: _risk,
    EntryKind.ONWARD_REFERRAL: _onward,
    EntryKind.ONWARD_OUTCOME: _onward_outcome,
    EntryKind.UPDATE: _update,
    EntryKind.CLOSURE: _closure,
}
CORRECTABLE = frozenset(READERS) - {EntryKind.CLOSURE}


def read_form(kind: EntryKind, inputs: Mapping[str, str]) -> tuple[Content | None, dict[str, str]]:
    """The entry the form gives, or None with a problem per input."""
    reader = FormReader(inputs)
    content = READERS[kind](reader)
    return (None if reader.problems else content), reader.problems


def read_correction(
    kind: EntryKind, inputs: Mapping[str, str]
) -> tuple[str, Content | None, dict[str, str]]:
    """(the reason, the right entry or None if it should not be there, problems)."""
    reader = FormReader(inputs)
    reason = reader.text("reason")
    if not reason:
        reader.problems["reason"] = REASON_NEEDED
    wrong = reader.raw("wrong")
    if wrong not in (WRONG_DETAILS, WRONG_ENTRY):
        reader.problems["wrong"] = CHOOSE
    if wrong != WRONG_DETAILS:
        return reason, None, reader.problems
    content, problems = read_form(kind, inputs)
    return reason, content, {**reader.problems, **problems}


def inputs_of(content: Content) -> dict[str, str]:
    """An entry as its form's inputs: the other way from `read_form`."""
    if isinstance(content, ContactLogged):
        local = content.at.astimezone(LOCAL_TIME)
        return {
            "date": local.date().isoformat(),
            "time": local.strftime("%H:%M"),
            "how": content.how.value,
            "note": content.note,
            "next_contact": _iso(content.next_contact),
        }
    values: dict[str, str] = {}
    for name, value in vars(content).items():
        if isinstance(value, bool):
            values[name] = ("true" if value else "false") if name in RISK_FLAGS else _yes(value)
        elif isinstance(value, StrEnum):
            values[name] = value.value
        elif isinstance(value, date) or value is None:
            values[name] = _iso(value)
        else:
            values[name] = str(value)
    if isinstance(content, UpdateRecorded):
        values["update_kind"] = values.pop("kind")
    return values


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _yes(value: bool) -> str:
    return YES if value else NO


def shown_back(inputs: Mapping[str, str]) -> dict[str, str]:
    """The inputs a form can show again as they were sent (see `ECHO_EXTRA`)."""

    def fits(name: str, value: str) -> bool:
        limit = TEXT_LIMITS[name] + ECHO_EXTRA if name in TEXT_LIMITS else LONGEST_CHOICE
        return len(value) <= limit

    return {name: value for name, value in inputs.items() if fits(name, value)}
