"""The SMLOs' alert that referrals may be about the same person, and the card opening the
match shows. Both name references only: never whom, never who referred, never what was
said (`referrals.subjects`)."""

from __future__ import annotations

from collections.abc import Sequence

from cards.details import when
from cards.elements import Element, action, card, heading, para, row_with_button
from cards.verbs import Verb
from cards.wording import label
from referrals.referral import Referral

_COUNTS = {2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six", 7: "Seven", 8: "Eight"}
MATCH_PREVIEW = "Referrals may be about the same person"
MATCH_NOTE = (
    "They were made by different people. Nobody who made them is told about the others. "
    "Open each one to decide what to do."
)
NONE_LEFT = (
    "The other referrals are no longer here: they were withdrawn, or their details were "
    "deleted at the end of the keeping period."
)


def match_words(references: Sequence[str]) -> str:
    """ "Two referrals may be about the same person: SMA-…, SMA-…"."""
    count = _COUNTS.get(len(references), str(len(references)))
    return f"{count} referrals may be about the same person: {', '.join(references)}"


# The alert of a referral erased since (withdrawn, or at the end of its keeping period).
ALERT_GONE = (
    "This referral was withdrawn, or its details were deleted at the end of the keeping "
    "period, so there is no match to open."
)


def match_alert_card(r: Referral) -> Element:
    """The alert's face: the references, and the way to open the match (audited)."""
    if not r.subject_matches:
        return card([heading(f"Update on {r.reference}"), para(ALERT_GONE)])
    return card(
        [heading(f"Update on {r.reference}"), para(f"{match_words(r.subject_matches)}.")],
        [action("Open", Verb.OPEN_SUBJECT_MATCH, {"referral_id": r.id})],
    )


def match_card(r: Referral, others: Sequence[Referral]) -> Element:
    """The referrals that may be about the same person as `r`, as they stand now."""
    body: list[Element] = [heading(f"Referrals that may be about the same person as {r.reference}")]
    if not others:
        return card([*body, para(NONE_LEFT)])
    body.append(para(MATCH_NOTE))
    for found in (r, *others):
        body.append(
            row_with_button(
                f"{found.reference}: {label(found.state).lower()}, sent {when(found.submitted_at)}",
                action("Open", Verb.OPEN, {"referral_id": found.id}),
            )
        )
    return card(body)
