"""List what the service holds about one person, for a subject access request.

    python -m ops.subject_access <entra object id> --sqlite var/sma.sqlite3
    python -m ops.subject_access <entra object id> --cosmos

For the data protection officer to review under the law's exemptions before anything is
disclosed: every referral the person made (its reference, when it was started, sent and
last changed, its state, and the kinds of event in its history, with their dates), their
unsent draft if any, and every audit trail entry where they are the one acting (when,
which subject, what kind, allowed or refused). Never what a referral says: that is read,
if at all, by the people the service allows, in Teams.

Referrals do not yet record whom they are about, so referrals and alerts naming this person
cannot be listed; the output says so. A referral the person made that has been erased at
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
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from ops.environment import cosmos_settings, store_parser
from referrals.audit import AuditEntry, AuditLog
from referrals.identity import is_anonymous
from referrals.ports import Stores
from referrals.referral import Referral
from storage.cosmos import CosmosStores
from storage.cosmos_audit import CosmosAuditLog
from storage.crypto import FieldCipher
from storage.keys import KeyConfigError, load_key_ring
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
NOT_YET_RECORDED = (
    "Referrals and alerts naming this person: not listed. Referrals do not yet record "
    "whom they are about, so the service cannot find them by person."
)


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
    for event in referral.history:  # the kind of event and when; never its detail
        out.write(f"    {_when(event.at)}  {event.name}\n")


def _entry(entry: AuditEntry, out: TextIO) -> None:
    out.write(
        f"  {_when(entry.at)}  {entry.action} on {entry.referral_id} as {entry.actor_role}: "
        f"{entry.outcome}\n"
    )


async def subject_access(person: str, stores: Stores, audit: AuditLog, out: TextIO) -> None:
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
    out.write(f"\n{NOT_YET_RECORDED}\n")


async def run(person: str, sqlite: Path | None, env: Mapping[str, str], out: TextIO) -> int:
    if not OBJECT_ID.fullmatch(person):
        sys.stderr.write("refused: give the person's Entra object id (a GUID)\n")
        return 2
    try:
        cipher = FieldCipher(load_key_ring(env))
        settings = None if sqlite else cosmos_settings(env)
    except (KeyConfigError, ValueError) as problem:
        sys.stderr.write(f"refused: {problem}\n")
        return 2
    if settings is not None:
        async with await CosmosStores.open(settings, cipher) as cosmos:
            await subject_access(person, cosmos.stores, CosmosAuditLog(cosmos.database), out)
        return 0
    assert sqlite is not None
    if not await asyncio.to_thread(sqlite.is_file):
        sys.stderr.write(f"refused: no SQLite file at {sqlite}\n")
        return 2
    async with await SqliteStores.open(sqlite, cipher) as opened:
        await subject_access(person, opened.stores, SqliteAuditLog(opened.database), out)
    return 0


def main(argv: Sequence[str], env: Mapping[str, str] | None = None) -> int:
    parser = store_parser("python -m ops.subject_access", __doc__)
    parser.add_argument("person", help="the person's Entra object id")
    arguments = parser.parse_args(argv)
    environment = os.environ if env is None else env
    return asyncio.run(run(arguments.person, arguments.sqlite, environment, sys.stdout))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
