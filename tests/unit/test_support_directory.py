"""The support directory: the shipped file passes the strict check, and each way of
getting it wrong stops start-up with a sentence saying what to fix. No card ever shows a
service the force has not filled in."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from app import create_app
from config.settings import Settings, SettingsError, load_settings
from config.support import (
    SHIPPED_DIRECTORY,
    load_support_directory,
    read_support_directory,
    support_problems,
)
from referrals.support import (
    Category,
    Contact,
    DuplicateServiceId,
    SupportDirectory,
    SupportService,
)
from tests.unit.test_settings import DEVELOPMENT

SHIPPED: dict[str, Any] = json.loads(SHIPPED_DIRECTORY.read_text(encoding="utf-8"))
LOCAL = {
    "sarc",
    "isva",
    "idva",
    "eap",
    "occupational-health",
    "trim",
    "staff-networks",
    "police-federation",
    "staff-union",
    "chaplaincy",
}


def _mutated(change: Any) -> list[str]:
    data = copy.deepcopy(SHIPPED)
    change(data)
    return support_problems(data)


def _entry(data: dict[str, Any], service_id: str) -> dict[str, Any]:
    return next(e for e in data["services"] if e["id"] == service_id)


def test_the_shipped_file_passes_the_check_and_lists_only_numbers_already_in_the_repo() -> None:
    assert support_problems(SHIPPED) == []
    directory = load_support_directory(SHIPPED_DIRECTORY)
    listed = {s.id: s.contact.phone for s in directory.listed}
    assert listed == {
        "emergency": "999",
        "rape-crisis": "0808 500 2222",
        "samaritans": "116 123",
        "victim-support": "08 08 16 89 111",
    }
    assert all("cards/wording.py" in s.source for s in directory.listed)
    assert {s.id for s in directory.to_fill} == LOCAL
    assert all(not s.contact.given for s in directory.to_fill)


def test_the_directory_is_looked_up_by_id_and_category_and_never_lists_a_service_to_fill() -> None:
    directory = load_support_directory(SHIPPED_DIRECTORY)
    samaritans = directory.get("samaritans")
    assert samaritans is not None
    assert samaritans.crisis
    assert not samaritans.internal
    assert directory.get("nobody") is None
    assert [s.id for s in directory.crisis_lines] == ["rape-crisis", "samaritans", "victim-support"]
    assert [s.id for s in directory.in_category(Category.RAPE_CRISIS)] == ["rape-crisis"]
    assert directory.in_category(Category.SARC) == ()  # to fill: not listed
    assert directory.internal() == ()
    assert len(directory.external()) == 4


def test_a_filled_in_local_service_is_listed_as_internal() -> None:
    eap = SupportService(
        "eap",
        "EAP",
        "Counselling.",
        Category.EAP,
        internal=True,
        contact=Contact(web="https://x.example"),
    )
    directory = SupportDirectory((eap,))
    assert directory.internal() == (eap,)
    assert directory.in_category(Category.EAP) == (eap,)


def test_two_services_with_one_id_are_refused_by_the_domain_too() -> None:
    one = SupportService("a", "A", "Help.", Category.OTHER, internal=False, contact=Contact("999"))
    with pytest.raises(DuplicateServiceId, match="a"):
        SupportDirectory((one, one))


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda d: d.update(extra=1), 'unknown key "extra" at the top'),
        (lambda d: d.update(services=[]), '"services" must be a list'),
        (
            lambda d: _entry(d, "samaritans").update(fax="1"),
            'id "samaritans") has an unknown key "fax"',
        ),
        (lambda d: _entry(d, "samaritans").pop("name"), 'id "samaritans") needs "name"'),
        (lambda d: _entry(d, "samaritans").update(name=" "), '"name" must not be empty'),
        (lambda d: _entry(d, "samaritans").update(category="pub"), '"category" must be one of'),
        (
            lambda d: _entry(d, "samaritans").update(internal="no"),
            '"internal" must be true or false',
        ),
        (lambda d: _entry(d, "samaritans").update(phone="call us"), '"phone" must be a number'),
        (
            lambda d: _entry(d, "samaritans").update(web="http://x.example"),
            '"web" must be an https',
        ),
        (lambda d: _entry(d, "samaritans").pop("phone"), 'has no "phone", "text" or "web"'),
        (lambda d: _entry(d, "samaritans").pop("source"), 'needs a "source"'),
        (lambda d: _entry(d, "sarc").update(phone="0100 000"), 'marked "to_fill" but has phone'),
        (lambda d: _entry(d, "sarc").pop("to_fill"), 'id "sarc") has no "phone"'),
        (lambda d: _entry(d, "sarc").update(id="samaritans"), 'the id "samaritans" is used twice'),
        (lambda d: _entry(d, "sarc").update(id="SARC centre"), "lower-case letters"),
    ],
)
def test_a_mistake_in_the_file_is_named_with_what_to_fix(change: Any, said: str) -> None:
    problems = _mutated(change)
    assert any(said in p for p in problems), problems


def test_a_malformed_file_stops_start_up_saying_what_to_fix(tmp_path: Path) -> None:
    broken = copy.deepcopy(SHIPPED)
    _entry(broken, "samaritans").pop("phone")
    path = tmp_path / "support.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(SettingsError) as refused:
        load_settings({**DEVELOPMENT, "SMA_SUPPORT_DIRECTORY": str(path)})
    assert f"The support directory {path}" in str(refused.value)
    assert 'id "samaritans") has no "phone", "text" or "web"' in str(refused.value)


def test_a_missing_or_unreadable_file_is_said_plainly(tmp_path: Path) -> None:
    _, missing = read_support_directory(tmp_path / "none.json")
    assert "does not exist: set SMA_SUPPORT_DIRECTORY" in missing[0]
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    _, unreadable = read_support_directory(tmp_path / "bad.json")
    assert "is not readable JSON" in unreadable[0]


def test_the_setting_names_the_file_the_force_keeps(tmp_path: Path) -> None:
    own = copy.deepcopy(SHIPPED)
    _entry(own, "eap").update(to_fill=False, phone="0100 000 0000", source="Our intranet")
    path = tmp_path / "ours.json"
    path.write_text(json.dumps(own), encoding="utf-8")
    settings = load_settings({**DEVELOPMENT, "SMA_SUPPORT_DIRECTORY": str(path)})
    assert [s.id for s in settings.support_directory.internal()] == ["eap"]
    assert load_settings(DEVELOPMENT).support_directory.internal() == ()


def test_start_up_warns_of_services_to_fill_by_id_and_still_starts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="sma"):
        create_app(Settings(development_mode=True))
    (warning,) = [r for r in caplog.records if "Support directory" in r.getMessage()]
    assert warning.levelno == logging.WARNING
    assert all(service_id in warning.getMessage() for service_id in LOCAL)
