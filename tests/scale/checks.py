"""What the scale-out test holds the run to, each finding in words that name the referral,
the notification and the person, so a failure says what was lost or done twice.

  stored once      every acknowledged referral (its receipt reached the referrer) is in the
                   store exactly once: one referral per referrer, one per reference
  delivered once   every notification the path causes was posted exactly once to its
                   recipient's chat (an update in place is not a post), and the store marks
                   it sent with that message's id; nothing left pending or parked, and no
                   post nobody expected
  answered once    a turn Teams sent again to another instance ran once and got the same
                   answer (the same status and card). That it ran once shows as one reply
                   to a message, and for a card as nothing new in the referral's audit
                   trail by that person (every read and change is audited, allowed or
                   refused); a submit sent again is the exception, since the domain answers
                   it with the same receipt and audits only refusals: for it the same
                   answer is all that can be seen
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cards.notifications import preview_text
from referrals.errors import ReferralNotFound
from referrals.notifications import Notification
from referrals.notifications import NotificationKind as K
from referrals.ports import Stores
from referrals.states import ReferralState
from tests.scale.load import Journey, Load, Resend, acknowledged
from tests.scale.people import Person
from tests.scale.posts import CountingConnector, Post
from tests.scale.senders import UNKNOWN
from tests.support.teams import card_texts

SUBMITTED_OR_LATER = set(ReferralState) - {ReferralState.DRAFT}
LISTED = 500  # far more than a run queues
LOG_LINES = 15  # of each instance's log, in a failure
RECORD = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")  # app.py's log format
QUIET = {"DEBUG", "INFO"}
# Warnings every development-mode start-up logs: not news.
START_UP = (
    "listening on 127.0.0.1 only.",
    "chaplaincy",
    "stored data is not protected",
    "subject indexes are guessable",
)


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
        try:
            referral = await stores.referrals.get(j.referral_id)
        except ReferralNotFound:
            continue  # lost: `stored_once` says so
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
    load: Load,
    expected: Sequence[Expected],
    connector: CountingConnector,
    stores: Stores,
    notes: list[str],
) -> list[str]:
    """Problems; and in `notes`, the posts a kill may double, which are allowed."""
    problems: list[str] = []
    excused: set[str] = set()  # chats where the kill's one in-flight post was allowed
    for e in expected:
        posts = [p for p in connector.posts if e.matches(p)]
        sent = await stores.outbox.find_sent(
            e.journey.referral_id, e.recipient.aad_object_id, e.kind
        )
        if not posts:
            problems.append(f"LOST: {e.label} was never posted")
        elif len(posts) > 1:
            twice = f"{e.label} was posted {len(posts)} times ({_posts(posts)})"
            if _caught_by_the_kill(posts, sent, connector, load.victim, excused):
                notes.append(f"allowed, the kill caught a post in flight: {twice}")
            else:
                problems.append(f"TWICE: {twice}")
        if sent is None:
            problems.append(f"{e.label} is not marked sent in the store")
        elif posts and sent.activity_id not in {p.activity_id for p in posts}:
            problems.append(f"{e.label}: the store says {sent.activity_id}, not {_posts(posts)}")
    names = {p.conversation_id: p.name for p in [*load.smlos, *load.advocates]}
    names |= {j.referrer.conversation_id: j.referrer.name for j in load.journeys}
    for post in connector.posts:
        if post.summary and not any(e.matches(post) for e in expected):
            who = names.get(post.conversation_id, post.conversation_id)
            problems.append(f"UNEXPECTED post to {who}: {post.summary!r} ({_posts([post])})")
    return problems + await left_in_outbox(load, stores)


def _caught_by_the_kill(
    posts: Sequence[Post],
    sent: Notification | None,
    connector: CountingConnector,
    victim: int,
    excused: set[str],
) -> bool:
    """Teams took the killed instance's post, and the kill came before the instance could
    write that down (Teams offers no way to ask whether a post arrived), so a survivor
    posted it again. Allowed once per chat (each chat's posts go one at a time), when that
    was the killed instance's last post to the chat, the first of the two, and the store
    names the survivor's."""
    if len(posts) != 2 or sent is None or posts[0].conversation_id in excused:
        return False
    gone, kept = posts
    if gone.sender not in (victim, UNKNOWN) or kept.sender in (victim, UNKNOWN):
        return False
    if sent.activity_id != kept.activity_id:
        return False
    chat = [p for p in connector.posts if p.conversation_id == gone.conversation_id]
    if any(p.sender == victim for p in chat[chat.index(gone) + 1 :]):
        return False
    excused.add(gone.conversation_id)
    return True


def _posts(posts: Sequence[Post]) -> str:
    return ", ".join(f"{p.activity_id} by instance {p.sender or 'unknown'}" for p in posts)


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
            replies = len(_replies(r, connector, load.victim))
            if replies != 1:
                problems.append(f"RETRY: {where}: the turn ran {replies} times (its replies)")
        else:
            if r.audited_again:
                problems.append(f"RETRY: {where}: the turn ran again ({r.audited_again} audited)")
            if r.second_body != r.first.body:
                problems.append(f"RETRY: {where}: a different answer: {_difference(r)}")
    return problems


def _replies(r: Resend, connector: CountingConnector, victim: int) -> list[Post]:
    """The replies to the message; if its first delivery met the kill (Teams sent it again
    after a 5xx), whatever the killed instance posted before it died does not count."""
    replies = connector.replies_to(r.who.conversation_id, r.activity_id)
    if r.first.attempts == 1:
        return replies
    return [p for p in replies if p.sender not in (victim, UNKNOWN)]


def _difference(r: Resend) -> str:
    first, second = _words(r.first.body), _words(r.second_body)
    only_first = [w for w in first if w not in second]
    return f"first {only_first}, then {[w for w in second if w not in first]}"


def _words(body: object) -> list[str]:
    if isinstance(body, dict):
        return card_texts(body.get("value", body))
    return [repr(body)]


def report(problems: Sequence[str], notes: Sequence[str], load: Load, logs: Sequence[Path]) -> str:
    """The failure message: how many of each kind, then each, grouped by kind; then what
    each instance logged above INFO (ids and event names only: the app logs no content)."""
    kinds = Counter(_kind(p) for p in problems)
    head = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
    lines = [
        f"{len(problems)} problems ({head}); instance {load.victim} was killed after "
        f"{load.killed_after} receipts; {len(load.resends)} turns sent again",
        *sorted(problems, key=_kind),
        *notes,
    ]
    for number, log in enumerate(logs, start=1):
        lines.append(f"instance {number} logged ({log}):")
        lines += [f"  {line}" for line in _above_info(log)[-LOG_LINES:]]
    return "\n".join(lines)


def _kind(problem: str) -> str:
    head = problem.split(":", 1)[0]
    return head if head.isupper() else "OTHER"


def _above_info(log: Path) -> list[str]:
    """The records logged above INFO, each with its continuation lines (a traceback);
    a record starts with its time stamp."""
    if not log.exists():
        return []
    kept: list[str] = []
    keeping = False
    for line in log.read_text(errors="replace").splitlines():
        if RECORD.match(line):
            level = line.split()[2] if len(line.split()) > 2 else ""
            keeping = level not in QUIET and not line.endswith(START_UP)
        if keeping:
            kept.append(line)
    return kept
