"""One card per intake step. Each shows the answers given so far, so going back, resuming
or fixing a problem never loses anything the person typed.

Free-text boxes say their limit up front and set no `maxLength`: Teams would cut longer
text off without a word (3,000 characters typed into "What happened" became 2,000). The
server checks the limit instead, and shows the person's words back with a kind note, so
nothing they wrote is lost unseen.

On the on-behalf route the sender is asked about the person they refer ("they"), so some
steps have a second body in `SENDER_BODIES`; the inputs, and so the answers, are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial

from cards import wording as w
from cards.elements import Element, action, card, choice_input, heading, para, text_input
from cards.verbs import Verb
from referrals.identity import is_anonymous
from referrals.intake import (
    TEXT_LIMITS,
    AgeBand,
    BehalfRole,
    ContactMethod,
    Employment,
    Gender,
    Identity,
    IntakeAnswers,
    IntakeStep,
    Route,
    When,
    Wish,
    YesNoUnsure,
    can_skip,
    is_on_behalf,
    may_lose_teams,
    stay_in_touch_methods,
    steps_for,
)
from referrals.subjects import SubjectWish

Problems = Mapping[str, str]
STOP_HINT = "To stop at any time, press Stop and clear or type stop."
SKIP_ANY = "You can skip any question."
SKIP_OTHERS = "You can skip the other questions."


def _v(value: object) -> str:
    return "" if value is None else str(value)


def _about_you(a: IntakeAnswers, p: Problems) -> list[Element]:
    return [
        *choice_input(
            "route",
            "Which of these fits best?",
            w.options(Route),
            value=_v(a.route),
            problem=p.get("route"),
        ),
        *choice_input(
            "employment",
            "Are you, or the person you are referring, a:",
            w.options(Employment),
            value=_v(a.employment),
            problem=p.get("employment"),
        ),
        *choice_input(
            "leaving",
            "Are you, or they, leaving the force soon?",
            w.options(YesNoUnsure),
            value=_v(a.leaving),
            problem=p.get("leaving"),
        ),
        *_anonymity(a, p),
    ]


def _about_them(a: IntakeAnswers, p: Problems) -> list[Element]:
    """Step 1 for an SMLO taking a referral for someone not in Teams: the route is always
    on their behalf (`Referral.as_kept`), and the sender is known, so neither is asked;
    only about the person."""
    return [
        *choice_input(
            "employment",
            "Is the person you are referring a:",
            w.options(Employment),
            value=_v(a.employment),
            problem=p.get("employment"),
        ),
        *choice_input(
            "leaving",
            "Are they leaving the force soon?",
            w.options(YesNoUnsure),
            value=_v(a.leaving),
            problem=p.get("leaving"),
        ),
    ]


def _anonymity(a: IntakeAnswers, p: Problems) -> list[Element]:
    """The choice to be anonymous to the service, explained before it is made. Once the
    on-behalf route is chosen it is not offered (`referrals.identity.NOT_ON_BEHALF`),
    unless it was chosen already, so the note under it says why not."""
    if is_on_behalf(a) and not is_anonymous(a):
        return [para(w.NAMED_ON_BEHALF, subtle=True)]
    return [
        *(para(words) for words in w.ANONYMITY_EXPLAINED),
        *choice_input(
            "identity",
            w.ANONYMITY_CHOICE,
            w.options(Identity),
            value=_v(a.identity),
            problem=p.get("identity"),
        ),
    ]


def _on_behalf(a: IntakeAnswers, p: Problems) -> list[Element]:
    return [
        *choice_input(
            "behalf_role",
            "What is your role in this?",
            w.options(BehalfRole),
            value=_v(a.behalf_role),
            problem=p.get("behalf_role"),
        ),
        *text_input(
            "behalf_name",
            f"What is the person's name? {w.up_to(TEXT_LIMITS['behalf_name'])}",
            value=a.behalf_name,
            placeholder="As it shows in Teams, if they use it",
            problem=p.get("behalf_name"),
        ),
        para("We only contact the person if they agree to it."),
        *choice_input(
            "behalf_consent",
            f"Does the person know about this, and agree? {w.NEEDED}",
            w.options(YesNoUnsure),
            value=_v(a.behalf_consent),
            problem=p.get("behalf_consent"),
        ),
    ]


def _wishes(a: IntakeAnswers, p: Problems, voice: w.Voice = w.YOU) -> list[Element]:
    return choice_input(
        "wishes",
        voice.wishes,
        voice.wish_options(Wish),
        value=[x.value for x in a.wishes],
        multi=True,
        problem=p.get("wishes"),
    )


def _what_happened(a: IntakeAnswers, p: Problems, voice: w.Voice = w.YOU) -> list[Element]:
    return [
        para(voice.account_intro),
        *text_input(
            "account",
            f"If you want to, say a little about what happened. {w.up_to(TEXT_LIMITS['account'])}",
            value=a.account,
            multiline=True,
            problem=p.get("account"),
        ),
        *choice_input(
            "when", "Roughly when was it?", w.options(When), value=_v(a.when), problem=p.get("when")
        ),
        *choice_input(
            "colleague",
            voice.colleague,
            w.options(YesNoUnsure),
            value=_v(a.colleague),
            problem=p.get("colleague"),
        ),
        *text_input(
            "avoid",
            f"{voice.avoid} {w.up_to(TEXT_LIMITS['avoid'])}",
            value=a.avoid,
            problem=p.get("avoid"),
        ),
    ]


# What the choice means, said before it is made (referrals.subjects has the rules).
SUBJECT_INTRO = (
    "If you want to, tell us who the concern is about. You can skip this. Whatever you "
    "choose, the referral goes to the service lead and support is offered."
)
SUBJECT_ESCROW = (
    "If you keep it sealed, nobody at the service sees the name, and nothing is done with "
    "it, unless someone else names the same person in a referral of their own. Then the "
    "service lead is told that two referrals may be about the same person, and from then on "
    "the name shows with the referral. If you do not choose, we keep it sealed."
)
SUBJECT_NEVER = (
    "We never tell anyone who else has made a referral, and we never tell you about anyone "
    "else's. The person you name never sees this referral, and is never asked to give "
    "support on it."
)

# For an SMLO taking a referral for someone not in Teams: the choice is the person's, and
# the SMLO is one of those told of a match, so "we never tell you" would not be true.
OUTSIDE_SUBJECT_INTRO = (
    "If the person wants to say, note who the concern is about, and ask what we may do with "
    "it. Whatever they choose, the referral goes to the service lead and support is offered."
)
OUTSIDE_SUBJECT_ESCROW = (
    "If they keep it sealed, nobody at the service sees the name on the referral, you "
    "included, and nothing is done with it, unless someone else names the same person in a "
    "referral of their own. Then the service leads are told that two referrals may be about "
    "the same person, and from then on the name shows with the referral. If no choice is "
    "given, we keep it sealed."
)
OUTSIDE_SUBJECT_NEVER = (
    "We never tell the person who else has made a referral. The person they name never "
    "sees this referral, and is never asked to give support on it."
)


def _subject(a: IntakeAnswers, p: Problems, *, outside: bool = False) -> list[Element]:
    """Whom it is about, and what the service may do with it: the escrow choice."""
    intro, escrow, never = (
        (OUTSIDE_SUBJECT_INTRO, OUTSIDE_SUBJECT_ESCROW, OUTSIDE_SUBJECT_NEVER)
        if outside
        else (SUBJECT_INTRO, SUBJECT_ESCROW, SUBJECT_NEVER)
    )
    return [
        para(intro),
        # Not "Their name": on the on-behalf route that is the person referred, asked before.
        *_limited_box(
            "subject_name", "Name of the person it is about", a.subject_name, p, in_placeholder=True
        ),
        *_limited_box(
            "subject_number",
            "Their staff or collar number, if you know it",
            a.subject_number,
            p,
            in_placeholder=True,
        ),
        *_limited_box(
            "subject_email",
            "Their work email, if you know it",
            a.subject_email,
            p,
            in_placeholder=True,
        ),
        para(escrow),
        *choice_input(
            "subject_wish",
            "What may we do with this?",
            w.options(SubjectWish),
            value=_v(a.subject_wish),
            problem=p.get("subject_wish"),
        ),
        para(never, subtle=True),
    ]


def _contact(a: IntakeAnswers, p: Problems, voice: w.Voice = w.YOU) -> list[Element]:
    """How the advocate can reach the person (on the on-behalf route: not the sender)."""
    intro = [para(voice.contact_intro)] if voice.contact_intro else []
    if is_anonymous(a):  # discouraged, never forbidden: they may want a call
        intro.append(para(w.ANONYMOUS_CONTACT_WARNING, attention=True))
    if may_lose_teams(a) and voice.stay_in_touch:  # Teams and work contacts may stop working
        intro.append(para(voice.stay_in_touch))
    return [
        *intro,
        *choice_input(
            "contact_methods",
            voice.contact_methods,
            voice.contact_options(ContactMethod),
            value=[m.value for m in stay_in_touch_methods(a)],
            multi=True,
            problem=p.get("contact_methods"),
        ),
        *_limited_box("work_phone", voice.work_phone, a.work_phone, p, in_placeholder=True),
        *_limited_box(
            "personal_phone", voice.personal_phone, a.personal_phone, p, in_placeholder=True
        ),
        *_limited_box(
            "personal_email", voice.personal_email, a.personal_email, p, in_placeholder=True
        ),
        *text_input(
            "safe_times",
            f"{voice.safe_times} {w.up_to(TEXT_LIMITS['safe_times'])}",
            value=a.safe_times,
            placeholder="For example: weekdays after 5pm",
            problem=p.get("safe_times"),
        ),
        *choice_input(
            "leave_message",
            voice.leave_message,
            w.options(YesNoUnsure),
            value=_v(a.leave_message),
            problem=p.get("leave_message"),
        ),
    ]


def _limited_box(
    name: str, label: str, value: str, p: Problems, *, in_placeholder: bool = False
) -> list[Element]:
    """A short free-text box that says its limit (in its placeholder, for a short label)."""
    limit = w.up_to(TEXT_LIMITS[name])
    if in_placeholder:
        return text_input(name, label, value=value, placeholder=limit, problem=p.get(name))
    return text_input(name, f"{label} {limit}", value=value, problem=p.get(name))


def _monitoring(a: IntakeAnswers, p: Problems) -> list[Element]:
    return [
        para("These help us check the service is fair to all. We only use them in totals."),
        *choice_input(
            "gender", "Your gender", w.options(Gender), value=_v(a.gender), problem=p.get("gender")
        ),
        *choice_input(
            "age_band",
            "Your age",
            w.options(AgeBand),
            value=_v(a.age_band),
            problem=p.get("age_band"),
        ),
    ]


STEP_BODIES: dict[IntakeStep, Callable[[IntakeAnswers, Problems], list[Element]]] = {
    IntakeStep.ABOUT_YOU: _about_you,
    IntakeStep.ON_BEHALF: _on_behalf,
    IntakeStep.WISHES: _wishes,
    IntakeStep.WHAT_HAPPENED: _what_happened,
    IntakeStep.SUBJECT: _subject,
    IntakeStep.CONTACT: _contact,
    IntakeStep.MONITORING: _monitoring,
}
SENDER_BODIES: dict[IntakeStep, Callable[[IntakeAnswers, Problems], list[Element]]] = {
    IntakeStep.WISHES: partial(_wishes, voice=w.SENDER),
    IntakeStep.WHAT_HAPPENED: partial(_what_happened, voice=w.SENDER),
    IntakeStep.CONTACT: partial(_contact, voice=w.SENDER),
}

# For a referral an SMLO takes for someone not in Teams (`new referral`).
OUTSIDE_BODIES: dict[IntakeStep, Callable[[IntakeAnswers, Problems], list[Element]]] = {
    **SENDER_BODIES,
    IntakeStep.ABOUT_YOU: _about_them,
    IntakeStep.SUBJECT: partial(_subject, outside=True),
    IntakeStep.CONTACT: partial(_contact, voice=w.OUTSIDE),
}


def step_body(
    step: IntakeStep, answers: IntakeAnswers, problems: Problems, *, outside_teams: bool = False
) -> list[Element]:
    """The questions of `step`, worded for the sender on the on-behalf route, and for the
    SMLO who takes a referral for someone not in Teams."""
    bodies = (
        OUTSIDE_BODIES if outside_teams else SENDER_BODIES if is_on_behalf(answers) else STEP_BODIES
    )
    return bodies.get(step, STEP_BODIES[step])(answers, problems)


def step_header(step: IntakeStep, answers: IntakeAnswers) -> Element:
    steps = steps_for(answers)
    title = w.step_title(step, for_sender=is_on_behalf(answers))
    return heading(f"Step {steps.index(step) + 1} of {len(steps)}: {title}")


def step_card(
    referral_id: str,
    step: IntakeStep,
    answers: IntakeAnswers,
    problems: Problems | None = None,
    notice: str = "",
    *,
    outside_teams: bool = False,
) -> Element:
    """The card for one question step (not the review step); `outside_teams`: an SMLO's
    referral for someone not in Teams (`new referral`)."""
    problems = problems or {}
    data = {"referral_id": referral_id, "step": step.value}
    body: list[Element] = [step_header(step, answers)]
    if notice:
        body.append(para(notice, attention=True))
    if problems:
        body.append(para("Please check the answers marked below.", attention=True))
    skip = SKIP_ANY if can_skip(step) else SKIP_OTHERS
    questions = step_body(step, answers, problems, outside_teams=outside_teams)
    body += [*questions, para(f"{skip} {STOP_HINT}", subtle=True)]
    actions = [action("Next", Verb.ANSWER, data, primary=True)]
    if can_skip(step):
        actions.append(action("Skip this step", Verb.SKIP, data, validate=False))
    if step is not steps_for(answers)[0]:
        actions.append(action("Back", Verb.BACK, data))
    actions += [action("Finish later", Verb.LATER, data), stop_action(data)]
    return card(body, actions)


def stop_action(data: Mapping[str, str]) -> Element:
    """The quick way out on every intake card: as typing stop does, it ends the intake,
    clears the answers from the chat and asks whether to keep the draft."""
    return action("Stop and clear", Verb.STOP, data, validate=False)
