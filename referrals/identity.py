"""Named or anonymous to the service: who the service's people are told referred.

A person who refers themselves (as someone who experienced, witnessed or is worried about
something) may choose that the service does not learn who they are. Then:

- the referral keeps no name for them (`Referral.referrer_name` is empty), and every view
  staff see gets the referrer's name from `referrer_shown_as`, which says `ANONYMOUS`;
- their Entra id stays, sealed like every identity field, for the bot alone: to deliver
  messages and notices to them, and to let them see and withdraw their own referral. No
  staff view model reads it, and the audit trail never holds a referrer's id at all;
- conflict checks still keep their own team and line away from their case, shown to the
  SMLO only as a conflict they cannot look behind (`referrals.allocation`);
- they can tell the service who they are later (`Referral.share_identity`).

Microsoft Teams and the force's IT systems still know which account used the app: the
explanation the person reads before they choose says so (README, "What people meet").

Not on the on-behalf route: someone referring another person as part of their job acts
for the force, and the service must be able to go back to them (`NOT_ON_BEHALF`).
"""

from __future__ import annotations

from referrals.intake import Identity, IntakeAnswers, is_on_behalf
from referrals.referral_base import ReferralBase

ANONYMOUS = "Anonymous"  # what staff read wherever the referrer's name would be
# Why the on-behalf route cannot be anonymous, in the words the sender reads.
NOT_ON_BEHALF = (
    "Someone referring another person as part of their job cannot be anonymous: the "
    "service may need to ask you about the referral. Please choose named."
)


def is_anonymous(answers: IntakeAnswers) -> bool:
    return answers.identity is Identity.ANONYMOUS


def anonymity_problems(answers: IntakeAnswers) -> dict[str, str]:
    """Field name -> why not, for a choice of anonymity the route does not allow."""
    if is_anonymous(answers) and is_on_behalf(answers):
        return {"identity": NOT_ON_BEHALF}
    return {}


def referrer_shown_as(referral: ReferralBase) -> str:
    """The referrer as every staff-facing view shows them: `ANONYMOUS`, or the name they
    gave ("" once erased, or if Teams gave none). The one place staff views ask."""
    if is_anonymous(referral.answers):
        return ANONYMOUS
    return referral.referrer_name


def name_kept_for(answers: IntakeAnswers, kept: str, display_name: str) -> str:
    """The referrer's name to keep after they answer: none while anonymous; else the one
    kept, or their Teams display name if they had chosen anonymity before."""
    if is_anonymous(answers):
        return ""
    return kept or display_name
