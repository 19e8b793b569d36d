"""Routes of the SMLO on referrals: the inbox, a referral's card and details, allocation,
giving a case to another advocate, out of remit, and its audit trail.

Who may do what is decided by the use cases and the domain from the server-side actor,
never from anything the card sent.
"""

from __future__ import annotations

from bot.routing import Route, Routes, Turn
from cards import pathway, smlo
from cards.audit import audit_card
from cards.availability import offer_anyway_card
from cards.details import LOCAL_TIME
from cards.elements import plain
from cards.escalation import escalation_card, in_words
from cards.reply import Card, Reply
from cards.requests import (
    ByReference,
    EscalationSent,
    MarkOutOfRemit,
    Offer,
    OfferAnyway,
    OnReferral,
    PathwaySent,
    Reassign,
    TriageSent,
)
from cards.triage import triage_card
from cards.verbs import Verb
from referrals import errors
from referrals.referral import Referral
from referrals.services import Administration, Triage
from referrals.states import NEEDS_SMLO, ReferralState

NOT_OFFERED_NOW = (
    "They cannot be asked just now: they are away, full, or may know the people involved. "
    "Please choose again, or use Offer anyway and say why."
)
ASK_ANYWAY_WHY = (
    "They are not offered just now. Choose why you ask them anyway, or choose someone else."
)
ALREADY_DONE = "Someone already did this, so nothing has changed. This is where it stands."
ESCALATED = "Escalation decision saved. It is on the case record and its history."
STEP_SAVED = "Step saved. It is on the referral's pathway and its history."
TRIAGED_OUT = "Triage saved: it is not for this service. Where should the person go?"
SERVICE_NOT_LISTED = (
    "That service is not in our support directory now. The directory may have changed since "
    "this card was shown. Nothing has changed: please choose again from the list as it is now."
)


class TriageRoutes:
    def __init__(
        self, triage: Triage, administration: Administration, auditor_audit: Route | None = None
    ) -> None:
        """`auditor_audit`: how `audit SMA-…` is answered for the data protection auditor
        (bot/routes/oversight.py); without it the auditor is refused like anyone else."""
        self._triage, self._admin = triage, administration
        self._auditor_audit = auditor_audit

    def table(self) -> Routes:
        return {
            Verb.INBOX: self.inbox,
            Verb.REFERRAL: self.referral,
            Verb.OPEN: self.open,
            Verb.HIDE: self.hide,
            Verb.SHOW_ALLOCATE: self.show_allocate,
            Verb.ALLOCATE: self.allocate,
            Verb.SHOW_OFFER_ANYWAY: self.show_offer_anyway,
            Verb.OFFER_ANYWAY: self.offer_anyway,
            Verb.REASSIGN: self.reassign,
            Verb.SHOW_TRIAGE: self.show_triage,
            Verb.TRIAGE: self.triage,
            Verb.SHOW_ESCALATION: self.show_escalation,
            Verb.ESCALATE: self.escalate,
            Verb.SHOW_PATHWAY: self.show_pathway,
            Verb.RECORD_PATHWAY: self.record_pathway,
            Verb.SHOW_OUT_OF_REMIT: self.show_out_of_remit,
            Verb.OUT_OF_REMIT: self.out_of_remit,
            Verb.AUDIT: self.audit,
        }

    async def inbox(self, turn: Turn) -> Reply:
        return Reply(smlo.inbox_card(await self._triage.inbox(turn.actor)))

    async def referral(self, turn: Turn) -> Reply:
        """The summary, not the details: a new message stays in Teams' history; details
        open in place on the card and can be hidden again."""
        reference = turn.wants(ByReference).reference
        referral = await self._triage.view_by_reference(turn.actor, reference)
        return Reply(await self._summary(referral), smlo_card=referral.id)

    async def open(self, turn: Turn) -> Reply:
        referral = await self._view(turn)
        names = await self._admin.advocate_names()
        card = smlo.details_card(
            referral, names, self._triage.steps.smlo_ids, support=self._triage.support
        )
        return Reply(card, shows_details=referral.id, smlo_card=referral.id)

    async def hide(self, turn: Turn) -> Reply:
        """The referral's content-free card: after Hide details, or when Teams refreshes it."""
        referral_id = turn.wants(OnReferral).referral_id
        referral = await self._triage.face(turn.actor, referral_id)
        return Reply(await self._summary(referral), smlo_card=referral.id)

    async def show_allocate(self, turn: Turn) -> Reply:
        referral_id = turn.wants(OnReferral).referral_id
        referral, choices = await self._triage.allocation_options(turn.actor, referral_id)
        if referral.state is ReferralState.ACTIVE:  # a case: given to someone else
            return Reply(smlo.reassign_card(referral, choices), smlo_card=referral.id)
        if referral.state is ReferralState.OFFERED:
            return await self.hide(turn)
        return Reply(smlo.allocation_card(referral, choices), smlo_card=referral.id)

    async def show_triage(self, turn: Turn) -> Reply:
        referral = await self._triage.face(turn.actor, turn.wants(OnReferral).referral_id)
        return Reply(triage_card(referral), smlo_card=referral.id)

    async def triage(self, turn: Turn) -> Reply:
        """Saved; if it is not for this service, on to where the person should go."""
        sent = turn.wants(TriageSent)
        if sent.decision is None:
            referral = await self._triage.face(turn.actor, sent.referral_id)
            return Reply(triage_card(referral, sent.problems), smlo_card=referral.id)
        referral = await self._triage.record_triage(turn.actor, sent.referral_id, sent.decision)
        if not sent.decision.in_remit and referral.state in NEEDS_SMLO:
            card = smlo.out_of_remit_card(referral, self._triage.support, TRIAGED_OUT)
            return Reply(card, refresh_smlo_cards=referral.id, smlo_card=referral.id)
        return _changed(referral.id, await self._summary(referral, "Triage saved."))

    async def show_escalation(self, turn: Turn) -> Reply:
        referral = await self._triage.escalation_face(
            turn.actor, turn.wants(OnReferral).referral_id
        )
        return Reply(escalation_card(referral, today=self._today()), smlo_card=referral.id)

    async def escalate(self, turn: Turn) -> Reply:
        """Saved, audited, and the person told unless it would increase the risk; a second
        press of Save changes nothing."""
        sent = turn.wants(EscalationSent)
        problems = dict(sent.problems)
        if sent.decision is not None:
            try:
                referral = await self._triage.record_escalation(
                    turn.actor, sent.referral_id, sent.decision, sent.entry_id
                )
                return _changed(referral.id, await self._summary(referral, ESCALATED))
            except errors.EntryAlreadySaved:
                referral = await self._triage.face(turn.actor, sent.referral_id)
                return _changed(referral.id, await self._summary(referral, ESCALATED))
            except errors.EntryInvalid as invalid:
                problems = in_words(invalid.problems)
        referral = await self._triage.escalation_face(turn.actor, sent.referral_id)
        card = escalation_card(referral, problems, sent.sent, self._today())
        return Reply(card, smlo_card=referral.id)

    async def show_pathway(self, turn: Turn) -> Reply:
        referral = await self._triage.pathway_face(turn.actor, turn.wants(OnReferral).referral_id)
        return Reply(pathway.pathway_card(referral, today=self._today()), smlo_card=referral.id)

    async def record_pathway(self, turn: Turn) -> Reply:
        """Saved and audited; the same step sent again changes nothing."""
        sent = turn.wants(PathwaySent)
        problems = dict(sent.problems)
        if sent.step is not None:
            try:
                referral = await self._triage.record_pathway_step(
                    turn.actor, sent.referral_id, sent.step
                )
                return _changed(referral.id, await self._summary(referral, STEP_SAVED))
            except errors.EntryInvalid as invalid:
                problems = pathway.in_words(invalid.problems)
        referral = await self._triage.pathway_face(turn.actor, sent.referral_id)
        card = pathway.pathway_card(referral, problems, sent.sent, self._today())
        return Reply(card, smlo_card=referral.id)

    def _today(self) -> str:
        """The latest day a decision may be dated, in the force's time."""
        return self._triage.steps.clock.now().astimezone(LOCAL_TIME).date().isoformat()

    async def reassign(self, turn: Turn) -> Reply:
        chosen = turn.wants(Reassign)
        problems = {}
        if chosen.reason is None:
            problems["reason"] = "Please choose why."
        if not chosen.advocate_id:
            problems["advocate_id"] = "Please choose someone."
        if problems:
            referral, choices = await self._triage.allocation_options(
                turn.actor, chosen.referral_id
            )
            card = smlo.reassign_card(referral, choices, problems)
            return Reply(card, smlo_card=referral.id)  # nothing changed: no refresh
        assert chosen.reason is not None
        try:
            referral = await self._triage.reassign(
                turn.actor, chosen.referral_id, chosen.advocate_id, chosen.reason, chosen.override
            )
        except errors.AdvocateExcluded:
            referral, choices = await self._triage.allocation_options(
                turn.actor, chosen.referral_id
            )
            card = smlo.reassign_card(referral, choices, {"override": ASK_ANYWAY_WHY})
            return Reply(card, smlo_card=referral.id)
        except errors.InvalidTransition:  # someone else got there first
            referral = await self._view(turn)
            return _changed(referral.id, await self._summary(referral, ALREADY_DONE, warning=True))
        names = await self._admin.advocate_names()
        who = plain(names.get(chosen.advocate_id, "them"))
        notice = f"We have asked {who}. The advocate who had it no longer sees it."
        return _changed(referral.id, await self._summary(referral, notice, names=names))

    async def allocate(self, turn: Turn) -> Reply:
        offer = turn.wants(Offer)
        if not offer.advocate_id:
            referral, choices = await self._triage.allocation_options(turn.actor, offer.referral_id)
            card = smlo.allocation_card(referral, choices, problem="Please choose someone.")
            return Reply(card, smlo_card=offer.referral_id)  # nothing changed: no refresh
        try:
            referral = await self._triage.offer(turn.actor, offer.referral_id, offer.advocate_id)
        except errors.ReferralAlreadyAllocated:
            referral = await self._view(turn)
            return _changed(referral.id, await self._summary(referral, ALREADY_DONE, warning=True))
        except errors.AdvocateExcluded:  # away, full or a conflict since the card was shown
            referral, choices = await self._triage.allocation_options(turn.actor, offer.referral_id)
            card = smlo.allocation_card(referral, choices, problem=NOT_OFFERED_NOW)
            return Reply(card, smlo_card=referral.id)
        return await self._asked(referral, offer.advocate_id)

    async def show_offer_anyway(self, turn: Turn) -> Reply:
        referral_id = turn.wants(OnReferral).referral_id
        referral, choices = await self._triage.allocation_options(turn.actor, referral_id)
        if referral.state not in NEEDS_SMLO:
            return await self.hide(turn)
        return Reply(offer_anyway_card(referral, choices), smlo_card=referral.id)

    async def offer_anyway(self, turn: Turn) -> Reply:
        """An offer to someone away, full or with a conflict: only with a reason."""
        sent = turn.wants(OfferAnyway)
        problems = {}
        if not sent.advocate_id:
            problems["advocate_id"] = "Please choose someone."
        if sent.reason is None:
            problems["override"] = "Please choose why."
        if problems:
            referral, choices = await self._triage.allocation_options(turn.actor, sent.referral_id)
            return Reply(offer_anyway_card(referral, choices, problems), smlo_card=referral.id)
        try:
            referral = await self._triage.offer(
                turn.actor, sent.referral_id, sent.advocate_id, sent.reason
            )
        except errors.ReferralAlreadyAllocated:
            referral = await self._view(turn)
            return _changed(referral.id, await self._summary(referral, ALREADY_DONE, warning=True))
        return await self._asked(referral, sent.advocate_id)

    async def _asked(self, referral: Referral, advocate_id: str) -> Reply:
        names = await self._admin.advocate_names()
        who = plain(names.get(advocate_id, "them"))
        notice = f"We have asked {who}. We will tell you their answer."
        return _changed(referral.id, await self._summary(referral, notice, names=names))

    async def show_out_of_remit(self, turn: Turn, problem: str = "") -> Reply:
        """The services in the support directory, as it is now, and the kinds of help."""
        referral = await self._view(turn)
        card = smlo.out_of_remit_card(referral, self._triage.support, problem)
        return Reply(card, smlo_card=referral.id)  # nothing changed: no refresh

    async def out_of_remit(self, turn: Turn) -> Reply:
        chosen = turn.wants(MarkOutOfRemit)
        actor, referral_id = turn.actor, chosen.referral_id
        if chosen.service_id:
            try:
                referral = await self._triage.signpost_to_service(
                    actor, referral_id, chosen.service_id
                )
            except errors.UnknownSupportService:
                return await self.show_out_of_remit(turn, SERVICE_NOT_LISTED)
        elif chosen.signpost is not None:
            referral = await self._triage.mark_out_of_remit(actor, referral_id, chosen.signpost)
        else:
            return await self.show_out_of_remit(turn, "Please choose where they should go.")
        return _changed(referral.id, await self._summary(referral))

    async def audit(self, turn: Turn) -> Reply:
        auditor_asks = turn.actor.is_auditor and isinstance(turn.request, ByReference)
        if auditor_asks and self._auditor_audit is not None:
            return await self._auditor_audit(turn)
        if isinstance(turn.request, ByReference):
            referral = await self._triage.view_by_reference(turn.actor, turn.request.reference)
            entries = await self._admin.audit_trail(turn.actor, referral.id)
        else:
            referral_id = turn.wants(OnReferral).referral_id
            entries = await self._admin.audit_trail(turn.actor, referral_id)
            referral = await self._triage.face(turn.actor, referral_id)
        return Reply(audit_card(referral, entries, await self._admin.advocate_names()))

    # -- shared -----------------------------------------------------------------------------

    async def _view(self, turn: Turn) -> Referral:
        return await self._triage.view(turn.actor, turn.wants(OnReferral).referral_id)

    async def _summary(
        self,
        referral: Referral,
        notice: str = "",
        *,
        warning: bool = False,
        names: dict[str, str] | None = None,
    ) -> Card:
        """The referral's SMLO card; `names`: the roster's names when the route has read
        them already this turn (one read of the roster per turn)."""
        names = await self._admin.advocate_names() if names is None else names
        smlo_ids = self._triage.steps.smlo_ids
        return smlo.referral_card(
            referral,
            names,
            notice,
            warning=warning,
            smlo_ids=smlo_ids,
            support=self._triage.support,
        )


def _changed(referral_id: str, card: Card) -> Reply:
    """After an allocation or out-of-remit click, the other SMLOs' copies of the referral's
    card are brought up to date (a stale card is harmless, but confusing)."""
    return Reply(card, refresh_smlo_cards=referral_id, smlo_card=referral_id)
