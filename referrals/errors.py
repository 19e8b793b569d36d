"""Errors named for the rule they enforce.

Each carries no personal data: only ids, states and rule names, so it is safe to log.
The bot translates them into plain words in one place (`bot/messages.py`).
"""

from __future__ import annotations

from referrals.intake import IntakeStep


class ReferralError(Exception):
    """Base for every rule the domain refuses to break."""


class NotPermitted(ReferralError):
    """The person may not do this to this referral (a refusal, audited later)."""


class NotTheReferrer(NotPermitted):
    pass


class NotAnSmlo(NotPermitted):
    pass


class NotAnAuditor(NotPermitted):
    """Only the data protection auditor sees the access report."""


class CannotTriageOwnReferral(NotPermitted):
    """An SMLO who made a referral leaves it to another SMLO (a conflict of interest)."""


class NotTheOfferedAdvocate(NotPermitted):
    pass


class NotTheAllocatedAdvocate(NotPermitted):
    pass


class NotAnActiveAdvocate(NotPermitted):
    """Someone taken off the advocate list: no offer or case of theirs opens until they are
    back on it."""


class InvalidTransition(ReferralError):
    def __init__(self, transition: str, state: str) -> None:
        super().__init__(f"cannot {transition} a referral that is {state}")
        self.transition = transition
        self.state = state


class ReferralAlreadyAllocated(InvalidTransition):
    """Someone else allocated, or an advocate already answered, first."""


class OfferAlreadyAnswered(InvalidTransition):
    pass


class AlreadyWithdrawn(InvalidTransition):
    """A withdraw button pressed after the referral was withdrawn. Its referrer's id was
    erased with it, so the presser cannot be told apart from the referrer; everyone who
    holds its id was told it is withdrawn, so saying so reveals nothing new."""

    def __init__(self, referral_id: str) -> None:
        super().__init__("withdraw", "withdrawn")
        self.referral_id = referral_id


class IdentityAlreadyShared(ReferralError):
    """The referral names its referrer already: there is nothing more to tell."""


class ConsentRequired(ReferralError):
    pass


class RequiredAnswerMissing(ReferralError):
    """A step's required question has no answer (`referrals.intake.REQUIRED_ANSWERS`): the
    person may not move past that step, nor send the referral, until it has one. `step` is
    where to send them; `fields` names the questions (never their answers)."""

    def __init__(self, step: IntakeStep, fields: tuple[str, ...]) -> None:
        super().__init__(f"required answers missing at {step}: {', '.join(fields)}")
        self.step = step
        self.fields = fields


class AdvocateNotAvailable(ReferralError):
    """The chosen advocate is not on the active roster, or is the referrer."""


class AdvocateExcluded(ReferralError):
    """The chosen advocate is away, full, or has a conflict with this referral: they are
    offered it only with the SMLO's reason (`availability.OverrideReason`)."""

    def __init__(self, advocate_id: str, excluded_for: tuple[str, ...]) -> None:
        super().__init__(f"advocate {advocate_id} not offered: {', '.join(excluded_for)}")
        self.excluded_for = excluded_for


class AvailabilityInvalid(ReferralError):
    """An availability or caseload limit out of its range (a forged card, or an old one)."""


class ReferralNotFound(ReferralError):
    pass


class ConcurrentUpdate(ReferralError):
    """The stored referral changed since it was read (optimistic concurrency)."""


class AnswerInvalid(ReferralError):
    """One or more intake answers break a documented limit; `problems` names the fields."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("invalid answers: " + ", ".join(sorted(problems)))
        self.problems = problems


class DirectoryUnavailable(ReferralError):
    """The staff directory (Entra ID) could not be reached or would not answer in time;
    `code` is an HTTP status or an error's class name, never anything a person typed."""

    def __init__(self, code: str) -> None:
        super().__init__(f"directory unavailable: {code}")
        self.code = code


class EntryInvalid(ReferralError):
    """A case record entry breaks a documented rule (`referrals.case_record`): a text over
    its limit, a date in the future, a required field empty. `problems` names the fields."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("invalid entry: " + ", ".join(sorted(problems)))
        self.problems = problems


class CaseNotOpen(InvalidTransition):
    """An entry for a case that is no longer open (closed, withdrawn): nothing is added."""


class EntryAlreadySaved(ReferralError):
    """The form of this entry was saved before (a second press of Save): nothing twice."""


class EntryNotFound(ReferralError):
    """A correction or an outcome names no entry of that kind on this case."""


class EntryAlreadyRetracted(ReferralError):
    """An entry retracted once cannot be retracted again (nor a correction retracted)."""


class ReplacementOfAnotherKind(ReferralError):
    """A correction's right entry must be of the kind of the one it retracts."""


class CloseReasonRequired(ReferralError):
    """An SMLO closes a case an advocate holds only with an outcome and a note saying why."""


class UnknownSupportService(ReferralError):
    """The SMLO chose a service the support directory does not list (now): a forged card,
    or the directory was changed since the card was shown. `service_id` has the shape of a
    directory id (`referrals.support.SERVICE_ID`), never free text."""

    def __init__(self, service_id: str) -> None:
        super().__init__(f"no such service in the support directory: {service_id}")
        self.service_id = service_id


class PeriodNotOffered(ReferralError):
    """Figures were asked for a period not on offer: one still running, from before the
    service started, or never offered at all (a forged card). Only ended six-month windows
    are offered (`referrals.periods`)."""


class MessageInvalid(ReferralError):
    """A message that cannot be sent: empty, over `limit` characters, or unstorable."""

    def __init__(self, problem: str, limit: int) -> None:
        super().__init__(f"message not sent: {problem} (up to {limit:,} characters)")
        self.problem = problem
        self.limit = limit


class ThreadClosed(InvalidTransition):
    """A message about a referral that is closed, withdrawn or purged: nothing is sent. The
    answer says kindly how to start again (a new referral)."""

    def __init__(self, referral_id: str, state: str) -> None:
        super().__init__("send a message about", state)
        self.referral_id = referral_id


class ReachedOutsideTeams(ReferralError):
    """The referral was made by an SMLO for someone without Teams (`referrals.outside`):
    the bot cannot reach them (a relayed message), and what they would do in Teams
    (withdraw, ask for another advocate) an SMLO does for them. `what` names the act."""

    def __init__(self, referral_id: str, what: str) -> None:
        super().__init__(f"{referral_id} is for someone outside Teams: cannot {what}")
        self.referral_id = referral_id
        self.what = what


class ContactOutsideTeamsMissing(RequiredAnswerMissing):
    """A referral for someone without Teams needs a way to reach them outside it (a phone
    or an e-mail): it is not sent without one."""

    def __init__(self) -> None:
        super().__init__(IntakeStep.CONTACT, ("contact_methods",))
