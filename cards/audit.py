"""Who has looked at or changed a referral: the audit trail as the SMLO, or the data
protection auditor, sees it.

Staff are named; the referrer is "the person who referred" (never by name, and "(anonymous)"
when they chose to be anonymous to the service); anyone else
is shown by a short form of their id, so an attempt by someone without access stands out.
The auditor sees every person by name or whole id (service leads too), since checking
who opened what is their job, and no button that would open the referral.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cards import wording as w
from cards.details import when
from cards.elements import Element, action, card, facts, heading, para, plain
from cards.verbs import Verb
from referrals.audit import ActorRole, AuditAction, AuditEntry, Outcome
from referrals.identity import is_anonymous
from referrals.referral import Referral

ACTIONS = {
    AuditAction.VIEW_DETAILS: "read the details",
    AuditAction.VIEW_OFFER: "looked at the offer",
    AuditAction.VIEW_ALLOCATION: "looked at who could take it",
    AuditAction.VIEW_AUDIT: "looked at this list",
    AuditAction.CHANGE_DRAFT: "changed the answers",
    AuditAction.DELETE_DRAFT: "deleted the draft",
    AuditAction.SUBMIT: "sent it",
    AuditAction.OFFER: "asked an advocate",
    AuditAction.MARK_OUT_OF_REMIT: "sent it to another service",
    AuditAction.ACCEPT: "took the case",
    AuditAction.DECLINE: "said no to the case",
    AuditAction.RETURN_OFFER: "sent it back to be allocated (the advocate left the list)",
    AuditAction.TRIAGE: "triaged it",
    AuditAction.ESCALATE: "recorded an escalation decision",
    AuditAction.PATHWAY: "recorded a step of what it became",
    AuditAction.WITHDRAW_CONSENT: "withdrew a consent to escalation",
    AuditAction.REASSIGN: "gave the case to another advocate",
    AuditAction.ASK_NEW_ADVOCATE: "asked for a different advocate",
    AuditAction.SHARE_IDENTITY: "told the service who they are",
    AuditAction.WITHDRAW: "withdrew it",
    AuditAction.WITHDRAW_FOR_PERSON: "withdrew it for the person, who asked",
    AuditAction.CLOSE: "closed it",
    AuditAction.VIEW_RECORD: "read the case record",
    AuditAction.ADD_CONTACT: "logged a contact",
    AuditAction.ADD_SUPPORT_AGREEMENT: "recorded a support agreement",
    AuditAction.ADD_RISK_ASSESSMENT: "recorded a risk assessment",
    AuditAction.ADD_ONWARD_REFERRAL: "referred the person on",
    AuditAction.ADD_ONWARD_OUTCOME: "recorded what came of an onward referral",
    AuditAction.ADD_UPDATE: "recorded an update",
    AuditAction.CORRECT_ENTRY: "corrected an entry",
    AuditAction.PURGE: "deleted the personal data at the end of the keeping period",
    AuditAction.SEND_MESSAGE: "sent a message",
    AuditAction.READ_MESSAGES: "read the messages",
    AuditAction.MARK_MESSAGES_READ: "marked the messages read",
    AuditAction.ADD_ADVOCATE: "added an advocate",
    AuditAction.REMOVE_ADVOCATE: "took an advocate off the list",
    AuditAction.SET_AVAILABILITY: "changed when they can take cases",
    AuditAction.SET_CASELOAD_LIMIT: "changed an advocate's caseload limit",
    AuditAction.OVERRIDE_EXCLUSION: "offered it anyway, with a reason",
    AuditAction.VIEW_STATISTICS: "looked at the figures",
    AuditAction.EXPORT_STATISTICS: "saved the figures as a file",
    AuditAction.VIEW_ACCESS_REPORT: "looked at the access report",
    AuditAction.EXPORT_SCRUTINY: "exported closed cases for the scrutiny panel",
    AuditAction.SEND_CHECKINS: "sent the monthly wellbeing check-ins",
    AuditAction.ANSWER_CHECKIN: "answered a wellbeing check-in",
    AuditAction.VIEW_CHECKINS: "looked at the wellbeing check-ins",
}
ROLE_WORDS = {
    ActorRole.REFERRER: "the person who referred",
    ActorRole.SMLO: "service lead",
    ActorRole.ADVOCATE: "advocate",
    ActorRole.AUDITOR: "data protection auditor",
    ActorRole.OTHER: "someone without access",
    ActorRole.SYSTEM: "the system",
}
SHOWN_AT_MOST = 30


def _who(
    entry: AuditEntry, names: Mapping[str, str], *, identify: bool = False, anonymous: bool = False
) -> str:
    if entry.actor_role is ActorRole.REFERRER:  # the trail never holds their id
        return "The person who referred (anonymous)" if anonymous else "The person who referred"
    if identify and entry.actor_role is not ActorRole.SYSTEM:
        known = names.get(entry.actor_id)
        who = plain(known) if known else f"id {entry.actor_id or 'unknown'}"
        return f"{ROLE_WORDS[entry.actor_role].capitalize()} ({who})"
    if entry.actor_role is ActorRole.SMLO:
        return "A service lead"
    if entry.actor_role is ActorRole.AUDITOR:
        return "The data protection auditor"
    if entry.actor_role is ActorRole.ADVOCATE:
        return plain(names.get(entry.actor_id, "An advocate"))
    if entry.actor_role is ActorRole.SYSTEM:
        return "The system"
    return f"Someone without access (id ending {entry.actor_id[-6:] or 'unknown'})"


def _line(entry: AuditEntry, names: Mapping[str, str], identify: bool, anonymous: bool) -> str:
    what, who = ACTIONS[entry.action], _who(entry, names, identify=identify, anonymous=anonymous)
    if entry.outcome is Outcome.REFUSED:
        return f"{who} tried, and was stopped: {what}"
    return f"{who} {what}"


def _refused_words(refused: int) -> str:
    """What the "stopped" count means: tries by people without access, turned away."""
    if refused == 0:
        return "No one without access has tried to see or change it."
    if refused == 1:
        return "Once, someone without access tried to see or change it. We stopped them."
    return f"{refused} times, someone without access tried to see or change it. We stopped them."


def audit_card(
    r: Referral,
    entries: Sequence[AuditEntry],
    names: Mapping[str, str],
    *,
    for_auditor: bool = False,
) -> Element:
    """`for_auditor`: everyone by name or id, and no way back to the referral's card. The
    referrer is never named, even to the auditor; an anonymous one is said to be so."""
    anonymous = is_anonymous(r.answers)
    grouped: list[tuple[str, str, int]] = []  # (first time, line, how many in a row)
    for entry in entries:
        line = _line(entry, names, for_auditor, anonymous)
        if grouped and grouped[-1][1] == line:
            first, _, count = grouped[-1]
            grouped[-1] = (first, line, count + 1)
        else:
            grouped.append((when(entry.at), line, 1))
    rows = [(at, line if n == 1 else f"{line} ({n} times)") for at, line, n in grouped]
    refused = sum(e.outcome is Outcome.REFUSED for e in entries)
    body = [
        heading(f"Who has seen {r.reference}"),
        para(f"{w.count_of(len(entries), 'record')} of who opened or changed it. Newest last."),
        para(_refused_words(refused)),
    ]
    if len(rows) > SHOWN_AT_MOST:
        body.append(para(f"Showing the last {SHOWN_AT_MOST}.", subtle=True))
    body.append(facts(rows[-SHOWN_AT_MOST:]))
    if for_auditor:
        return card(body, [action("Access report", Verb.ACCESS_REPORT)])
    return card(body, [action("Back", Verb.HIDE, {"referral_id": r.id})])
