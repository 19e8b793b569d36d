"""Files for a person to keep, sent the way Teams bots send files (personal chats only;
the manifest's `supportsFiles`):

1. A route answers with `Reply(file=FileOffer(kind, name, description, size, context))`.
   The bot sends a file consent card naming the file, its size and what it is; the card's
   accept and decline contexts carry the offer's `context` and its `kind`, never content.
2. The person accepts or declines, and Teams sends a `fileConsent/invoke`. `FileDelivery`
   answers every one with 200 and, in the chat:
   - declined: a short, kind message; nothing is made;
   - accepted: the maker of that `kind` makes the file again from the context, checking
     again, server-side, that this person may have it (the use case audits it); the bytes
     go to Teams' `uploadUrl` (their OneDrive) in one PUT with `Content-Range`, and a
     file info card shows the file in the chat. An upload that fails says so plainly:
     nothing was shared.

Another kind of file plugs in with a maker, `async (actor, context) -> bytes`, listed under
its kind in its routes module's `files()` (collected by `bot.routes.file_makers`), and a
route that offers it. The context comes back from the person's client: a maker treats it
as a forged card payload, reads it through `cards/parsers.py`, and asks a use case.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

import aiohttp
from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment

from bot.activities import card_message
from bot.messages import FILE_DECLINED, FILE_NOT_UPLOADED, explain
from cards.parsers import CardPayloadInvalid, parse_file_answer
from cards.reply import FileOffer
from cards.requests import UploadTarget
from referrals.people import Actor

log = logging.getLogger(__name__)

FILE_CONSENT_INVOKE = "fileConsent/invoke"
CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
INFO_CARD = "application/vnd.microsoft.teams.card.file.info"
KIND = "kind"
UPLOAD_SECONDS = 60
UPLOADED = (200, 201)  # OneDrive's answers to the last (here: only) range of an upload

FileMaker = Callable[[Actor, Mapping[str, str]], Awaitable[bytes]]
FileMakers = Mapping[str, FileMaker]


def is_file_consent(activity: Activity) -> bool:
    return bool(activity.type == ActivityTypes.invoke and activity.name == FILE_CONSENT_INVOKE)


def consent_card(offer: FileOffer) -> Attachment:
    """Teams' file consent card: the file's name, size and what it is; the contexts come
    back with the answer."""
    context = {**offer.context, KIND: offer.kind}
    content = {
        "description": offer.description,
        "sizeInBytes": offer.size_in_bytes,
        "acceptContext": context,
        "declineContext": context,
    }
    return Attachment(content_type=CONSENT_CARD, name=offer.name, content=content)


def info_card(target: UploadTarget) -> Attachment:
    """The file, now in their OneDrive, as Teams shows a file in a chat."""
    content = {"uniqueId": target.unique_id, "fileType": target.file_type}
    return Attachment(
        content_type=INFO_CARD, name=target.name, content_url=target.content_url, content=content
    )


class FileDelivery:
    """Offers files and answers the person's consent: `makers` by kind; `upload_allowed`
    says which upload URLs a file may be sent to (common.hosts.upload_url_allowed)."""

    def __init__(self, makers: FileMakers, upload_allowed: Callable[[str], bool]) -> None:
        self._makers = makers
        self._upload_allowed = upload_allowed

    async def offer(self, tc: TurnContext, offer: FileOffer) -> None:
        if offer.kind not in self._makers:
            raise RuntimeError(f"a file of kind {offer.kind!r} was offered with no maker")
        await tc.send_activity(MessageFactory.attachment(consent_card(offer)))

    async def answer(self, tc: TurnContext, actor: Actor) -> InvokeResponse:
        """The person's answer to a consent card; always 200 (Teams shows an error for
        anything else): what happened is said in the chat."""
        try:
            answer = parse_file_answer(tc.activity.value)
            maker = self._makers.get(answer.kind)
            if maker is None:
                raise CardPayloadInvalid({KIND: "That card is not one of ours."})
        except CardPayloadInvalid as unreadable:
            await tc.send_activity(card_message(explain(unreadable)))
            return InvokeResponse(status=200)
        if not answer.accepted or answer.upload is None:
            await tc.send_activity(FILE_DECLINED)
            return InvokeResponse(status=200)
        target = answer.upload
        if not self._upload_allowed(target.upload_url):
            log.warning("file upload refused: kind=%s reason=upload-host", answer.kind)
            await tc.send_activity(FILE_NOT_UPLOADED)
            return InvokeResponse(status=200)
        try:
            data = await maker(actor, answer.context)  # refusals are audited by the use case
        except Exception as error:
            await tc.send_activity(card_message(explain(error)))
            return InvokeResponse(status=200)
        if await _upload(target.upload_url, data, answer.kind):
            await tc.send_activity(MessageFactory.attachment(info_card(target)))
        else:
            await tc.send_activity(FILE_NOT_UPLOADED)
        return InvokeResponse(status=200)


async def _upload(url: str, data: bytes, kind: str) -> bool:
    """One PUT of the whole file, as its only range. The URL names the person's OneDrive
    (and so them): it is never logged, and never followed elsewhere."""
    if not data:
        raise ValueError("an empty file cannot be uploaded in a range")
    size = len(data)
    headers = {"Content-Length": str(size), "Content-Range": f"bytes 0-{size - 1}/{size}"}
    timeout = aiohttp.ClientTimeout(total=UPLOAD_SECONDS)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.put(url, data=data, headers=headers, allow_redirects=False) as response,
        ):
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning("file upload failed: kind=%s error=%s", kind, type(error).__name__)
        return False
    if status not in UPLOADED:
        log.warning("file upload failed: kind=%s status=%s", kind, status)
        return False
    log.info("file uploaded: kind=%s bytes=%s", kind, size)
    return True
