"""Routes of the data protection auditor: the monthly access report, and (through
`TriageRoutes.audit`, which the SMLO shares) one referral's trail.

Who may do what is decided by the use cases from the server-side actor.
"""

from __future__ import annotations

from bot.routing import Routes, Turn
from cards.audit import audit_card
from cards.oversight import access_report_card
from cards.reply import Reply
from cards.requests import AskAccessReport, ByReference
from cards.verbs import Verb
from referrals.services import Administration, Oversight


class OversightRoutes:
    def __init__(self, oversight: Oversight, administration: Administration) -> None:
        self._oversight = oversight
        self._admin = administration

    def table(self) -> Routes:
        return {Verb.ACCESS_REPORT: self.access_report}

    async def access_report(self, turn: Turn) -> Reply:
        asked = turn.wants(AskAccessReport)
        report = await self._oversight.access_report(turn.actor, asked.month)
        names = await self._admin.advocate_names()
        return Reply(access_report_card(report, names, asked.page))

    async def audit(self, turn: Turn) -> Reply:
        """`audit SMA-…` typed by the auditor: the trail, and nothing of the referral."""
        reference = turn.wants(ByReference).reference
        referral, entries = await self._oversight.audit_trail(turn.actor, reference)
        names = await self._admin.advocate_names()
        return Reply(audit_card(referral, entries, names, for_auditor=True))
