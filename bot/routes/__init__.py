"""The route table: every verb, typed or clicked, to the route that answers it.

| module        | whose routes                                                       |
|---------------|--------------------------------------------------------------------|
| `referrer.py` | welcome; the intake (start, steps, stop, keep, delete); withdraw   |
| `smlo.py`     | inbox, details, allocation, out of remit, audit, roster, figures   |
| `advocate.py` | the offer (accept, decline), the case, my cases                    |

A new capability adds its verbs to `cards/verbs.py`, its typed request to
`cards/requests.py` (parsed in `cards/parsers.py`), and its route to one of these.
"""

from __future__ import annotations

from bot.routes.advocate import AdvocateRoutes
from bot.routes.referrer import ReferrerRoutes
from bot.routes.smlo import SmloRoutes
from bot.routing import Routes
from cards.verbs import Verb
from referrals.services import Services


def route_table(services: Services, draft_keep_days: int) -> Routes:
    """Every verb's route; a verb answered twice, or not at all, fails here at start-up."""
    tables = [
        ReferrerRoutes(services.intake, draft_keep_days).table(),
        SmloRoutes(services.triage, services.administration).table(),
        AdvocateRoutes(services.casework).table(),
    ]
    routes: dict[Verb, object] = {}
    for table in tables:
        twice = set(routes) & set(table)
        if twice:
            raise RuntimeError(f"verbs routed twice: {sorted(twice)}")
        routes.update(table)
    missing = set(Verb) - set(routes)
    if missing:
        raise RuntimeError(f"verbs with no route: {sorted(missing)}")
    return {verb: route for table in tables for verb, route in table.items()}
