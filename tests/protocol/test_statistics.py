"""The SMLO's figures over real HTTP: referrals go through, `stats` shows them with every
small count suppressed, and nobody else can see them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from referrals.case_record import ContactHow, ContactLogged
from tests.protocol.conftest import ADVOCATE_A_ID, People, RunningBot
from tests.protocol.journeys import ACCOUNT, complete_intake, everyone_says_hi, shows
from tests.support.connector import ConnectorStandIn, cards_of
from tests.support.teams import TeamsUser, card_texts

Json = dict[str, Any]
CONTACT_NOTE = "Talked about the hearing on Friday"


async def refer_as_staff(referrer: TeamsUser) -> None:
    """A referral like `complete_intake`'s, from a member of police staff who skips the
    monitoring questions."""
    await referrer.say("hi")
    await referrer.click("Start a referral")
    await referrer.click("Next", route="witnessed", employment="staff")
    await referrer.click("Next", wishes="information")
    await referrer.click("Next")
    await referrer.click("Next")
    await referrer.click("Next", contact_methods="teams")
    await referrer.click("Next")
    await referrer.click("Send my referral", consent="true")


def newest_card_with(user: TeamsUser, words: str) -> Json:
    for message in reversed(list(user.chat.messages.values())):
        for card in cards_of(message):
            if any(words in text for text in card_texts(card)):
                return card
    raise AssertionError(f"{user.name} has no card showing {words!r}")


def figures(card: Json) -> dict[str, list[str]]:
    """Fact title -> every value shown against it (a title may repeat across sections)."""
    found: dict[str, list[str]] = {}

    def walk(element: Any) -> None:
        if isinstance(element, dict):
            if element.get("type") == "FactSet":
                for fact in element["facts"]:
                    found.setdefault(fact["title"], []).append(fact["value"])
            for value in element.values():
                walk(value)
        elif isinstance(element, list):
            for item in element:
                walk(item)

    walk(card)
    return found


async def test_the_smlo_sees_the_figures_with_small_counts_suppressed_and_others_do_not(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await everyone_says_hi(people)
    for _ in range(5):
        await complete_intake(people.referrer)  # experienced, officer, woman, 25 to 34
    await refer_as_staff(people.stranger)
    await connector.wait_until(lambda: shows(people.smlo, "Referral SMA-2026-0006"))
    await people.smlo.click("Find an advocate")
    await people.smlo.click("Ask them", advocate_id=ADVOCATE_A_ID)
    await connector.wait_until(lambda: shows(people.advocate_a, "Can you support someone?"))
    await people.advocate_a.click("Yes, I can")
    # The case record has no card in this test's path: the advocate's first call goes in
    # through the use case the case record's cards call.
    services = bot.runtime.services
    advocate = await services.identify(ADVOCATE_A_ID, "Alex Morgan")
    (case,) = await services.steps.stores.referrals.list_for_advocate(ADVOCATE_A_ID)
    contact = ContactLogged(bot.clock.now(), ContactHow.PHONE, CONTACT_NOTE)
    await services.case_record.add(advocate, case.id, contact)

    assert await people.smlo.say("stats") == 201
    earlier = (
        "Figures for the six-month review June to November 2025"  # SMA_SERVICE_START's default
    )
    assert "No referrals came in during this time." in card_texts(
        newest_card_with(people.smlo, earlier)
    ), "March's referrals wait until their review has ended"
    month = bot.clock.now().strftime("%B %Y")
    assert month == "March 2026"
    bot.clock.advance(timedelta(days=92))  # June 2026: December to May has ended

    assert await people.smlo.say("stats") == 201

    card = newest_card_with(
        people.smlo, "Figures for the six-month review December 2025 to May 2026"
    )
    shown = figures(card)
    assert shown[month] == ["6"]
    assert shown["In total"] == ["6"]
    assert shown["It happened to them"] == ["hidden"], "else 6 minus 1 shows the one"
    assert shown["They saw it happen"] == ["fewer than 5"]
    assert shown["Police officer"] == ["hidden"]
    assert shown["Police staff"] == ["fewer than 5"]
    assert shown["Woman"] == ["hidden"]
    assert shown["Not given"][2:4] == ["fewer than 5", "fewer than 5"]  # gender, age
    assert shown["An advocate took it on"] == ["fewer than 5"]
    assert shown["Advocates who took a case on"] == ["fewer than 5"]
    assert shown["Reached, in all"] == ["fewer than 5"], "the advocate's first call"
    assert "Reached for the first time" not in shown, "one call: no breakdown of it"
    assert shown["Tried but did not reach them"] == ["0"]
    words = " ".join(card_texts(card))
    private_words = (ACCOUNT, CONTACT_NOTE, "Robin Referrer", "Pat Stranger", "Alex Morgan")
    for private in (*private_words, "SMA-2026"):
        assert private not in words
    chosen = await people.smlo.click("Show these figures", period="window-2025-06")
    assert earlier in card_texts(chosen), "another ended review, chosen on the card"
    running = await people.smlo.click("Show these figures", period="window-2026-06")
    assert "Those figures are not available" in card_texts(running)
    assert await people.smlo.say("stats") == 201
    forged = await people.smlo.click("Show these figures", period="year-2026")
    assert "We could not read that" in card_texts(forged)
    entries = await bot.runtime.services.steps.audit.for_referral("statistics")
    assert [e.outcome.value for e in entries] == [
        "allowed",
        "allowed",
        "allowed",
        "refused",
        "allowed",
    ], "a forged period goes no further than the card's reading"

    for someone in (people.referrer, people.advocate_a):
        assert await someone.say("stats") == 201
        assert shows(someone, "This is not available to you")
        assert not shows(someone, "Figures for")
    assert [
        e.outcome.value for e in await bot.runtime.services.steps.audit.for_referral("statistics")
    ] == ["allowed", "allowed", "allowed", "refused", "allowed", "refused", "refused"]
