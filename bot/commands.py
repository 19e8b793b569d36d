"""Typed text commands. Matched whole, after tidying case and spaces; never by substring."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Command(StrEnum):
    HELP = "help"
    REFER = "refer"
    CONTINUE = "continue"
    STOP = "stop"
    INBOX = "inbox"
    MY_CASES = "my cases"
    ROSTER = "roster"
    STATISTICS = "stats"
    UNDELIVERED = "undelivered"
    MY_REFERRALS = "my referrals"
    AUDIT = "audit"
    REFERRAL = "referral"
    ADD_ADVOCATE = "add advocate"
    REMOVE_ADVOCATE = "remove advocate"


ALIASES: dict[str, Command] = {
    "hi": Command.HELP,
    "hello": Command.HELP,
    "help": Command.HELP,
    "refer": Command.REFER,
    "start": Command.REFER,
    "continue": Command.CONTINUE,
    "resume": Command.CONTINUE,
    "stop": Command.STOP,
    "cancel": Command.STOP,
    "inbox": Command.INBOX,
    "my cases": Command.MY_CASES,
    "roster": Command.ROSTER,
    "stats": Command.STATISTICS,
    "statistics": Command.STATISTICS,
    "undelivered": Command.UNDELIVERED,
    "my referrals": Command.MY_REFERRALS,
    "my referral": Command.MY_REFERRALS,
    "status": Command.MY_REFERRALS,
    "withdraw": Command.MY_REFERRALS,
}
_WITH_REFERENCE = re.compile(r"^(referral|audit)\s+(sma-\d{4}-\d{4,})$")
# The person's name or e-mail keeps its case: it is looked up, and shown back to the SMLO.
_ROSTER_CHANGE = re.compile(r"^(add|remove) advocate(?: (.*))?$", re.IGNORECASE)
_AROUND_A_NAME = ' .!?"“”'


@dataclass(frozen=True)
class ParsedCommand:
    command: Command
    argument: str = ""


def parse_command(text: str | None) -> ParsedCommand | None:
    tidy = " ".join((text or "").lower().split()).strip(" .!?")
    if tidy in ALIASES:
        return ParsedCommand(ALIASES[tidy])
    match = _WITH_REFERENCE.match(tidy)
    if match:
        return ParsedCommand(Command(match.group(1)), match.group(2).upper())
    roster_change = _ROSTER_CHANGE.match(" ".join((text or "").split()))
    if roster_change:
        command = Command(f"{roster_change.group(1).lower()} advocate")
        return ParsedCommand(command, (roster_change.group(2) or "").strip(_AROUND_A_NAME))
    return None
