"""The message thread of one referral: what was said, by whom (as a role) and when, and
a box to reply. The same card answers Send, so the person sees their message in place.

The thread shows what people wrote, so, like the case card, it folds back to a
content-free face after a while (one tap opens it again) and is cleared for good when the
referral ends (`referrals.views`, `bot/outbox/views.py`).

Words a referrer types in the chat that are no command may be meant for the service: they
are offered back in the box to send (`typed_words_card`), never sent unasked, since
something typed in the wrong window must not reach anyone."""

from __future__ import annotations

import json
from collections.abc import Sequence

from cards.details import when
from cards.elements import Element, action, card, heading, para, plain, text_input
from cards.verbs import Verb
from referrals.intake import is_on_behalf
from referrals.messages import (
    MESSAGE_LIMIT,
    OPEN_FOR_MESSAGES,
    Recipient,
    Sender,
    ThreadMessage,
    recipient_for,
)
from referrals.referral import Referral

BOX_LABEL = f"Your message. Up to {MESSAGE_LIMIT:,} characters."
PROBLEM_WORDS = {
    "empty": "Please type a message first.",
    "too_long": f"This is longer than we can send. The limit is {MESSAGE_LIMIT:,} characters.",
}
OTHER_PROBLEM = "We could not read some of the characters. Please type it again."
# One card shows the newest messages that fit Teams' size limit with the box below them
# (tests/unit/test_cards.py measures the worst case); a button pages to earlier ones.
PAGE_AT_MOST = 10
PAGE_BYTES = 12_000
# Words over the limit are shown back (to shorten, not retype) up to this much over it,
# and no bigger than `ECHO_BYTES` in the card; more could push the card past Teams' size
# limit (tests/unit/test_cards.py).
ECHO_EXTRA = 1_000
ECHO_BYTES = 8_000
TOO_LONG_TO_SHOW = (
    f"This was too long to show here. The limit is {MESSAGE_LIMIT:,} characters. "
    "Please write a shorter message."
)
NOT_SENT = "Nothing was sent. You can write to the service from my referrals at any time."
# A referral an SMLO took for someone without Teams (`referrals.outside`).
NOT_IN_TEAMS = (
    "This person is not in Teams, so messages through the bot cannot reach them. Please "
    "reach them by phone or email, as the referral's details say."
)
WHO = {
    Sender.REFERRER: "The person who referred",
    Sender.ADVOCATE: "The advocate",
    Sender.SMLO: "The service lead",
}


# Who reads what the referrer sends (`recipient_for`), said on the thread and on the offer
# of typed words: after an advocate takes the case the service lead can still read it.
WHO_READS = {
    Recipient.SMLOS: "The service lead will read your message. Once an advocate takes on "
    "your referral, your messages go to them.",
    Recipient.ADVOCATE: "Your advocate will read your message. The service lead can read it too.",
}


# On the on-behalf route the referrer is the colleague who sent it, not the person it is
# for: staff replying must not think their words reach the person.
TO_THE_SENDER = (
    "Your message goes to the colleague who made this referral, not to the person it is for."
)


def who_reads(r: Referral) -> str:
    return WHO_READS[recipient_for(Sender.REFERRER, r.state, r.advocate_id)]


def who_sent(message: ThreadMessage, reader: Sender) -> str:
    if message.sender is reader:
        return "You"
    if message.sender is Sender.ADVOCATE and reader is Sender.REFERRER:
        return "Your advocate"
    return WHO[message.sender]


def problem_words(problem: str) -> str:
    """The note under the box for the domain's `MessageInvalid.problem`."""
    if problem in PROBLEM_WORDS:
        return PROBLEM_WORDS[problem]
    return PROBLEM_WORDS["too_long"] if "limit" in problem else OTHER_PROBLEM


def thread_card(
    r: Referral,
    reader: Sender,
    messages: Sequence[ThreadMessage],
    message_id: str,
    *,
    typed: str = "",
    problem: str = "",
    start: int = 0,
) -> Element:
    """The thread, newest last, as many of the newest (after skipping `start` of them) as
    fit on one card, with a button to the earlier ones; the box and Send while the
    referral takes messages. `message_id`: this card's id for the message it sends, so a
    double press sends once."""
    body: list[Element] = [heading(f"Messages about {r.reference}")]
    if not messages:
        body.append(para("There are no messages yet."))
    shown, earlier = page_of(messages, start)
    data = {"referral_id": r.id}
    older: list[Element] = []
    if earlier:
        body.append(para(f"Earlier messages not shown here: {earlier}.", subtle=True))
        older = [
            action(
                "Earlier messages",
                Verb.THREAD,
                {**data, "start": str(start + len(shown))},
                validate=False,
            )
        ]
    for m in shown:
        body += _said(m, reader)
    hide = action("Hide messages", Verb.HIDE_THREAD, data, validate=False)
    if r.state not in OPEN_FOR_MESSAGES:
        body.append(para("This referral is closed, so no new messages can be sent."))
        return card(body, [*older, hide])
    if r.outside_teams:  # no box to type in only for Send to be refused
        body.append(para(NOT_IN_TEAMS))
        return card(body, [*older, hide])
    if reader is Sender.REFERRER:
        body.append(para(who_reads(r), subtle=True))
    elif is_on_behalf(r.answers):
        body.append(para(TO_THE_SENDER, subtle=True))
    body += _box(typed, problem)
    send = action("Send", Verb.SEND_MESSAGE, {**data, "message_id": message_id}, primary=True)
    newest = action("Refresh", Verb.THREAD, data, validate=False)
    return card(body, [send, newest, *older, hide])


def page_of(messages: Sequence[ThreadMessage], start: int) -> tuple[list[ThreadMessage], int]:
    """The messages one card shows, oldest first: the newest after skipping `start`, at
    most `PAGE_AT_MOST`, and no more text than `PAGE_BYTES` (one at least, whatever its
    size); and how many earlier ones are left."""
    newest_first = list(reversed(messages))[start:]
    shown: list[ThreadMessage] = []
    used = 0
    for m in newest_first:
        size = _size(plain(m.text))
        if shown and (len(shown) == PAGE_AT_MOST or used + size > PAGE_BYTES):
            break
        shown.append(m)
        used += size
    return shown[::-1], len(newest_first) - len(shown)


def _size(text: str) -> int:
    """Bytes as Teams counts a card's size: its JSON in UTF-16."""
    return len(json.dumps(text, ensure_ascii=False).encode("utf-16-le"))


def _said(m: ThreadMessage, reader: Sender) -> list[Element]:
    line = f"{who_sent(m, reader)}, {when(m.sent_at)}"
    if m.sender is reader:
        line += f". Read at {when(m.read_at)}" if m.read_at else ". Not read yet"
    return [para(line, subtle=True), para(plain(m.text))]


def _box(typed: str, problem: str) -> list[Element]:
    """The reply box with the words typed, or, when they are too long to show, empty with
    a note saying so."""
    if len(typed) > MESSAGE_LIMIT + ECHO_EXTRA or _size(typed) > ECHO_BYTES:
        typed, problem = "", TOO_LONG_TO_SHOW
    return text_input("text", BOX_LABEL, value=typed, multiline=True, problem=problem or None)


def typed_words_card(
    referrals: Sequence[Referral], typed: str, message_ids: Sequence[str]
) -> Element:
    """Words typed in the chat, offered to send as a message: in the box (to change or
    send as they are), with Send for their one open referral, or a Send for each when
    they have several (`message_ids`: one per referral, so a double press sends once)."""
    words = "Send this to the service"
    too_long = len(typed) > MESSAGE_LIMIT
    problem = PROBLEM_WORDS["too_long"] if too_long else ""
    if len(referrals) == 1:
        r = referrals[0]
        body = [
            heading(f"{words} about {r.reference}?"),
            para(f"{who_reads(r)} Nothing is sent until you press Send."),
        ]
        sends = [_send("Send", r, message_ids[0])]
    else:
        body = [
            heading(f"{words}?"),
            para("Choose the referral it is about. Nothing is sent until you press Send."),
        ]
        sends = [
            _send(f"Send about {r.reference}", r, mid, primary=not n)
            for n, (r, mid) in enumerate(zip(referrals, message_ids, strict=True))
        ]
    body += _box(typed, problem)
    body.append(para("Or type help to see what else you can do.", subtle=True))
    return card(body, [*sends, action("Not now", Verb.MESSAGE_NOT_NOW, validate=False)])


def _send(title: str, r: Referral, message_id: str, *, primary: bool = True) -> Element:
    data = {"referral_id": r.id, "message_id": message_id}
    return action(title, Verb.SEND_MESSAGE, data, primary=primary)


def not_sent_card() -> Element:
    """The offer to send typed words, declined: the words leave the card too."""
    return card([heading("Not sent"), para(NOT_SENT)])


def thread_folded_card(r: Referral, reader: Sender) -> Element:
    """The thread with its messages out of sight: the reference and a button, nothing else."""
    whose = "Your messages" if reader is Sender.REFERRER else "Messages"
    return card(
        [
            heading(f"{whose} about {r.reference}"),
            para("The messages are hidden, so they do not stay on your screen."),
        ],
        [action("Open", Verb.THREAD, {"referral_id": r.id}, primary=True)],
    )


_CLEARED_BECAUSE = {
    "withdrawn": "{ref} was withdrawn.",
    "closed": "{ref} is closed.",
    "erased": "The messages about {ref} have been deleted, as our rules on keeping data say.",
    "not_yours": "{ref} is not open to you now.",
}


def thread_cleared_card(reference: str, why: str) -> Element:
    """What a message that showed the thread shows once it may not stay: `why` is a
    `referrals.views.ViewFate` that clears (withdrawn, closed, erased, not yours)."""
    what = _CLEARED_BECAUSE[why].format(ref=reference or "This referral")
    return card(
        [heading("Messages removed"), para(f"{what} We have removed its messages from this chat.")]
    )


def new_message_card(r: Referral) -> Element:
    """The content-free notice of a new message, with a button to read it."""
    return card(
        [heading(f"New message about {r.reference}"), para("Press Read to see it.")],
        [action("Read", Verb.THREAD, {"referral_id": r.id}, primary=True)],
    )
