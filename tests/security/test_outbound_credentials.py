"""The bot asks Entra ID for its outbound credentials once, not on every reply.

botbuilder builds a new connector client, with new credentials, for every turn; in
production each would build a new msal application (authority discovery, a blocking call)
and fetch a new token. `bot.connectors.ReusedConnectors` keeps one client per Bot
Connector, so one set of credentials, and msal's token cache, serve every turn.
"""

from __future__ import annotations

from tests.security.conftest import REFERRER_ID, Caller, TokenAuthority

OTHER_PEOPLE = (
    "00000000-0000-4000-8000-00000000d001",
    "00000000-0000-4000-8000-00000000d002",
)


async def test_one_set_of_credentials_serves_every_reply_to_every_person(
    teams: Caller, authority: TokenAuthority
) -> None:
    people = [teams.person(REFERRER_ID), *(teams.person(aad) for aad in OTHER_PEOPLE)]
    for _ in range(3):
        for person in people:
            message = person.activity("message", text="hello")
            assert await teams.post(message, token=authority.token(message["serviceUrl"])) == 201

    for person in people:
        await teams.connector.wait_until(lambda p=person: len(p.chat.messages) >= 3)
    assert teams.bot.credentials is not None
    # One for the connector client and one for botbuilder's user-token client, which it
    # builds beside it on every turn; without reuse it was two for each of the nine turns.
    assert teams.bot.credentials.credentials_made == 2
