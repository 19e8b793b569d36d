"""Whom a referral names, resolved through Microsoft Graph (on loopback) by the real bot in
production mode: a referral naming an SMLO by e-mail reaches only the other SMLO and is
refused to the one it names; one naming an advocate by sign-in name lists them as not
for it, with no way to offer it anyway."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.directory.conftest import StartBot, directory_environment
from tests.protocol.journeys import NEW_CARD, complete_intake, shows
from tests.security.conftest import TokenAuthority
from tests.support.connector import ConnectorStandIn
from tests.support.graph import EntraStandIn, User
from tests.support.teams import card_texts

REFERRER_ID = "00000000-0000-4000-8000-00000000c001"


@dataclass
class Tenant:
    sky: User  # an SMLO
    dee: User  # the other SMLO, whom a referral names
    alex: User  # an advocate
    smlo_group: str
    advocates_group: str


@pytest.fixture
def tenant(entra: EntraStandIn) -> Tenant:
    sky = entra.add_user("Sky Liaison", "sky.liaison@force.example")
    dee = entra.add_user("Dee Deputy", "dee.deputy@force.example")
    alex = entra.add_user("Alex Morgan", "alex.morgan@force.example")
    return Tenant(sky, dee, alex, entra.add_group(sky.id, dee.id), entra.add_group(alex.id))


@pytest.fixture
def environment(
    authority: TokenAuthority,
    connector: ConnectorStandIn,
    entra: EntraStandIn,
    tenant: Tenant,
    tmp_path: Path,
) -> Callable[[], dict[str, str]]:
    def make() -> dict[str, str]:
        return directory_environment(
            authority,
            connector,
            entra,
            str(tmp_path / "sma.sqlite3"),
            SMA_SMLO_GROUP_ID=tenant.smlo_group,
            SMA_ADVOCATES_GROUP_ID=tenant.advocates_group,
        )

    return make


async def test_a_referral_naming_an_smlo_by_email_goes_only_to_the_other_who_alone_may_open_it(
    start_directory_bot: StartBot,
    environment: Callable[[], dict[str, str]],
    connector: ConnectorStandIn,
    tenant: Tenant,
) -> None:
    bot = await start_directory_bot(environment())
    sky = bot.person("Sky Liaison", tenant.sky.id, connector)
    dee = bot.person("Dee Deputy", tenant.dee.id, connector)
    await sky.say("hi")
    await dee.say("hi")
    referrer = bot.person("Robin Referrer", REFERRER_ID, connector)

    await complete_intake(
        referrer, subject_email=" Dee.Deputy@FORCE.example ", subject_wish="only_if_another"
    )
    await connector.wait_until(lambda: shows(sky, NEW_CARD))

    sent = await bot.runtime.stores.referrals.find_by_reference("SMA-2026-0001")
    assert sent is not None
    assert sent.answers.subject_user_id == tenant.dee.id
    assert not shows(dee, NEW_CARD)
    await dee.say("inbox")
    await dee.say("referral SMA-2026-0001")
    assert not shows(dee, NEW_CARD)
    assert shows(dee, "This is not available to you")


async def test_a_referral_naming_an_advocate_never_offers_it_to_them(
    start_directory_bot: StartBot,
    environment: Callable[[], dict[str, str]],
    connector: ConnectorStandIn,
    tenant: Tenant,
) -> None:
    bot = await start_directory_bot(environment())
    sky = bot.person("Sky Liaison", tenant.sky.id, connector)
    await sky.say("hi")
    referrer = bot.person("Robin Referrer", REFERRER_ID, connector)

    await complete_intake(
        referrer, subject_email="alex.morgan@force.example", subject_wish="act_now"
    )
    await connector.wait_until(lambda: shows(sky, NEW_CARD))
    allocation = await sky.click("Find an advocate")

    words = " ".join(card_texts(allocation))
    assert "Alex Morgan" in words
    assert "Cannot be offered this case" in words
    assert "No one can take it just now" in words
    assert "Offer anyway" not in words
