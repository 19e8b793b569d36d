"""Canned answers and short walks through the intake, shared by the dialog tests."""

from __future__ import annotations

from referrals.intake import IntakeAnswers, IntakeStep, Route
from referrals.people import Actor
from referrals.referral import Referral
from tests.dialogs.harness import BotWorld, Card, Conversation
from tests.support.teams import actions_of

ACCOUNT = "CANARY-ACCOUNT: he kept making comments at the Christmas do"
AVOID = "CANARY-AVOID Custody team"
PHONE = "01632 960123"
EMAIL = "robin.canary@example.org"
SAFE_TIMES = "weekday evenings"

ABOUT_YOU = {"route": "experienced", "employment": "officer"}
WISHES = {"wishes": "talk_to_advocate,information"}
WHAT_HAPPENED = {"account": ACCOUNT, "when": "past_month", "colleague": "yes", "avoid": AVOID}
SUBJECT: dict[str, str] = {}  # whom it is about: left unsaid
CONTACT = {
    "contact_methods": "teams,personal_phone",
    "personal_phone": PHONE,
    "personal_email": EMAIL,
    "safe_times": SAFE_TIMES,
    "leave_message": "no",
}
MONITORING = {"gender": "woman", "age_band": "25_34"}
PRIVATE_WORDS = (ACCOUNT, AVOID, PHONE, EMAIL, SAFE_TIMES)


def heading(card: Card) -> str:
    return str(card["body"][0]["text"])


def buttons(card: Card) -> list[str]:
    return [str(a["title"]) for a in actions_of(card)]


async def start(person: Conversation) -> Card:
    await person.say("hi")
    return await person.click("Start a referral")


async def answer_to_review(person: Conversation) -> Card:
    """From the welcome card, answer every step of the usual (not on-behalf) route."""
    await start(person)
    for answers in (ABOUT_YOU, WISHES, WHAT_HAPPENED, SUBJECT, CONTACT, MONITORING):
        await person.click("Next", **answers)
    return person.card


async def draft_of(world: BotWorld, person: Conversation) -> Referral:
    found = await world.stores.referrals.find_draft(person.user_id)
    assert found is not None, f"{person.name} has no draft"
    return found


async def sent_by(world: BotWorld, referrer_id: str) -> Referral:
    """A referral this person sent, through the use cases (the SMLO's tests start here)."""
    referrer = Actor(referrer_id)
    draft = await world.services.intake.start_draft(referrer)
    answers = IntakeAnswers(route=Route.EXPERIENCED, account="what happened", consent=True)
    await world.services.intake.record_answers(referrer, draft.id, answers, IntakeStep.REVIEW)
    return await world.services.intake.submit(referrer, draft.id)
