"""Card payloads in, typed commands out. Untyped dicts stop here.

A bad payload raises `CardPayloadInvalid` naming each field with a plain-words problem,
and carrying the answers as far as they could be read, so the card can be shown again
with the person's words still in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from cards import wording
from cards.escalation import read_escalation
from cards.pathway import read_step
from cards.record_inputs import read_correction, read_form
from cards.requests import (
    SERVICE_CHOICE,
    AskAccessReport,
    AskForContact,
    AskHelp,
    ChangeRoster,
    CheckinSent,
    ChooseAdvocate,
    Decline,
    EscalationSent,
    FileAnswer,
    IntakeClick,
    MarkOutOfRemit,
    Offer,
    OfferAnyway,
    OnEscalation,
    OnRecord,
    OnReferral,
    OpenForm,
    PathwaySent,
    Reassign,
    Request,
    RetryDelivery,
    SaveEntry,
    SendMessage,
    SetAvailability,
    SetLimit,
    ShowFigures,
    TriageSent,
    UploadTarget,
    WithdrawForPerson,
)
from cards.verbs import INTAKE_VERBS, Verb
from referrals.availability import MOST_CASES, AvailabilityState, OverrideReason
from referrals.case_record import NO_RECORD_FORM, EntryKind
from referrals.identity import anonymity_problems
from referrals.intake import (
    REQUIRED_ANSWERS,
    TEXT_LIMITS,
    AgeBand,
    BehalfRole,
    ContactMethod,
    Employment,
    Gender,
    Identity,
    IntakeAnswers,
    IntakeStep,
    Route,
    When,
    Wish,
    YesNoUnsure,
    is_whole_text,
    mended_text,
)
from referrals.outside import WithdrawnFor
from referrals.periods import Period, parse_period_id
from referrals.referral import DeclineReason, ReassignReason
from referrals.signposting import Signpost
from referrals.subjects import SubjectWish
from referrals.support import SERVICE_ID
from referrals.triage import Risk, TriageDecision, Urgency

E = TypeVar("E", bound=StrEnum)
# Over-long text is shown back on the card (so the person can shorten it, not retype it)
# when it is at most this much over its limit; more would push the card past Teams' size
# limit (tests/unit/test_cards.py measures the worst case).
ECHO_EXTRA = 1_000
_ID = re.compile(r"[0-9a-f]{32}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9 ()-]{6,}")
_MONTH = re.compile(r"\d{4}-\d{2}")
_FILE_KIND = re.compile(r"[a-z][a-z_]{0,39}")
_CONTEXT_LIMIT = 200  # characters in each of a file offer's context values (ids only)
_UPLOAD_FIELDS = {
    "name": "name",
    "upload_url": "uploadUrl",
    "content_url": "contentUrl",
    "unique_id": "uniqueId",
    "file_type": "fileType",
}
MAX_PAGE_DIGITS = 4

CHOICES: dict[str, type[StrEnum]] = {
    "route": Route,
    "identity": Identity,
    "employment": Employment,
    "behalf_role": BehalfRole,
    "behalf_consent": YesNoUnsure,
    "leaving": YesNoUnsure,
    "when": When,
    "colleague": YesNoUnsure,
    "leave_message": YesNoUnsure,
    "gender": Gender,
    "age_band": AgeBand,
    "subject_wish": SubjectWish,
}
MULTI_CHOICES: dict[str, type[StrEnum]] = {"wishes": Wish, "contact_methods": ContactMethod}
STEP_FIELDS: dict[IntakeStep, tuple[str, ...]] = {
    IntakeStep.ABOUT_YOU: ("route", "employment", "leaving", "identity"),
    IntakeStep.ON_BEHALF: ("behalf_role", "behalf_name", "behalf_consent"),
    IntakeStep.WISHES: ("wishes",),
    IntakeStep.WHAT_HAPPENED: ("account", "when", "colleague", "avoid"),
    IntakeStep.SUBJECT: ("subject_name", "subject_number", "subject_email", "subject_wish"),
    IntakeStep.CONTACT: (
        "contact_methods",
        "work_phone",
        "personal_phone",
        "personal_email",
        "safe_times",
        "leave_message",
    ),
    IntakeStep.MONITORING: ("gender", "age_band"),
    IntakeStep.REVIEW: ("consent",),
}
UNKNOWN_CHOICE = "Please choose one of the options shown."
NOT_OURS = "That card is not one of ours."
UNREADABLE_CHARACTERS = (
    "Some of this did not come through, so we could not keep it. It shows as � here. "
    "Please type that part again."
)
MAX_USER_ID = 100


class CardPayloadInvalid(Exception):
    def __init__(
        self,
        problems: dict[str, str],
        answers: IntakeAnswers | None = None,
        kept: IntakeAnswers | None = None,
    ) -> None:
        super().__init__("invalid card payload: " + ", ".join(sorted(problems)))
        self.problems = problems
        self.answers = answers
        self.kept = kept


def parse_action(value: Any) -> Request:
    """Read an `adaptiveCard/action` invoke value: {"action": {"verb", "data"}, ...} into
    the typed request for its verb."""
    raw_action = value.get("action") if isinstance(value, dict) else None
    data = raw_action.get("data") if isinstance(raw_action, dict) else None
    if not isinstance(raw_action, dict) or not isinstance(data, dict):
        raise CardPayloadInvalid({"action": "The card sent nothing we could read."})
    try:
        verb = Verb(str(raw_action.get("verb")))
    except ValueError:
        raise CardPayloadInvalid({"verb": "That button is not one we know."}) from None
    unreadable = sorted(str(k) for k, v in data.items() if not isinstance(v, str))
    if unreadable:
        raise CardPayloadInvalid(dict.fromkeys(unreadable, "We could not read this answer."))
    inputs: dict[str, str] = dict(data)
    if verb not in INTAKE_VERBS:  # the intake's answers are checked field by field, kindly
        inputs = {mended_text(k): mended_text(v) for k, v in inputs.items()}
    inputs.pop("verb", None)
    referral_id = inputs.pop("referral_id", "")
    if referral_id and not is_id(referral_id):
        raise CardPayloadInvalid({"referral_id": "That card is not one of ours."})
    step_text = inputs.pop("step", "")
    try:
        step = IntakeStep(step_text) if step_text else None
    except ValueError:
        raise CardPayloadInvalid({"step": "That card is not one of ours."}) from None
    if verb in INTAKE_VERBS:
        return IntakeClick(verb, referral_id, step, inputs)
    read = _INPUTS.get(verb)
    return read(verb, referral_id, inputs) if read else OnReferral(verb, referral_id)


def is_id(text: str) -> bool:
    """Whether `text` has the shape of our ids (referrals, notifications)."""
    return bool(_ID.fullmatch(text))


def _offer(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    return Offer(verb, referral_id, inputs.get("advocate_id", "").strip())


def _checkin(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    """The check-in card: its choices and the hours as typed (the month is the clock's)."""
    return CheckinSent(
        verb,
        inputs.get("feeling", "").strip(),
        inputs.get("capacity", "").strip(),
        inputs.get("hours", "").strip()[:40],
    )


def _triage(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    problems: dict[str, str] = {}
    remit = inputs.get("in_remit", "")
    if remit not in ("yes", "no"):
        problems["in_remit"] = UNKNOWN_CHOICE
    urgency = _optional_choice(Urgency, inputs, "urgency")
    if urgency is None:
        problems["urgency"] = UNKNOWN_CHOICE
    try:
        risks = frozenset(Risk(r) for r in inputs.get("risks", "").split(",") if r)
    except ValueError:
        problems["risks"], risks = UNKNOWN_CHOICE, frozenset()
    if problems or urgency is None:
        return TriageSent(verb, referral_id, None, problems)
    return TriageSent(verb, referral_id, TriageDecision(remit == "yes", urgency, risks))


def _escalate(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    entry_id = inputs.get("entry_id", "")
    if entry_id and not is_id(entry_id):
        raise CardPayloadInvalid({"entry_id": "That card is not one of ours."})
    decision, problems = read_escalation(inputs)
    return EscalationSent(verb, referral_id, decision, entry_id, problems, dict(inputs))


def _pathway(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    step, problems = read_step(inputs)
    return PathwaySent(verb, referral_id, step, problems, dict(inputs))


def _on_escalation(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    escalation_id = inputs.get("escalation_id", "")
    if not is_id(escalation_id):
        raise CardPayloadInvalid({"escalation_id": "That card is not one of ours."})
    return OnEscalation(verb, referral_id, escalation_id)


def _reassign(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    reason = _optional_choice(ReassignReason, inputs, "reason")
    override = _optional_choice(OverrideReason, inputs, "override")
    return Reassign(verb, referral_id, inputs.get("advocate_id", "").strip(), reason, override)


def _out_of_remit(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    """A service (checked against the directory by the use case, so one it no longer
    lists gets a note on the card), or a kind of help; an id of the wrong shape is not
    from one of our cards."""
    chosen = inputs.get("signpost", "")
    if chosen.startswith(SERVICE_CHOICE):
        service_id = chosen.removeprefix(SERVICE_CHOICE)
        if not SERVICE_ID.fullmatch(service_id):
            raise CardPayloadInvalid({"signpost": NOT_OURS})
        return MarkOutOfRemit(verb, referral_id, service_id=service_id)
    return MarkOutOfRemit(verb, referral_id, _optional_choice(Signpost, inputs, "signpost"))


def _decline(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    return Decline(verb, referral_id, _optional_choice(DeclineReason, inputs, "reason"))


def _withdraw_for_person(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    return WithdrawForPerson(verb, referral_id, _optional_choice(WithdrawnFor, inputs, "how"))


def _ask_for_contact(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    consent = _parse_field("consent", inputs.get("consent", "")) is True
    return AskForContact(verb, referral_id, consent)


def _retry_delivery(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    notification_id = inputs.get("notification_id", "")
    if not is_id(notification_id):
        raise CardPayloadInvalid({"notification_id": NOT_OURS})
    return RetryDelivery(verb, notification_id)


def _show_figures(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    """A review chosen on the figures card: none chosen shows the latest; an id that is
    not the shape of a review's is not from one of our cards."""
    chosen = inputs.get("period", "").strip()
    period = parse_period_id(chosen) if chosen else None
    if chosen and period is None:
        raise CardPayloadInvalid({"period": NOT_OURS})
    return ShowFigures(verb, period)


def parse_file_answer(value: Any) -> FileAnswer:
    """Read a `fileConsent/invoke` value: {"action": "accept" | "decline", "context": what
    the offer sent, "uploadInfo": {...} on acceptance}. The context's `kind` names the file;
    every other value is a short string, read by that kind's maker."""
    if not isinstance(value, dict) or value.get("action") not in ("accept", "decline"):
        raise CardPayloadInvalid({"action": "The card sent nothing we could read."})
    context = value.get("context")
    if not isinstance(context, dict) or not all(
        isinstance(v, str) and len(v) <= _CONTEXT_LIMIT for v in context.values()
    ):
        raise CardPayloadInvalid({"context": NOT_OURS})
    kind = context.get("kind", "")
    if not _FILE_KIND.fullmatch(kind):
        raise CardPayloadInvalid({"kind": NOT_OURS})
    context = {str(k): v for k, v in context.items() if k != "kind"}
    if value["action"] == "decline":
        return FileAnswer(False, kind, context)
    info = value.get("uploadInfo")
    info = info if isinstance(info, dict) else {}
    given = {f: v for f, key in _UPLOAD_FIELDS.items() if isinstance(v := info.get(key), str) and v}
    if len(given) < len(_UPLOAD_FIELDS):
        raise CardPayloadInvalid({"uploadInfo": "Teams did not say where to save the file."})
    return FileAnswer(True, kind, context, UploadTarget(**given))


def figures_period(context: Mapping[str, str]) -> Period:
    """The review a figures file offer names; one not the shape of a review's id is not
    from one of our cards (whether it is on offer is for the use case to say)."""
    period = parse_period_id(context.get("period", ""))
    if period is None:
        raise CardPayloadInvalid({"period": NOT_OURS})
    return period


def _help(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    return AskHelp(verb)


def _access_report(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    """A month as the card offers it, and a page; the service offers only whole months."""
    month, page = inputs.get("month", ""), inputs.get("page", "0")
    if month and not _MONTH.fullmatch(month):
        raise CardPayloadInvalid({"month": NOT_OURS})
    if not page.isdigit() or len(page) > MAX_PAGE_DIGITS:
        raise CardPayloadInvalid({"page": NOT_OURS})
    return AskAccessReport(verb, month, int(page))


def _offer_anyway(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    reason = _optional_choice(OverrideReason, inputs, "override")
    return OfferAnyway(verb, referral_id, inputs.get("advocate_id", "").strip(), reason)


def _set_availability(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    """What the advocate chose; the service checks the ranges again."""
    state = _optional_choice(AvailabilityState, inputs, "availability")
    problems: dict[str, str] = {}
    new_cases, until = 0, None
    if state is None:
        problems["availability"] = "Please choose one."
    elif state is AvailabilityState.LIMITED:
        raw = inputs.get("new_cases", "").strip()
        if raw.isdigit() and 1 <= int(raw) <= MOST_CASES:
            new_cases = int(raw)
        else:
            problems["new_cases"] = f"Please give a number from 1 to {MOST_CASES}."
    elif state is AvailabilityState.AWAY:
        try:
            until = date.fromisoformat(inputs.get("until", "").strip())
        except ValueError:
            problems["until"] = "Please give the date you are back."
    return SetAvailability(verb, state, new_cases, until, problems)


def _set_limit(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    user_id, raw = inputs.get("advocate_id", "").strip(), inputs.get("limit", "").strip()
    if len(user_id) > MAX_USER_ID:
        raise CardPayloadInvalid({"advocate_id": NOT_OURS})
    limit = int(raw) if raw.isdigit() and int(raw) <= MOST_CASES else None
    return SetLimit(verb, user_id, limit)


def _change_roster(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    return ChangeRoster(verb, inputs.get("person", ""))


def _choose_advocate(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    """(what the SMLO typed, the object id they chose): checked again by the service."""
    asked, user_id = inputs.get("asked", ""), inputs.get("user_id", "").strip()
    if not asked.strip() or not user_id or len(user_id) > MAX_USER_ID:
        raise CardPayloadInvalid({"user_id": NOT_OURS})
    return ChooseAdvocate(verb, asked, user_id)


def _on_record(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> OnRecord:
    entry_id, start = inputs.get("entry_id", ""), inputs.get("start", "0")
    if (entry_id and not is_id(entry_id)) or not start.isdigit() or len(start) > 6:
        raise CardPayloadInvalid({"entry_id": NOT_OURS})
    return OnRecord(verb, referral_id, entry_id, int(start))


def _open_form(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> OpenForm:
    at = _on_record(verb, referral_id, inputs)
    kind = _optional_choice(EntryKind, inputs, "kind")
    needs_entry = kind in (EntryKind.CORRECTION, EntryKind.ONWARD_OUTCOME)
    # Escalation decisions and messages have their own forms and verbs.
    if kind is None or kind in NO_RECORD_FORM or needs_entry != bool(at.entry_id):
        raise CardPayloadInvalid({"kind": NOT_OURS})
    return OpenForm(verb, referral_id, at.entry_id, kind=kind)


def _save_entry(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    form = _open_form(verb, referral_id, inputs)
    if form.kind is EntryKind.CORRECTION:
        of_kind = _optional_choice(EntryKind, inputs, "of_kind")
        if of_kind is None or of_kind in (EntryKind.CORRECTION, EntryKind.CLOSURE, *NO_RECORD_FORM):
            raise CardPayloadInvalid({"of_kind": NOT_OURS})
        reason, content, problems = read_correction(of_kind, inputs)
    else:
        given = {**inputs, "onward_id": form.entry_id}
        (content, problems), reason = read_form(form.kind, given), ""
    form_id = inputs.get("form_id", "")
    if form_id and not is_id(form_id):
        raise CardPayloadInvalid({"form_id": NOT_OURS})
    return SaveEntry(
        verb, referral_id, form.entry_id, 0, form.kind, inputs, content, problems, reason, form_id
    )


def _send_message(verb: Verb, referral_id: str, inputs: Mapping[str, str]) -> Request:
    """The text as typed (the use case checks its length); the card's own message id."""
    message_id = inputs.get("message_id", "")
    if message_id and not is_id(message_id):
        raise CardPayloadInvalid({"message_id": NOT_OURS})
    return SendMessage(verb, referral_id, inputs.get("text", "").strip(), message_id)


_INPUTS: dict[Verb, Callable[[Verb, str, Mapping[str, str]], Request]] = {
    Verb.RECORD: _on_record,
    Verb.RECORD_ENTRY: _on_record,
    Verb.RECORD_FORM: _open_form,
    Verb.RECORD_SAVE: _save_entry,
    Verb.SEND_ASK_CONTACT: _ask_for_contact,
    Verb.HELP: _help,
    Verb.ALLOCATE: _offer,
    Verb.OFFER_ANYWAY: _offer_anyway,
    Verb.SET_AVAILABILITY: _set_availability,
    Verb.SET_LIMIT: _set_limit,
    Verb.REASSIGN: _reassign,
    Verb.TRIAGE: _triage,
    Verb.ANSWER_CHECKIN: _checkin,
    Verb.ESCALATE: _escalate,
    Verb.RECORD_PATHWAY: _pathway,
    Verb.WITHDRAW_CONSENT_ASK: _on_escalation,
    Verb.WITHDRAW_CONSENT: _on_escalation,
    Verb.OUT_OF_REMIT: _out_of_remit,
    Verb.WITHDRAW_FOR_PERSON: _withdraw_for_person,
    Verb.DECLINE: _decline,
    Verb.RETRY_DELIVERY: _retry_delivery,
    Verb.STATISTICS: _show_figures,
    Verb.FIGURES_FILE: _show_figures,
    Verb.SCRUTINY_FILE: _show_figures,
    Verb.ADD_ADVOCATE: _change_roster,
    Verb.REMOVE_ADVOCATE: _change_roster,
    Verb.ACCESS_REPORT: _access_report,
    Verb.ADD_CHOSEN: _choose_advocate,
    Verb.REMOVE_CHOSEN: _choose_advocate,
    Verb.SEND_MESSAGE: _send_message,
    Verb.THREAD: _on_record,  # messages are case record entries; `start` pages the thread
}


def _text_problem(name: str, text: str) -> str | None:
    limit = TEXT_LIMITS[name]
    if not is_whole_text(text):
        return UNREADABLE_CHARACTERS
    if len(text) > limit:
        return (
            f"This is {len(text):,} characters. The limit is {limit:,}. Please make it "
            "shorter. You can tell your advocate more later."
        )
    if text and name == "personal_email" and not _EMAIL.fullmatch(text):
        return "This does not look like an email address."
    if text and name.endswith("_phone") and not _PHONE.fullmatch(text):
        return "Please use only numbers, spaces and + ( ) -."
    return None


def parse_step_answers(
    step: IntakeStep, inputs: Mapping[str, str], current: IntakeAnswers
) -> IntakeAnswers:
    """The answers after this step's inputs; fields of other steps stay as they were.

    A missing input means an empty one (Teams leaves empty inputs out). On problems, the
    error carries `answers` (to show the card again with the person's words) and `kept`
    (only the valid answers, which Back and Finish later save).
    """
    valid: dict[str, object] = {}
    shown_back: dict[str, object] = {}
    problems: dict[str, str] = {}
    for name in STEP_FIELDS[step]:
        raw = inputs.get(name, "").strip()
        try:
            valid[name] = _parse_field(name, raw)
        except ValueError as problem:
            problems[name] = str(problem)
            if name in TEXT_LIMITS and len(raw) <= TEXT_LIMITS[name] + ECHO_EXTRA:
                shown_back[name] = mended_text(raw)  # what could not be read shows as �
            elif name in TEXT_LIMITS:
                problems[name] += " It was too long for us to show it back here."
        if name in REQUIRED_ANSWERS.get(step, ()) and not raw and name not in problems:
            problems[name] = wording.REQUIRED_NOTES[name]
    kept = current.with_changes(**valid)
    # Anonymity the route does not allow: the note under the choice; kept as named.
    refused = {k: v for k, v in anonymity_problems(kept).items() if k in STEP_FIELDS[step]}
    if refused:
        problems |= refused
        shown_back["identity"], kept = kept.identity, kept.with_changes(identity=None)
    if problems:
        raise CardPayloadInvalid(problems, kept.with_changes(**shown_back), kept)
    return kept


def _parse_field(name: str, raw: str) -> object:
    """One input's value; raises ValueError with the words to show next to the field."""
    if name == "consent":
        return raw.lower() == "true"
    try:
        if name in CHOICES:
            return CHOICES[name](raw) if raw else None
        if name in MULTI_CHOICES:
            return tuple(MULTI_CHOICES[name](v) for v in raw.split(",") if v)
    except ValueError:
        raise ValueError(UNKNOWN_CHOICE) from None
    problem = _text_problem(name, raw)
    if problem:
        raise ValueError(problem)
    return raw


def _optional_choice(enum: type[E], inputs: Mapping[str, str], name: str) -> E | None:
    """One choice from an SMLO or advocate card; None if none (or none we know) was made."""
    try:
        return enum(inputs.get(name, ""))
    except ValueError:
        return None
