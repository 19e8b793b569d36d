"""Every verb a person can use. Card builders, the typed text commands and the bot's one
route table all use this enum; a few verbs (help, continue, stop, stats, referral look-up)
are only ever typed, and come to the same table."""

from __future__ import annotations

from enum import StrEnum


class Verb(StrEnum):
    # everyone
    WELCOME = "welcome"
    HELP = "help"  # typed: help, hi, hello; and the answer to what we did not understand
    SUPPORT = "support.show"  # "Get help now": the services in the support directory
    # referrer: intake
    START = "intake.start"
    NOT_NOW = "intake.not_now"
    ANSWER = "intake.answer"
    SKIP = "intake.skip"
    BACK = "intake.back"
    LATER = "intake.later"
    SUBMIT = "intake.submit"
    KEEP_DRAFT = "intake.keep_draft"
    DELETE_DRAFT = "intake.delete_draft"
    RESUME = "intake.resume"  # typed: continue
    STOP = "intake.stop"  # typed: stop; "Stop and clear" on every intake card
    # referrer: the short way, "ask an advocate to contact me"
    ASK_CONTACT = "intake.ask_contact"
    SEND_ASK_CONTACT = "intake.send_ask_contact"
    # referrer: after sending
    MY_REFERRALS = "referrer.list"
    WITHDRAW_ASK = "referrer.withdraw_ask"
    WITHDRAW = "referrer.withdraw"
    ASK_NEW_ADVOCATE_ASK = "referrer.new_advocate_ask"  # are you sure?
    ASK_NEW_ADVOCATE = "referrer.new_advocate"
    WITHDRAW_CONSENT_ASK = "referrer.withdraw_consent_ask"  # are you sure?
    WITHDRAW_CONSENT = "referrer.withdraw_consent"  # of an escalation decision
    SHARE_IDENTITY_ASK = "referrer.share_identity_ask"  # are you sure?
    SHARE_IDENTITY = "referrer.share_identity"  # an anonymous referrer says who they are
    # SMLO
    OPEN = "smlo.open"
    HIDE = "smlo.hide"
    SHOW_TRIAGE = "smlo.show_triage"
    TRIAGE = "smlo.triage"  # in remit, urgency, immediate risk
    SHOW_ESCALATION = "smlo.show_escalation"
    ESCALATE = "smlo.escalate"  # an escalation decision, with the consent it rests on
    SHOW_PATHWAY = "smlo.show_pathway"
    RECORD_PATHWAY = "smlo.pathway"  # a step of what the referral became
    SHOW_ALLOCATE = "smlo.show_allocate"
    ALLOCATE = "smlo.allocate"
    REASSIGN = "smlo.reassign"  # an active case, to another advocate
    SHOW_OUT_OF_REMIT = "smlo.show_out_of_remit"
    OUT_OF_REMIT = "smlo.out_of_remit"
    OPEN_SUBJECT_MATCH = "smlo.subject_match"  # referrals that may be about the same person
    INBOX = "smlo.inbox"
    REFERRAL = "smlo.referral"  # typed: referral SMA-…
    AUDIT = "smlo.audit"
    STATISTICS = "smlo.statistics"  # typed: stats
    FIGURES_FILE = "smlo.figures_file"  # typed: stats file; offers the figures as a file
    SCRUTINY_FILE = "smlo.scrutiny_file"  # typed: scrutiny file; the panel's rows as a file
    UNDELIVERED = "smlo.undelivered"
    RETRY_DELIVERY = "smlo.retry_delivery"
    ROSTER = "smlo.roster"
    CHECKIN = "advocate.checkin"  # typed: check-in, checkin; and the monthly card
    ANSWER_CHECKIN = "advocate.answer_checkin"
    ADD_ADVOCATE = "smlo.add_advocate"
    REMOVE_ADVOCATE = "smlo.remove_advocate"
    ADD_CHOSEN = "smlo.add_chosen"  # one of the people a name matched
    REMOVE_CHOSEN = "smlo.remove_chosen"
    SHOW_OFFER_ANYWAY = "smlo.show_offer_anyway"  # someone away, full or with a conflict
    OFFER_ANYWAY = "smlo.offer_anyway"  # with the SMLO's reason, audited
    LIMITS = "smlo.limits"  # the caseload limits, from the roster card
    SET_LIMIT = "smlo.set_limit"
    DIRECTORY = "smlo.directory"  # typed: directory; the whole support directory
    # A referral for someone without Teams (referrals/outside.py), from a call or an e-mail
    NEW_FOR_SOMEONE = "smlo.new_referral"  # typed: new referral; the intake, for them
    WITHDRAW_FOR_PERSON_ASK = "smlo.withdraw_for_person_ask"  # how did they ask?
    WITHDRAW_FOR_PERSON = "smlo.withdraw_for_person"
    # the data protection auditor (an SMLO types `audit SMA-…` too: Verb.AUDIT)
    ACCESS_REPORT = "auditor.access_report"  # typed: access report
    # advocate
    ACCEPT = "advocate.accept"
    SHOW_DECLINE = "advocate.show_decline"
    DECLINE = "advocate.decline"
    OPEN_CASE = "advocate.open_case"
    HIDE_CASE = "advocate.hide_case"
    MY_CASES = "advocate.my_cases"
    AVAILABILITY = "advocate.availability"  # typed: availability
    SET_AVAILABILITY = "advocate.set_availability"
    # the case record: the advocate who holds the case keeps it; an SMLO reads it
    RECORD = "record.show"  # the timeline, newest first
    RECORD_ENTRY = "record.entry"  # one entry's details
    RECORD_FORM = "record.form"  # a form to add an entry, correct one, or close the case
    RECORD_SAVE = "record.save"
    # messages between the referrer and the service: the referrer, the advocate, an SMLO
    THREAD = "messages.thread"  # the thread of one referral; opening it marks it read
    SEND_MESSAGE = "messages.send"
    HIDE_THREAD = "messages.hide"  # folds the thread at once
    TYPED_WORDS = "messages.typed"  # typed: words that are no command, maybe for the service
    MESSAGE_NOT_NOW = "messages.not_now"  # the typed words are not to be sent


INTAKE_VERBS = frozenset({Verb.ANSWER, Verb.SKIP, Verb.BACK, Verb.LATER, Verb.SUBMIT})
