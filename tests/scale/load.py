"""The load: 24 referrers at once, each referral allocated by an SMLO and accepted by an
advocate, through the round-robin; one instance killed (SIGKILL) once 8 receipts are in;
and one turn of every journey sent again, by Teams, to another instance.

Journeys never stop the others: what went wrong in one is written down (`problems`) in
words that name the person and the referral, and the test reports it with the rest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from cards.verbs import Verb
from referrals.audit import AuditLog
from tests.scale.instances import AppInstance
from tests.scale.people import Exchange, Person
from tests.scale.posts import CountingConnector
from tests.support.round_robin import RoundRobin
from tests.support.teams import actions_of, card_texts

REFERRERS = 24
ADVOCATES = 12  # two referrals each
KILL_AFTER = 8  # receipts seen before an instance is killed
VICTIM = 1  # the second instance
SMLO_IDS = ("00000000-0000-4000-8000-00000000a001", "00000000-0000-4000-8000-00000000a002")
# Background work on a busy machine, taking over what the killed instance held: generous.
# Every wait ends the moment its post arrives, so the bound costs nothing when all is well.
WAIT = 60.0
# Which turn of journey n Teams sends again to another instance: n mod 4.
RESENT = ("message", "submit", "allocate", "accept")
SKIPS_AT_MOST = 10  # six steps may be skipped
REFERRER_NOTE = "An advocate will support you"


def referrer_id(n: int) -> str:
    return f"00000000-0000-4000-8000-0000000c{n:04d}"


def advocate_id(n: int) -> str:
    return f"00000000-0000-4000-8000-0000000b{n:04d}"


def advocate_name(n: int) -> str:
    return f"Advocate {n}"


@dataclass
class Resend:
    """One activity sent a second time, to another instance than the one that answered."""

    kind: str
    who: Person
    first: Exchange
    first_instance: int
    second_instance: int
    second_status: int
    second_body: Any
    audited_again: int  # entries the second delivery added to the referral's audit trail

    @property
    def activity_id(self) -> str:
        return str(self.first.activity["id"])


@dataclass
class Journey:
    n: int
    referrer: Person
    smlo: Person
    advocate: Person
    referral_id: str = ""
    reference: str = ""  # set when the receipt came back: acknowledged
    allocated: bool = False
    accepted: bool = False

    @property
    def label(self) -> str:
        return f"{self.referrer.name} ({self.reference or 'no receipt'})"


class Load:
    def __init__(
        self,
        proxy: RoundRobin,
        connector: CountingConnector,
        http: aiohttp.ClientSession,
        instances: Sequence[AppInstance],
        audit: AuditLog,
    ) -> None:
        self.proxy, self.connector, self.instances = proxy, connector, instances
        self.audit = audit  # read, to see whether a turn sent again ran again

        def person(name: str, aad: str) -> Person:
            return Person(name, aad, proxy.url, connector, http)

        self.smlos = [person(f"SMLO {i + 1}", aad) for i, aad in enumerate(SMLO_IDS)]
        self.advocates = [person(advocate_name(n), advocate_id(n)) for n in range(ADVOCATES)]
        self.journeys = [
            Journey(
                n,
                person(f"Referrer {n}", referrer_id(n)),
                self.smlos[n % len(self.smlos)],
                self.advocates[n % ADVOCATES],
            )
            for n in range(REFERRERS)
        ]
        self.resends: list[Resend] = []
        self.problems: list[str] = []
        self.killed_after = 0  # receipts in when the instance was killed
        self.victim = VICTIM + 1  # its number, as posts name their sender

    async def run(self) -> None:
        staff = [*self.smlos, *self.advocates]
        said = await asyncio.gather(*(p.say("hi") for p in staff))
        assert all(s == 201 for s in said), f"staff could not say hi: {said}"
        ran = await asyncio.gather(
            *(self._journey(j) for j in self.journeys), return_exceptions=True
        )
        for journey, outcome in zip(self.journeys, ran, strict=True):
            if isinstance(outcome, BaseException):
                self.problems.append(f"{journey.label}: {type(outcome).__name__}: {outcome}")
        if not self.killed_after:  # fewer receipts than expected: kill it now anyway
            await self._kill()

    async def _journey(self, j: Journey) -> None:
        await self._intake(j)
        await self._allocate(j)
        await self._accept(j)
        await self._wait(
            lambda: any(REFERRER_NOTE in t for t in j.referrer.texts()),
            f"{j.label} was never told an advocate will support them",
        )

    async def _intake(self, j: Journey) -> None:
        r = j.referrer
        async with r.turns:
            assert await r.say("hi") == 201, f"{r.name}'s hi answered {r.last_status}"
            if RESENT[j.n % 4] == "message":
                await self._resend("message", r, j)
            await r.click("Start a referral")
            for _ in range(SKIPS_AT_MOST):  # the shortest way, up to the review
                shown = await r.click("Skip this step")
                if any(a.get("title") == "Send my referral" for a in actions_of(shown)):
                    break
            message_id, send = r.find_action("Send my referral")
            j.referral_id = str(send["data"]["referral_id"])
            receipt = await r.press(message_id, send, {"consent": "true"})
            j.reference = _reference(receipt)
            assert j.reference, f"{r.name}'s receipt names no reference: {card_texts(receipt)}"
            if RESENT[j.n % 4] == "submit":
                await self._resend("submit", r, j)
        if sum(1 for x in self.journeys if x.reference) >= KILL_AFTER and not self.killed_after:
            await self._kill()

    async def _allocate(self, j: Journey) -> None:
        smlo = j.smlo
        message_id = await self._card_naming(smlo, j, "the SMLO's new-referral card")
        data = {"verb": Verb.ALLOCATE.value, "referral_id": j.referral_id}
        button = {"verb": Verb.ALLOCATE.value, "data": data}  # as the allocate form has it
        async with smlo.turns:
            card = await smlo.press(message_id, button, {"advocate_id": j.advocate.aad_object_id})
            _expect(card, "Offered to", f"{smlo.name} allocating {j.label}")
            j.allocated = True
            if RESENT[j.n % 4] == "allocate":
                await self._resend("allocate", smlo, j)

    async def _accept(self, j: Journey) -> None:
        advocate = j.advocate
        message_id = await self._card_naming(advocate, j, "the advocate's offer")
        offer = actions_of(advocate.chat.messages[message_id])
        accept = next((a for a in offer if a.get("verb") == Verb.ACCEPT), None)
        assert accept is not None, f"{advocate.name}'s offer of {j.label} has no accept button"
        async with advocate.turns:
            card = await advocate.press(message_id, accept, {})
            _expect(card, "You are supporting", f"{advocate.name} accepting {j.label}")
            j.accepted = True
            if RESENT[j.n % 4] == "accept":
                await self._resend("accept", advocate, j)

    async def _card_naming(self, person: Person, j: Journey, what: str) -> str:
        """The first message in `person`'s chat whose buttons name the referral."""

        def found() -> str:
            for message_id, message in person.chat.messages.items():
                named = {str(a.get("data", {}).get("referral_id")) for a in actions_of(message)}
                if j.referral_id in named:
                    return message_id
            return ""

        await self._wait(lambda: bool(found()), f"{what} for {j.label} never reached {person.name}")
        return found()

    async def _wait(self, check: Callable[[], bool], failure: str) -> None:
        try:
            await self.connector.wait_until(check, within=WAIT)
        except TimeoutError:
            raise AssertionError(f"{failure} (waited {WAIT:.0f} s)") from None

    async def _kill(self) -> None:
        self.killed_after = max(1, sum(1 for j in self.journeys if j.reference))
        await self.instances[VICTIM].kill()

    async def _resend(self, kind: str, who: Person, j: Journey) -> None:
        """Teams sends the activity just answered again, to another instance (alive)."""
        first = who.last()
        first_instance = self.proxy.answered_by[str(first.activity["id"])]
        for second in self._others(first_instance, j.n):
            before = await self._audited(who, j)
            try:
                status, body = await self.proxy.send_to(second, first.activity)
            except aiohttp.ClientConnectionError:
                continue  # it was just killed: try the next
            again = await self._audited(who, j) - before
            resend = Resend(kind, who, first, first_instance, second, status, body, again)
            self.resends.append(resend)
            return
        self.problems.append(f"{j.label}: no other instance to send the {kind} to again")

    async def _audited(self, who: Person, j: Journey) -> int:
        """Entries in the referral's audit trail by this person: every read and change of
        a referral is audited, allowed or refused, so a turn that ran adds one."""
        if not j.referral_id:
            return 0
        trail = await self.audit.for_referral(j.referral_id)
        return sum(1 for entry in trail if entry.actor_id == who.aad_object_id)

    def _others(self, first: int, n: int) -> list[int]:
        others = [i for i, x in enumerate(self.instances) if i != first and x.running]
        return others[n % len(others) :] + others[: n % len(others)] if others else []


def _reference(card: dict[str, Any]) -> str:
    words = " ".join(card_texts(card)).split()
    found = [w.strip(".,:;()") for w in words if w.startswith("SMA-")]
    return found[0] if found else ""


def _expect(card: dict[str, Any], words: str, what: str) -> None:
    shown = card_texts(card)
    assert any(words in t for t in shown), f"{what}: the card does not say {words!r}: {shown}"


def acknowledged(journeys: Sequence[Journey]) -> list[Journey]:
    return [j for j in journeys if j.reference]
