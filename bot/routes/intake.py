"""Routes of the person making a referral: the welcome and help (everyone's), the intake,
and after sending."""

from __future__ import annotations

import uuid

from bot.routing import Routes, Turn
from cards import escalation, intake, referrer, support
from cards.help import HelpFor, help_card
from cards.intake import CONSENT_NEEDED
from cards.reply import Card, Reply
from cards.requests import AskForContact, AskHelp, OnEscalation, OnReferral
from cards.verbs import Verb
from referrals import errors
from referrals.identity import is_anonymous
from referrals.people import Actor
from referrals.referral import SHAREABLE
from referrals.services import Intake
from referrals.states import ReferralState
from referrals.support import SupportDirectory

NO_DRAFT = "You have no referral in progress. Type refer to start one."
STOPPED = "Stopped. Type help whenever you need us."
WELCOME_BACK = "Welcome back. Here is where you were."


class IntakeRoutes:
    def __init__(
        self, use_cases: Intake, draft_keep_days: int, directory: SupportDirectory
    ) -> None:
        self._intake = use_cases
        self._keep_days = draft_keep_days
        self._directory = directory
        self._help_lines = support.help_lines(directory)

    def table(self) -> Routes:
        return {
            Verb.WELCOME: self.welcome,
            Verb.HELP: self.help,
            Verb.SUPPORT: self.get_help_now,
            Verb.START: self.start,
            Verb.NOT_NOW: self.not_now,
            Verb.ASK_CONTACT: self.ask_contact,
            Verb.SEND_ASK_CONTACT: self.send_ask_contact,
            Verb.RESUME: self.resume,
            Verb.STOP: self.stop,
            Verb.KEEP_DRAFT: self.keep_draft,
            Verb.DELETE_DRAFT: self.delete_draft,
            **dict.fromkeys(
                (Verb.ANSWER, Verb.SKIP, Verb.BACK, Verb.LATER, Verb.SUBMIT), self.intake_step
            ),
            Verb.MY_REFERRALS: self.my_referrals,
            Verb.WITHDRAW_ASK: self.withdraw_ask,
            Verb.WITHDRAW: self.withdraw,
            Verb.ASK_NEW_ADVOCATE_ASK: self.ask_new_advocate_ask,
            Verb.ASK_NEW_ADVOCATE: self.ask_new_advocate,
            Verb.WITHDRAW_CONSENT_ASK: self.withdraw_consent_ask,
            Verb.WITHDRAW_CONSENT: self.withdraw_consent,
            Verb.SHARE_IDENTITY_ASK: self.share_identity_ask,
            Verb.SHARE_IDENTITY: self.share_identity,
        }

    async def welcome(self, turn: Turn) -> Reply:
        actor = turn.actor
        role = (
            "smlo"
            if actor.is_smlo
            else "advocate"
            if actor.is_advocate
            else "auditor"
            if actor.is_auditor
            else ""
        )
        has_draft = await self._intake.find_draft(actor) is not None
        return Reply(intake.welcome_card(has_draft, role, help_lines=self._help_lines))

    async def help(self, turn: Turn) -> Reply:
        """Everything this person can do now; also the answer to what we did not understand."""
        actor = turn.actor
        standing = await self._intake.standing(actor)
        who = HelpFor(
            actor.is_smlo,
            actor.is_advocate,
            standing.off_the_list,
            standing.has_draft,
            auditor=actor.is_auditor,
        )
        not_understood = turn.wants(AskHelp).not_understood
        return Reply(help_card(who, help_lines=self._help_lines, not_understood=not_understood))

    async def get_help_now(self, turn: Turn) -> Reply:
        """Anyone: the services in the support directory that the force has filled in."""
        return Reply(support.support_card(self._directory))

    async def start(self, turn: Turn) -> Reply:
        await self._intake.start_draft(turn.actor)
        return await self.resume(turn)

    async def ask_contact(self, turn: Turn) -> Reply:
        return Reply(await self._ask_contact_card(turn.actor))

    async def send_ask_contact(self, turn: Turn) -> Reply:
        """The short way: sent with the same checks and the same receipt as the full one.
        A required answer missing from their draft takes them to its step in the intake."""
        asked = turn.wants(AskForContact)
        try:
            referral = await self._intake.ask_for_contact(
                turn.actor, asked.consent, asked.referral_id
            )
        except errors.ConsentRequired:
            card = await self._ask_contact_card(turn.actor, asked.referral_id, CONSENT_NEEDED)
            return Reply(card)
        except errors.RequiredAnswerMissing as missing:
            draft = await self._intake.find_draft(turn.actor)
            if draft is None:
                raise
            return await turn.intake.begin(draft.id, missing=missing)
        await turn.intake.end()
        return Reply(intake.receipt_for(referral), clear_answers=True)

    async def _ask_contact_card(
        self, actor: Actor, send_as: str = "", problem: str | None = None
    ) -> Card:
        """Send sends their draft if they have one, else a referral with a new id (kept
        when the card is shown again), so pressing it twice sends one."""
        draft = await self._intake.find_draft(actor)
        send_as = draft.id if draft else send_as or uuid.uuid4().hex
        return intake.ask_contact_card(send_as, draft is not None, problem=problem)

    async def not_now(self, turn: Turn) -> Reply:
        return Reply(intake.not_now_card())

    async def resume(self, turn: Turn, notice: str = "") -> Reply:
        draft = await self._intake.find_draft(turn.actor)
        if draft is None:
            return Reply(text=NO_DRAFT)
        return await turn.intake.begin(draft.id, notice)

    async def stop(self, turn: Turn) -> Reply:
        await turn.intake.end()
        draft = await self._intake.find_draft(turn.actor)
        if draft is None:
            return Reply(text=STOPPED, clear_answers=True)
        return Reply(intake.stop_card(draft.id), clear_answers=True)

    async def keep_draft(self, turn: Turn) -> Reply:
        return Reply(intake.kept_card(self._keep_days))

    async def delete_draft(self, turn: Turn) -> Reply:
        referral_id = turn.wants(OnReferral).referral_id
        await turn.intake.end()
        try:
            await self._intake.delete_draft(turn.actor, referral_id)
        except errors.InvalidTransition:  # an old stop card, after it was sent
            referral = await self._intake.view_own(turn.actor, referral_id)
            return Reply(intake.receipt_for(referral))
        return Reply(intake.deleted_card(), clear_answers=True)

    async def intake_step(self, turn: Turn) -> Reply:
        """A button on an intake step card; after its dialog ended, where things stand."""
        if turn.intake.active:
            return await turn.intake.carry_on()
        try:
            referral = await self._intake.view_draft(turn.actor, turn.wants(OnReferral).referral_id)
        except errors.ReferralNotFound:  # deleted (or never existed: nothing to reveal)
            return Reply(intake.deleted_card())
        if referral.state is ReferralState.DRAFT:
            return await self.resume(turn, notice=WELCOME_BACK)
        return Reply(intake.receipt_for(referral))

    async def my_referrals(self, turn: Turn) -> Reply:
        return Reply(referrer.my_referrals_card(await self._intake.my_referrals(turn.actor)))

    async def withdraw_ask(self, turn: Turn) -> Reply:
        referral_id = turn.wants(OnReferral).referral_id
        referral = await self._intake.view_own(turn.actor, referral_id, to_withdraw=True)
        return Reply(referrer.withdraw_confirm_card(referral))

    async def withdraw(self, turn: Turn) -> Reply:
        referral_id = turn.wants(OnReferral).referral_id
        own = await self._intake.view_own(turn.actor, referral_id, to_withdraw=True)
        reference = own.reference
        await self._intake.withdraw(turn.actor, referral_id)
        return Reply(referrer.withdrawn_card(reference))

    async def ask_new_advocate_ask(self, turn: Turn) -> Reply:
        referral_id = turn.wants(OnReferral).referral_id
        referral = await self._intake.view_own(turn.actor, referral_id)
        if referral.state is not ReferralState.ACTIVE or referral.new_advocate_asked:
            return Reply(referrer.my_referrals_card(await self._intake.my_referrals(turn.actor)))
        return Reply(referrer.new_advocate_confirm_card(referral))

    async def ask_new_advocate(self, turn: Turn) -> Reply:
        referral_id = turn.wants(OnReferral).referral_id
        referral = await self._intake.ask_for_new_advocate(turn.actor, referral_id)
        return Reply(referrer.new_advocate_asked_card(referral))

    async def share_identity_ask(self, turn: Turn) -> Reply:
        referral_id = turn.wants(OnReferral).referral_id
        referral = await self._intake.view_own(turn.actor, referral_id)
        if not is_anonymous(referral.answers) or referral.state not in SHAREABLE:
            return Reply(referrer.my_referrals_card(await self._intake.my_referrals(turn.actor)))
        return Reply(referrer.share_identity_confirm_card(referral))

    async def share_identity(self, turn: Turn) -> Reply:
        referral_id = turn.wants(OnReferral).referral_id
        try:
            referral = await self._intake.share_identity(turn.actor, referral_id)
        except errors.IdentityAlreadyShared:  # a second press: it is done already
            referral = await self._intake.view_own(turn.actor, referral_id)
        return Reply(referrer.identity_shared_card(referral))

    async def withdraw_consent_ask(self, turn: Turn) -> Reply:
        asked = turn.wants(OnEscalation)
        referral = await self._intake.view_own(turn.actor, asked.referral_id)
        decision = next((d for d in referral.escalations if d.id == asked.escalation_id), None)
        if decision is None or not decision.may_withdraw:  # withdrawn already: where it stands
            return Reply(referrer.my_referrals_card(await self._intake.my_referrals(turn.actor)))
        return Reply(escalation.withdraw_consent_confirm_card(referral, decision))

    async def withdraw_consent(self, turn: Turn) -> Reply:
        asked = turn.wants(OnEscalation)
        referral = await self._intake.withdraw_consent(
            turn.actor, asked.referral_id, asked.escalation_id
        )
        return Reply(escalation.consent_withdrawn_card(referral))
