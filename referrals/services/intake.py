"""The referrer's use cases: the draft, its answers, sending it, and after sending."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

from referrals import errors
from referrals.allocation import format_reference
from referrals.audit import AuditAction
from referrals.intake import IntakeAnswers, IntakeStep, quick_request
from referrals.people import Actor
from referrals.referral import Referral
from referrals.services.steps import Steps
from referrals.services.subjects import Subjects
from referrals.states import STATE_TABLE, ReferralState, Transition

A = AuditAction


@dataclass(frozen=True)
class Standing:
    has_draft: bool  # a referral they have started and not sent
    off_the_list: bool  # on the advocate roster, but taken off the list for now


@dataclass(frozen=True)
class Intake:
    steps: Steps
    # Whom referrals name: resolved and indexed as each is sent, then matched.
    subjects: Subjects

    async def find_draft(self, actor: Actor) -> Referral | None:
        return await self.steps.stores.referrals.find_draft(actor.user_id)

    async def standing(self, actor: Actor) -> Standing:
        """What `help` needs to know about the person beyond their roles."""
        advocate = await self.steps.stores.roster.get_advocate(actor.user_id)
        off_the_list = advocate is not None and not advocate.active and not actor.is_advocate
        return Standing(await self.find_draft(actor) is not None, off_the_list)

    async def start_draft(self, actor: Actor) -> Referral:
        existing = await self.find_draft(actor)
        if existing is not None:
            return existing
        draft = Referral.start_draft(actor, self.steps.clock.now())
        await self.steps.stores.referrals.save(draft)
        return draft

    async def view_draft(self, actor: Actor, referral_id: str) -> Referral:
        """The referral an intake card belongs to, for its referrer (sent or not)."""
        return await self.steps.view(actor, referral_id)

    async def record_answers(
        self,
        actor: Actor,
        referral_id: str,
        answers: IntakeAnswers,
        step: IntakeStep,
        leaving: IntakeStep | None = None,
        *,
        read: IntakeAnswers | None = None,
    ) -> Referral:
        """Save the answers; `step` is where to carry on, `leaving` the step they were on.

        `read`: the draft's answers that `answers` were worked out from. If another turn of
        the same person saved the draft in between (two presses at once), only what this
        turn changed is laid over what that one saved, so neither turn's answers are lost."""
        now = self.steps.clock.now()

        def record(r: Referral) -> None:
            mine = answers if read is None else _rebased(answers, read, r.answers)
            r.record_answers(actor, mine, step, now, leaving=leaving)

        return await self.steps.change(actor, referral_id, A.CHANGE_DRAFT, record)

    async def delete_draft(self, actor: Actor, referral_id: str) -> None:
        referral = await self.steps.load(actor, referral_id, A.DELETE_DRAFT)
        async with self.steps.audited(actor, referral, A.DELETE_DRAFT):
            if referral.referrer_id != actor.user_id:
                raise errors.NotTheReferrer(f"{actor.user_id} may not delete {referral_id}")
            if referral.state is not ReferralState.DRAFT:  # sent: withdraw it instead
                raise errors.InvalidTransition("delete", referral.state)
            await self.steps.stores.referrals.delete_draft(referral_id)
            await self.steps.stores.subjects.forget(referral_id)

    async def submit(
        self,
        actor: Actor,
        referral_id: str,
        answers: IntakeAnswers | None = None,
        *,
        viewed: Referral | None = None,
    ) -> Referral:
        """Record the review card's `answers` (if given), check, number and send.
        `viewed`: the draft as `view_draft` gave it this turn, so it is not read again."""
        change = None if answers is None else (lambda _: answers)
        return await self._send(actor, referral_id, change, viewed)

    async def ask_for_contact(self, actor: Actor, consent: bool, send_as: str = "") -> Referral:
        """The short way in: "ask an advocate to contact me", sent at once with what the
        person has told us so far (their draft, started now if they have none). The same
        checks as a full referral apply; an unticked consent box starts no draft.

        `send_as`: the id the card gave the referral it sends. Pressed again once it is
        sent, the same referral comes back: nothing is sent twice."""
        sent = await self._sent_as(actor, send_as) if send_as else None
        if sent is not None:
            return sent
        draft = await self.find_draft(actor)
        if draft is None:
            if not consent:
                raise errors.ConsentRequired("no draft")
            draft = Referral.start_draft(actor, self.steps.clock.now(), send_as)
            await self.steps.stores.referrals.save(draft)  # a second at once: ConcurrentUpdate
        return await self._send(
            actor, draft.id, lambda given: quick_request(given).with_changes(consent=consent)
        )

    async def _sent_as(self, actor: Actor, referral_id: str) -> Referral | None:
        """The referral `referral_id` if this person already sent it; None if there is none
        yet (or it is still their draft); refused, and audited, if it is someone else's."""
        try:
            referral = await self.steps.stores.referrals.get(referral_id)
        except errors.ReferralNotFound:
            return None
        async with self.steps.audited(actor, referral, A.SUBMIT, only_refusals=True):
            referral.ensure_not_withdrawn()  # its referrer is erased: say so plainly
            if referral.referrer_id != actor.user_id:
                raise errors.NotTheReferrer(f"{actor.user_id} did not send {referral_id}")
        return None if referral.state is ReferralState.DRAFT else referral

    async def _send(
        self,
        actor: Actor,
        referral_id: str,
        change: Callable[[IntakeAnswers], IntakeAnswers] | None,
        viewed: Referral | None = None,
    ) -> Referral:
        """Record the answers `change` makes (if any), check, number and send: one load and
        one save. The number is drawn only once every check has passed, so a refused
        submit uses none up, and a lost race re-uses it."""
        drawn: list[str] = []

        async def send(referral: Referral) -> None:
            now = self.steps.clock.now()
            if change is not None:
                answers = change(referral.answers)
                referral.record_answers(actor, answers, IntakeStep.REVIEW, now)
            referral.ensure_can_submit(actor)
            if not drawn:
                number = await self.steps.stores.referrals.next_reference_number(now.year)
                drawn.append(format_reference(now.year, number))
            subject_id = await self.subjects.resolve(referral.answers)
            referral.submit(actor, drawn[0], self.steps.smlo_ids, now, subject_user_id=subject_id)
            await self.subjects.index(referral)  # before the save: see services/subjects.py

        sent = await self.steps.change(actor, referral_id, A.SUBMIT, send, loaded=viewed)
        self.subjects.warn_if_no_one_else(sent)
        await self.subjects.match_after_sending(sent)
        return sent

    async def withdraw(self, actor: Actor, referral_id: str) -> Referral:
        """The referrer takes it back: personal data and free text are erased at once."""
        now = self.steps.clock.now()
        withdrawn = await self.steps.change(
            actor, referral_id, A.WITHDRAW, lambda r: r.withdraw(actor, self.steps.smlo_ids, now)
        )
        await self.subjects.forget(withdrawn)  # whom it named goes with the personal data
        return withdrawn

    async def ask_for_new_advocate(self, actor: Actor, referral_id: str) -> Referral:
        """The referrer asks for someone else: the SMLOs are told (once), content-free."""
        now = self.steps.clock.now()
        return await self.steps.change(
            actor,
            referral_id,
            A.ASK_NEW_ADVOCATE,
            lambda r: r.ask_for_new_advocate(actor, self.steps.smlo_ids, now),
        )

    async def share_identity(self, actor: Actor, referral_id: str) -> Referral:
        """An anonymous referrer tells the service who they are (the name Teams gives for
        them); the SMLOs and their advocate are told, content-free."""
        now = self.steps.clock.now()
        return await self.steps.change(
            actor,
            referral_id,
            A.SHARE_IDENTITY,
            lambda r: r.share_identity(actor, self.steps.smlo_ids, now),
        )

    async def withdraw_consent(
        self, actor: Actor, referral_id: str, escalation_id: str
    ) -> Referral:
        """The referrer withdraws the consent an escalation rested on; the SMLOs are told."""
        now = self.steps.clock.now()
        return await self.steps.change(
            actor,
            referral_id,
            A.WITHDRAW_CONSENT,
            lambda r: r.withdraw_consent(actor, escalation_id, self.steps.smlo_ids, now),
        )

    async def view_own(
        self, actor: Actor, referral_id: str, *, to_withdraw: bool = False
    ) -> Referral:
        """A referral as its referrer sees it (to check or withdraw it); nobody else."""
        referral = await self.steps.load(actor, referral_id, A.VIEW_DETAILS)
        async with self.steps.audited(actor, referral, A.VIEW_DETAILS):
            if to_withdraw:
                referral.ensure_not_withdrawn()
            if not actor.user_id or referral.referrer_id != actor.user_id:
                raise errors.NotTheReferrer(f"{actor.user_id} did not refer {referral_id}")
            if to_withdraw and referral.state not in STATE_TABLE[Transition.WITHDRAW][0]:
                raise errors.InvalidTransition(Transition.WITHDRAW, referral.state)
        return referral

    async def my_referrals(self, actor: Actor) -> list[Referral]:
        """The referrer's own sent referrals, to see where they stand or withdraw them; not
        those an SMLO took for someone without Teams, which are the person's."""
        mine = await self.steps.stores.referrals.list_for_referrer(actor.user_id)
        return [r for r in mine if not r.outside_teams]


def _rebased(answers: IntakeAnswers, read: IntakeAnswers, saved: IntakeAnswers) -> IntakeAnswers:
    """`saved` with the answers that differ between `read` and `answers` laid over it."""
    changed = {
        f.name: getattr(answers, f.name)
        for f in fields(IntakeAnswers)
        if getattr(answers, f.name) != getattr(read, f.name)
    }
    return saved.with_changes(**changed) if changed else saved
