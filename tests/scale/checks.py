"""What the scale-out test holds the run to, each finding in words that name the referral,
the notification and the person, so a failure says what was lost or done twice.

  stored once      every acknowledged referral (its receipt reached the referrer) is in the
                   store exactly once: one referral per referrer, one per reference
  delivered once   every notification the path causes was posted exactly once to its
                   recipient's chat (an update in place is not a post), and the store marks
                   it sent with that message's id; nothing left pending or parked, and no
                   post nobody expected
  answered once    a turn Teams sent again to another instance ran once (a message's turn
                   posted one reply) and got the same answer (the same status and card)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from cards.notifications import preview_text
from referrals.notifications import Notification
from referrals.notifications import NotificationKind as K
from referrals.ports import Stores
from referrals.states import ReferralState
from tests.scale.load import Journey, Load, Resend, acknowledged
from tests.scale.people import Person
from tests.scale.posts import CountingConnector, Post
from tests.support.teams import card_texts

SUBMITTED_OR_LATER = set(ReferralState) - {ReferralState.DRAFT}
LISTED = 500  # far more than a run queues


@dataclass(frozen=True)
class Expected:
    """One notification the path must cause, and how its post is recognised."""

    journey: Journey
    kind: K
    recipient: Person
    summary: str

    def matches(self, post: Post) -> bool:
        return (
            post.conversation_id == self.recipient.conversation_id
            and post.summary == self.summary
            and post.names(self.journey.referral_id)
        )

    @property
    def label(self) -> str:
        return f"{self.kind} about {self.journey.reference} to {self.recipient.name}"


async def expected_notifications(load: Load, stores: Stores) -> list[Expected]:
    """Each SMLO's new-referral card; the advocate's offer; each SMLO's note that it was
    taken, and the referrer's news: for as far as each journey got."""
    found: list[Expected] = []
    for j in acknowledged(load.journeys):
        referral = await stores.referrals.get(j.referral_id)
        wanted = [(K.NEW_REFERRAL, smlo) for smlo in load.smlos]
        if j.allocated:
            wanted.append((K.OFFERED, j.advocate))
        if j.accepted:
            wanted += [(K.ACCEPTED, smlo) for smlo in load.smlos]
            wanted.append((K.ADVOCATE_ALLOCATED, j.referrer))
        found += [Expected(j, kind, who, preview_text(kind, referral)) for kind, who in wanted]
    return found


def all_posted(expected: Sequence[Expected], connector: CountingConnector) -> bool:
    return all(any(e.matches(p) for p in connector.posts) for e in expected)


async def stored_once(load: Load, stores: Stores) -> list[str]:
    stored = await stores.referrals.list_in_states(SUBMITTED_OR_LATER)
    by_reference = Counter(r.reference for r in stored)
    by_referrer = Counter(r.referrer_id for r in stored)
    problems = [
        f"reference {ref} was given to {count} referrals"
        for ref, count in sorted(by_reference.items())
        if count > 1
    ]
    for j in acknowledged(load.journeys):
        if by_reference[j.reference] == 0:
            problems.append(f"LOST: {j.label} was acknowledged but is not in the store")
        held = by_referrer[j.referrer.aad_object_id]
        if held != 1:
            problems.append(f"STORED {held} TIMES: {j.label} (referrals of that referrer)")
        if j.accepted:
            state = next((r.state for r in stored if r.id == j.referral_id), None)
            if state is not ReferralState.ACTIVE:
                problems.append(f"{j.label} was accepted but is stored as {state}")
    return problems


async def delivered_once(
    load: Load, expected: Sequence[Expected], connector: CountingConnector, stores: Stores
) -> list[str]:
    problems: list[str] = []
    for e in expected:
        posts = [p for p in connector.posts if e.matches(p)]
        ids = [p.activity_id for p in posts]
        if not posts:
            problems.append(f"LOST: {e.label} was never posted")
        elif len(posts) > 1:
            problems.append(f"TWICE: {e.label} was posted {len(posts)} times (messages {ids})")
        sent = await stores.outbox.find_sent(
            e.journey.referral_id, e.recipient.aad_object_id, e.kind
        )
        if sent is None:
            problems.append(f"{e.label} is not marked sent in the store")
        elif posts and sent.activity_id not in ids:
            problems.append(
                f"{e.label}: the store says message {sent.activity_id}, the chat has {ids}"
            )
    names = {p.conversation_id: p.name for p in [*load.smlos, *load.advocates]}
    names |= {j.referrer.conversation_id: j.referrer.name for j in load.journeys}
    for post in connector.posts:
        if post.summary and not any(e.matches(post) for e in expected):
            who = names.get(post.conversation_id, post.conversation_id)
            problems.append(f"UNEXPECTED post to {who}: {post.summary!r} ({post.activity_id})")
    return problems + await left_in_outbox(load, stores)


async def left_in_outbox(load: Load, stores: Stores) -> list[str]:
    people = {p.aad_object_id: p.name for p in [*load.smlos, *load.advocates]}
    people |= {j.referrer.aad_object_id: j.referrer.name for j in load.journeys}
    references = {j.referral_id: j.reference for j in load.journeys}

    def said(n: Notification, what: str) -> str:
        about, to = references.get(n.referral_id, n.referral_id), people.get(n.recipient_id)
        return f"{what}: {n.kind} about {about} to {to or n.recipient_id} ({n.last_error})"

    pending = [said(n, "STILL PENDING") for n in await stores.outbox.pending(LISTED)]
    return pending + [said(n, "PARKED") for n in await stores.outbox.parked(LISTED)]


def answered_once(load: Load, connector: CountingConnector) -> list[str]:
    problems: list[str] = []
    for r in load.resends:
        where = (
            f"{r.kind} by {r.who.name} ({r.activity_id}) first answered by instance "
            f"{r.first_instance + 1}, sent again to instance {r.second_instance + 1}"
        )
        if r.second_status != r.first.status:
            problems.append(f"RETRY: {where}: answered {r.second_status}, not {r.first.status}")
        if r.kind == "message":
            replies = len(connector.replies_to(r.who.conversation_id, r.activity_id))
            if replies != 1:
                problems.append(f"RETRY: {where}: the turn ran {replies} times (its replies)")
        elif r.second_body != r.first.body:
            problems.append(f"RETRY: {where}: a different answer: {_difference(r)}")
    return problems


def _difference(r: Resend) -> str:
    first, second = _words(r.first.body), _words(r.second_body)
    only_first = [w for w in first if w not in second]
    return f"first {only_first}, then {[w for w in second if w not in first]}"


def _words(body: object) -> list[str]:
    if isinstance(body, dict):
        return card_texts(body.get("value", body))
    return [repr(body)]
