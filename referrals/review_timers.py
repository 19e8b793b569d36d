"""Timers on dates the case record sets (`referrals.timer_rules`): a risk review, a support
agreement's review, an agreed next contact. Each reminds the advocate on the day (from
the start of working hours) and tells the SMLOs once it is `Periods.review_overdue`
working days overdue.

Only the latest live entry of each kind counts: a newer risk assessment or agreement, or
a later contact, replaces the date, so the earlier date's timers are dropped when due;
a retracted entry (a correction) no longer sets one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time

from referrals.case_record import (
    CaseEntry,
    ContactLogged,
    Correction,
    RiskAssessment,
    SupportAgreement,
)
from referrals.notifications import NotificationKind
from referrals.referral import Referral
from referrals.states import ReferralState
from referrals.timers import Action, Anchor, Entries, Step, TimerKind, TimerRule
from referrals.working_days import LONDON

K = NotificationKind


def _latest(entries: Sequence[CaseEntry], kind: type) -> CaseEntry | None:
    retracted = {e.content.retracts for e in entries if isinstance(e.content, Correction)}
    live = [e for e in entries if e.id not in retracted and isinstance(e.content, kind)]
    return live[-1] if live else None


def _dated(
    kind: type, due: Callable[[object], date | None]
) -> Callable[[Referral, Entries], Anchor | None]:
    def anchor(r: Referral, entries: Entries) -> Anchor | None:
        if entries is None or r.state is not ReferralState.ACTIVE or not r.advocate_id:
            return None
        entry = _latest(entries, kind)
        on = due(entry.content) if entry is not None else None
        if entry is None or on is None:
            return None
        return Anchor(datetime.combine(on, time(0), tzinfo=LONDON), r.advocate_id, entry.id)

    return anchor


def _risk_review(content: object) -> date | None:
    return content.review_due() if isinstance(content, RiskAssessment) else None


def _agreement_review(content: object) -> date | None:
    return content.review_on if isinstance(content, SupportAgreement) else None


def _next_contact(content: object) -> date | None:
    return content.next_contact if isinstance(content, ContactLogged) else None


def _steps(on_the_day: NotificationKind) -> tuple[Step, ...]:
    return (
        Step(lambda p: 0, Action.NUDGE_HOLDER, on_the_day),
        Step(lambda p: p.review_overdue, Action.TELL_SMLOS, K.REVIEW_OVERDUE),
    )


REVIEW_RULES = (
    TimerRule(
        TimerKind.RISK_REVIEW,
        _dated(RiskAssessment, _risk_review),
        _steps(K.RISK_REVIEW_DUE),
        reads_record=True,
    ),
    TimerRule(
        TimerKind.AGREEMENT_REVIEW,
        _dated(SupportAgreement, _agreement_review),
        _steps(K.AGREEMENT_REVIEW_DUE),
        reads_record=True,
    ),
    TimerRule(
        TimerKind.NEXT_CONTACT,
        _dated(ContactLogged, _next_contact),
        _steps(K.NEXT_CONTACT_DUE),
        reads_record=True,
    ),
)
