"""The one place where failures become plain, kind words. Users see a reference id, never
a trace; logs get the id and the error's class name, never what the person wrote."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from cards.notices import problem_card
from cards.parsers import CardPayloadInvalid
from referrals import errors

log = logging.getLogger(__name__)

NOT_FOR_YOU = (
    "This is not available to you",
    "You do not have access to this. Nothing has changed.",
)
OUT_OF_DATE = (
    "That has already been done",
    "This card is out of date, so nothing has changed. Type help to see what you can do.",
)
ALREADY_WITHDRAWN = (
    "This referral is already withdrawn",
    "Nothing has changed. We deleted what you told us when it was withdrawn.",
)
UNREADABLE = (
    "We could not read that",
    "The card sent something we could not read. Nothing has changed. Please try again.",
)
NOT_FOUND = ("We could not find that", "Please check the reference and try again.")
ADVOCATE_GONE = (
    "That advocate is not available",
    "They are not on the active advocate list. Please choose someone else.",
)
CONSENT = ("We need your consent", "Please tick the consent box on the review card to send it.")
CHECK_ANSWERS = (
    "Please check your answers",
    "One of them is longer than we can keep. Nothing has changed. Please try again.",
)
DIRECTORY_DOWN = (
    "We could not reach the staff list",
    "Microsoft Entra ID did not answer just now. Nothing has changed. Please try again in a "
    "few minutes.",
)
CASE_NOT_OPEN = (
    "This case is closed",
    "Nothing more can be added to its record. Nothing has changed.",
)
ENTRY_GONE = (
    "We could not find that entry",
    "It is not on this case's record. Nothing has changed.",
)
ALREADY_CORRECTED = (
    "That entry was corrected already",
    "An entry is corrected once. Nothing has changed. You can add a new entry instead.",
)
OTHER_KIND = (
    "We could not save that correction",
    "The right entry must be of the same kind as the one it corrects. Nothing has changed.",
)
CLOSE_REASON = (
    "Please say why you are closing it",
    "A case an advocate holds is closed by the service lead only with a note saying why. "
    "Nothing has changed.",
)
SERVICE_GONE = (
    "That service is not in our directory now",
    "It may have changed since the card was shown. Nothing has changed. Please choose again.",
)
NOT_OFFERED = (
    "We did not ask them",
    "They are away, full, or may know the people involved, so nothing has changed. Please "
    "choose someone else, or use Offer anyway and say why.",
)
AVAILABILITY_INVALID = (
    "We could not save that",
    "The number or date was outside what we can take. Nothing has changed. Please try again.",
)
PERIOD_NOT_OFFERED = (
    "Those figures are not available",
    "We show figures only for a review, quarter or year that has ended, and the scrutiny "
    "panel's file only for a review. Nothing has changed. Please type stats to choose again.",
)
NOT_IN_TEAMS = (
    "This person is not in Teams",
    "A service lead took this referral for them, so the bot cannot reach them and they "
    "cannot use it. Please reach them by phone or email, as the referral's details say. "
    "Nothing has changed.",
)
# Files offered in the chat (bot/files.py): said as plain messages, the consent card stays.
FILE_DECLINED = "That's fine. We have not saved the file. You can ask for it again at any time."
FILE_NOT_UPLOADED = (
    "We could not put the file in your OneDrive just now. Nothing was shared. Please ask again."
)
THREAD_CLOSED = (  # said alike for a withdrawn and a closed referral
    "This referral is no longer open",
    "It was closed or withdrawn, so messages cannot reach anyone now. Nothing was sent. If "
    "you need us again, type refer to make a new referral.",
)
# Two turns of one person at once (a double press, or two instances): the other went on.
PRESSED_TOGETHER = (
    "Two presses arrived at once",
    "We went on with the other one, and anything you changed is saved. Please check where "
    "things stand now, and try again if you need to.",
)
PRESSED_TOGETHER_MID_INTAKE = (
    "Two presses arrived at once",
    "We went on with the other one. Everything you have answered is saved in your draft. "
    "Type resume to see where you are now, and carry on from there.",
)
UNEXPECTED = (
    "Sorry, something went wrong",
    "Nothing you have told us is lost. Please try again in a few minutes.",
)


class PressedTogether(Exception):
    """Another turn of the same person saved the dialog state first: this turn's reply is
    not shown, since the conversation has gone on without it (bot/handler.py)."""


class PressedTogetherMidIntake(PressedTogether):
    """As `PressedTogether`, while the person is answering the intake."""


_KNOWN: list[tuple[type[Exception], tuple[str, str]]] = [
    (PressedTogetherMidIntake, PRESSED_TOGETHER_MID_INTAKE),
    (PressedTogether, PRESSED_TOGETHER),
    (errors.AlreadyWithdrawn, ALREADY_WITHDRAWN),
    (errors.ThreadClosed, THREAD_CLOSED),  # before InvalidTransition, which it is
    (errors.ReachedOutsideTeams, NOT_IN_TEAMS),
    (errors.CaseNotOpen, CASE_NOT_OPEN),
    (errors.EntryNotFound, ENTRY_GONE),
    (errors.EntryAlreadyRetracted, ALREADY_CORRECTED),
    (errors.ReplacementOfAnotherKind, OTHER_KIND),
    (errors.CloseReasonRequired, CLOSE_REASON),
    (errors.NotPermitted, NOT_FOR_YOU),
    (errors.InvalidTransition, OUT_OF_DATE),
    (errors.ReferralNotFound, NOT_FOUND),
    (errors.AdvocateNotAvailable, ADVOCATE_GONE),
    (errors.AdvocateExcluded, NOT_OFFERED),
    (errors.AvailabilityInvalid, AVAILABILITY_INVALID),
    (errors.ConcurrentUpdate, OUT_OF_DATE),
    (errors.ConsentRequired, CONSENT),
    (errors.AnswerInvalid, CHECK_ANSWERS),
    (errors.DirectoryUnavailable, DIRECTORY_DOWN),
    (errors.UnknownSupportService, SERVICE_GONE),
    (errors.PeriodNotOffered, PERIOD_NOT_OFFERED),
    (CardPayloadInvalid, UNREADABLE),
]


def explain(error: Exception) -> dict[str, Any]:
    """A card telling the person what happened. Unknown errors get a reference id to quote."""
    for kind, (title, message) in _KNOWN:
        if isinstance(error, kind):
            log.info("refused: %s", type(error).__name__)
            return problem_card(title, message)
    error_id = uuid.uuid4().hex[:8].upper()
    log.error("unexpected error %s: %s", error_id, type(error).__name__, exc_info=error)
    return problem_card(*UNEXPECTED, error_id=error_id)
