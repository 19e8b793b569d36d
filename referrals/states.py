"""The referral lifecycle as an explicit state table.

```mermaid
stateDiagram-v2
    [*] --> draft
    draft --> submitted: submit (referrer)
    submitted --> offered: offer (SMLO, triages on the way)
    submitted --> signposted: mark out of remit (SMLO)
    awaiting_allocation --> offered: offer (SMLO)
    awaiting_allocation --> signposted: mark out of remit (SMLO)
    offered --> active: accept (offered advocate)
    offered --> awaiting_allocation: decline (offered advocate)
    offered --> awaiting_allocation: return offer (advocate taken off the list)
    offered --> awaiting_allocation: lapse offer (timer: not answered in time)
    active --> offered: reassign (SMLO, to another advocate)
    active --> closed: close (allocated advocate, or SMLO with a reason)
    signposted --> closed: close (SMLO)
    submitted --> withdrawn: withdraw (referrer)
    awaiting_allocation --> withdrawn: withdraw (referrer)
    offered --> withdrawn: withdraw (referrer)
    active --> withdrawn: withdraw (referrer)
    signposted --> withdrawn: withdraw (referrer)
```

A draft is deleted rather than withdrawn. Retention (purge) is a later stage and keeps
only the statistical fields.
"""

from __future__ import annotations

from enum import StrEnum


class ReferralState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    AWAITING_ALLOCATION = "awaiting_allocation"
    OFFERED = "offered"
    ACTIVE = "active"
    SIGNPOSTED = "signposted"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Transition(StrEnum):
    """Every change a referral can go through; the keys of the state table."""

    SUBMIT = "submit"
    OFFER = "offer"
    MARK_OUT_OF_REMIT = "mark_out_of_remit"
    ACCEPT = "accept"
    DECLINE = "decline"
    RETURN_OFFER = "return_offer"
    LAPSE_OFFER = "lapse_offer"
    REASSIGN = "reassign"
    CLOSE = "close"
    WITHDRAW = "withdraw"


S = ReferralState

# transition -> (states it may start from, state it ends in)
STATE_TABLE: dict[Transition, tuple[frozenset[ReferralState], ReferralState]] = {
    Transition.SUBMIT: (frozenset({S.DRAFT}), S.SUBMITTED),
    Transition.OFFER: (frozenset({S.SUBMITTED, S.AWAITING_ALLOCATION}), S.OFFERED),
    Transition.MARK_OUT_OF_REMIT: (
        frozenset({S.SUBMITTED, S.AWAITING_ALLOCATION}),
        S.SIGNPOSTED,
    ),
    Transition.ACCEPT: (frozenset({S.OFFERED}), S.ACTIVE),
    Transition.DECLINE: (frozenset({S.OFFERED}), S.AWAITING_ALLOCATION),
    Transition.RETURN_OFFER: (frozenset({S.OFFERED}), S.AWAITING_ALLOCATION),
    Transition.LAPSE_OFFER: (frozenset({S.OFFERED}), S.AWAITING_ALLOCATION),
    Transition.REASSIGN: (frozenset({S.ACTIVE}), S.OFFERED),
    Transition.CLOSE: (frozenset({S.ACTIVE, S.SIGNPOSTED}), S.CLOSED),
    Transition.WITHDRAW: (
        frozenset({S.SUBMITTED, S.AWAITING_ALLOCATION, S.OFFERED, S.ACTIVE, S.SIGNPOSTED}),
        S.WITHDRAWN,
    ),
}

# States in which the SMLO still has something to do; the inbox shows these.
NEEDS_SMLO = frozenset({S.SUBMITTED, S.AWAITING_ALLOCATION})
# States in which an advocate holds the case; they count towards their caseload.
HELD_BY_ADVOCATE = frozenset({S.ACTIVE})
OPEN_STATES = frozenset({S.SUBMITTED, S.AWAITING_ALLOCATION, S.OFFERED, S.ACTIVE, S.SIGNPOSTED})
