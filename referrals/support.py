"""The support directory: the services a person can be pointed to, inside the force and
outside it. Data, not code: the force keeps it in a file (`config/support_directory.json`,
docs/support-directory.md), checked at start-up by `config.support`.

A wrong number given to someone in distress is harm, so a service the force has not yet
filled in is kept apart (`to_fill`) and is never listed on a card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# What a service's id looks like: `rape-crisis`. Checked in the file, and on a card that
# names a service, so an id is never free text.
SERVICE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")


class Category(StrEnum):
    """What kind of help a service gives."""

    EMERGENCY = "emergency"
    CRISIS_LINE = "crisis_line"
    SARC = "sarc"
    ISVA = "isva"
    IDVA = "idva"
    RAPE_CRISIS = "rape_crisis"
    VICTIM_SUPPORT = "victim_support"
    EAP = "eap"
    OCCUPATIONAL_HEALTH = "occupational_health"
    TRIM = "trim"
    STAFF_NETWORK = "staff_network"
    FEDERATION_OR_UNION = "federation_or_union"
    CHAPLAINCY = "chaplaincy"
    OTHER = "other"


@dataclass(frozen=True)
class Contact:
    """How to reach a service, exactly as the directory gives it."""

    phone: str = ""
    text: str = ""  # a number to send a text message to
    web: str = ""

    @property
    def given(self) -> bool:
        return bool(self.phone or self.text or self.web)


@dataclass(frozen=True)
class SupportService:
    id: str
    name: str
    helps_with: str
    category: Category
    internal: bool  # run by or for the force (EAP, TRiM, staff networks), not a public service
    contact: Contact = Contact()
    hours: str = ""
    crisis: bool = False  # one of the help lines on the welcome and help cards
    to_fill: bool = False  # the force has still to give its details
    source: str = ""  # where the contact details came from

    @property
    def listed(self) -> bool:
        """Shown to people: filled in, with a way to reach it."""
        return not self.to_fill and self.contact.given


class DuplicateServiceId(ValueError):
    """Two services share an id, so a lookup by id would be ambiguous."""


@dataclass(frozen=True)
class SupportDirectory:
    services: tuple[SupportService, ...] = ()

    def __post_init__(self) -> None:
        ids = [s.id for s in self.services]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise DuplicateServiceId(", ".join(twice))

    def get(self, service_id: str) -> SupportService | None:
        return next((s for s in self.services if s.id == service_id), None)

    @property
    def listed(self) -> tuple[SupportService, ...]:
        """The services people may see, in the file's order; never a half-filled one."""
        return tuple(s for s in self.services if s.listed)

    @property
    def to_fill(self) -> tuple[SupportService, ...]:
        return tuple(s for s in self.services if not s.listed)

    @property
    def crisis_lines(self) -> tuple[SupportService, ...]:
        return tuple(s for s in self.listed if s.crisis)

    def in_category(self, category: Category) -> tuple[SupportService, ...]:
        return tuple(s for s in self.listed if s.category is category)

    def internal(self) -> tuple[SupportService, ...]:
        return tuple(s for s in self.listed if s.internal)

    def external(self) -> tuple[SupportService, ...]:
        return tuple(s for s in self.listed if not s.internal)
