"""The route table: every verb, typed or clicked, to the route that answers it. One routes
module per use-case module in `referrals/services/`:

| module              | whose routes                                                 |
|---------------------|--------------------------------------------------------------|
| `intake.py`         | everyone: welcome, help, get help now; referrer: the intake, my |
|                     | referrals, withdraw                                          |
| `triage.py`         | SMLO: inbox, a referral's card, allocation, out of remit, audit |
| `casework.py`       | advocate: the offer (accept, decline), the case, my cases    |
| `case_record.py`    | advocate: the case record (timeline, forms, closing); SMLO:  |
|                     | reading it                                                   |
| `administration.py` | SMLO: roster, figures, undelivered messages, support directory |
| `oversight.py`      | data protection auditor: the access report, a referral's trail |
| `checkins.py`       | advocate: the monthly wellbeing check-in                     |
| `capacity.py`       | advocate: their availability; SMLO: caseload limits          |
| `messaging.py`      | referrer, advocate, SMLO: the message thread of a referral   |
| `outside.py`        | SMLO: a referral for someone without Teams, withdrawing it   |
| `subjects.py`       | SMLO: referrals that may be about the same person            |

A new capability adds its verbs to `cards/verbs.py`, its typed request to
`cards/requests.py` (parsed in `cards/parsers.py`), and its route to one of these. A route
that offers a file (`Reply.file`) lists the maker of its kind in its module's `files()`,
collected by `file_makers` (bot/files.py).
"""

from __future__ import annotations

from bot.files import FileMaker, FileMakers
from bot.routes.administration import AdministrationRoutes
from bot.routes.capacity import CapacityRoutes
from bot.routes.case_record import CaseRecordRoutes
from bot.routes.casework import CaseworkRoutes
from bot.routes.checkins import CheckinRoutes
from bot.routes.intake import IntakeRoutes
from bot.routes.messaging import MessageRoutes
from bot.routes.outside import OutsideRoutes
from bot.routes.oversight import OversightRoutes
from bot.routes.subjects import SubjectRoutes
from bot.routes.triage import TriageRoutes
from bot.routing import Route, Routes
from cards.verbs import Verb
from referrals.services import Services
from referrals.support import SupportDirectory


def route_table(
    services: Services, draft_keep_days: int, support_directory: SupportDirectory
) -> Routes:
    """Every verb's route; a verb answered twice, or not at all, fails here at start-up."""
    oversight = OversightRoutes(services.oversight, services.administration)
    messaging = MessageRoutes(services.messages)
    intake = IntakeRoutes(services.intake, draft_keep_days, support_directory)
    tables = [
        intake.table(),
        TriageRoutes(services.triage, services.administration, oversight.audit).table(),
        CaseworkRoutes(services.casework).table(),
        CaseRecordRoutes(services.case_record, support_directory, services.steps.clock).table(),
        AdministrationRoutes(services.administration, support_directory, services.checkins).table(),
        oversight.table(),
        CheckinRoutes(services.checkins).table(),
        CapacityRoutes(services.capacities, services.administration).table(),
        messaging.table(),
        OutsideRoutes(services.outside, intake.welcome).table(),
        SubjectRoutes(services.subjects).table(),
    ]
    routes: dict[Verb, Route] = {}
    for table in tables:
        twice = set(routes) & set(table)
        if twice:
            raise RuntimeError(f"verbs routed twice: {sorted(twice)}")
        routes.update(table)
    # Typed words that are no command fall back on the rest of the table.
    routes[Verb.TYPED_WORDS] = messaging.typed_words(routes)
    missing = set(Verb) - set(routes)
    if missing:
        raise RuntimeError(f"verbs with no route: {sorted(missing)}")
    return routes


def file_makers(services: Services, support_directory: SupportDirectory) -> FileMakers:
    """Every kind of file a route may offer, with what makes it when the person accepts
    (bot/files.py); a kind made twice fails here at start-up."""
    tables = [
        AdministrationRoutes(services.administration, support_directory, services.checkins).files()
    ]
    makers: dict[str, FileMaker] = {}
    for table in tables:
        twice = set(makers) & set(table)
        if twice:
            raise RuntimeError(f"file kinds made twice: {sorted(twice)}")
        makers.update(table)
    return makers
