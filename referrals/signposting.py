"""Where the SMLO sends someone whose referral is outside the remit.

Either a service in the support directory (`referrals.support`), so the person is told
its name and how to reach it, or, where no service there fits (HR has no entry, say), a
broad kind of help. A referral keeps the service's id and its kind: if the force later
takes the service out of the directory, the kind is what the person can still be told.
"""

from __future__ import annotations

from enum import StrEnum

from referrals.support import Category, SupportDirectory, SupportService


class Signpost(StrEnum):
    """The broad kinds of help outside the remit."""

    STAFF_NETWORK = "staff_network"
    FEDERATION_OR_UNION = "federation_or_union"
    HR = "hr"
    WELLBEING = "wellbeing"
    OTHER_SERVICE = "other_service"


# The kinds the directory has categories for; every other category is "another service".
_KIND_OF: dict[Category, Signpost] = {
    Category.STAFF_NETWORK: Signpost.STAFF_NETWORK,
    Category.FEDERATION_OR_UNION: Signpost.FEDERATION_OR_UNION,
    Category.EAP: Signpost.WELLBEING,
    Category.OCCUPATIONAL_HEALTH: Signpost.WELLBEING,
    Category.TRIM: Signpost.WELLBEING,
    Category.CHAPLAINCY: Signpost.WELLBEING,
}


def kind_of(service: SupportService) -> Signpost:
    return _KIND_OF.get(service.category, Signpost.OTHER_SERVICE)


def can_signpost_to(service: SupportService) -> bool:
    """Listed (filled in, with a way to reach it), and not 999: an emergency is not
    somewhere to send a matter outside the remit."""
    return service.listed and service.category is not Category.EMERGENCY


def signpost_targets(directory: SupportDirectory) -> tuple[SupportService, ...]:
    """The services the SMLO may send someone to: inside the force first (where most
    matters outside the remit belong), then outside the police, each in the file's order."""
    targets = [s for s in directory.services if can_signpost_to(s)]
    return tuple(sorted(targets, key=lambda s: not s.internal))


def services_of_kind(directory: SupportDirectory, kind: Signpost) -> tuple[SupportService, ...]:
    """The services of a kind the directory sorts by category (staff networks, say); none
    for HR or "another service", which name no category."""
    return tuple(s for s in signpost_targets(directory) if _KIND_OF.get(s.category) is kind)


def history_detail(kind: Signpost, service_id: str = "") -> str:
    """The history's record of it: the kind, and the service's id after a colon (neither
    can hold a colon), e.g. `staff_network:womens-network`. Never a person's name."""
    return f"{kind}:{service_id}" if service_id else str(kind)
