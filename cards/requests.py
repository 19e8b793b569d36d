"""What a person asked for, typed: the one shape both card clicks and typed commands take.

`cards.parsers.parse_action` turns a card's payload into one of these, and
`bot.commands.parse_command` turns typed text into the same; the bot's route table is
keyed by `verb`, so a command does the same whichever way it came.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from cards.verbs import Verb
from referrals.availability import AvailabilityState, OverrideReason
from referrals.case_record import Content, EntryKind
from referrals.escalation import Escalation
from referrals.intake import IntakeStep
from referrals.outside import WithdrawnFor
from referrals.pathway import PathwayStep
from referrals.periods import Period
from referrals.referral import DeclineReason, ReassignReason
from referrals.signposting import Signpost
from referrals.triage import TriageDecision


@dataclass(frozen=True)
class Request:
    """A verb with nothing more to it (`inbox`, `roster`, `help`, …)."""

    verb: Verb


@dataclass(frozen=True)
class AskHelp(Request):
    """`help`, `hi`, `hello`; or something typed that is not a command (`not_understood`)."""

    not_understood: bool = False


@dataclass(frozen=True)
class OnReferral(Request):
    """A verb acting on one referral, named by its id on the card."""

    referral_id: str = ""


@dataclass(frozen=True)
class ByReference(Request):
    """A look-up typed as `referral SMA-2026-0042` or `audit SMA-2026-0042`."""

    reference: str = ""


@dataclass(frozen=True)
class IntakeClick(OnReferral):
    """A button on an intake step card: the dialog reads the answers against the draft."""

    step: IntakeStep | None = None
    inputs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AskForContact(OnReferral):
    """ "Ask an advocate to contact me", sent from its short card. `referral_id` is the id
    the card gave what it sends (their draft's, or a new one), so a second press sends
    nothing more; it acts only on the sender's own draft, whatever the card says."""

    consent: bool = False


@dataclass(frozen=True)
class Offer(OnReferral):
    advocate_id: str = ""  # empty: nobody was chosen


# On the out-of-remit card, a service in the support directory is chosen as
# `service:<its id>`; a broad kind of help as its own value (`hr`), as it always was.
SERVICE_CHOICE = "service:"


@dataclass(frozen=True)
class MarkOutOfRemit(OnReferral):
    """Where to send the person: a service in the support directory (`service_id`), or a
    broad kind of help (`signpost`); neither when nothing (readable) was chosen."""

    signpost: Signpost | None = None
    service_id: str = ""


@dataclass(frozen=True)
class TriageSent(OnReferral):
    """The triage form sent: the decision, or what kept it from being read."""

    decision: TriageDecision | None = None
    problems: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EscalationSent(OnReferral):
    """The escalation form sent: the decision, or the problems that kept it from being
    read, with what was sent (to fill the form in again)."""

    decision: Escalation | None = None
    entry_id: str = ""
    problems: Mapping[str, str] = field(default_factory=dict)
    sent: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PathwaySent(OnReferral):
    """The pathway form sent: the step, or the problems that kept it from being read, with
    what was sent (to fill the form in again)."""

    step: PathwayStep | None = None
    problems: Mapping[str, str] = field(default_factory=dict)
    sent: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OnEscalation(OnReferral):
    """The person, on one escalation decision of their referral."""

    escalation_id: str = ""


@dataclass(frozen=True)
class Reassign(OnReferral):
    advocate_id: str = ""  # empty: nobody was chosen
    reason: ReassignReason | None = None  # None: nothing (readable) was chosen
    override: OverrideReason | None = None  # why someone not offered is asked anyway


@dataclass(frozen=True)
class Decline(OnReferral):
    reason: DeclineReason | None = None  # None: nothing (readable) was chosen


@dataclass(frozen=True)
class WithdrawForPerson(OnReferral):
    """An SMLO withdraws a referral for someone without Teams, saying how they asked."""

    how: WithdrawnFor | None = None  # None: nothing (readable) was chosen


@dataclass(frozen=True)
class RetryDelivery(Request):
    notification_id: str = ""


@dataclass(frozen=True)
class AskAccessReport(Request):
    """The auditor's access report: a whole month ("2026-05"; empty: the last one) and a
    page of the people in it (0: the first)."""

    month: str = ""
    page: int = 0


@dataclass(frozen=True)
class ShowFigures(Request):
    """The figures for a six-month review chosen on the figures card; typed `stats` is a
    plain `Request` (the latest). Whether the period is on offer is the use case's to say."""

    period: Period | None = None


@dataclass(frozen=True)
class UploadTarget:
    """Where Teams asks the bot to put a file the person accepted (`uploadInfo`)."""

    name: str
    upload_url: str
    content_url: str
    unique_id: str
    file_type: str


@dataclass(frozen=True)
class FileAnswer:
    """The person's answer to a file consent card (a `fileConsent/invoke`): the kind of
    file and its context as the offer sent them (possibly forged: checked again), and on
    acceptance where to upload it."""

    accepted: bool
    kind: str
    context: Mapping[str, str]
    upload: UploadTarget | None = None


@dataclass(frozen=True)
class OfferAnyway(OnReferral):
    """An offer to someone away, full or with a conflict, with the SMLO's reason."""

    advocate_id: str = ""  # empty: nobody was chosen
    reason: OverrideReason | None = None  # None: nothing (readable) was chosen


@dataclass(frozen=True)
class SetAvailability(Request):
    """The advocate's own availability; `problems` names what must be given again."""

    state: AvailabilityState | None = None
    new_cases: int = 0
    until: date | None = None
    problems: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SetLimit(Request):
    """One advocate's caseload limit (0: the service's default); None: not readable."""

    advocate_id: str = ""
    limit: int | None = None


@dataclass(frozen=True)
class ChangeRoster(Request):
    """`add advocate …` / `remove advocate …`, typed or from the roster card's box."""

    person: str = ""


@dataclass(frozen=True)
class ChooseAdvocate(Request):
    """One of the people a name matched, picked on the roster change card."""

    asked: str = ""
    user_id: str = ""


@dataclass(frozen=True)
class OnRecord(OnReferral):
    """A verb on a case record: `entry_id` names one entry where it needs one (its details,
    a correction of it, the outcome of a referral on); `start` pages the timeline."""

    entry_id: str = ""
    start: int = 0


@dataclass(frozen=True)
class OpenForm(OnRecord):
    """A case record form: to add an entry of `kind`, correct one, or close the case."""

    kind: EntryKind = EntryKind.CONTACT


@dataclass(frozen=True)
class SaveEntry(OpenForm):
    """A form sent. `content` as read (for a correction: the right entry, None when the
    entry should not be there at all); or the `problems` that kept it from being read, with
    `inputs` to show the form again as the person left it."""

    inputs: Mapping[str, str] = field(default_factory=dict)
    content: Content | None = None
    problems: Mapping[str, str] = field(default_factory=dict)
    reason: str = ""  # a correction's
    form_id: str = ""  # given when the form was shown: the id of the entry it makes


@dataclass(frozen=True)
class CheckinSent(Request):
    """The check-in card sent: what was chosen and typed, unchecked (the use case checks
    it and says what to fix)."""

    feeling: str = ""
    capacity: str = ""
    hours: str = ""


@dataclass(frozen=True)
class SendMessage(OnReferral):
    """A message typed on the thread card; `message_id` is the card's, so a second press
    of Send sends nothing more."""

    text: str = ""
    message_id: str = ""


@dataclass(frozen=True)
class TypedWords(Request):
    """Words typed in the chat that are no command (bot/commands.py): a message for the
    service, if the person has a referral to send it about and confirms; otherwise what
    such words have always had (`otherwise`: the welcome, or "we did not understand")."""

    text: str = ""
    otherwise: Request = field(default_factory=lambda: AskHelp(Verb.HELP, not_understood=True))
