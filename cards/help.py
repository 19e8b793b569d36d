"""`help`: everything this person can do now, by role, as buttons where a button makes
sense and as words to type where the command needs more (a reference, a name). Also the
answer to something typed that is not a command: said plainly, with the same help."""

from __future__ import annotations

from dataclasses import dataclass

from cards import wording as w
from cards.elements import Element, action, card, heading, para, row_with_button
from cards.intake import ASK_CONTACT
from cards.verbs import Verb

NOT_UNDERSTOOD = "Sorry, we did not understand that"


@dataclass(frozen=True)
class HelpFor:
    """Who is asking, as the server decided it this turn."""

    smlo: bool = False
    advocate: bool = False
    off_the_list: bool = False  # on the roster, but taken off the advocate list
    has_draft: bool = False
    auditor: bool = False


def _title(text: str) -> Element:
    return {**para(text), "weight": "Bolder", "spacing": "Medium"}


def _referrer(who: HelpFor) -> list[Element]:
    start = "Carry on where I left off" if who.has_draft else "Start a referral"
    about = (
        "You have a referral you have not sent yet."
        if who.has_draft
        else "Make a referral for yourself, as a witness, or for someone else."
    )
    return [
        _title("A referral"),
        row_with_button(
            "Just want to talk? An advocate will contact you in Teams.",
            action(
                ASK_CONTACT,
                Verb.ASK_CONTACT,
                primary=not (who.smlo or who.advocate or who.auditor),
            ),
        ),
        row_with_button(about, action(start, Verb.START)),
        row_with_button(
            "See where your referrals stand and write to us about one. If you chose to be "
            "anonymous, you can tell us who you are there.",
            action("My referrals", Verb.MY_REFERRALS),
        ),
        para(
            "You can also type refer, continue or my referrals. Type stop to stop at any step.",
            subtle=True,
        ),
    ]


def _smlo() -> list[Element]:
    return [
        _title("As a service lead"),
        row_with_button("Referrals that need you.", action("Inbox", Verb.INBOX, primary=True)),
        row_with_button(
            "Take a referral from a call or an email, for someone not in Teams.",
            action("New referral", Verb.NEW_FOR_SOMEONE),
        ),
        row_with_button("The advocates and how busy they are.", action("Roster", Verb.ROSTER)),
        row_with_button(
            "The figures for each review, quarter and year.", action("Stats", Verb.STATISTICS)
        ),
        row_with_button(
            "The figures as a spreadsheet, to keep or share.",
            action("Stats file", Verb.FIGURES_FILE),
        ),
        row_with_button(
            "Closed cases for the scrutiny panel, with nobody singled out.",
            action("Scrutiny file", Verb.SCRUTINY_FILE),
        ),
        row_with_button("Messages Teams would not take.", action("Undelivered", Verb.UNDELIVERED)),
        row_with_button(
            "The services we point people to.", action("Support directory", Verb.DIRECTORY)
        ),
        para("To see one referral, type referral and its number, like referral SMA-2026-0042."),
        para("To see who has opened it, type audit and its number, like audit SMA-2026-0042."),
        para(
            "To change the list, type add advocate or remove advocate, then their name or "
            "work email."
        ),
    ]


def _auditor() -> list[Element]:
    return [
        _title("As the data protection auditor"),
        row_with_button(
            "Who opened or changed referrals last month, and who was stopped.",
            action("Access report", Verb.ACCESS_REPORT, primary=True),
        ),
        para(
            "To see who has opened one referral, type audit and its number, like "
            "audit SMA-2026-0042. You see who, when and what kind, never what it says."
        ),
        para("You can also type access report.", subtle=True),
    ]


def _advocate() -> list[Element]:
    return [
        _title("As an advocate"),
        row_with_button(
            "The cases you hold, with their messages, and offers waiting for you.",
            action("My cases", Verb.MY_CASES, primary=True),
        ),
        row_with_button(
            "Tell the service lead how you are doing. Only they see it.",
            action("Check in", Verb.CHECKIN),
        ),
        row_with_button(
            "Tell us when you can take new cases, or when you are away.",
            action("Free or away", Verb.AVAILABILITY),
        ),
        para("You can also type my cases, availability or check-in.", subtle=True),
    ]


def _off_the_list() -> list[Element]:
    return [
        _title("You are off the advocate list"),
        para(
            "For now you cannot take new cases, answer an offer, or open your old cases. "
            "The service lead can put you back on the list. You can still make a referral, "
            "like anyone else."
        ),
    ]


def help_card(who: HelpFor, *, help_lines: str, not_understood: bool = False) -> Element:
    """`help_lines`: the support directory's crisis lines (cards.support.help_lines)."""
    body: list[Element] = []
    if not_understood:
        body += [heading(NOT_UNDERSTOOD), para("Here is what you can do.")]
    else:
        body.append(heading("What you can do here"))
    if who.smlo:
        body += _smlo()
    if who.auditor:
        body += _auditor()
    if who.advocate:
        body += _advocate()
    elif who.off_the_list:
        body += _off_the_list()
    body += _referrer(who)
    body += [
        _title("If you need help now"),
        para(w.DANGER, attention=True),
        row_with_button("See who else can help you.", action(w.GET_HELP_NOW, Verb.SUPPORT)),
        *([para(help_lines, subtle=True)] if help_lines else []),
    ]
    return card(body)
