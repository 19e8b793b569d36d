"""The support directory over HTTP: anyone reaches "Get help now" from the welcome and
from `help`; the SMLO sees the whole directory from the roster card or by typing
`directory`; no one else does, and no card shows a service the force has to fill in."""

from __future__ import annotations

from cards import wording as w
from config.support import shipped_support_directory
from tests.protocol.conftest import People, RunningBot
from tests.protocol.journeys import shows
from tests.support.connector import ConnectorStandIn
from tests.support.teams import card_texts

SHIPPED = shipped_support_directory()
HELP_LINES = "Other help, day or night: Rape Crisis 0808 500 2222. Samaritans 116 123."


async def test_a_referrer_gets_help_now_from_the_welcome_and_from_help(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    referrer = people.referrer
    await referrer.say("hi")
    assert shows(referrer, HELP_LINES)
    from_welcome = card_texts(await referrer.click(w.GET_HELP_NOW))
    await referrer.say("help")
    from_help = card_texts(await referrer.click(w.GET_HELP_NOW))

    for words in (from_welcome, from_help):
        assert w.GET_HELP_NOW in words
        assert w.DANGER in words
        assert any("Samaritans 116 123" in t for t in words)
        assert not any(s.name in t for s in SHIPPED.to_fill for t in words)


async def test_the_smlo_sees_the_directory_from_the_roster_or_by_typing_it(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    smlo = people.smlo
    await smlo.say("roster")
    from_roster = card_texts(await smlo.click("Support directory"))
    await smlo.say("directory")

    assert "Support directory" in from_roster
    assert "Still to fill in" in from_roster
    assert smlo.texts().count("Still to fill in") == 2, "the roster's card, and the typed one"
    assert shows(smlo, "Sexual assault referral centre (SARC)")


async def test_no_one_but_the_smlo_sees_the_directory(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    for person in (people.referrer, people.advocate_a):
        await person.say("directory")
        assert shows(person, "This is not available to you")
        assert not shows(person, "Still to fill in")
