"""Typed text commands, read into the same typed requests a card click gives. Matched
whole, after tidying case and spaces; never by substring."""

from __future__ import annotations

import re

from cards.requests import AskAccessReport, AskHelp, ByReference, ChangeRoster, Request
from cards.verbs import Verb

# What a greeting is: the first one in a chat is answered with the welcome (bot/handler.py).
GREETINGS = frozenset({"hi", "hello"})
ALIASES: dict[str, Verb] = {
    "hi": Verb.HELP,
    "hello": Verb.HELP,
    "help": Verb.HELP,
    "refer": Verb.WELCOME,
    "start": Verb.WELCOME,
    "continue": Verb.RESUME,
    "resume": Verb.RESUME,
    "stop": Verb.STOP,
    "cancel": Verb.STOP,
    "inbox": Verb.INBOX,
    "my cases": Verb.MY_CASES,
    "availability": Verb.AVAILABILITY,
    "away": Verb.AVAILABILITY,
    "roster": Verb.ROSTER,
    "check-in": Verb.CHECKIN,
    "checkin": Verb.CHECKIN,
    "check in": Verb.CHECKIN,
    "stats": Verb.STATISTICS,
    "statistics": Verb.STATISTICS,
    "stats file": Verb.FIGURES_FILE,
    "statistics file": Verb.FIGURES_FILE,
    "scrutiny file": Verb.SCRUTINY_FILE,
    "scrutiny export": Verb.SCRUTINY_FILE,
    "undelivered": Verb.UNDELIVERED,
    "directory": Verb.DIRECTORY,
    "my referrals": Verb.MY_REFERRALS,
    "my referral": Verb.MY_REFERRALS,
    "status": Verb.MY_REFERRALS,
    "withdraw": Verb.MY_REFERRALS,
    "access report": Verb.ACCESS_REPORT,
    "new referral": Verb.NEW_FOR_SOMEONE,
}
LOOK_UPS = {"referral": Verb.REFERRAL, "audit": Verb.AUDIT}
_WITH_REFERENCE = re.compile(r"(referral|audit)\s+(sma-\d{4}-\d{4,})")
# The person's name or e-mail keeps its case: it is looked up, and shown back to the SMLO.
_ROSTER_CHANGE = re.compile(r"(add|remove) advocate(?: (.*))?", re.IGNORECASE)
_ROSTER_VERBS = {"add": Verb.ADD_ADVOCATE, "remove": Verb.REMOVE_ADVOCATE}
_AROUND_A_NAME = ' .!?"“”'


def is_greeting(text: str | None) -> bool:
    return " ".join((text or "").lower().split()).strip(" .!?") in GREETINGS


def parse_command(text: str | None) -> Request | None:
    """The request typed, or None for anything else (the person's own words)."""
    tidy = " ".join((text or "").lower().split()).strip(" .!?")
    if tidy in ALIASES:
        verb = ALIASES[tidy]
        if verb is Verb.HELP:
            return AskHelp(verb)
        return AskAccessReport(verb) if verb is Verb.ACCESS_REPORT else Request(verb)
    match = _WITH_REFERENCE.fullmatch(tidy)
    if match:
        return ByReference(LOOK_UPS[match.group(1)], match.group(2).upper())
    roster_change = _ROSTER_CHANGE.fullmatch(" ".join((text or "").split()))
    if roster_change:
        verb = _ROSTER_VERBS[roster_change.group(1).lower()]
        return ChangeRoster(verb, (roster_change.group(2) or "").strip(_AROUND_A_NAME))
    return None
