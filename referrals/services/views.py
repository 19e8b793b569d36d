"""Messages that show a referral's details (`referrals.views`): remembered when shown,
forgotten when the message stops showing them, and handed to the sweep when they must
fold back or be cleared. Ids and times only; showing is audited where the details are
read (`view`, `view_case`), not here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from referrals import errors
from referrals.people import Actor
from referrals.referral import Referral
from referrals.services.steps import Steps
from referrals.views import ShownView, ViewFate, ViewKind, fate_of, message_key

DEFAULT_FOLD = timedelta(minutes=10)


@dataclass(frozen=True)
class DueView:
    view: ShownView
    fate: ViewFate
    referral: Referral | None
    viewer: Actor


@dataclass(frozen=True)
class Views:
    steps: Steps
    fold_after: timedelta = DEFAULT_FOLD

    async def shown(
        self,
        actor: Actor,
        referral_id: str,
        conversation_id: str,
        message_id: str,
        kind: ViewKind = ViewKind.DETAILS,
    ) -> None:
        now = self.steps.clock.now()
        view = ShownView(conversation_id, message_id, referral_id, actor.user_id, now, kind)
        await self.steps.stores.views.remember(view)

    async def no_longer_shown(self, conversation_id: str, message_id: str) -> None:
        await self.steps.stores.views.forget(message_key(conversation_id, message_id))

    async def due(self) -> list[DueView]:
        """Every view that must change now: fold back, or be cleared for good."""
        now, found = self.steps.clock.now(), []
        for view in await self.steps.stores.views.list_views():
            try:
                referral: Referral | None = await self.steps.stores.referrals.get(view.referral_id)
            except errors.ReferralNotFound:
                referral = None
            viewer = await self.steps.identify(view.user_id)
            fate = fate_of(view, referral, viewer, now, self.fold_after)
            if fate is not ViewFate.KEEP:
                found.append(DueView(view, fate, referral, viewer))
        return found

    async def settled(self, view: ShownView) -> None:
        """The sweep has dealt with this showing; a newer one of the message is kept."""
        await self.steps.stores.views.forget(view.key, view.shown_at)
