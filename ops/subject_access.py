"""List what the service holds about one person, for a subject access request.

    python -m ops.subject_access <entra object id> --sqlite var/sma.sqlite3
    python -m ops.subject_access <entra object id> --cosmos
    python -m ops.subject_access <entra object id> --sqlite … --name "Jo Smith" \
        --number "PC 1234" --email jo.smith@police.example

For the data protection officer to review under the law's exemptions before anything is
disclosed: every referral the person made (its reference, when it was started, sent and
last changed, its state, and the kinds of event in its history, with their dates), their
unsent draft if any, and every audit trail entry where they are the one acting (when,
which subject, what kind, allowed or refused). History lines saying that another
referral names the same person are left out (counted only): they are about someone
else's referral, which a referrer is never told of. Never what a referral says: that is read,
if at all, by the people the service allows, in Teams.

Referrals naming this person are listed too (reference, state, dates; never what it says,
never who made it): found by the keyed blind index (`referrals.subjects`) of their
directory object id and of any `--name`, `--number` or `--email` given, normalised as
intake normalises them. That needs `SMA_BLIND_INDEX_KEY`; without it the output says the
search could not be made. Each search is on the audit trail (`search_by_subject`). A
referral the person made that has been erased at
the end of its keeping period is no longer tied to them and is not listed; nor are the
trail's entries for what they did as a referrer (the trail never holds a referrer's id).

The data keys and, for `--cosmos`, the connection come from the environment, as for
`ops.recount`. Exit codes: 0 listed (even if nothing was found), 2 refused.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from ops.environment import cosmos_settings, store_parser
from referrals.audit import AuditEntry, AuditLog
from referrals.clock import SystemClock
from referrals.identity import is_anonymous
from referrals.people import Actor
from referrals.ports import Stores
from referrals.referral import Referral
from referrals.referral_base import SUBJECT_MATCHED, SUBJECT_RELEASED
from referrals.services import Services
from referrals.subjects import BlindIndex, IdentifierKind
from storage.cosmos import CosmosStores
from storage.cosmos_audit import CosmosAuditLog
from storage.crypto import FieldCipher
from storage.keys import KeyConfigError, load_blind_index_key, load_key_ring
from storage.sqlite import SqliteStores
from storage.sqlite_audit import SqliteAuditLog

OBJECT_ID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
# The whole trail: from before the service to long after anything it will write.
BEFORE_THE_SERVICE = datetime(2000, 1, 1, tzinfo=UTC)
LONG_AFTER = datetime(9000, 1, 1, tzinfo=UTC)
# The person asked for their own data; the service's people must still not learn from it
# that they made this referral (`referrals.identity`).
ANONYMOUS_NOTE = (
    "Anonymous to the service: its people do not know this person made it. Answer the "
    "request without telling the service lead or any advocate."
)
NO_BLIND_INDEX_KEY = (
    "Referrals naming this person: not searched. SMA_BLIND_INDEX_KEY is not set, and "
    "referrals are found by whom they name only through it."
)
# History lines that say another referral names the same person: another person's data,
# and referrers are never told of another referral, so a request never lists them.
ABOUT_OTHER_REFERRALS = frozenset({SUBJECT_MATCHED, SUBJECT_RELEASED})
# Whoever runs the command acts as the data protection auditor (the trail says so).
DPO = Actor("ops.subject_access", is_auditor=True)


@dataclass(frozen=True)
class Named:
    """What to search referrals for, beside the object id: as the DPO was given it."""

    name: str = ""
    number: str = ""
    email: str = ""


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def _referral(referral: Referral, out: TextIO) -> None:
    out.write(
        f"  {referral.reference or '(draft, no reference yet)'}: state {referral.state}, "
        f"started {_when(referral.created_at)}, sent {_when(referral.submitted_at)}, "
        f"last changed {_when(referral.updated_at)}\n"
    )
    if is_anonymous(referral.answers):
        out.write(f"    {ANONYMOUS_NOTE}\n")
    others = 0
    for event in referral.history:  # the kind of event and when; never its detail
        if event.name in ABOUT_OTHER_REFERRALS:
            others += 1
            continue
        out.write(f"    {_when(event.at)}  {event.name}\n")
    if others:
        out.write(f"    (and {others} line(s) about other people's referrals, left out)\n")


def _entry(entry: AuditEntry, out: TextIO) -> None:
    out.write(
        f"  {_when(entry.at)}  {entry.action} on {entry.referral_id} as {entry.actor_role}: "
        f"{entry.outcome}\n"
    )


async def naming(
    person: str, named: Named, stores: Stores, audit: AuditLog, blind: BlindIndex, out: TextIO
) -> None:
    """The referrals whose blind indexes match the person's identifiers: references,
    states and dates only."""
    subjects = Services.build(stores, SystemClock(), frozenset(), audit, blind_index=blind).subjects
    found: dict[str, Referral] = {}
    for kind, text in (
        (IdentifierKind.DIRECTORY, person),
        (IdentifierKind.NAME, named.name),
        (IdentifierKind.NUMBER, named.number),
        (IdentifierKind.EMAIL, named.email),
    ):
        if text:
            for referral in await subjects.search(DPO, kind, text):
                found.setdefault(referral.id, referral)
    out.write(f"\nReferrals naming them: {len(found)}\n")
    for referral in found.values():
        _naming(referral, out)


def _naming(referral: Referral, out: TextIO) -> None:
    """A referral someone else made about the person: its reference, state and dates.
    Not its history (what its referrer and the service did), nor whether its referrer
    chose anonymity (the note there would say this person made it)."""
    out.write(
        f"  {referral.reference}: state {referral.state}, sent {_when(referral.submitted_at)}, "
        f"last changed {_when(referral.updated_at)}\n"
    )


async def subject_access(
    person: str,
    stores: Stores,
    audit: AuditLog,
    out: TextIO,
    blind: BlindIndex | None = None,
    named: Named = Named(),
) -> None:
    """Write what the service holds about `person` (an Entra object id) to `out`."""
    made = await stores.referrals.list_for_referrer(person)
    draft = await stores.referrals.find_draft(person)
    trail = await audit.between(BEFORE_THE_SERVICE, LONG_AFTER)
    acted = [e for e in trail if e.actor_id == person]
    out.write(f"Subject access request for Entra object id {person}\n")
    out.write("References, dates and kinds only: never what a referral says.\n\n")
    out.write(f"Referrals they made: {len(made)}\n")
    for referral in made:
        _referral(referral, out)
    out.write(f"\nUnsent draft: {'1' if draft else 'none'}\n")
    if draft is not None:
        _referral(draft, out)
    out.write(f"\nAudit trail entries where they acted: {len(acted)}\n")
    for entry in acted:
        _entry(entry, out)
    if blind is None:
        out.write(f"\n{NO_BLIND_INDEX_KEY}\n")
    else:
        await naming(person, named, stores, audit, blind, out)


async def run(
    person: str,
    sqlite: Path | None,
    env: Mapping[str, str],
    out: TextIO,
    named: Named = Named(),
) -> int:
    if not OBJECT_ID.fullmatch(person):
        sys.stderr.write("refused: give the person's Entra object id (a GUID)\n")
        return 2
    try:
        cipher = FieldCipher(load_key_ring(env))
        key = load_blind_index_key(env)
        settings = None if sqlite else cosmos_settings(env)
    except (KeyConfigError, ValueError) as problem:
        sys.stderr.write(f"refused: {problem}\n")
        return 2
    blind = BlindIndex(key) if key else None
    if settings is not None:
        async with await CosmosStores.open(settings, cipher) as cosmos:
            audit: AuditLog = CosmosAuditLog(cosmos.database)
            await subject_access(person, cosmos.stores, audit, out, blind, named)
        return 0
    assert sqlite is not None
    if not await asyncio.to_thread(sqlite.is_file):
        sys.stderr.write(f"refused: no SQLite file at {sqlite}\n")
        return 2
    async with await SqliteStores.open(sqlite, cipher) as opened:
        audit = SqliteAuditLog(opened.database)
        await subject_access(person, opened.stores, audit, out, blind, named)
    return 0


def main(argv: Sequence[str], env: Mapping[str, str] | None = None) -> int:
    parser = store_parser("python -m ops.subject_access", __doc__)
    parser.add_argument("person", help="the person's Entra object id")
    parser.add_argument("--name", default="", help="their name, to find referrals naming them")
    parser.add_argument("--number", default="", help="their staff or collar number")
    parser.add_argument("--email", default="", help="their work e-mail address or UPN")
    arguments = parser.parse_args(argv)
    environment = os.environ if env is None else env
    named = Named(arguments.name, arguments.number, arguments.email)
    return asyncio.run(run(arguments.person, arguments.sqlite, environment, sys.stdout, named))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
