"""Referrals for people without Teams: someone who has left the force, or who rang or
e-mailed the service rather than use the bot. Standard library only.

An SMLO takes the referral for them (`new referral`): the same intake, on the on-behalf
route, with the contact answers the person's. Who is its "referrer" is decided here:

- The SMLO who took it is recorded as its maker (`referrer_id`): they answer the intake,
  their draft is theirs to carry on or delete, and the history names them. The person has
  no id in Teams, so nothing in the product can ever post to a chat of theirs.
- The referral says so (`Referral.outside_teams`), and how to reach the person
  (`channel_of` their contact answers: a phone or an e-mail outside Teams); it is not
  sent without one.
- Taking a call is not referring oneself: the rule that an SMLO leaves their own referral
  to another SMLO (`CannotTriageOwnReferral`) does not apply, so the SMLO who took it may
  triage and allocate it, and is sent its card like every other SMLO. An SMLO's own
  referral, made in Teams for themselves or someone else, keeps the rule.
- News its referrer would be sent (`notifications.TELL_PERSON`) becomes a content-free
  to-do, "Let the person know …, by phone", for the advocate who holds the case, or
  before one does the SMLO who made it. Relayed messages cannot reach the person
  (`errors.ReachedOutsideTeams`, with a kind answer saying how to reach them instead).
- On the audit trail the SMLO acts on it as staff (their id is kept, as for any SMLO),
  never as a referrer (whose id the trail never holds). The staff directory's likely
  conflicts (the referrer's department and managers) are not looked up: the SMLO's own
  place in the force says nothing about the person's.
- The person cannot see `my referrals`, withdraw it, ask for another advocate or
  withdraw a consent in the bot: they ask the service, and any SMLO withdraws it for them
  with how they asked (`WithdrawnFor`), on the history and the audit trail.

The figures count these referrals like any other sent on someone's behalf (route
`on_behalf`): a category of their own would be a handful a period, suppressed as a small
cell, and would push other cells into suppression with it.
"""

from __future__ import annotations

from enum import StrEnum

from referrals.intake import ContactMethod, IntakeAnswers

WITHDRAWN_FOR_PERSON = "for_person"  # the withdrawal's history detail: "for_person:<how>"


class OutsideChannel(StrEnum):
    """How the person is reached outside Teams."""

    PHONE = "phone"
    EMAIL = "email"


class WithdrawnFor(StrEnum):
    """How the person asked the service to withdraw the referral."""

    BY_PHONE = "by_phone"
    BY_EMAIL = "by_email"
    IN_PERSON = "in_person"


CHANNEL_OF: dict[ContactMethod, OutsideChannel] = {
    ContactMethod.PERSONAL_PHONE: OutsideChannel.PHONE,
    ContactMethod.WORK_PHONE: OutsideChannel.PHONE,
    ContactMethod.PERSONAL_EMAIL: OutsideChannel.EMAIL,
}


def channel_of(answers: IntakeAnswers) -> OutsideChannel | None:
    """The first way outside Teams among the contact ways chosen, if any."""
    return next((CHANNEL_OF[m] for m in answers.contact_methods if m in CHANNEL_OF), None)


def withdrawal_detail(how: WithdrawnFor) -> str:
    return f"{WITHDRAWN_FOR_PERSON}:{how}"
