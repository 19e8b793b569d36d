"""The whole referral path in a real browser: three people, each in their own Agents
Playground, clicking the real card controls. Referrer → SMLO → advocate → referrer.

Run: `pytest -m e2e -s` (screenshots in test-artifacts/e2e/<test name>/).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from playwright.async_api import Locator, Page, expect

from cards import chart as chart_module
from cards import statistics as statistics_module
from cards.intake import CONSENT_TEXT
from tests.e2e.conftest import BOT_MESSAGE, COMPOSE, People, Shots

WAIT = 30_000  # ms, for every expectation and action (generous: a busy machine)
PHONE = "01632 960123"
pytestmark = pytest.mark.e2e


def messages(page: Page) -> Locator:
    """The bot's messages, oldest first (a card replaced in place stays one message)."""
    return page.locator(BOT_MESSAGE)


async def say(page: Page, text: str) -> None:
    box = page.locator(COMPOSE)
    await box.click(timeout=WAIT)
    await box.fill(text, timeout=WAIT)
    await page.get_by_role("button", name="Send Message").click(timeout=WAIT)


async def click(message: Locator, title: str) -> None:
    await message.get_by_role("button", name=title, exact=True).click(timeout=WAIT)


async def everything_shown(page: Page) -> str:
    """All the text on the page, plus what any input or text area holds."""
    text: str = await page.locator("body").inner_text(timeout=WAIT)
    values: list[str] = await page.locator("input, textarea").evaluate_all(
        "els => els.map(e => e.value)"
    )
    return "\n".join([text, *values])


async def new_message(page: Page, before: int, words: str) -> Locator:
    """Wait for the bot's next message (number `before`, counting from 0) saying `words`."""
    await expect(messages(page)).to_have_count(before + 1, timeout=WAIT)
    message = messages(page).nth(before)
    await expect(message).to_contain_text(words, timeout=WAIT)
    return message


async def next_step(message: Locator, heading: str) -> None:
    await click(message, "Next")
    await expect(message).to_contain_text(heading, timeout=WAIT)


async def test_a_referral_goes_from_referrer_to_smlo_to_advocate_and_back(
    people: People, shots: Shots
) -> None:
    started = time.monotonic()
    canary = f"CANARY-{uuid4().hex[:8]} said something at the Christmas do"
    referrer, smlo, advocate = people.referrer.page, people.smlo.page, people.advocate.page

    # Opening each page greets that person; after that the bot can reach them unasked.
    for page in (referrer, smlo, advocate):
        await new_message(page, 0, "Welcome to the SMA service")
    await expect(messages(smlo).nth(0)).to_contain_text("You are a service lead", timeout=WAIT)
    await shots.take(referrer, "referrer-welcome")
    await shots.take(smlo, "smlo-welcome")
    await shots.take(advocate, "advocate-welcome")

    # -- the referrer answers every step with the real controls -------------------------
    form = messages(referrer).nth(0)
    await click(form, "Start a referral")
    await expect(form).to_contain_text("Step 1 of 7: About you", timeout=WAIT)
    await form.get_by_label("It happened to me", exact=True).check(timeout=WAIT)
    await form.get_by_label("Police officer", exact=True).check(timeout=WAIT)
    await shots.take(referrer, "step1-about-you")

    await next_step(form, "Step 2 of 7: What you would like")
    await form.get_by_role("checkbox", name="Talk to an advocate").check(timeout=WAIT)
    await form.get_by_role("checkbox", name="Find out what my options are").check(timeout=WAIT)
    await shots.take(referrer, "step2-wishes")

    await next_step(form, "Step 3 of 7: What happened")
    await form.get_by_label("If you want to, say a little about what happened.").fill(
        canary, timeout=WAIT
    )
    await form.get_by_label("In the last month", exact=True).check(timeout=WAIT)
    await form.get_by_label("Yes", exact=True).check(timeout=WAIT)
    await form.get_by_label("you would not want as your advocate").fill("Custody", timeout=WAIT)
    await shots.take(referrer, "step3-what-happened")

    await next_step(form, "Step 4 of 7: Who it is about")
    await shots.take(referrer, "step4-who-it-is-about")

    await next_step(form, "Step 5 of 7: How to reach you")
    await form.get_by_role("checkbox", name="A Teams chat or call").check(timeout=WAIT)
    await form.get_by_role("checkbox", name="My work phone").check(timeout=WAIT)
    await form.get_by_label("Work phone", exact=True).fill(PHONE, timeout=WAIT)
    await form.get_by_label("When is it safe to contact you?").fill(
        "Weekday evenings", timeout=WAIT
    )
    await form.get_by_label("No", exact=True).check(timeout=WAIT)
    await shots.take(referrer, "step4-contact")

    await next_step(form, "Step 6 of 7: A few last questions")
    await form.get_by_label("Woman", exact=True).check(timeout=WAIT)
    await form.get_by_label("25 to 34", exact=True).check(timeout=WAIT)
    await shots.take(referrer, "step5-monitoring")

    await next_step(form, "Step 7 of 7: Check and send")
    await expect(form).to_contain_text(canary, timeout=WAIT)
    await expect(form).to_contain_text(PHONE, timeout=WAIT)
    await form.get_by_role("checkbox", name=CONSENT_TEXT).check(timeout=WAIT)
    await shots.take(referrer, "step6-review")

    year = datetime.now(UTC).year
    reference = f"SMA-{year}-0001"
    await click(form, "Send my referral")
    await expect(form).to_contain_text("Your referral has been sent", timeout=WAIT)
    await expect(form).to_contain_text(reference, timeout=WAIT)
    await expect(messages(referrer)).to_have_count(1, timeout=WAIT)  # replaced, not added
    await shots.take(referrer, "referrer-receipt")
    assert canary not in await everything_shown(referrer), "the review card must be replaced"

    # -- the SMLO is told, opens it from the inbox and offers it to Alex Morgan ---------
    summary = await new_message(smlo, 1, f"Referral {reference}")
    await shots.take(smlo, "smlo-new-referral")
    assert canary not in await everything_shown(smlo), "the card that arrives unasked is bare"

    await say(smlo, "inbox")
    inbox = await new_message(smlo, 2, "Inbox: 1 referral needs you")
    await expect(inbox).to_contain_text(reference, timeout=WAIT)
    await shots.take(smlo, "smlo-inbox")

    await click(inbox, "Open")
    await expect(inbox).to_contain_text(canary, timeout=WAIT)  # the SMLO may read it
    await expect(inbox).to_contain_text(PHONE, timeout=WAIT)
    await shots.take(smlo, "smlo-details")

    await click(inbox, "Find an advocate")
    await expect(inbox).to_contain_text(f"Find an advocate for {reference}", timeout=WAIT)
    await expect(inbox).to_contain_text("Free, 0 of 3 cases", timeout=WAIT)  # load vs limit
    await inbox.get_by_label(re.compile(r"^Alex Morgan")).check(timeout=WAIT)
    await shots.take(smlo, "smlo-choose-advocate")

    await click(inbox, "Ask them")
    await expect(inbox).to_contain_text("Offered to Alex Morgan", timeout=WAIT)
    await shots.take(smlo, "smlo-offered")

    # -- the advocate sees an offer with nothing about the person, and accepts ----------
    offer = await new_message(advocate, 1, "Can you support someone?")
    await expect(offer).to_contain_text(reference, timeout=WAIT)
    await shots.take(advocate, "advocate-offer")
    assert canary not in await everything_shown(advocate), "no content before accepting"

    await click(offer, "Yes, I can")
    await expect(offer).to_contain_text(f"You are supporting {reference}", timeout=WAIT)
    await expect(offer).to_contain_text(canary, timeout=WAIT)
    await expect(offer).to_contain_text(PHONE, timeout=WAIT)
    await shots.take(advocate, "advocate-case")

    # -- the referrer hears that someone will support them; the SMLO's card moves on ----
    await new_message(referrer, 1, f"An advocate will support you: {reference}")
    await shots.take(referrer, "referrer-allocated")
    told = await messages(referrer).all_inner_texts()
    assert not any("Alex Morgan" in text for text in told), "told that, not who"
    assert canary not in await everything_shown(referrer)

    await expect(summary).to_contain_text("Alex Morgan has taken this case.", timeout=WAIT)
    await expect(summary).to_contain_text("Advocate in place", timeout=WAIT)
    await shots.take(smlo, "smlo-taken")

    # -- the referrer withdraws: nothing they said stays in anyone's chat ---------------
    await click(summary, "Open details")
    await expect(summary).to_contain_text(canary, timeout=WAIT)
    await say(referrer, "my referrals")
    mine = await new_message(referrer, 2, reference)
    await click(mine, "Withdraw")
    await click(mine, "Yes, withdraw it")
    await expect(mine).to_contain_text(f"{reference} is withdrawn", timeout=WAIT)
    for page, name in ((advocate, "advocate"), (smlo, "smlo")):
        await expect(page.locator("body")).not_to_contain_text(canary, timeout=WAIT)
        await expect(page.locator("body")).not_to_contain_text(PHONE, timeout=WAIT)
        await shots.take(page, f"{name}-after-withdrawal")
        assert canary not in await everything_shown(page), f"the {name}'s chat is clear"
    await expect(offer).to_contain_text("We have removed its details", timeout=WAIT)

    # -- the advocate says they are away for a while -----------------------------------
    await say(advocate, "availability")
    mine = messages(advocate).last
    await expect(mine).to_contain_text("When you can take cases", timeout=WAIT)
    await mine.get_by_label("I am away until a date").check(timeout=WAIT)
    back = datetime.now(UTC).date() + timedelta(days=7)
    await mine.get_by_label("If away: the day you are back").fill(back.isoformat(), timeout=WAIT)
    await click(mine, "Save")
    await expect(mine).to_contain_text("Saved. Thank you for letting us know.", timeout=WAIT)
    await expect(mine).to_contain_text(f"Away until {back:%a} {back.day}", timeout=WAIT)
    await shots.take(advocate, "advocate-availability")

    print(f"\nthe journey took {time.monotonic() - started:.1f} s")  # noqa: T201


async def quick_referral(people: People) -> str:
    """The short way: "Ask an advocate to contact me", ticked and sent; its reference."""
    welcome = messages(people.referrer.page).nth(0)
    await click(welcome, "Ask an advocate to contact me")
    await welcome.get_by_role("checkbox", name=CONSENT_TEXT).check(timeout=WAIT)
    await click(welcome, "Send")
    reference = f"SMA-{datetime.now(UTC).year}-0001"
    await expect(welcome).to_contain_text("Your referral has been sent", timeout=WAIT)
    return reference


async def offer_to_alex(smlo: Page, summary: Locator) -> None:
    await click(summary, "Find an advocate")
    await summary.get_by_label(re.compile(r"^Alex Morgan")).check(timeout=WAIT)
    await click(summary, "Ask them")
    await expect(summary).to_contain_text("Offered to Alex Morgan", timeout=WAIT)


async def test_the_advocate_logs_a_contact_and_closes_the_case_and_the_smlo_sees_it(
    people: People, shots: Shots
) -> None:
    canary = f"CANARY-{uuid4().hex[:8]} first call went well"
    referrer, smlo, advocate = people.referrer.page, people.smlo.page, people.advocate.page
    for page in (referrer, smlo, advocate):
        await new_message(page, 0, "Welcome to the SMA service")
    reference = await quick_referral(people)
    summary = await new_message(smlo, 1, f"Referral {reference}")
    await offer_to_alex(smlo, summary)
    case = await new_message(advocate, 1, "Can you support someone?")
    await click(case, "Yes, I can")
    await expect(case).to_contain_text(f"You are supporting {reference}", timeout=WAIT)

    # -- a contact, from the case card: today and now are filled in -----------------------
    await click(case, "Log a contact")
    await expect(case).to_contain_text(f"Log a contact: {reference}", timeout=WAIT)
    await case.get_by_label("Phone", exact=True).check(timeout=WAIT)
    await case.get_by_label(re.compile(r"^A short note")).fill(canary, timeout=WAIT)
    await shots.take(advocate, "record-contact-form")
    await click(case, "Save")
    await expect(case).to_contain_text(f"Case record: {reference}", timeout=WAIT)
    await expect(case).to_contain_text("Contact: Phone (first contact)", timeout=WAIT)
    await expect(case).not_to_contain_text(canary, timeout=WAIT)  # on the timeline: no text
    await shots.take(advocate, "record-timeline")
    await click(case, "Open")
    await expect(case).to_contain_text(canary, timeout=WAIT)  # on tap, for them
    await shots.take(advocate, "record-entry")
    await click(case, "Back to the record")

    # -- closing: the outcome, whether they were told -------------------------------------
    await click(case, "Close the case")
    await expect(case).to_contain_text(f"Close the case: {reference}", timeout=WAIT)
    await case.get_by_label("Support is complete", exact=True).check(timeout=WAIT)
    await case.get_by_label("Yes", exact=True).check(timeout=WAIT)
    await shots.take(advocate, "record-close-form")
    await click(case, "Close the case")
    await expect(case).to_contain_text(f"You closed {reference}", timeout=WAIT)
    await shots.take(advocate, "record-closed")
    assert canary not in await everything_shown(advocate), "nothing of the case stays"

    # -- the SMLO's card says so, and the referrer is told, content-free ------------------
    await expect(summary).to_contain_text("Closed. The reason: support is complete.", timeout=WAIT)
    await shots.take(smlo, "record-smlo-closed")
    closed = await new_message(referrer, 2, f"About your referral {reference}")
    await expect(closed).to_contain_text("Your advocate has closed your case", timeout=WAIT)
    await shots.take(referrer, "record-referrer-told")
    for page in (smlo, referrer):
        assert canary not in await everything_shown(page)


async def test_the_smlo_triages_gives_the_case_to_another_advocate_and_records_an_escalation(
    people: People, shots: Shots
) -> None:
    referrer, smlo, advocate = people.referrer.page, people.smlo.page, people.advocate.page
    for page in (referrer, smlo, advocate):
        await new_message(page, 0, "Welcome to the SMA service")
    reference = await quick_referral(people)
    summary = await new_message(smlo, 1, f"Referral {reference}")

    # -- triage: urgent, a safeguarding concern; the card says so in those words -----------
    await click(summary, "Triage")
    await expect(summary).to_contain_text(f"Triage {reference}", timeout=WAIT)
    await summary.get_by_label("Yes", exact=True).check(timeout=WAIT)
    await summary.get_by_label("Urgent", exact=True).check(timeout=WAIT)
    await summary.get_by_role("checkbox", name="A safeguarding concern").check(timeout=WAIT)
    await shots.take(smlo, "triage-form")
    await click(summary, "Save")
    await expect(summary).to_contain_text("Urgent; a safeguarding concern", timeout=WAIT)
    await shots.take(smlo, "triage-saved")

    # -- Alex takes it; then the SMLO gives it to Sam, and Alex's chat lets it go ----------
    await offer_to_alex(smlo, summary)
    case = await new_message(advocate, 1, "Can you support someone?")
    await click(case, "Yes, I can")
    await expect(case).to_contain_text(f"You are supporting {reference}", timeout=WAIT)
    await expect(summary).to_contain_text("Alex Morgan has taken this case.", timeout=WAIT)
    await click(summary, "Open details")
    await click(summary, "Give to another advocate")
    await expect(summary).to_contain_text(f"Give {reference} to another advocate", timeout=WAIT)
    await summary.get_by_label("We found a conflict of interest", exact=True).check(timeout=WAIT)
    await summary.get_by_label(re.compile(r"^Sam Okafor")).check(timeout=WAIT)
    await shots.take(smlo, "reassign-form")
    await click(summary, "Ask them")
    await expect(summary).to_contain_text("We have asked Sam Okafor", timeout=WAIT)
    await shots.take(smlo, "reassigned")
    await new_message(advocate, 2, f"{reference} is now with another advocate")
    await expect(case).not_to_contain_text(f"You are supporting {reference}", timeout=WAIT)
    await shots.take(advocate, "reassigned-advocate")

    # -- an escalation decision, with their consent: the person is told, content-free -------
    sealed = f"CANARY-{uuid4().hex[:8]} they asked us to tell PSD"
    await click(summary, "Open details")
    await click(summary, "Escalation decision")
    await expect(summary).to_contain_text(f"Escalation decision: {reference}", timeout=WAIT)
    await summary.get_by_label("Professional Standards (PSD)", exact=True).check(timeout=WAIT)
    await summary.get_by_label("With their consent", exact=True).check(timeout=WAIT)
    await summary.get_by_role("checkbox", name="Who the person is").check(timeout=WAIT)
    await summary.get_by_label(re.compile(r"^Why \(the rationale\)")).fill(sealed, timeout=WAIT)
    await shots.take(smlo, "escalation-form")
    await click(summary, "Save the decision")
    await expect(summary).to_contain_text("Escalation decision saved", timeout=WAIT)
    await shots.take(smlo, "escalation-saved")
    news = await new_message(referrer, 2, f"About your referral {reference}")
    await expect(news).to_contain_text(
        "The service lead has shared information with Professional Standards (PSD).",
        timeout=WAIT,
    )
    await shots.take(referrer, "escalation-referrer-told")
    for page in (smlo, referrer):
        assert sealed not in await everything_shown(page), "the rationale is sealed"

    # -- the person withdraws the consent they gave; the service lead is told ---------------
    await say(referrer, "my referrals")
    mine = await new_message(referrer, 3, "Your referrals")
    await click(mine, "Withdraw consent")
    await expect(mine).to_contain_text(f"Withdraw your consent: {reference}?", timeout=WAIT)
    await click(mine, "Yes, withdraw my consent")
    await expect(mine).to_contain_text(f"Your consent is withdrawn: {reference}", timeout=WAIT)
    await shots.take(referrer, "consent-withdrawn")
    await expect(messages(smlo).last).to_contain_text(
        "withdrew a consent to escalation", timeout=WAIT
    )

    # -- what it became: a step of its pathway, in categories on the details ---------------
    await click(summary, "Open details")
    await expect(summary).to_contain_text(
        "Professional Standards (PSD): with their consent (who the person is); consent since "
        "withdrawn",
        timeout=WAIT,
    )
    await click(summary, "What it became")
    await expect(summary).to_contain_text(f"What it became: {reference}", timeout=WAIT)
    await summary.get_by_label("Looked into as misconduct", exact=True).check(timeout=WAIT)
    await summary.get_by_label("Started", exact=True).check(timeout=WAIT)
    await summary.get_by_label("With their consent", exact=True).check(timeout=WAIT)
    await shots.take(smlo, "pathway-form")
    await click(summary, "Save the step")
    await expect(summary).to_contain_text("Step saved", timeout=WAIT)
    await click(summary, "Open details")
    await expect(summary).to_contain_text("Looked into as misconduct: started", timeout=WAIT)
    await shots.take(smlo, "pathway-saved")


@pytest.mark.seeded
async def test_the_smlo_reads_the_figures_of_the_demo_history(people: People, shots: Shots) -> None:
    smlo = people.smlo.page
    await new_message(smlo, 0, "Welcome to the SMA service")

    await say(smlo, "stats")

    figures = await new_message(smlo, 1, "Figures")
    await expect(figures).to_contain_text("How long it took", timeout=WAIT)
    await expect(figures).to_contain_text("From the advocates' case records", timeout=WAIT)
    await shots.take(smlo, "figures-demo-history")
    # The chart of referrals each month: the picture is drawn, and it is in the screenshot.
    chart = figures.get_by_role("img", name=re.compile(f"^{re.escape(chart_module.ALT)}"))
    await chart.scroll_into_view_if_needed(timeout=WAIT)
    await expect(chart).to_be_visible(timeout=WAIT)
    loaded = await chart.evaluate("i => i.complete && i.naturalWidth > 0")
    assert loaded, "the picture did not load"
    # Stretched to the card, so each month's label sits under its own bar's slot.
    said = re.findall(r"(\w{3})\w* \d{4}: ", await chart.get_attribute("alt", timeout=WAIT) or "")
    box = await chart.bounding_box(timeout=WAIT)
    assert said
    assert box is not None
    assert box["width"] > 300, box
    assert box["height"] > 50, box
    slot = box["width"] / len(said)
    for i in (0, len(said) - 1):
        label = await figures.get_by_text(said[i], exact=True).bounding_box(timeout=WAIT)
        assert label is not None
        middle = label["x"] + label["width"] / 2
        assert box["x"] + i * slot < middle < box["x"] + (i + 1) * slot, (said[i], box, label)
    await expect(figures).to_contain_text(chart_module.ABOUT, timeout=WAIT)
    await shots.take(smlo, "figures-chart")
    text = await figures.inner_text(timeout=WAIT)
    assert "DEMO DATA" not in text  # figures only: no one's words
    # Any other ended review, quarter or year: the latest year, chosen from the drop-down.
    chooser = figures.get_by_role("combobox", name=statistics_module.CHOOSE)
    await chooser.scroll_into_view_if_needed(timeout=WAIT)
    await chooser.click(timeout=WAIT)
    await smlo.get_by_role("option", name=re.compile("^Year: ")).first.click(timeout=WAIT)
    await click(figures, statistics_module.SHOW)
    await expect(figures).to_contain_text("Figures for the year", timeout=WAIT)
    picture = figures.get_by_role("img", name=re.compile(f"^{re.escape(chart_module.ALT)}"))
    await picture.scroll_into_view_if_needed(timeout=WAIT)
    await expect(picture).to_be_visible(timeout=WAIT)
    await shots.take(smlo, "figures-a-year")


async def test_three_taps_from_the_welcome_card_ask_an_advocate_to_make_contact(
    people: People, shots: Shots
) -> None:
    referrer, smlo = people.referrer.page, people.smlo.page
    for page in (referrer, smlo):
        await new_message(page, 0, "Welcome to the SMA service")
    welcome = messages(referrer).nth(0)
    await shots.take(referrer, "quick-welcome")
    taps = 0

    await click(welcome, "Ask an advocate to contact me")
    taps += 1
    await expect(welcome).to_contain_text("Ask an advocate to contact you", timeout=WAIT)
    await expect(welcome).to_contain_text("only the service lead", timeout=WAIT)
    await welcome.get_by_role("checkbox", name=CONSENT_TEXT).check(timeout=WAIT)
    taps += 1
    await shots.take(referrer, "quick-ask")
    await click(welcome, "Send")
    taps += 1

    reference = f"SMA-{datetime.now(UTC).year}-0001"
    await expect(welcome).to_contain_text("Your referral has been sent", timeout=WAIT)
    await expect(welcome).to_contain_text(reference, timeout=WAIT)
    await expect(welcome).to_contain_text("get in touch by a Teams chat", timeout=WAIT)
    await shots.take(referrer, "quick-receipt")
    assert taps <= 3

    card = await new_message(smlo, 1, f"Referral {reference}")
    await shots.take(smlo, "quick-smlo-new-referral")
    await expect(card).to_be_visible(timeout=WAIT)


async def test_the_smlo_sends_a_referral_outside_the_remit_to_a_service_in_the_directory(
    people: People, shots: Shots
) -> None:
    referrer, smlo = people.referrer.page, people.smlo.page
    for page in (referrer, smlo):
        await new_message(page, 0, "Welcome to the SMA service")
    welcome = messages(referrer).nth(0)
    await click(welcome, "Ask an advocate to contact me")
    await welcome.get_by_role("checkbox", name=CONSENT_TEXT).check(timeout=WAIT)
    await click(welcome, "Send")
    reference = f"SMA-{datetime.now(UTC).year}-0001"
    await expect(welcome).to_contain_text("Your referral has been sent", timeout=WAIT)

    card = await new_message(smlo, 1, f"Referral {reference}")
    await click(card, "Outside our remit")
    await expect(card).to_contain_text(f"{reference} is outside our remit", timeout=WAIT)
    # A drop-down (Fluent UI's combobox in Teams' renderer): open it, pick the service.
    await card.get_by_role("combobox", name="Where should they go?").click(timeout=WAIT)
    await smlo.get_by_role("option", name="General: HR", exact=True).wait_for(timeout=WAIT)
    await shots.take(smlo, "remit-choices")
    await smlo.get_by_role("option", name="Outside the police: Rape Crisis").click(timeout=WAIT)
    await click(card, "Tell them")
    await expect(card).to_contain_text("Sent on to: Rape Crisis.", timeout=WAIT)
    await shots.take(smlo, "remit-sent-on")

    told = await new_message(referrer, 1, "The best place to help with this is: Rape Crisis.")
    await expect(told).to_contain_text("Rape Crisis 0808 500 2222 (day or night)", timeout=WAIT)
    await expect(told.get_by_role("button", name="Get help now")).to_be_visible(timeout=WAIT)
    await shots.take(referrer, "remit-referrer-told")


async def test_an_advocate_checks_in_and_the_smlo_sees_it_on_the_roster(
    people: People, shots: Shots
) -> None:
    smlo, advocate = people.smlo.page, people.advocate.page
    for page in (smlo, advocate):
        await new_message(page, 0, "Welcome to the SMA service")

    await say(advocate, "check-in")
    checkin = await new_message(advocate, 1, "How are you doing?")
    await expect(checkin).to_contain_text("Only the service lead (SMLO) sees", timeout=WAIT)
    await checkin.get_by_label("Stretched", exact=True).check(timeout=WAIT)
    await checkin.get_by_label("2", exact=True).check(timeout=WAIT)
    await checkin.get_by_label(re.compile("^Hours you gave")).fill("6", timeout=WAIT)
    await shots.take(advocate, "checkin-card")
    await click(checkin, "Send")
    await expect(checkin).to_contain_text("Thank you for checking in", timeout=WAIT)
    await shots.take(advocate, "checkin-thanks")

    await say(smlo, "roster")
    roster = await new_message(smlo, 1, "Our advocates")
    await expect(roster).to_contain_text("stretched, room for 2 more, 6 hours", timeout=WAIT)
    await shots.take(smlo, "checkin-roster")


async def test_a_referrer_and_their_advocate_exchange_messages_through_the_bot(
    people: People, shots: Shots
) -> None:
    ask = f"CANARY-{uuid4().hex[:8]} can we talk on Friday?"
    answer = f"CANARY-{uuid4().hex[:8]} yes, I will call you at six."
    referrer, smlo, advocate = people.referrer.page, people.smlo.page, people.advocate.page
    for page in (referrer, smlo, advocate):
        await new_message(page, 0, "Welcome to the SMA service")
    reference = await quick_referral(people)
    summary = await new_message(smlo, 1, f"Referral {reference}")
    await offer_to_alex(smlo, summary)
    case = await new_message(advocate, 1, "Can you support someone?")
    await click(case, "Yes, I can")
    await expect(case).to_contain_text(f"You are supporting {reference}", timeout=WAIT)
    await new_message(referrer, 1, f"An advocate will support you: {reference}")

    # -- the referrer writes from `my referrals`: the box says its limit ------------------
    await say(referrer, "my referrals")
    thread = await new_message(referrer, 2, "Your referrals")
    await click(thread, "Messages")
    await expect(thread).to_contain_text(f"Messages about {reference}", timeout=WAIT)
    await expect(thread).to_contain_text("There are no messages yet.", timeout=WAIT)
    box = thread.get_by_label("Your message. Up to 2,000 characters.")
    await box.fill(ask, timeout=WAIT)
    await shots.take(referrer, "messages-referrer-writes")
    await click(thread, "Send")
    await expect(thread).to_contain_text(ask, timeout=WAIT)
    await expect(thread).to_contain_text("Not read yet", timeout=WAIT)
    await shots.take(referrer, "messages-referrer-sent")

    # -- the advocate is told, content-free; Read opens it for them alone -----------------
    notice = await new_message(advocate, 2, f"New message about {reference}")
    await shots.take(advocate, "messages-advocate-notice")
    assert ask not in await everything_shown(advocate), "the notice carries no words"
    assert ask not in await everything_shown(smlo), "after allocation the SMLO is not sent it"
    await click(notice, "Read")
    await expect(notice).to_contain_text(ask, timeout=WAIT)
    await expect(notice).to_contain_text("The person who referred", timeout=WAIT)
    await notice.get_by_label("Your message. Up to 2,000 characters.").fill(answer, timeout=WAIT)
    await click(notice, "Send")
    await expect(notice).to_contain_text(answer, timeout=WAIT)
    await shots.take(advocate, "messages-advocate-replied")

    # -- the referrer reads the reply, and sees that their own message was read -----------
    reply = await new_message(referrer, 3, f"New message about {reference}")
    assert answer not in await everything_shown(referrer), "the notice carries no words"
    await click(reply, "Read")
    await expect(reply).to_contain_text(answer, timeout=WAIT)
    await expect(reply).to_contain_text("Your advocate, ", timeout=WAIT)
    await expect(reply).to_contain_text(re.compile(r"You, .*\. Read at "), timeout=WAIT)
    await shots.take(referrer, "messages-referrer-reads-reply")
    told = await messages(referrer).all_inner_texts()
    assert not any("Alex Morgan" in text for text in told), "the advocate is not named"

    # -- typed in the chat: offered back in the box, sent only on their word --------------
    typed = f"CANARY-{uuid4().hex[:8]} Can I speak to my advocate please?"
    await say(referrer, typed)
    offer = await new_message(referrer, 4, f"Send this to the service about {reference}?")
    box = offer.get_by_label("Your message. Up to 2,000 characters.")
    await expect(box).to_have_value(typed, timeout=WAIT)
    await shots.take(referrer, "messages-typed-offer")
    await click(offer, "Send")
    await expect(offer).to_contain_text(f"Messages about {reference}", timeout=WAIT)
    await expect(offer).to_contain_text(typed, timeout=WAIT)
    await new_message(advocate, 3, f"New message about {reference}")
    assert typed not in await everything_shown(advocate), "the notice carries no words"
    await shots.take(referrer, "messages-typed-sent")
