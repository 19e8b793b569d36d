"""The intake conversation: one card per step, saved at every step.

State table (the dialog's instance state holds `referral_id` and the current `step`):

| card action | at step         | effect                                                   |
|-------------|-----------------|----------------------------------------------------------|
| ANSWER      | question step   | validate; problems → same card with notes; else save, next |
| SKIP        | question step   | save the resume point, next step                          |
| BACK        | any step        | keep readable answers from this card, previous step       |
| LATER       | any step        | keep readable answers, "saved for later", dialog ends     |
| SUBMIT      | review          | consent ticked → submit → receipt, dialog ends            |
| (other)     | any             | out-of-date card → the current step again, with a note    |

`stop` is handled by the bot for every dialog (it cancels the dialog and asks whether to
keep the draft), so this dialog has a single way out besides submitting.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.dialogs import Dialog, DialogContext, DialogTurnResult

from cards.intake import kept_card, receipt_card, review_card
from cards.intake_steps import step_card
from cards.parsers import STEP_FIELDS, CardAction, CardPayloadInvalid, parse_step_answers
from cards.verbs import INTAKE_VERBS, Verb
from dialogs.turn import actor_of, card_action_of, clear_answers_after_turn, present
from referrals import errors
from referrals.intake import IntakeAnswers, IntakeStep, next_step, previous_step
from referrals.referral import Referral
from referrals.services import ReferralService
from referrals.states import ReferralState

STALE_CARD = "That card was out of date, so here is where you were."
USE_THE_CARD = "Please answer on the card above, or type stop to stop."
CONSENT_NEEDED = "Please tick this box so we can send your referral."


class IntakeDialog(Dialog):  # type: ignore[misc]
    def __init__(self, service: ReferralService, keep_days: int) -> None:
        super().__init__("intake")
        self._service = service
        self._keep_days = keep_days

    async def begin_dialog(self, dc: DialogContext, options: Any = None) -> DialogTurnResult:
        referral = await self._service.view(actor_of(dc.context), str(options["referral_id"]))
        step = referral.step or next_step(None, referral.answers)
        dc.active_dialog.state.update({"referral_id": referral.id, "step": step.value})
        await _show(dc.context, referral, step, notice=str(options.get("notice", "")))
        return Dialog.end_of_turn

    async def continue_dialog(self, dc: DialogContext) -> DialogTurnResult:
        state = dc.active_dialog.state
        card_action = card_action_of(dc.context)
        if card_action is None:
            await dc.context.send_activity(USE_THE_CARD)
            return Dialog.end_of_turn
        actor = actor_of(dc.context)
        referral = await self._service.view(actor, state["referral_id"])
        step = IntakeStep(state["step"])
        if not _belongs_here(card_action, referral.id, step):
            await _show(dc.context, referral, step, notice=STALE_CARD)
            return Dialog.end_of_turn
        if card_action.verb is Verb.SUBMIT:
            return await self._submit(dc, referral, card_action)
        if card_action.verb is Verb.ANSWER:
            try:
                answers = parse_step_answers(step, card_action.inputs, referral.answers)
            except CardPayloadInvalid as invalid:
                await _show(dc.context, referral, step, invalid.answers, invalid.problems)
                return Dialog.end_of_turn
        else:
            answers = _readable_answers(step, card_action, referral.answers)
        target = {
            Verb.ANSWER: next_step(step, answers),
            Verb.SKIP: next_step(step, answers),
            Verb.BACK: previous_step(step, answers),
            Verb.LATER: step,
        }[card_action.verb]
        referral = await self._service.record_answers(actor, referral.id, answers, target)
        if card_action.verb is Verb.LATER:
            kept = kept_card(self._keep_days)
            await present(dc.context, kept)
            clear_answers_after_turn(dc.context, kept)
            return await dc.end_dialog()
        state["step"] = target.value
        await _show(dc.context, referral, target)
        return Dialog.end_of_turn

    async def _submit(
        self, dc: DialogContext, referral: Referral, card_action: CardAction
    ) -> DialogTurnResult:
        actor = actor_of(dc.context)
        answers = parse_step_answers(IntakeStep.REVIEW, card_action.inputs, referral.answers)
        if not answers.consent:
            await present(
                dc.context, review_card(referral, problem=CONSENT_NEEDED), shows_answers=True
            )
            return Dialog.end_of_turn
        try:
            await self._service.record_answers(actor, referral.id, answers, IntakeStep.REVIEW)
            referral = await self._service.submit(actor, referral.id)
        except errors.InvalidTransition:
            # A second press that raced the first: the referral went; show its receipt again.
            referral = await self._service.view(actor, referral.id)
            if referral.state is ReferralState.DRAFT:
                raise
        receipt = receipt_card(referral.reference, referral.submitted_at)
        await present(dc.context, receipt)
        clear_answers_after_turn(dc.context, receipt)
        return await dc.end_dialog(referral.id)


def _belongs_here(card_action: CardAction, referral_id: str, step: IntakeStep) -> bool:
    """Whether a click came from the card for the step the person is on now."""
    if card_action.verb not in INTAKE_VERBS or card_action.step is not step:
        return False
    if card_action.referral_id != referral_id:
        return False
    if card_action.verb is Verb.SUBMIT:
        return step is IntakeStep.REVIEW
    if card_action.verb in (Verb.ANSWER, Verb.SKIP):
        return step is not IntakeStep.REVIEW
    return True


def _readable_answers(
    step: IntakeStep, card_action: CardAction, current: IntakeAnswers
) -> IntakeAnswers:
    """On Back and Later keep every valid answer on the card; an invalid or missing one keeps
    what was saved before. Skip and the review step change nothing."""
    if card_action.verb is Verb.SKIP or step is IntakeStep.REVIEW:
        return current
    try:
        given = parse_step_answers(step, card_action.inputs, current)
    except CardPayloadInvalid as invalid:
        given = invalid.kept or current
    # An input the click did not carry keeps its saved answer (an old card, a bare payload).
    missing = {f: getattr(current, f) for f in STEP_FIELDS[step] if f not in card_action.inputs}
    return given.with_changes(**missing)


async def _show(
    context: TurnContext,
    referral: Referral,
    step: IntakeStep,
    answers: IntakeAnswers | None = None,
    problems: dict[str, str] | None = None,
    notice: str = "",
) -> None:
    if step is IntakeStep.REVIEW:
        await present(context, review_card(referral, notice=notice), shows_answers=True)
        return
    card = step_card(referral.id, step, answers or referral.answers, problems, notice)
    await present(context, card, shows_answers=True)
