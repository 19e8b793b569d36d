"""What the SMLO is told after adding someone to the advocate list or taking them off.

Plain words that say where the change was made: in the advocates group in Microsoft
Entra ID (so it holds everywhere), or only on the bot's own list (because the bot may not
change the group, or there is none), and what the SMLO may need to ask IT to do.
Staff names come from the directory and are shown only to the SMLO.
"""

from __future__ import annotations

from cards.elements import Element, action, card, heading, para, plain, row_with_button
from cards.verbs import Verb
from referrals.roster import GroupChange
from referrals.roster_changes import RosterChange, RosterResult

G = GroupChange
HOW_TO = (
    "Type add advocate and then their name or work email. For example: add advocate Alex "
    "Morgan. To take someone off, type remove advocate and their name."
)
ASK_IT_TO_ADD = "Please ask IT to add them to the advocates group too."
ASK_IT_TO_REMOVE = "Please ask IT to take them out of the advocates group too."

ADDED_WORDS = {
    G.CHANGED: "We added them to the advocates group in Microsoft Entra ID, so they are "
    "on the advocate list now.",
    G.UNCHANGED: "They were already in the advocates group. They are on the advocate list now.",
    G.NOT_PERMITTED: "We added them to the bot's own advocate list. The bot is not allowed "
    f"to change the advocates group, so they are not in it. {ASK_IT_TO_ADD}",
    G.NO_GROUP: "We added them to the advocate list. They can now be asked to take cases.",
    G.UNREACHABLE: "We added them to the bot's own advocate list. We could not reach "
    f"Microsoft Entra ID just now. {ASK_IT_TO_ADD}",
}
REMOVED_WORDS = {
    G.CHANGED: "We took them out of the advocates group in Microsoft Entra ID and off the "
    "advocate list. They will not be asked to take new cases.",
    G.UNCHANGED: "We took them off the advocate list. They will not be asked to take new cases.",
    G.NOT_PERMITTED: "We took them off the bot's own advocate list, so they will not be asked "
    "to take new cases. The bot is not allowed to change the advocates group, so they are "
    f"still in it. {ASK_IT_TO_REMOVE} Until then, the bot keeps them off its list.",
    G.THROUGH_OTHER_GROUP: "We took them off the bot's own advocate list, so they will not be "
    "asked to take new cases. They are in the advocates group through another group, which "
    f"the bot cannot change. {ASK_IT_TO_REMOVE} Until then, the bot keeps them off its list.",
    G.NO_GROUP: "We took them off the advocate list. They will not be asked to take new cases.",
    G.UNREACHABLE: "We took them off the bot's own advocate list, so they will not be asked "
    "to take new cases. We could not reach Microsoft Entra ID just now, so they may still "
    f"be in the advocates group. {ASK_IT_TO_REMOVE} Until then, the bot keeps them off its "
    "list.",
}


def _name(change: RosterChange) -> str:
    return plain(change.person.display_name) if change.person else "They"


def _cases(count: int) -> str:
    if not count:
        return ""
    held, them = ("one case", "it") if count == 1 else (f"{count} cases", "them")
    return (
        f"They still hold {held}. They cannot open {them} while they are off the list. "
        f"Please decide who should carry on with {them}."
    )


def _choices(change: RosterChange) -> list[Element]:
    """One button per person: it carries their object id and what was typed, and the bot
    checks both again (and that the SMLO is still an SMLO) when it is pressed."""
    verb = Verb.REMOVE_CHOSEN if change.removing else Verb.ADD_CHOSEN
    return [
        row_with_button(
            plain(p.display_name),
            action("Choose", verb, {"user_id": p.user_id, "asked": change.asked}),
        )
        for p in change.candidates
    ]


def roster_change_card(change: RosterChange) -> Element:
    """The answer to `add advocate …` or `remove advocate …`."""
    asked, who, r = plain(change.asked), _name(change), change.result
    if r is RosterResult.ASK_WHO:
        body = [heading("Who do you mean?"), para(HOW_TO)]
    elif r is RosterResult.NOT_FOUND:
        body = [
            heading("We could not find them"),
            para(f"No one in the staff list matches “{asked}”."),
            para("Please check the spelling, or use their work email."),
        ]
    elif r is RosterResult.SEVERAL:
        body = [
            heading("Who do you mean?"),
            para(f"We found these people for “{asked}”. Please choose one."),
            *_choices(change),
            para("Two people can share a name. If so, please type their work email instead."),
        ]
    elif r is RosterResult.ALREADY_ADVOCATE:
        body = [heading(f"{who} is already an advocate"), para("Nothing has changed.")]
    elif r is RosterResult.NOT_ADVOCATE:
        body = [
            heading(f"{who} is not an advocate"),
            para("They are not on the list. Nothing has changed."),
        ]
    elif r is RosterResult.ADDED:
        body = [heading(f"{who} is now an advocate"), para(ADDED_WORDS[change.group or G.NO_GROUP])]
    else:
        body = [
            heading(f"{who} is off the advocate list"),
            para(REMOVED_WORDS[change.group or G.NO_GROUP]),
        ]
        if change.open_cases:
            body.append(para(_cases(change.open_cases)))
    return card(body, [action("See the advocate list", Verb.ROSTER)])
