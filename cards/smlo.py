"""The SMLO's cards. The summary card is what arrives unasked, so it shows no disclosure
content: only the reference, dates, state and staff names. Details appear only when the
SMLO opens them, and can be hidden again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from cards import wording as w
from cards.availability import availability_words
from cards.checkins import checkin_line
from cards.details import anonymity_notes, behalf_notes, referral_facts, when
from cards.elements import (
    Element,
    action,
    buttons,
    card,
    choice_input,
    facts,
    heading,
    para,
    plain,
    refresh_for,
    row_with_button,
    text_input,
)
from cards.escalation import decision_words
from cards.outside import outside_notes
from cards.pathway import step_words
from cards.requests import SERVICE_CHOICE
from cards.support import signpost_words
from cards.triage import triage_words
from cards.verbs import Verb
from referrals.allocation import ConflictReason
from referrals.availability import DEFAULT_CASELOAD_LIMIT, OverrideReason, current
from referrals.case_record import CloseOutcome
from referrals.checkins import Checkin
from referrals.escalating import ESCALATABLE
from referrals.identity import ANONYMOUS, is_anonymous
from referrals.messages import OPEN_FOR_MESSAGES
from referrals.people import Advocate, AllocationOption
from referrals.referral import DeclineReason, ReassignReason, Referral
from referrals.signposting import Signpost, signpost_targets
from referrals.states import NEEDS_SMLO, STATE_TABLE, ReferralState, Transition
from referrals.support import SupportDirectory, SupportService

ASKED_FOR_NEW = "The person asked for a different advocate."
# A case with an advocate keeps a record, which the service lead may read.
HAS_RECORD = frozenset({ReferralState.ACTIVE, ReferralState.CLOSED})

Names = Mapping[str, str]  # advocate id -> display name


def _status_line(r: Referral, names: Names, support: SupportDirectory) -> str:
    if r.state is ReferralState.OFFERED:
        return f"Offered to {plain(names.get(r.offered_to, 'an advocate'))}. Waiting to hear back."
    if r.state is ReferralState.ACTIVE:
        taken = f"{plain(names.get(r.advocate_id, 'An advocate'))} has taken this case."
        return f"{taken} {ASKED_FOR_NEW}" if r.new_advocate_asked else taken
    if r.state is ReferralState.AWAITING_ALLOCATION and r.latest_refusal() is not None:
        return refusal_words(r, names, "it")
    if r.state is ReferralState.SIGNPOSTED and r.signpost:
        return f"Sent on to: {signpost_words(r, support)}."
    if r.state is ReferralState.CLOSED:
        return _closed_words(r)
    if r.state is ReferralState.WITHDRAWN:
        return "It was withdrawn. There is nothing more to do."
    return "Please read it and find an advocate."


def _closed_words(r: Referral) -> str:
    """Why the case closed: the outcome's category, never the closing note."""
    event = next((e for e in reversed(r.history) if e.name == "ReferralClosed"), None)
    outcome = next((o for o in CloseOutcome if event and event.detail == o), None)
    return f"Closed. The reason: {w.label(outcome).lower()}." if outcome else "Closed."


def refusal_words(r: Referral, names: Names, subject: str) -> str:
    """Why `r` needs an advocate again: who said no and the kind of reason they chose (a
    category, never their words), or who left the list. `subject`: "it" or its reference."""
    event = r.latest_refusal()
    if event is not None and event.name == "OfferLapsed":
        who = plain(names.get(event.detail, "The advocate"))
        return f"Offer lapsed: {who} did not answer in time, so {subject} needs someone else."
    if event is not None and event.name == "OfferReturned":
        who = plain(names.get(event.detail, "The advocate"))
        return f"{who} is no longer on the advocate list, so {subject} needs someone else."
    who = plain(names.get(event.actor_id, "The advocate")) if event else "The advocate"
    words = f"{who} could not take {subject}."
    reason = next((d for d in DeclineReason if event and event.detail == d), None)
    if reason is not None:
        words += f" The reason they gave: {w.DECLINED_BECAUSE[reason]}."
    return words + " Please choose someone else."


def _next_actions(r: Referral, opened: bool) -> list[Element]:
    data = {"referral_id": r.id}
    actions = [
        action("Hide details", Verb.HIDE, data)
        if opened
        else action("Open details", Verb.OPEN, data)
    ]
    if opened:
        actions.append(action("Who has seen it", Verb.AUDIT, data))
    if opened and r.state in OPEN_FOR_MESSAGES and not r.outside_teams:  # no chat to reach
        actions.append(action("Messages", Verb.THREAD, data))
    if opened and r.advocate_id and r.state in HAS_RECORD:
        actions.append(action("Case record", Verb.RECORD, data))
    if opened and r.state is ReferralState.ACTIVE:
        actions.append(action("Give to another advocate", Verb.SHOW_ALLOCATE, data))
    if opened and r.state in (ReferralState.ACTIVE, ReferralState.SIGNPOSTED):
        closing = {**data, "kind": "closure"}
        actions.append(action("Close", Verb.RECORD_FORM, closing, validate=False))
    if opened and r.outside_teams and r.state in STATE_TABLE[Transition.WITHDRAW][0]:
        actions.append(action("Withdraw for them", Verb.WITHDRAW_FOR_PERSON_ASK, data))
    if r.state in NEEDS_SMLO:
        actions += [
            action("Find an advocate", Verb.SHOW_ALLOCATE, data, primary=True),
            action("Outside our remit", Verb.SHOW_OUT_OF_REMIT, data),
            action("Triage", Verb.SHOW_TRIAGE, data),
        ]
    return [*actions, action("Inbox", Verb.INBOX)]


def referral_card(
    r: Referral,
    names: Names,
    notice: str = "",
    *,
    warning: bool = False,
    smlo_ids: Iterable[str] = (),
    support: SupportDirectory,
) -> Element:
    """The content-free summary, kept up to date in place as the referral moves on; every
    SMLO's Teams fetches the current version when the card comes into view. `support`
    names the service an out-of-remit referral was sent to."""
    body = [heading(f"Referral {r.reference}")]
    if notice:
        body.append(para(notice, attention=warning))
    body += [
        facts(_summary_facts(r)),
        para(_status_line(r, names, support)),
    ]
    how = action("Refresh", Verb.HIDE, {"referral_id": r.id})
    return card(body, _next_actions(r, opened=False), refresh_for(smlo_ids, how))


def details_card(
    r: Referral, names: Names, smlo_ids: Iterable[str] = (), *, support: SupportDirectory
) -> Element:
    body = [
        heading(f"Referral {r.reference}"),
        para(_status_line(r, names, support)),
        *(para(note) for note in anonymity_notes(r, for_advocate=False)),
        *(para(note) for note in outside_notes(r) or behalf_notes(r.answers, for_advocate=False)),
        facts(referral_facts(r)),
        *_escalations(r),
        *_pathway(r),
        para(w.DETAILS_FOLD_BACK, subtle=True),
    ]
    # Teams asks for the current version when the card is shown again: the folded face, so
    # the details never reopen unasked (and the fold-back timer is never put off).
    how = action("Refresh", Verb.HIDE, {"referral_id": r.id})
    return card(body, _next_actions(r, opened=True), refresh_for(smlo_ids, how))


def _escalations(r: Referral) -> list[Element]:
    """The escalation decisions in categories, and the button to record one (in the body:
    an open case's card has all the actions Teams shows)."""
    shown: list[Element] = []
    if r.escalations:
        shown.append(facts([("Escalation", decision_words(d)) for d in r.escalations]))
    if r.state in ESCALATABLE and not (r.is_purged or r.is_erased):
        record = action("Escalation decision", Verb.SHOW_ESCALATION, {"referral_id": r.id})
        shown.append(buttons(record))
    return shown


def _pathway(r: Referral) -> list[Element]:
    """What the referral became, step by step in categories, and the button to add one."""
    shown: list[Element] = []
    if r.pathway:
        shown.append(facts([("Pathway", step_words(s)) for s in r.pathway]))
    if r.state in ESCALATABLE and not (r.is_purged or r.is_erased):
        record = action("What it became", Verb.SHOW_PATHWAY, {"referral_id": r.id})
        shown.append(buttons(record))
    return shown


def _option_title(o: AllocationOption) -> str:
    team = f" ({o.advocate.team})" if o.advocate.team else ""
    ready = availability_words(o.availability, o.caseload, o.limit)
    title = f"{o.advocate.display_name}{team}: {ready}"
    if o.conflict_reasons:
        title += ". Check: " + "; ".join(w.label(ConflictReason(c)) for c in o.conflict_reasons)
    return title


def _reassign_title(o: AllocationOption) -> str:
    """On the reassign card everyone is listed: those not offered say so, and why."""
    if o.offered:
        return _option_title(o)
    return f"{o.advocate.display_name}: not offered, {w.labels(o.excluded_for).lower()}"


def _not_offered(choices: Sequence[AllocationOption]) -> list[Element]:
    """Who is not offered it and why, with the way to ask one of them anyway."""
    excluded = [o for o in choices if not o.offered]
    if not excluded:
        return []
    rows = [(plain(o.advocate.display_name), w.labels(o.excluded_for)) for o in excluded]
    return [para("Not offered", subtle=True), facts(rows)]


def allocation_card(r: Referral, choices: Sequence[AllocationOption], problem: str = "") -> Element:
    data = {"referral_id": r.id}
    if not choices:
        return card(
            [
                heading(f"Find an advocate for {r.reference}"),
                para("There is no one on the advocate list yet. Please add advocates first."),
            ],
            [action("Back", Verb.HIDE, data)],
        )
    options = [(o.advocate.user_id, _option_title(o)) for o in choices if o.offered]
    anyway = action("Offer anyway", Verb.SHOW_OFFER_ANYWAY, data, validate=False)
    back = action("Back", Verb.HIDE, data, validate=False)
    body = [heading(f"Find an advocate for {r.reference}")]
    if not options:
        body.append(para("No one can take it just now."))
        if problem:
            body.append(para(problem, attention=True))
        askable = any(o.may_ask_anyway for o in choices)
        return card([*body, *_not_offered(choices)], [*([anyway] if askable else []), back])
    body += [
        para("Free and least busy people come first. Check any notes before you choose."),
        *choice_input(
            "advocate_id", "Who should we ask?", options, required=True, problem=problem or None
        ),
        *_not_offered(choices),
    ]
    actions = [action("Ask them", Verb.ALLOCATE, data, primary=True)]
    askable = any(o.may_ask_anyway for o in choices)
    return card(body, [*actions, *([anyway] if askable else []), back])


# Enough for any force's directory, and still within Teams' size limit for a card with
# every name at its longest (tests/unit/test_cards.py measures it).
MOST_SERVICES_OFFERED = 40
LONGEST_CHOICE_NAME = 60


def out_of_remit_card(r: Referral, support: SupportDirectory, problem: str = "") -> Element:
    """Where to send the person: a service from the support directory, so they are told
    its name and how to reach it, or a general kind of help where none fits."""
    data = {"referral_id": r.id}
    services = signpost_targets(support)
    body: list[Element] = [
        heading(f"{r.reference} is outside our remit"),
        para("We will tell the person where they can get help instead."),
        para(
            "Choose a service from our support directory, and we will send them its name and "
            "how to reach it. If none of them fits, choose a general kind of help."
        ),
        *choice_input(
            "signpost",
            "Where should they go?",
            _signpost_options(services[:MOST_SERVICES_OFFERED]),
            required=True,
            problem=problem or None,
            dropdown="Choose a service or a kind of help",
        ),
    ]
    if len(services) > MOST_SERVICES_OFFERED:
        body.append(
            para(
                f"Only the first {MOST_SERVICES_OFFERED} services fit here. For another, "
                "choose a general kind of help.",
                subtle=True,
            )
        )
    if support.to_fill:
        body.append(
            para(
                "Services still to be filled in are not listed. Type directory to see them.",
                subtle=True,
            )
        )
    return card(
        body,
        [
            action("Tell them", Verb.OUT_OF_REMIT, data, primary=True),
            action("Back", Verb.HIDE, data, validate=False),
        ],
    )


def _signpost_options(services: Sequence[SupportService]) -> list[tuple[str, str]]:
    """Each service labelled with where it is (a drop-down has no headings), then the
    kinds of help. Titles are plain text in a drop-down: no Markdown to escape."""
    options = [
        (
            f"{SERVICE_CHOICE}{s.id}",
            f"{'Inside the force' if s.internal else 'Outside the police'}: {_short(s.name)}",
        )
        for s in services
    ]
    return options + [(value, f"General: {words}") for value, words in w.options(Signpost)]


def _short(name: str) -> str:
    if len(name) <= LONGEST_CHOICE_NAME:
        return name
    return name[: LONGEST_CHOICE_NAME - 1].rstrip() + "…"


def _roster_form() -> tuple[list[Element], list[Element]]:
    """Add or take off someone by name or work email (the service checks the SMLO)."""
    label = "To add or take off someone, type their name or work email"
    buttons = [
        action("Add as advocate", Verb.ADD_ADVOCATE, primary=True),
        action("Take off the list", Verb.REMOVE_ADVOCATE),
        action("Support directory", Verb.DIRECTORY, validate=False),
    ]
    return text_input("person", label, max_length=100), buttons


def roster_card(
    advocates: Sequence[tuple[Advocate, int]],
    default_limit: int = DEFAULT_CASELOAD_LIMIT,
    on: date | None = None,
    checkins: Mapping[str, Checkin] | None = None,
) -> Element:
    """`on`: today, for whether someone's time away has ended; `checkins`: each advocate's
    latest wellbeing check-in (the SMLO's alone to see)."""
    form, buttons = _roster_form()
    buttons.append(action("Caseload limits", Verb.LIMITS, validate=False))
    if not advocates:
        empty = [heading("Advocates"), para("There is no one on the advocate list yet.")]
        return card([*empty, *form], buttons)
    rows = []
    for advocate, caseload in advocates:
        shown = current(advocate.availability, on) if on else advocate.availability
        state = availability_words(shown, caseload, advocate.limit(default_limit))
        if not advocate.active:
            # Their cases stay theirs but are locked while they are off the list.
            off = "off the list, so these need someone else" if caseload else "not taking cases"
            state = f"{w.count_of(caseload, 'case')}, {off}"
        team = f" ({advocate.team})" if advocate.team else ""
        if checkins is not None:
            state = f"{state}. {checkin_line(checkins.get(advocate.user_id))}"
        rows.append((plain(f"{advocate.display_name}{team}"), state))
    return card(
        [
            heading("Our advocates"),
            para(f"There are {len(advocates)} on the list. Here is how busy each one is."),
            facts(rows),
            *form,
        ],
        buttons,
    )


def reassign_card(
    r: Referral, choices: Sequence[AllocationOption], problems: Mapping[str, str] | None = None
) -> Element:
    """Give a case to another advocate: who, and why. The advocate who has it now loses
    it at once and is told; the new one is asked, as for any offer."""
    data, problems = {"referral_id": r.id}, problems or {}
    # Someone the referral is about is not even listed: no reason could let them have it.
    choices = [o for o in choices if o.offered or o.may_ask_anyway]
    options = [(o.advocate.user_id, _reassign_title(o)) for o in choices]
    anyway: list[Element] = []
    if any(not o.offered for o in choices):
        anyway = choice_input(
            "override",
            "If you choose someone marked not offered: why ask them anyway?",
            w.options(OverrideReason),
            problem=problems.get("override"),
        )
    return card(
        [
            heading(f"Give {r.reference} to another advocate"),
            para(
                "The advocate who has it now will no longer see it, and is told. The person "
                "is told once the new advocate says yes."
            ),
            *choice_input(
                "reason",
                "Why?",
                w.options(ReassignReason),
                required=True,
                problem=problems.get("reason"),
            ),
            *choice_input(
                "advocate_id",
                "Who should we ask?",
                options,
                required=True,
                problem=problems.get("advocate_id")
                or (None if options else "There is no one else on the advocate list."),
            ),
            *anyway,
        ],
        [
            action("Ask them", Verb.REASSIGN, data, primary=True),
            action("Back", Verb.HIDE, data, validate=False),
        ],
    )


def inbox_card(referrals: Sequence[Referral], limit: int = 20) -> Element:
    take = action("New referral", Verb.NEW_FOR_SOMEONE)  # a call or email, not in Teams
    if not referrals:
        return card([heading("Inbox"), para("Nothing needs you right now.")], [take])
    count = len(referrals)
    body: list[Element] = [
        heading(
            f"Inbox: {count} referral needs you"
            if count == 1
            else f"Inbox: {count} referrals need you"
        )
    ]
    for r in referrals[:limit]:
        body.append(
            row_with_button(
                f"{r.reference}{_anonymous_mark(r)}: {_inbox_state(r)}, "
                f"sent {when(r.submitted_at)}" + (", not in Teams" if r.outside_teams else ""),
                action("Open", Verb.OPEN, {"referral_id": r.id}),
            )
        )
    if len(referrals) > limit:
        body.append(para(f"And {len(referrals) - limit} more. Deal with these first."))
    return card(body, [take])


def _anonymous_mark(r: Referral) -> str:
    return f" ({ANONYMOUS.lower()})" if is_anonymous(r.answers) else ""


def _inbox_state(r: Referral) -> str:
    """A case in the inbox is one whose advocate left the list: it needs someone else. Its
    triage, if it comes first, is said first."""
    state = "Needs a new advocate" if r.state is ReferralState.ACTIVE else w.label(r.state)
    if r.triage is not None and r.triage.comes_first:
        return f"{triage_words(r.triage)}. {state}"
    return state


def _summary_facts(r: Referral) -> list[tuple[str, str]]:
    rows = [("Status", w.label(r.state)), ("Sent", when(r.submitted_at))]
    if is_anonymous(r.answers):  # staff know at once to reach them by message
        rows.append(("Referred by", ANONYMOUS))
    if r.triage is not None:
        rows.append(("Triage", triage_words(r.triage)))
    if r.outside_teams:  # so no one waits for them in Teams
        rows.append(("Not in Teams", "Taken by a service lead"))
    return rows
