"""Out of remit, the SMLO sends the person to a service in the support directory, or to a
broad kind of help: the domain's rules, the card's payload, and the use case."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from cards.parsers import CardPayloadInvalid, parse_action
from cards.requests import MarkOutOfRemit
from cards.verbs import Verb
from referrals import errors
from referrals.audit import AuditAction, Outcome
from referrals.clock import FakeClock
from referrals.notifications import NotificationKind
from referrals.people import Actor
from referrals.ports import Stores
from referrals.referral import Referral
from referrals.services import Services
from referrals.signposting import (
    Signpost,
    history_detail,
    kind_of,
    services_of_kind,
    signpost_targets,
)
from referrals.states import ReferralState
from referrals.support import Category, Contact, SupportDirectory, SupportService
from tests.unit.test_services import make_service, submitted

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REFERRAL_ID = "0123456789abcdef0123456789abcdef"
SMLO = Actor("smlo-1", "Sam Smlo", is_smlo=True)
REFERRER = Actor("referrer-1", "Rosa Referrer")


def service(
    service_id: str, category: Category, *, internal: bool = True, to_fill: bool = False
) -> SupportService:
    contact = Contact() if to_fill else Contact(phone="0100 000 0000")
    return SupportService(
        service_id,
        service_id.replace("-", " ").title(),
        "Help.",
        category,
        internal,
        contact,
        to_fill=to_fill,
        source="" if to_fill else "A leaflet",
    )


EMERGENCY = service("emergency", Category.EMERGENCY, internal=False)
RAPE_CRISIS = service("rape-crisis", Category.RAPE_CRISIS, internal=False)
WOMENS_NETWORK = service("womens-network", Category.STAFF_NETWORK)
FEDERATION = service("police-federation", Category.FEDERATION_OR_UNION)
EAP = service("eap", Category.EAP)
SARC = service("sarc", Category.SARC, internal=False, to_fill=True)
DIRECTORY = SupportDirectory((EMERGENCY, RAPE_CRISIS, WOMENS_NETWORK, FEDERATION, EAP, SARC))


def a_submitted_referral() -> Referral:
    referral = Referral("r1", REFERRER.user_id, REFERRER.display_name, NOW, NOW)
    referral.state = ReferralState.SUBMITTED
    return referral


# -- the domain ----------------------------------------------------------------------------


def test_each_service_has_the_kind_of_help_it_stands_for() -> None:
    assert kind_of(WOMENS_NETWORK) is Signpost.STAFF_NETWORK
    assert kind_of(FEDERATION) is Signpost.FEDERATION_OR_UNION
    assert kind_of(EAP) is Signpost.WELLBEING
    assert kind_of(RAPE_CRISIS) is Signpost.OTHER_SERVICE


def test_the_smlo_may_send_people_only_to_listed_services_other_than_999_inside_first() -> None:
    assert signpost_targets(DIRECTORY) == (WOMENS_NETWORK, FEDERATION, EAP, RAPE_CRISIS)
    assert services_of_kind(DIRECTORY, Signpost.STAFF_NETWORK) == (WOMENS_NETWORK,)
    assert services_of_kind(DIRECTORY, Signpost.HR) == ()
    assert services_of_kind(DIRECTORY, Signpost.OTHER_SERVICE) == (), "no category names it"


def test_sent_to_a_service_the_referral_keeps_its_id_and_kind_and_the_referrer_is_told() -> None:
    referral = a_submitted_referral()

    referral.mark_out_of_remit(SMLO, WOMENS_NETWORK, NOW)

    assert referral.state is ReferralState.SIGNPOSTED
    assert (referral.signpost, referral.signpost_service) == (
        Signpost.STAFF_NETWORK,
        "womens-network",
    )
    event = referral.history[-1]
    assert (event.name, event.detail) == ("ReferralSignposted", "staff_network:womens-network")
    assert [(n.kind, n.recipient_id) for n in referral.new_notifications] == [
        (NotificationKind.SIGNPOSTED, REFERRER.user_id)
    ]


def test_sent_to_a_kind_of_help_the_history_says_only_the_kind() -> None:
    referral = a_submitted_referral()

    referral.mark_out_of_remit(SMLO, Signpost.HR, NOW)

    assert (referral.signpost, referral.signpost_service) == (Signpost.HR, "")
    assert referral.history[-1].detail == "hr" == history_detail(Signpost.HR)


@pytest.mark.parametrize("unlisted", [SARC, EMERGENCY], ids=["to_fill", "emergency"])
def test_a_service_that_is_not_offered_is_refused_and_nothing_changes(
    unlisted: SupportService,
) -> None:
    referral = a_submitted_referral()

    with pytest.raises(errors.UnknownSupportService):
        referral.mark_out_of_remit(SMLO, unlisted, NOW)

    assert referral.state is ReferralState.SUBMITTED
    assert (referral.signpost, referral.signpost_service, referral.history) == (None, "", [])
    assert referral.new_notifications == []


def test_only_an_smlo_signposts_and_is_told_so_before_anything_about_the_service() -> None:
    referral = a_submitted_referral()

    with pytest.raises(errors.NotAnSmlo):
        referral.mark_out_of_remit(Actor("advocate-1", is_advocate=True), SARC, NOW)


# -- the card's payload ----------------------------------------------------------------------


def clicked(chosen: str | None) -> object:
    data = {"verb": Verb.OUT_OF_REMIT.value, "referral_id": REFERRAL_ID}
    if chosen is not None:
        data["signpost"] = chosen
    action = {"type": "Action.Execute", "verb": Verb.OUT_OF_REMIT.value, "data": data}
    return parse_action({"action": action})


def test_a_chosen_service_is_read_as_its_directory_id() -> None:
    assert clicked("service:rape-crisis") == MarkOutOfRemit(
        Verb.OUT_OF_REMIT, REFERRAL_ID, service_id="rape-crisis"
    )


def test_a_kind_of_help_is_read_as_before_so_an_old_card_still_works() -> None:
    assert clicked("hr") == MarkOutOfRemit(Verb.OUT_OF_REMIT, REFERRAL_ID, Signpost.HR)


@pytest.mark.parametrize("chosen", [None, "", "pay", "service"])
def test_nothing_readable_chosen_is_neither_a_service_nor_a_kind(chosen: str | None) -> None:
    assert clicked(chosen) == MarkOutOfRemit(Verb.OUT_OF_REMIT, REFERRAL_ID)


@pytest.mark.parametrize(
    "forged", ["service:", "service:Rape Crisis", "service:" + "a" * 51, "service:x\n"]
)
def test_a_service_id_of_the_wrong_shape_is_not_from_one_of_our_cards(forged: str) -> None:
    with pytest.raises(CardPayloadInvalid) as invalid:
        clicked(forged)

    assert set(invalid.value.problems) == {"signpost"}


# -- the use case ----------------------------------------------------------------------------


@pytest.fixture
async def with_directory(stores: Stores, clock: FakeClock) -> Services:
    return await make_service(stores, clock, DIRECTORY)


async def test_the_smlo_sends_someone_to_a_service_the_directory_lists(
    with_directory: Services, stores: Stores
) -> None:
    service_ = with_directory
    smlo = await service_.identify("smlo-1")
    referral = await submitted(service_, await service_.identify("referrer-1"))

    sent = await service_.triage.signpost_to_service(smlo, referral.id, "rape-crisis")

    stored = await stores.referrals.get(referral.id)
    assert sent.state is stored.state is ReferralState.SIGNPOSTED
    assert (stored.signpost, stored.signpost_service) == (Signpost.OTHER_SERVICE, "rape-crisis")


@pytest.mark.parametrize("gone", ["no-such-service", "sarc", "emergency"])
async def test_a_service_the_directory_does_not_offer_changes_nothing(
    with_directory: Services, stores: Stores, gone: str
) -> None:
    service_ = with_directory
    smlo = await service_.identify("smlo-1")
    referral = await submitted(service_, await service_.identify("referrer-1"))
    before = await stores.referrals.get(referral.id)

    with pytest.raises(errors.UnknownSupportService):
        await service_.triage.signpost_to_service(smlo, referral.id, gone)

    after = await stores.referrals.get(referral.id)
    assert (after.state, after.version, after.history) == (
        ReferralState.SUBMITTED,
        before.version,
        before.history,
    )
    assert not [n for n in await stores.outbox.pending(limit=100) if n.kind == "signposted"]


async def test_a_directory_changed_since_the_card_was_shown_is_the_one_that_counts(
    with_directory: Services,
) -> None:
    smlo = await with_directory.identify("smlo-1")
    referral = await submitted(with_directory, await with_directory.identify("referrer-1"))
    without = SupportDirectory(tuple(s for s in DIRECTORY.services if s.id != "rape-crisis"))
    changed = replace(with_directory.triage, support=without)

    with pytest.raises(errors.UnknownSupportService):
        await changed.signpost_to_service(smlo, referral.id, "rape-crisis")


async def test_someone_else_is_refused_as_not_an_smlo_and_the_refusal_is_audited(
    with_directory: Services,
) -> None:
    service_ = with_directory
    referrer = await service_.identify("referrer-1")
    referral = await submitted(service_, referrer)
    advocate = await service_.identify("advocate-1")

    for person in (referrer, advocate):
        for service_id in ("rape-crisis", "no-such-service"):
            with pytest.raises(errors.NotAnSmlo):
                await service_.triage.signpost_to_service(person, referral.id, service_id)

    trail = await service_.steps.audit.for_referral(referral.id)
    refused = [e for e in trail if e.action is AuditAction.MARK_OUT_OF_REMIT]
    assert len(refused) == 4
    assert {e.outcome for e in refused} == {Outcome.REFUSED}
