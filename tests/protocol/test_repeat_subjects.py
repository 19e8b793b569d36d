"""Two people, in referrals of their own, name the same person: the SMLOs are alerted with
the references only, opening the match is audited, a name held in escrow is shown only
then, and neither referrer hears of the other's referral."""

from __future__ import annotations

from referrals.audit import AuditAction, Outcome
from tests.protocol.conftest import People, RunningBot
from tests.protocol.journeys import complete_intake, everyone_says_hi, shows
from tests.support.connector import ConnectorStandIn
from tests.support.teams import card_texts

NAME = "Canary Subjectperson-3e7a"
ALERT = "Two referrals may be about the same person: SMA-2026-0002, SMA-2026-0001"
SEALED = "Sealed: shown only if someone else names the same person"


async def two_referrals_name_the_same_person(people: People, connector: ConnectorStandIn) -> None:
    await everyone_says_hi(people)
    await complete_intake(people.referrer, subject_name=NAME, subject_wish="only_if_another")
    await connector.wait_until(lambda: shows(people.smlo, "Referral SMA-2026-0001"))
    await complete_intake(
        people.stranger,
        subject_name="  canary SUBJECTPERSON-3e7a ",  # written differently, the same name
        subject_number="PC 0042",
        subject_wish="act_now",
    )


async def test_both_smlos_are_alerted_naming_only_the_references(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await two_referrals_name_the_same_person(people, connector)

    for smlo in (people.smlo, people.deputy):
        await connector.wait_until(lambda smlo=smlo: shows(smlo, ALERT))
    alert = [m for m in people.smlo.texts() if "may be about the same person" in m]
    assert all(NAME.lower() not in m.lower() for m in alert)
    assert not [m for m in people.smlo.texts() if "Robin Referrer" in m and "same person" in m]
    for referrer in (people.referrer, people.stranger):
        assert not shows(referrer, "may be about the same person")
        assert not shows(referrer, "SMA-2026-0001" if referrer is people.stranger else "0002")


async def test_opening_the_match_lists_both_and_is_audited_and_releases_the_held_name(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await two_referrals_name_the_same_person(people, connector)
    await connector.wait_until(lambda: shows(people.smlo, ALERT))

    opened = await people.smlo.click("Open")

    words = " ".join(card_texts(opened))
    assert "Referrals that may be about the same person as SMA-2026-0002" in words
    assert "SMA-2026-0001" in words
    assert NAME not in words
    second = await bot.runtime.stores.referrals.find_by_reference("SMA-2026-0002")
    first = await bot.runtime.stores.referrals.find_by_reference("SMA-2026-0001")
    assert second is not None
    assert first is not None
    trail = await bot.runtime.services.steps.audit.for_referral(second.id)
    assert [(e.action, e.outcome) for e in trail if e.action is AuditAction.OPEN_SUBJECT_MATCH] == [
        (AuditAction.OPEN_SUBJECT_MATCH, Outcome.ALLOWED)
    ]
    assert first.subject_shown, "the name held until someone else named them is released"


async def test_a_held_name_is_sealed_from_the_smlo_while_nobody_else_names_them(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await everyone_says_hi(people)
    await complete_intake(people.referrer, subject_name=NAME, subject_wish="only_if_another")
    await connector.wait_until(lambda: shows(people.smlo, "Referral SMA-2026-0001"))

    details = await people.smlo.click("Open details")

    words = " ".join(card_texts(details))
    assert SEALED in words
    assert NAME not in words
    assert not shows(people.smlo, "may be about the same person")


async def test_the_same_referrer_naming_someone_twice_alerts_nobody(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await everyone_says_hi(people)
    await complete_intake(people.referrer, subject_name=NAME, subject_wish="act_now")
    await connector.wait_until(lambda: shows(people.smlo, "Referral SMA-2026-0001"))
    await complete_intake(people.referrer, subject_name=NAME, subject_wish="act_now")
    await connector.wait_until(lambda: shows(people.smlo, "Referral SMA-2026-0002"))

    assert not shows(people.smlo, "may be about the same person")


async def test_someone_who_is_not_an_smlo_cannot_open_a_match_and_is_audited(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await two_referrals_name_the_same_person(people, connector)
    await connector.wait_until(lambda: shows(people.smlo, ALERT))
    second = await bot.runtime.stores.referrals.find_by_reference("SMA-2026-0002")
    assert second is not None

    forged = {"verb": "smlo.subject_match", "data": {"referral_id": second.id}}
    refused = await people.advocate_a.press("forged", forged, {})

    assert "SMA-2026-0001" not in " ".join(card_texts(refused))
    trail = await bot.runtime.services.steps.audit.for_referral(second.id)
    assert (AuditAction.OPEN_SUBJECT_MATCH, Outcome.REFUSED) in [
        (e.action, e.outcome) for e in trail
    ]


async def test_withdrawing_forgets_whom_the_referral_named(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await two_referrals_name_the_same_person(people, connector)
    await connector.wait_until(lambda: shows(people.smlo, ALERT))
    first = await bot.runtime.stores.referrals.find_by_reference("SMA-2026-0001")
    assert first is not None

    await people.referrer.say("my referrals")
    await people.referrer.click("Withdraw")
    await people.referrer.click("Yes, withdraw it")

    assert await bot.runtime.stores.subjects.sharing(first.id) == []
    opened = await people.smlo.click("Open")
    assert "SMA-2026-0001" not in " ".join(card_texts(opened))
