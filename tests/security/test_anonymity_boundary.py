"""The anonymity boundary (docs/security.md): a referrer anonymous to the service is never
named, nor their Entra id shown, by anything staff can see: the SMLO's and the advocate's
cards, the allocation list, every notification to staff, the undelivered list, the audit
trail as the SMLO and the auditor read it, the access report, and the exported files.

The worst case is built on purpose: the referrer is also an advocate on the roster, so
their name is in every names map the cards are given, and in their own department and line
the directory would flag; the referral goes the whole way, from intake through messages and
the case record to its closing and the figures of its review.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from cards import advocate, audit, delivery, notifications, oversight, smlo
from cards import wording as w
from cards.availability import offer_anyway_card
from exports.figures import figures_file
from exports.scrutiny import scrutiny_workbook
from referrals.audit import ActorRole
from referrals.availability import Exclusion
from referrals.case_record import CloseOutcome, Closure, OnwardReferral
from referrals.clock import FakeClock
from referrals.intake import Identity, IntakeAnswers, IntakeStep, Route, YesNoUnsure
from referrals.notifications import DeliveryStatus
from referrals.people import Actor, Advocate
from referrals.services import Services
from referrals.support import SupportDirectory
from solving.highs import HighsSolver
from storage.memory import MemoryAuditLog, memory_stores

REFERRER_ID = "00000000-0000-4000-8000-0000c0ffee01"
REFERRER_NAME = "CANARY-Anon-Referrer-Name"
SMLO_ID = "00000000-0000-4000-8000-00000000a001"
AUDITOR_ID = "00000000-0000-4000-8000-00000000e001"
HOLDER = Advocate("00000000-0000-4000-8000-00000000b001", "Alex Morgan")
# The anonymous referrer is an advocate too: in every names map, on the allocation list.
REFERRER_AS_ADVOCATE = Advocate(REFERRER_ID, REFERRER_NAME)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRETS = (REFERRER_NAME, REFERRER_ID)
PRIVATE_CONFLICT = w.label(Exclusion.PRIVATE_CONFLICT)
LISTS_ADVOCATES = ("allocation", "offer anyway", "reassign")


def leaked(shown: object) -> list[str]:
    text = shown if isinstance(shown, str) else json.dumps(shown, ensure_ascii=False)
    return [secret for secret in SECRETS if secret in text]


def as_private_conflicts_only(shown: object) -> object:
    """A card listing advocates, without the rows of those it calls a private conflict.
    The referrer, as an advocate, is listed so, alike with anyone in their team or line
    (leaving them out would point at them): that row is the one place their name may be,
    as an advocate's, never as the referrer's."""
    if isinstance(shown, list):
        return [as_private_conflicts_only(item) for item in shown if not _private_row(item)]
    if isinstance(shown, dict):
        return {key: as_private_conflicts_only(value) for key, value in shown.items()}
    return shown


def _private_row(item: object) -> bool:
    if not isinstance(item, dict):
        return False
    words = f"{item.get('value', '')} {item.get('title', '')}".lower()
    return PRIVATE_CONFLICT.lower() in words


def leaked_from_workbook(data: bytes) -> list[str]:
    """What an .xlsx (a zip of XML parts) says, every part searched."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        parts = "".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())
    return leaked(parts)


async def test_no_staff_view_and_no_export_names_or_identifies_an_anonymous_referrer() -> None:
    clock, stores, log = FakeClock(START), memory_stores(), MemoryAuditLog()
    services = Services.build(
        stores,
        clock,
        frozenset({SMLO_ID}),
        log,
        auditor_ids=frozenset({AUDITOR_ID}),
        solver=HighsSolver(),
    )
    for person in (HOLDER, REFERRER_AS_ADVOCATE):
        await stores.roster.put_advocate(person)
    referrer = await services.identify(REFERRER_ID, REFERRER_NAME)
    the_smlo = await services.identify(SMLO_ID, "Sky Liaison")
    holder = await services.identify(HOLDER.user_id, HOLDER.display_name)
    auditor = await services.identify(AUDITOR_ID, "Dana Protection")
    names = {a.user_id: a.display_name for a in (HOLDER, REFERRER_AS_ADVOCATE)}
    support = SupportDirectory()

    draft = await services.intake.start_draft(referrer)
    answers = IntakeAnswers(
        route=Route.EXPERIENCED,
        identity=Identity.ANONYMOUS,
        account="what happened",
        leave_message=YesNoUnsure.NO,
        consent=True,
    )
    await services.intake.record_answers(referrer, draft.id, answers, IntakeStep.REVIEW)
    await services.intake.submit(referrer, draft.id)
    await services.intake.my_referrals(referrer)
    await services.intake.view_own(referrer, draft.id)
    shown: list[tuple[str, object]] = []
    referral = await services.triage.view(the_smlo, draft.id)
    shown += [
        ("smlo card", smlo.referral_card(referral, names, support=support)),
        ("details", smlo.details_card(referral, names, support=support)),
        ("inbox", smlo.inbox_card(await services.triage.inbox(the_smlo))),
    ]
    _, options = await services.triage.allocation_options(the_smlo, draft.id)
    assert REFERRER_ID in [o.advocate.user_id for o in options], "listed, as a private conflict"
    shown += [
        ("allocation", smlo.allocation_card(referral, options)),
        ("offer anyway", offer_anyway_card(referral, options)),
    ]
    await services.triage.offer(the_smlo, draft.id, HOLDER.user_id)
    shown.append(("offer", advocate.offer_card(await stores.referrals.get(draft.id))))
    await services.casework.accept(holder, draft.id)
    await services.messages.send(referrer, draft.id, "a message from the person")
    await services.messages.send(holder, draft.id, "a reply from the advocate")
    await services.messages.thread(the_smlo, draft.id)
    onward = OnwardReferral("victim-support", True, date(2026, 3, 2), False)
    await services.case_record.add(holder, draft.id, onward)
    referral = await services.casework.view_case(holder, draft.id)
    _, options = await services.triage.allocation_options(the_smlo, draft.id)
    shown += [
        ("case", advocate.case_card(referral)),
        ("my cases", advocate.my_cases_card([referral])),
        ("reassign", smlo.reassign_card(referral, options)),
    ]
    closing = Closure(CloseOutcome.SUPPORT_COMPLETED, True, "")
    await services.case_record.close(holder, draft.id, closing)
    referral = await stores.referrals.get(draft.id)

    everything_queued = await stores.outbox.pending(limit=500)
    to_staff = [n for n in everything_queued if n.recipient_id != REFERRER_ID]
    to_referrer = [n for n in everything_queued if n.recipient_id == REFERRER_ID]
    assert to_staff
    assert to_referrer
    for n in to_staff:
        card = notifications.notification_card(
            n.kind, referral, names, {SMLO_ID}, n.recipient_id, support=support
        )
        shown.append((f"notice {n.kind}", card))
        shown.append((f"preview {n.kind}", notifications.preview_text(n.kind, referral)))
    # Every message Teams might not take, the referrer's own among them, as the SMLO sees it.
    parked = [(replace(n, status=DeliveryStatus.PARKED), referral) for n in everything_queued]
    shown.append(("undelivered", delivery.undelivered_card(parked, {SMLO_ID}, names)))

    trail = await services.administration.audit_trail(the_smlo, draft.id)
    assert any(e.actor_role is ActorRole.REFERRER for e in trail)
    assert all(e.actor_id != REFERRER_ID for e in trail)
    _, as_audited = await services.oversight.audit_trail(auditor, referral.reference)
    shown += [
        ("trail", audit.audit_card(referral, trail, names)),
        ("trail for the auditor", audit.audit_card(referral, as_audited, names, for_auditor=True)),
    ]
    clock.advance(timedelta(days=31))
    report = await services.oversight.access_report(auditor)
    shown.append(("access report", oversight.access_report_card(report, names)))

    clock.advance(timedelta(days=120))  # the review of March 2026 has ended
    figures = await services.administration.export_statistics(the_smlo)
    assert figures.report is not None
    export = await services.administration.scrutiny_export(the_smlo)
    assert export is not None

    for what, view in shown:
        if what in LISTS_ADVOCATES:
            assert leaked(view) != [] or what == "offer anyway", f"{what} leaves them out"
            view = as_private_conflicts_only(view)
        assert not leaked(view), f"{what} shows the anonymous referrer"
    assert not leaked_from_workbook(figures_file(figures.report)), "the figures file"
    assert not leaked_from_workbook(scrutiny_workbook(export)), "the scrutiny workbook"


async def test_the_audit_trail_says_the_referrer_is_anonymous_without_naming_them() -> None:
    """The referrer's own looks show as theirs, marked anonymous, to SMLO and auditor."""
    clock, stores, log = FakeClock(START), memory_stores(), MemoryAuditLog()
    services = Services.build(stores, clock, frozenset({SMLO_ID}), log)
    referrer = Actor(REFERRER_ID, REFERRER_NAME)
    draft = await services.intake.start_draft(referrer)
    answers = IntakeAnswers(identity=Identity.ANONYMOUS, consent=True)
    await services.intake.record_answers(referrer, draft.id, answers, IntakeStep.REVIEW)
    await services.intake.submit(referrer, draft.id)
    await services.intake.view_own(referrer, draft.id)
    referral = await stores.referrals.get(draft.id)
    entries = await log.for_referral(draft.id)

    for card in (
        audit.audit_card(referral, entries, {REFERRER_ID: REFERRER_NAME}),
        audit.audit_card(referral, entries, {REFERRER_ID: REFERRER_NAME}, for_auditor=True),
    ):
        words = json.dumps(card)
        assert "The person who referred (anonymous) sent it" in words
        assert not leaked(card)
