"""Short cards for the referrer when something happens to their referral, and for errors."""

from __future__ import annotations

from cards import support
from cards import wording as w
from cards.elements import Element, action, card, heading, para, plain
from cards.verbs import Verb
from referrals.intake import is_on_behalf
from referrals.referral import Referral
from referrals.signposting import services_of_kind
from referrals.support import SupportDirectory


def allocated_card(r: Referral) -> Element:
    if is_on_behalf(r.answers):
        return _allocated_for_sender(r)
    new = "A new advocate" if r.previous_advocates else "An advocate"
    return card(
        [
            heading(f"{new} will support you: {r.reference}"),
            para(
                "Your advocate will get in touch in the way you chose. You do not need to do "
                "anything now."
            ),
            para(w.DANGER, attention=True),
        ]
    )


def _allocated_for_sender(r: Referral) -> Element:
    """For someone who referred another person as part of their job: no name, no details."""
    return card(
        [
            heading(f"An advocate is in place: {r.reference}"),
            para(
                "An advocate will now get in touch with the person, in the way you gave. You "
                "do not need to do anything now."
            ),
            para(w.DANGER_FOR_SENDER, attention=True),
        ]
    )


# Services of the kind the referrer was sent to, listed on their card; the rest are
# under Get help now (and the card stays well within Teams' size limit).
MOST_OF_A_KIND = 4


def signposted_card(r: Referral, directory: SupportDirectory) -> Element:
    """Where the service lead sent the person: the service, with how to reach it and when,
    from the support directory as it is now. Sent to a kind of help (or to a service since
    taken out of the directory): that kind, with the directory's services of that kind."""
    best = "The service lead has read it. The best place to help with this is"
    body = [heading(f"About your referral {r.reference}")]
    service = support.signposted_service(r, directory)
    if service is not None:
        body += [para(f"{best}: {plain(service.name)}."), *support.service_lines(service)]
    else:
        body += [para(f"{best}: {w.label(r.signpost)}."), *_of_its_kind(r, directory)]
    # "Other help": the crisis lines, less the one they were just sent to.
    others = tuple(s for s in directory.services if service is None or s.id != service.id)
    help_lines = support.help_lines(SupportDirectory(others))
    body += [
        {**para("You can still talk to us. Type refer at any time."), "spacing": "Medium"},
        *([para(help_lines, subtle=True)] if help_lines else []),
    ]
    return card(body, [action(w.GET_HELP_NOW, Verb.SUPPORT)])


def _of_its_kind(r: Referral, directory: SupportDirectory) -> list[Element]:
    """The first few services the directory has of the kind of help they were sent to."""
    of_kind = services_of_kind(directory, r.signpost) if r.signpost else ()
    if not of_kind:
        return []
    body = [para("These are the ones we know of:")]
    body += [line for s in of_kind[:MOST_OF_A_KIND] for line in support.service_lines(s)]
    if len(of_kind) > MOST_OF_A_KIND:
        body.append(para(f"There are more under {w.GET_HELP_NOW}."))
    return body


def case_closed_card(r: Referral, help_lines: str) -> Element:
    """To the referrer: content-free, with the help lines (the support directory's crisis
    lines, `cards.support.help_lines`) and how to come back. Who closed it: their advocate,
    or the service lead (who may close a case an advocate holds)."""
    closing = next((e for e in reversed(r.history) if e.name == "ReferralClosed"), None)
    by_advocate = closing is None or closing.actor_id == r.advocate_id
    who = "Your advocate has" if by_advocate else "The service lead has"
    return card(
        [
            heading(f"About your referral {r.reference}"),
            para(f"{who} closed your case. Thank you for trusting us with it."),
            para("If you need us again, type refer at any time."),
            *([para(help_lines, subtle=True)] if help_lines else []),
        ]
    )


def withdrawn_for_advocate_card(r: Referral) -> Element:
    return card(
        [
            heading(f"{r.reference} has been withdrawn"),
            para(
                "The person has withdrawn it. There is nothing more you need to do. Please "
                "delete any notes about it that you keep outside this app."
            ),
        ]
    )


def reassigned_card(r: Referral) -> Element:
    """To the advocate a case was taken from: content-free; its details leave their chat."""
    return card(
        [
            heading(f"{r.reference} is now with another advocate"),
            para(
                "The service lead has given this case to someone else. There is nothing more "
                "you need to do. Please delete any notes about it that you keep outside this "
                "app. Its details are removed from this chat."
            ),
        ]
    )


def closed_for_advocate_card(r: Referral) -> Element:
    """To the advocate whose case an SMLO closed: content-free."""
    return card(
        [
            heading(f"{r.reference} is closed"),
            para(
                "The service lead has closed this case. There is nothing more you need to do. "
                "Its details are removed from this chat."
            ),
        ]
    )


def update_card(reference: str, what: str) -> Element:
    """A short note that a referral moved on; its card above shows the detail."""
    return card([heading(f"Update on {reference}"), para(what)])


def problem_card(title: str, message: str, error_id: str = "") -> Element:
    body = [heading(title), para(message)]
    if error_id:
        body.append(para(f"If you contact us about this, quote: {error_id}", subtle=True))
    return card(body)


def note_card(text: str) -> Element:
    """A short answer that needs no more than a line (e.g. "Stopped."), as a card: what a
    click is answered with where a typed command would get a plain message."""
    return card([para(text)])


_CLEARED_BECAUSE = {
    "withdrawn": "{ref} was withdrawn.",
    "closed": "{ref} is closed.",
    "erased": "The details of {ref} have been deleted, as our rules on keeping data say.",
    "not_yours": "{ref} is not open to you now.",
}


def details_cleared_card(reference: str, why: str) -> Element:
    """What a message that showed a referral's details shows once they may not stay:
    `why` is a `referrals.views.ViewFate` that clears (withdrawn, closed, erased, not yours)."""
    what = _CLEARED_BECAUSE[why].format(ref=reference or "This referral")
    return card(
        [
            heading("Details removed"),
            para(f"{what} We have removed its details from this chat."),
        ]
    )
