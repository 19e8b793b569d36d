"""`help` answers with what this person can do now; what we do not understand is said
plainly with the same help; the first words in a chat are welcomed."""

from __future__ import annotations

from tests.protocol.conftest import People, RunningBot
from tests.support.connector import ConnectorStandIn, cards_of
from tests.support.teams import TeamsUser, actions_of, card_texts

WELCOME = "Welcome to the SMA service"
HELP = "What you can do here"
NOT_UNDERSTOOD = "Sorry, we did not understand that"


def last_card(user: TeamsUser) -> tuple[list[str], list[str]]:
    """(words, button titles) of the newest card in the chat."""
    message = list(user.chat.messages.values())[-1]
    [card] = cards_of(message)
    return card_texts(card), [str(a["title"]) for a in actions_of(card)]


async def test_each_role_gets_its_own_help(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    for person in (people.referrer, people.smlo, people.advocate_a):
        await person.say("hi")
        assert WELCOME in last_card(person)[0], "the first words in a chat are welcomed"
        await person.say("help")
        assert HELP in last_card(person)[0]

    _, referrer_buttons = last_card(people.referrer)
    smlo_words, smlo_buttons = last_card(people.smlo)
    _, advocate_buttons = last_card(people.advocate_a)
    assert {"Start a referral", "My referrals"} <= set(referrer_buttons)
    assert not {"Inbox", "Roster", "My cases"} & set(referrer_buttons)
    assert {"Inbox", "Roster", "Stats", "Undelivered"} <= set(smlo_buttons)
    assert any("audit SMA-2026-0042" in t for t in smlo_words)
    assert "My cases" in advocate_buttons
    assert "Inbox" not in advocate_buttons

    await people.smlo.say("remove advocate Alex Morgan")
    await people.advocate_a.say("hello")

    words, buttons = last_card(people.advocate_a)
    assert "You are off the advocate list" in words
    assert "My cases" not in buttons
    assert "Start a referral" in buttons


async def test_an_unknown_command_is_not_understood_and_offers_the_same_help(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    smlo, referrer = people.smlo, people.referrer
    await smlo.say("inbox")
    await referrer.say("I need to talk to someone about a colleague")
    assert WELCOME in last_card(referrer)[0], "their own words, the first time: welcomed"

    for typed in ("timesheet", "record contact", "export"):
        await smlo.say(typed)
        words, buttons = last_card(smlo)
        assert NOT_UNDERSTOOD in words
        assert WELCOME not in words
        assert "Inbox" in buttons
        assert not any(typed in t for t in words), "what they typed is never echoed"
    await referrer.say("export")
    words, buttons = last_card(referrer)
    assert NOT_UNDERSTOOD in words
    assert "Start a referral" in buttons

    await referrer.say("refer")
    assert WELCOME in last_card(referrer)[0], "refer still starts"
    await referrer.click("Start a referral")
    not_understood = referrer.texts().count(NOT_UNDERSTOOD)
    await referrer.say("it was my sergeant")  # their own words, mid-intake
    assert referrer.texts().count(NOT_UNDERSTOOD) == not_understood
