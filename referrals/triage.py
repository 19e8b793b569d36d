"""The SMLO's triage on receipt: is it for this service, how soon must it be dealt with,
and is anyone at risk now. Categories only, kept on the referral's history (one line per
decision; a later one replaces it), so it needs no store of its own and survives the
retention purge like every other history line. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

TRIAGE_RECORDED = "TriageRecorded"  # the history event of a triage decision


class Urgency(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"


class Risk(StrEnum):
    """An immediate risk the SMLO has seen on reading it."""

    TO_THE_PERSON = "to_the_person"
    TO_OTHERS = "to_others"
    SAFEGUARDING = "safeguarding"


@dataclass(frozen=True)
class TriageDecision:
    in_remit: bool
    urgency: Urgency
    risks: frozenset[Risk] = frozenset()

    @property
    def comes_first(self) -> bool:
        """Urgent, or someone at risk: it stands first in the inbox."""
        return self.urgency is Urgency.URGENT or bool(self.risks)

    def detail(self) -> str:
        """The history line's detail: "in_remit:urgent:safeguarding,to_others"."""
        remit = "in_remit" if self.in_remit else "out_of_remit"
        return ":".join([remit, self.urgency.value, ",".join(sorted(self.risks))])

    @classmethod
    def from_detail(cls, detail: str) -> TriageDecision:
        remit, urgency, risks = detail.split(":")
        return cls(
            remit == "in_remit", Urgency(urgency), frozenset(Risk(r) for r in risks.split(",") if r)
        )
