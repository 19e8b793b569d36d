"""The intake conversation: one card per step, saved at every step.

State table (the dialog's instance state holds `referral_id` and the current `step`):

| card action | at step         | effect                                                   |
|-------------|-----------------|----------------------------------------------------------|
| ANSWER      | question step   | validate; problems → same card with notes; else save, next |
| SKIP        | question step   | save the resume point, next step (not the on-behalf step) |
| BACK        | any step        | keep readable answers from this card, previous step       |
| LATER       | any step        | keep readable answers, "saved for later", dialog ends     |
| SUBMIT      | review          | consent ticked → submit → receipt, dialog ends; on the    |
|             |                 | on-behalf route with no answer on whether the person      |
|             |                 | knows → that step again, with the note                    |
| (other)     | any             | out-of-date card → the current step again, with a note    |

Going on past a step with a required question left unanswered (`REQUIRED_ANSWERS`: a
forged Skip or Next, or a Send with one missing) is refused by the domain
(`RequiredAnswerMissing`): the dialog moves to that step and shows its card with a kind
note under the question.

`stop` is handled by the bot for every dialog (it cancels the dialog and asks whether to
keep the draft), so this dialog has a single way out besides submitting.
"""

from __future__ import annotations

from typing import Any

from botbuilder.dialogs import Dialog, DialogContext, DialogTurnResult, DialogTurnStatus

import telemetry
from cards.intake import CONSENT_NEEDED, kept_card, receipt_for, review_card
from cards.intake_steps import step_card
from cards.parsers import STEP_FIELDS, CardPayloadInvalid, parse_step_answers
from cards.reply import Reply
from cards.requests import IntakeClick
from cards.verbs import INTAKE_VERBS, Verb
from cards.wording import REQUIRED_NOTES
from dialogs.turn import input_of
from referrals import errors
from referrals.intake import (
    IntakeAnswers,
    IntakeStep,
    next_step,
    previous_step,
)
from referrals.referral import Referral
from referrals.services import Intake
from referrals.states import ReferralState

STALE_CARD = "That card was out of date, so here is where you were."
USE_THE_CARD = "Please answer on the card above, or type stop to stop."


def waiting(reply: Reply) -> DialogTurnResult:
    """The dialog stays on this step and answers with `reply`."""
    return DialogTurnResult(DialogTurnStatus.Waiting, reply)


class IntakeDialog(Dialog):  # type: ignore[misc]
    def __init__(self, intake: Intake, keep_days: int) -> None:
        super().__init__("intake")
        self._intake = intake
        self._keep_days = keep_days

    async def begin_dialog(self, dc: DialogContext, options: Any = None) -> DialogTurnResult:
        actor = input_of(dc.context).actor
        referral = await self._intake.view_draft(actor, str(options["referral_id"]))
        missing = options.get("missing")
        if isinstance(missing, errors.RequiredAnswerMissing):  # sent here to answer it
            dc.active_dialog.state.update({"referral_id": referral.id, "step": missing.step.value})
            return waiting(_show_missing(referral, missing))
        step = referral.step or next_step(None, referral.answers)
        dc.active_dialog.state.update({"referral_id": referral.id, "step": step.value})
        return waiting(_show(referral, step, notice=str(options.get("notice", ""))))

    async def continue_dialog(self, dc: DialogContext) -> DialogTurnResult:
        state = dc.active_dialog.state
        given = input_of(dc.context)
        click, actor = given.click, given.actor
        if click is None:
            return waiting(Reply(text=USE_THE_CARD))
        referral = await self._intake.view_draft(actor, state["referral_id"])
        step = IntakeStep(state["step"])
        if not _belongs_here(click, referral.id, step):
            return waiting(_show(referral, step, notice=STALE_CARD))
        if click.verb is Verb.SUBMIT:
            return await self._submit(dc, referral, click)
        if click.verb is Verb.ANSWER:
            try:
                answers = parse_step_answers(step, click.inputs, referral.answers)
            except CardPayloadInvalid as invalid:
                return waiting(_show(referral, step, invalid.answers, invalid.problems))
        else:
            answers = _readable_answers(step, click, referral.answers)
        answers = referral.as_kept(answers)  # the steps that follow depend on the route
        target = {
            Verb.ANSWER: next_step(step, answers),
            Verb.SKIP: next_step(step, answers),
            Verb.BACK: previous_step(step, answers),
            Verb.LATER: step,
        }[click.verb]
        try:
            referral = await self._intake.record_answers(
                actor, referral.id, answers, target, leaving=step, read=referral.answers
            )
        except errors.RequiredAnswerMissing as missing:
            state["step"] = missing.step.value
            return waiting(_show_missing(referral, missing, answers))
        if click.verb is Verb.LATER:
            return await dc.end_dialog(Reply(kept_card(self._keep_days), clear_answers=True))
        state["step"] = target.value
        return waiting(_show(referral, target))

    async def _submit(
        self, dc: DialogContext, referral: Referral, click: IntakeClick
    ) -> DialogTurnResult:
        actor = input_of(dc.context).actor
        answers = parse_step_answers(IntakeStep.REVIEW, click.inputs, referral.answers)
        if not answers.consent:
            card = review_card(referral, problem=CONSENT_NEEDED)
            return waiting(Reply(card, shows_answers=True))
        try:
            referral = await self._intake.submit(actor, referral.id, answers, viewed=referral)
            telemetry.referral_submitted()
        except errors.RequiredAnswerMissing as missing:
            dc.active_dialog.state["step"] = missing.step.value
            return waiting(_show_missing(referral, missing, answers))
        except errors.InvalidTransition:
            # A second press that raced the first: the referral went; show its receipt again.
            referral = await self._intake.view_draft(actor, referral.id)
            if referral.state is ReferralState.DRAFT:
                raise
        receipt = receipt_for(referral)
        return await dc.end_dialog(Reply(receipt, clear_answers=True))


def _belongs_here(click: IntakeClick, referral_id: str, step: IntakeStep) -> bool:
    """Whether a click came from the card for the step the person is on now."""
    if click.verb not in INTAKE_VERBS or click.step is not step:
        return False
    if click.referral_id != referral_id:
        return False
    if click.verb is Verb.SUBMIT:
        return step is IntakeStep.REVIEW
    if click.verb in (Verb.ANSWER, Verb.SKIP):
        # A forged Skip past a required question is refused by the domain, with the note.
        return step is not IntakeStep.REVIEW
    return True


def _readable_answers(
    step: IntakeStep, click: IntakeClick, current: IntakeAnswers
) -> IntakeAnswers:
    """On Back and Later keep every valid answer on the card; an invalid or missing one keeps
    what was saved before. Skip and the review step change nothing."""
    if click.verb is Verb.SKIP or step is IntakeStep.REVIEW:
        return current
    try:
        given = parse_step_answers(step, click.inputs, current)
    except CardPayloadInvalid as invalid:
        given = invalid.kept or current
    # An input the click did not carry keeps its saved answer (an old card, a bare payload).
    missing = {f: getattr(current, f) for f in STEP_FIELDS[step] if f not in click.inputs}
    return given.with_changes(**missing)


def _show_missing(
    referral: Referral, missing: errors.RequiredAnswerMissing, answers: IntakeAnswers | None = None
) -> Reply:
    """The step with a required question left unanswered, with a kind note under it."""
    problems = {name: REQUIRED_NOTES[name] for name in missing.fields}
    return _show(referral, missing.step, answers, problems)


def _show(
    referral: Referral,
    step: IntakeStep,
    answers: IntakeAnswers | None = None,
    problems: dict[str, str] | None = None,
    notice: str = "",
) -> Reply:
    """The card for `step`: it shows the person's answers, so the bot will clear it later."""
    if step is IntakeStep.REVIEW:
        return Reply(review_card(referral, notice=notice), shows_answers=True)
    answers = answers or referral.answers
    outside = referral.outside_teams
    card = step_card(referral.id, step, answers, problems, notice, outside_teams=outside)
    return Reply(card, shows_answers=True)
