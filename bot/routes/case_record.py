"""Routes of the case record: the timeline, an entry's details, the forms, and saving one
(an entry, a correction, or closing the case). The advocate who holds the case keeps it;
an SMLO reads it. Every card here shows the case, so each reply is tracked to fold back.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from bot.messages import NOT_FOR_YOU
from bot.routing import Routes, Turn
from cards import advocate, notices
from cards.case_record import closed_by_you_card, entry_card, record_card
from cards.record_entries import Record, summary
from cards.record_forms import Form, form_card
from cards.record_inputs import CHOOSE, shown_back
from cards.reply import Reply
from cards.requests import OnRecord, OpenForm, SaveEntry
from cards.verbs import Verb
from referrals import errors
from referrals.case_record import (
    CaseEntry,
    Closure,
    Correction,
    EntryKind,
    OnwardReferral,
    RiskAssessment,
    RiskLevel,
)
from referrals.people import Actor
from referrals.ports import Clock
from referrals.referral import Referral
from referrals.services.case_record import CaseRecord
from referrals.states import ReferralState
from referrals.support import SupportDirectory

K = EntryKind
# The domain names a problem by the entry's field; the form by its input.
INPUT_OF = {"at": "date", "kind": "update_kind"}
NOT_SAVED = "Nothing is saved yet. Please look at the notes below."
WHY_CLOSE = "Please say why you are closing it: the advocate and the record keep your note."
ALREADY_SAVED = "That was saved already, so it is on the record once."
HIGH_RISK_TOLD = "The service lead has been told that the risk is high. They are not told why."


class CaseRecordRoutes:
    def __init__(self, record: CaseRecord, directory: SupportDirectory, clock: Clock) -> None:
        self._record, self._directory, self._clock = record, directory, clock

    def table(self) -> Routes:
        return {
            Verb.RECORD: self.show,
            Verb.RECORD_ENTRY: self.entry,
            Verb.RECORD_FORM: self.form,
            Verb.RECORD_SAVE: self.save,
        }

    async def show(self, turn: Turn, notice: str = "") -> Reply:
        asked = turn.wants(OnRecord)
        try:
            referral, entries = await self._record.read(turn.actor, asked.referral_id)
        except errors.NotPermitted:  # refused and audited; say so without saying why
            return _refused(turn.actor)
        card = record_card(
            referral,
            self._of(entries),
            may_add=_may_add(referral, turn.actor),
            start=asked.start,
            notice=notice,
        )
        return Reply(card, shows_details=referral.id)

    async def entry(self, turn: Turn) -> Reply:
        asked = turn.wants(OnRecord)
        try:
            referral, entries = await self._record.read(turn.actor, asked.referral_id)
        except errors.NotPermitted:
            return _refused(turn.actor)
        record = self._of(entries)
        entry = _find(record, asked.entry_id)
        card = entry_card(referral, entry, record, may_add=_may_add(referral, turn.actor))
        return Reply(card, shows_details=referral.id)

    async def form(self, turn: Turn) -> Reply:
        asked = turn.wants(OpenForm)
        return await self._form(turn.actor, asked, Form(asked.kind))

    async def save(self, turn: Turn) -> Reply:
        sent = turn.wants(SaveEntry)
        content, problems = sent.content, dict(sent.problems)
        if isinstance(content, OnwardReferral):
            service = self._directory.get(content.service_id)
            if service is None or not service.listed:
                problems["service_id"] = CHOOSE
            else:  # inside the force or out is the directory's to say, not the card's
                content = replace(content, internal=service.internal)
        if problems:
            return await self._form(turn.actor, sent, _again(sent, problems))
        actor, referral_id = turn.actor, sent.referral_id
        try:
            if isinstance(content, Closure):
                closed = await self._record.close(actor, referral_id, content)
                holder = closed.advocate_id == actor.user_id
                card = closed_by_you_card(closed, as_holder=holder)
                return Reply(card, refresh_smlo_cards="" if holder else closed.id)
            if sent.kind is K.CORRECTION:
                correction = Correction(sent.entry_id, sent.reason)
                added = await self._record.correct(
                    actor, referral_id, correction, content, sent.form_id
                )
            elif content is not None:
                added = [await self._record.add(actor, referral_id, content, sent.form_id)]
            else:  # only a correction may come without an entry
                raise errors.EntryInvalid({"kind": "no entry"})
        except errors.EntryInvalid as invalid:
            found = {INPUT_OF.get(k, k): _in_words(v) for k, v in invalid.problems.items()}
            return await self._form(turn.actor, sent, _again(sent, found))
        except errors.CloseReasonRequired:
            return await self._form(turn.actor, sent, _again(sent, {"note": WHY_CLOSE}))
        except errors.EntryAlreadySaved:
            return await self.show(turn, ALREADY_SAVED)
        except errors.NotPermitted:
            return _refused(turn.actor)
        return await self.show(turn, self._saved(added))

    async def _form(self, actor: Actor, asked: OpenForm, form: Form) -> Reply:
        entries: list[CaseEntry] = []
        try:
            if form.kind is K.CLOSURE:  # the holder, or an SMLO (who adds no entries)
                referral = await self._record.closable(actor, asked.referral_id)
            else:
                referral, entries = await self._record.writable(actor, asked.referral_id)
        except errors.NotPermitted:
            return _refused(actor)
        record = self._of(entries)
        if asked.entry_id:
            form = replace(form, entry=_find(record, asked.entry_id))
        if form.kind is K.CLOSURE and referral.advocate_id != actor.user_id:
            form = replace(form, by_smlo=True)
        card = form_card(referral, form, record, self._clock.now())
        return Reply(card, shows_details=referral.id)

    def _saved(self, added: list[CaseEntry]) -> str:
        record = self._of(added)
        said = " ".join(f"Saved: {summary(entry, record)}." for entry in added)
        if any(_is_high(e) for e in added):
            said += f" {HIGH_RISK_TOLD}"
        return said

    def _of(self, entries: list[CaseEntry]) -> Record:
        return Record(entries, self._directory)


def _refused(actor: Actor) -> Reply:
    """Refused, and audited. An advocate may have held the case (it was closed, withdrawn
    or given to someone else); anyone else never could."""
    if actor.is_advocate:
        return Reply(advocate.case_gone_card())
    return Reply(notices.problem_card(*NOT_FOR_YOU))


def _again(sent: SaveEntry, problems: dict[str, str]) -> Form:
    """The form as it was sent, with what needs another look: the same form, same id."""
    inputs = shown_back(sent.inputs)
    return Form(sent.kind, inputs, problems, form_id=sent.form_id or uuid.uuid4().hex)


def _may_add(referral: Referral, actor: Actor) -> bool:
    return (
        referral.advocate_id == actor.user_id
        and actor.is_advocate
        and referral.state is ReferralState.ACTIVE
    )


def _find(record: Record, entry_id: str) -> CaseEntry:
    entry = record.by_id.get(entry_id)
    if entry is None:
        raise errors.EntryNotFound(entry_id)
    return entry


def _is_high(entry: CaseEntry) -> bool:
    return isinstance(entry.content, RiskAssessment) and entry.content.level is RiskLevel.HIGH


def _in_words(problem: str) -> str:
    """The domain's short reason, said to the person."""
    if problem == "in the future":
        return "This is in the future. Please give a date that has passed."
    if problem == "required":
        return "Please fill this in."
    return f"Please check this: {problem}."
