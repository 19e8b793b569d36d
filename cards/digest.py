"""The SMLO's weekly digest (`referrals.digest`): counts only, with buttons to the lists.
Never a reference, a name or anything anyone wrote, on the card or in its preview."""

from __future__ import annotations

from cards.elements import Element, action, card, facts, heading, para
from cards.verbs import Verb
from referrals.digest import Count, Digest, Line

DIGEST_PREVIEW = "Your weekly summary"
LINE_WORDS: dict[Line, str] = {
    Line.TRIAGE: "Waiting to be triaged",
    Line.ADVOCATE: "Waiting for an advocate",
    Line.OFFERS: "Offers not answered yet",
    Line.FIRST_CONTACT: "No first contact yet",
    Line.REVIEWS: "Reviews or contacts due",
    Line.QUIET: "Quiet cases",
}


def _value(count: Count) -> str:
    if count.waiting == 0:
        return "None"
    return f"{count.waiting}, {count.overdue} overdue" if count.overdue else str(count.waiting)


def digest_card(digest: Digest) -> Element:
    """To each SMLO on the digest day: how many of each kind of item wait, and how many
    are past their reminder. The inbox and the roster show which."""
    if digest.nothing_waiting:
        body = [para("Nothing is waiting for you or the advocates this week.")]
    else:
        rows = [(LINE_WORDS[line], _value(digest.count(line))) for line in Line]
        body = [
            para("Here is what is waiting. Overdue means its reminder has already gone."),
            facts(rows),
        ]
    return card(
        [heading("Your weekly summary"), *body],
        [
            action("Inbox", Verb.INBOX, validate=False),
            action("Roster", Verb.ROSTER, validate=False),
        ],
    )
