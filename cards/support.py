"""The support directory on cards: the help lines under the welcome and help, "Get help
now" for anyone, the whole directory for the SMLO, and the service an out-of-remit
referral was sent to. Only services the force has filled in are ever shown
(`SupportDirectory.listed`); the details come from the file as given."""

from __future__ import annotations

from collections.abc import Sequence

from cards import wording as w
from cards.elements import Element, action, card, heading, para, plain
from cards.verbs import Verb
from referrals.referral import Referral
from referrals.signposting import can_signpost_to
from referrals.support import Category, SupportDirectory, SupportService

DIRECTORY_NOTE = (
    "The list is kept in a file that the people who run this app can change. The guide "
    "for it is docs/support-directory.md."
)


def help_lines(directory: SupportDirectory) -> str:
    """ "Other help, day or night: Rape Crisis 0808 500 2222. Samaritans 116 123." from the
    directory's crisis lines ("" when there are none)."""
    lines = directory.crisis_lines
    if not lines:
        return ""
    hours = {s.hours for s in lines}
    shared = hours.pop().lower() if len(hours) == 1 and "" not in hours else ""
    said = " ".join(f"{_line(s, with_hours=not shared)}." for s in lines)
    return f"Other help, {shared}: {said}" if shared else f"Other help: {said}"


def support_card(directory: SupportDirectory) -> Element:
    """ "Get help now": every service filled in, outside the force and inside it."""
    body: list[Element] = [heading(w.GET_HELP_NOW), para(w.DANGER, attention=True)]
    body += _listed(directory)
    body.append(para("You can also talk to us. Type refer at any time.", subtle=True))
    return card(body)


def directory_card(directory: SupportDirectory) -> Element:
    """The SMLO's view: what people see, and what the force has still to fill in."""
    body: list[Element] = [
        heading("Support directory"),
        para(f"This is what people see when they tap {w.GET_HELP_NOW}."),
        *_listed(directory),
    ]
    to_fill = directory.to_fill
    if to_fill:
        names = ", ".join(plain(s.name) for s in to_fill)
        body += [
            _title("Still to fill in"),
            para(
                f"No one sees these until their details are given: {names}.",
                attention=True,
            ),
        ]
    body.append(para(DIRECTORY_NOTE, subtle=True))
    return card(body, [action("Roster", Verb.ROSTER)])


def _listed(directory: SupportDirectory) -> list[Element]:
    shown = [s for s in directory.listed if s.category is not Category.EMERGENCY]
    if not shown:
        return [para("There are no services to show yet.")]
    outside = [s for s in shown if not s.internal]
    inside = [s for s in shown if s.internal]
    body: list[Element] = []
    if outside:
        body += [_title("Outside the police"), *_services(outside)]
    if inside:
        body += [_title("Inside the force"), *_services(inside)]
    return body


def _services(services: Sequence[SupportService]) -> list[Element]:
    return [element for service in services for element in service_lines(service)]


def service_lines(service: SupportService) -> list[Element]:
    """One service as every card shows it: its name with a number to call or text and its
    hours, what it helps with, and its web address."""
    body = [
        {**para(_line(service, with_hours=True)), "weight": "Bolder", "spacing": "Medium"},
        {**para(plain(service.helps_with)), "spacing": "None"},
    ]
    if service.contact.web:
        body.append({**para(f"Online: {service.contact.web}"), "spacing": "None"})
    return body


def signposted_service(r: Referral, directory: SupportDirectory) -> SupportService | None:
    """The service an out-of-remit referral was sent to, if the directory still lists it
    (else the referral's kind of help stands in for it)."""
    service = directory.get(r.signpost_service) if r.signpost_service else None
    return service if service is not None and can_signpost_to(service) else None


def signpost_words(r: Referral, directory: SupportDirectory) -> str:
    """ "Rape Crisis", or the kind of help ("HR") where no listed service was chosen."""
    service = signposted_service(r, directory)
    return plain(service.name) if service is not None else w.label(r.signpost)


def _line(service: SupportService, *, with_hours: bool) -> str:
    """ "Samaritans 116 123", with a number to text and the hours where given."""
    said = plain(service.name)
    if service.contact.phone:
        said += f" {service.contact.phone}"
    if service.contact.text:
        said += f", or text {service.contact.text}"
    if with_hours and service.hours:
        said += f" ({plain(service.hours).lower()})"
    return said


def _title(text: str) -> Element:
    return {**para(text), "weight": "Bolder", "spacing": "Medium"}
