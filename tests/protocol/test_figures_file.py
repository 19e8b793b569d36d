"""The SMLO's figures as a spreadsheet, over real HTTP, the way Teams has bots send files:
a file consent card, the SMLO's answer (`fileConsent/invoke`), the bytes PUT to the upload
URL Teams names (a loopback stand-in for their OneDrive), and a file info card. Nobody
else gets a file, a forged answer uploads nothing, and the file holds no suppressed value,
name or text."""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import openpyxl
import pytest

from bot.messages import FILE_DECLINED, FILE_NOT_UPLOADED
from cards.statistics import FEWER, HIDDEN
from devtools.seed import DEMO_TEXT, history
from exports.figures import FIGURES_SHEET, MONTHS_SHEET
from exports.scrutiny import CASES
from referrals.anonymity import K
from referrals.audit import SCRUTINY, STATISTICS, AuditAction, Outcome
from referrals.people import Advocate
from tests.protocol.conftest import People, RunningBot
from tests.protocol.journeys import ACCOUNT, complete_intake, everyone_says_hi, shows
from tests.protocol.test_statistics import refer_as_staff
from tests.support.connector import ConnectorStandIn
from tests.support.teams import TeamsUser
from tests.support.upload import UploadStandIn, answer_consent, consent_card, file_cards

REVIEW = "window-2025-12"  # December 2025 to May 2026, ended in June
PRIVATE_WORDS = (ACCOUNT, "CANARY", "Robin Referrer", "Pat Stranger", "Sky Liaison", "SMA-2026")


@pytest.fixture
async def onedrive() -> AsyncIterator[UploadStandIn]:
    stand_in = UploadStandIn()
    await stand_in.start()
    yield stand_in
    await stand_in.stop()


async def a_review_with_small_months(bot: RunningBot, people: People) -> None:
    """Five referrals in March 2026 and one in April, and then June: in December to May,
    April reads "fewer than 5" and March is hidden so that April cannot be worked out."""
    await everyone_says_hi(people)
    for _ in range(5):
        await complete_intake(people.referrer)  # the account holds canary words
    bot.clock.advance(timedelta(days=31))
    await refer_as_staff(people.stranger)
    bot.clock.advance(timedelta(days=61))


def xlsx_text(data: bytes) -> str:
    """Every part of the workbook as text, to look for words that must not be there."""
    with zipfile.ZipFile(io.BytesIO(data)) as parts:
        return "\n".join(parts.read(name).decode("utf-8") for name in parts.namelist())


async def exports(bot: RunningBot) -> list[tuple[str, Outcome]]:
    trail = await bot.runtime.services.steps.audit.for_referral(STATISTICS)
    return [(e.actor_id, e.outcome) for e in trail if e.action is AuditAction.EXPORT_STATISTICS]


async def test_the_smlo_gets_the_figures_as_a_spreadsheet_saved_to_their_onedrive(
    bot: RunningBot, connector: ConnectorStandIn, people: People, onedrive: UploadStandIn
) -> None:
    await a_review_with_small_months(bot, people)
    assert await people.smlo.say("stats") == 201

    still = await people.smlo.click("Get this as a spreadsheet")

    assert "Figures for the six-month review December 2025 to May 2026" in json.dumps(still), (
        "the card stays"
    )
    message_id, consent = consent_card(people.smlo)
    content = consent["content"]
    assert consent["name"] == "SMA figures 2025-12 to 2026-05.xlsx"
    assert content["acceptContext"] == content["declineContext"]
    assert content["acceptContext"] == {"period": REVIEW, "kind": "figures"}, "ids only"
    shown = json.dumps(consent)
    for words in (*PRIVATE_WORDS, FEWER, HIDDEN, "Woman", "officer"):
        assert words not in shown, f"the consent card shows {words!r}"
    size = content["sizeInBytes"]
    assert isinstance(size, int)
    assert size > 0

    info = onedrive.upload_info(consent["name"])
    status, _ = await answer_consent(people.smlo, "accept", info)

    assert status == 200
    (put,) = onedrive.puts
    assert put.content_range == f"bytes 0-{len(put.body) - 1}/{len(put.body)}"
    assert len(put.body) == size, "the file made again is the file offered"
    book = openpyxl.load_workbook(io.BytesIO(put.body))
    months = {row[0]: row[1] for row in book[MONTHS_SHEET].iter_rows(values_only=True)}
    assert (months["March 2026"], months["April 2026"]) == (HIDDEN, FEWER)
    assert months["In total"] == 6
    figures = [row for row in book[FIGURES_SHEET].iter_rows(values_only=True)]
    assert ("They saw it happen", FEWER) in figures
    assert ("It happened to them", HIDDEN) in figures, "else 6 minus 1 shows the one"
    assert len(book[MONTHS_SHEET]._charts) == 1  # type: ignore[attr-defined]
    written = xlsx_text(put.body)
    for words in PRIVATE_WORDS:
        assert words not in written, f"the file holds {words!r}"
    await connector.wait_until(lambda: bool(file_cards(people.smlo)))
    (shown_file,) = file_cards(people.smlo)
    assert shown_file["name"] == info["name"]
    assert shown_file["contentUrl"] == info["contentUrl"]
    assert shown_file["content"] == {"uniqueId": info["uniqueId"], "fileType": "xlsx"}
    assert message_id in people.smlo.chat.messages, "the consent card is Teams' to update"
    assert await exports(bot) == [(people.smlo.aad_object_id, Outcome.ALLOWED)]


async def test_typed_stats_file_offers_the_latest_review_and_a_decline_uploads_nothing(
    bot: RunningBot, people: People, onedrive: UploadStandIn
) -> None:
    await a_review_with_small_months(bot, people)

    assert await people.smlo.say("stats file") == 201

    _, consent = consent_card(people.smlo)
    assert consent["content"]["acceptContext"]["period"] == REVIEW
    assert not shows(people.smlo, "Figures for"), "typed, the offer comes on its own"
    status, _ = await answer_consent(people.smlo, "decline")
    assert status == 200
    assert shows(people.smlo, FILE_DECLINED)
    assert (onedrive.hits, file_cards(people.smlo)) == (0, [])
    assert await exports(bot) == []


async def test_an_upload_that_fails_shares_nothing_and_says_so(
    bot: RunningBot, people: People, onedrive: UploadStandIn
) -> None:
    await a_review_with_small_months(bot, people)
    assert await people.smlo.say("stats file") == 201
    onedrive.fail_next(1, status=503)

    status, _ = await answer_consent(people.smlo, "accept", onedrive.upload_info("f.xlsx"))

    assert status == 200
    assert shows(people.smlo, FILE_NOT_UPLOADED)
    assert (onedrive.hits, onedrive.puts, file_cards(people.smlo)) == (1, [], [])
    await onedrive.stop()  # nobody listening at all now
    status, _ = await answer_consent(people.smlo, "accept", onedrive.upload_info("f.xlsx"))
    assert status == 200
    assert len(people.smlo.messages_showing(FILE_NOT_UPLOADED)) == 2
    assert file_cards(people.smlo) == []


async def test_nobody_but_an_smlo_can_ask_for_the_file_or_forge_an_acceptance(
    bot: RunningBot, people: People, onedrive: UploadStandIn
) -> None:
    await a_review_with_small_months(bot, people)
    for someone in (people.referrer, people.advocate_a, people.stranger):
        assert await someone.say("stats file") == 201
        assert shows(someone, "This is not available to you")
        forged = {"kind": "figures", "period": REVIEW}
        info = onedrive.upload_info("f.xlsx")

        status, _ = await answer_consent(someone, "accept", info, context=forged)

        assert status == 200
        assert len(someone.messages_showing("This is not available to you")) == 2
        assert file_cards(someone) == []
    assert onedrive.hits == 0
    refused = [who for who, outcome in await exports(bot) if outcome is Outcome.REFUSED]
    assert refused == [p.aad_object_id for p in (people.referrer, people.advocate_a)] + [
        people.stranger.aad_object_id
    ], "each forged acceptance is audited"


@pytest.mark.parametrize(
    ("context", "answer"),
    [
        ({"kind": "figures", "period": "window-2026-06"}, "Those figures are not available"),
        ({"kind": "figures", "period": "window-2024-12"}, "Those figures are not available"),
        ({"kind": "figures", "period": "year-2026"}, "We could not read that"),
        ({"kind": "figures"}, "We could not read that"),
        ({"kind": "case_notes", "period": REVIEW}, "We could not read that"),
        ({"kind": "figures", "period": ["window-2025-12"]}, "We could not read that"),
    ],
    ids=["running", "before_the_start", "not_a_review", "no_period", "unknown_kind", "a_list"],
)
async def test_a_forged_period_or_kind_uploads_nothing(
    bot: RunningBot,
    people: People,
    onedrive: UploadStandIn,
    context: dict[str, Any],
    answer: str,
) -> None:
    await a_review_with_small_months(bot, people)

    status, _ = await answer_consent(
        people.smlo, "accept", onedrive.upload_info("f.xlsx"), context=context
    )

    assert status == 200
    assert shows(people.smlo, answer)
    assert (onedrive.hits, file_cards(people.smlo)) == (0, [])
    refused = [o for _, o in await exports(bot)]
    assert refused == ([Outcome.REFUSED] if answer.startswith("Those") else []), (
        "a review not on offer is refused by the use case, and audited"
    )


async def test_a_file_goes_nowhere_but_to_onedrive_whatever_the_answer_names(
    bot: RunningBot, people: People, onedrive: UploadStandIn
) -> None:
    await a_review_with_small_months(bot, people)
    assert await people.smlo.say("stats file") == 201
    for elsewhere in ("https://collector.example/upload", "http://contoso-my.sharepoint.com/x"):
        info = onedrive.upload_info("f.xlsx", upload_url=elsewhere)

        status, _ = await answer_consent(people.smlo, "accept", info)

        assert status == 200
    assert len(people.smlo.messages_showing(FILE_NOT_UPLOADED)) == 2
    assert await exports(bot) == [], "nothing was made for a place it may not go"


async def answer_twice(user: TeamsUser, onedrive: UploadStandIn) -> None:
    """Teams retries an invoke it got no answer to: the same activity id, answered once."""
    _, card = consent_card(user)
    info = onedrive.upload_info(card["name"])
    value = {"type": "fileUpload", "action": "accept", "context": card["content"]["acceptContext"]}
    invoke = user.activity("invoke", name="fileConsent/invoke", value={**value, "uploadInfo": info})
    for _ in range(2):
        status, _ = await user.post(invoke)
        assert status == 200


async def test_an_acceptance_sent_twice_uploads_once(
    bot: RunningBot, connector: ConnectorStandIn, people: People, onedrive: UploadStandIn
) -> None:
    await a_review_with_small_months(bot, people)
    assert await people.smlo.say("stats file") == 201

    await answer_twice(people.smlo, onedrive)

    assert len(onedrive.puts) == 1
    await connector.wait_until(lambda: len(file_cards(people.smlo)) == 1)


async def test_the_smlo_gets_the_scrutiny_panels_file_every_row_shared_by_five_cases(
    bot: RunningBot, connector: ConnectorStandIn, people: People, onedrive: UploadStandIn
) -> None:
    """Two years of closed demo cases in the store: `scrutiny file` offers the latest
    review's closed cases as a file through the same consent and upload; the file holds
    no reference, no text anyone wrote, and every row is one of at least five alike."""
    advocates = [Advocate(f"demo-advocate-{n}", f"Demo advocate {n}") for n in range(4)]
    for referral in history(bot.clock.now(), advocates):
        referral.new_notifications.clear()
        await bot.runtime.services.steps.stores.referrals.save(referral)
    await everyone_says_hi(people)

    assert await people.smlo.say("scrutiny file") == 201

    _, consent = consent_card(people.smlo)
    assert consent["name"] == "scrutiny-2025-06.xlsx"
    assert consent["content"]["acceptContext"] == {"period": "window-2025-06", "kind": "scrutiny"}
    status, _ = await answer_consent(people.smlo, "accept", onedrive.upload_info(consent["name"]))

    assert status == 200
    (put,) = onedrive.puts
    book = openpyxl.load_workbook(io.BytesIO(put.body))
    rows = [row for row in book[CASES].iter_rows(min_row=2, values_only=True)]
    assert len(rows) >= K, "the review closed cases"
    assert all(n >= K for n in Counter(rows).values()), "no row can be singled out"
    written = xlsx_text(put.body)
    for words in (*PRIVATE_WORDS, "DEMO", "Demo advocate", "SMA-", DEMO_TEXT):
        assert words not in written, f"the file holds {words!r}"
    await connector.wait_until(lambda: bool(file_cards(people.smlo)))
    trail = await bot.runtime.services.steps.audit.for_referral(SCRUTINY)
    assert [(e.action, e.outcome) for e in trail] == [
        (AuditAction.EXPORT_SCRUTINY, Outcome.ALLOWED),  # offered: made to give its size
        (AuditAction.EXPORT_SCRUTINY, Outcome.ALLOWED),  # accepted: made and uploaded
    ]


async def test_someone_else_forging_the_scrutiny_file_answer_uploads_nothing(
    bot: RunningBot, people: People, onedrive: UploadStandIn
) -> None:
    await everyone_says_hi(people)
    forged = {"period": "window-2025-06", "kind": "scrutiny"}
    info = onedrive.upload_info("scrutiny-2025-06.xlsx")

    status, _ = await answer_consent(people.advocate_a, "accept", info, context=forged)

    assert status == 200
    assert onedrive.puts == []
    trail = await bot.runtime.services.steps.audit.for_referral(SCRUTINY)
    assert [e.outcome for e in trail] == [Outcome.REFUSED]
