"""Monthly wellbeing check-ins for the volunteer advocates.

Once a month each active advocate is asked, privately, how they are finding the work,
how many new cases they could take on, and (if they wish) how many hours they gave this
month. One answer per advocate per month: a later answer in the same month replaces the
earlier one. "I would like to talk" tells every SMLO, without saying who or why, to
arrange a one-to-one; the roster card shows who.

Only an SMLO reads the answers: not other advocates, not the data protection auditor
(the trail shows that a check-in was answered or read, never what it said), and the
figures never count them.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from referrals.errors import NotPermitted, ReferralError
from referrals.people import Actor

MAX_CAPACITY = 5  # "5 or more" new cases: the card offers 0 to 5
MAX_HOURS = 200  # a month's hours beyond this are a typing slip, not a volunteer's month
DEFAULT_CHECKIN_DAY = 1


class Feeling(StrEnum):
    """How they are finding it."""

    FINE = "fine"
    STRETCHED = "stretched"
    TALK = "talk"  # they would like a one-to-one with the SMLO


class CheckinInvalid(ReferralError):
    """An answer the check-in cannot keep; `fields` names what to fix."""

    def __init__(self, fields: tuple[str, ...]) -> None:
        super().__init__(f"check-in answer refused: {', '.join(fields)}")
        self.fields = fields


class NotAnAdvocateForCheckin(NotPermitted):
    """Only an advocate on the active list answers a check-in."""


class MayNotReadCheckins(NotPermitted):
    """Only an SMLO reads check-in answers."""


@dataclass(frozen=True)
class Checkin:
    advocate_id: str
    month: str  # "2026-03"
    feeling: Feeling
    capacity: int  # new cases they could take on now, 0..MAX_CAPACITY
    hours: int | None  # hours given this month, if they said
    answered_at: datetime

    def same_answer(self, other: Checkin | None) -> bool:
        """A repeat of the same answer (a double click) changes nothing."""
        return other is not None and (
            other.advocate_id,
            other.month,
            other.feeling,
            other.capacity,
            other.hours,
        ) == (self.advocate_id, self.month, self.feeling, self.capacity, self.hours)


def month_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def answer(
    actor: Actor, month: str, feeling: str, capacity: str, hours: str, now: datetime
) -> Checkin:
    """The advocate's answer, checked. Raises `NotAnAdvocateForCheckin` for anyone not on
    the active list and `CheckinInvalid` naming every field that cannot be kept. Only the
    month in progress can be answered (an old card answers for this month)."""
    if not actor.is_advocate:
        raise NotAnAdvocateForCheckin(actor.user_id)
    del month  # the card's month is never trusted: the answer is for the month it is given
    bad: list[str] = []
    chosen = next((f for f in Feeling if f.value == feeling), None)
    if chosen is None:
        bad.append("feeling")
    cases = _whole(capacity)
    if cases is None or not 0 <= cases <= MAX_CAPACITY:
        bad.append("capacity")
    given: int | None = None
    if hours.strip():
        given = _whole(hours)
        if given is None or not 0 <= given <= MAX_HOURS:
            bad.append("hours")
    if bad or chosen is None or cases is None:
        raise CheckinInvalid(tuple(bad))
    return Checkin(actor.user_id, month_of(now), chosen, cases, given, now)


def _whole(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 4 else None


def asks_to_talk(previous: Checkin | None, latest: Checkin) -> bool:
    """Tell the SMLOs when an answer this month first says "would like to talk" (a repeat
    of it, or a double click, tells them nothing new)."""
    return latest.feeling is Feeling.TALK and (
        previous is None or previous.month != latest.month or previous.feeling is not Feeling.TALK
    )


def may_read(actor: Actor) -> bool:
    """Check-in answers are the SMLO's only (an SMLO who is also an advocate included)."""
    return actor.is_smlo


def is_due(now: datetime, day: int) -> bool:
    """Whether this month's check-in day has come: `day` of the month, or the month's last
    day when it is shorter (a day of 31 means the last day of every month)."""
    if day <= 0:  # SMA_CHECKIN_DAY=0: none are sent
        return False
    last = calendar.monthrange(now.year, now.month)[1]
    return now.day >= min(day, last)
