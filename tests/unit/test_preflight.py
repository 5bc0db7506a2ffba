"""Preflight: bad input is refused with the variable, the control and the limit; waivers are honoured."""
import datetime
import os

import pytest
import yaml

import cnil_preflight as pf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLOORS = yaml.safe_load(open(os.path.join(ROOT, "data", "floors.yml")))["floors"]
TODAY = datetime.date(2026, 11, 29)
ROLE_DIRS = sorted(d for d in os.listdir(os.path.join(ROOT, "roles")) if d.startswith("cnil_"))


def role_defaults(role):
    options, values = pf.role_values(os.path.join(ROOT, "roles", role), {}, None)
    return options, values


@pytest.mark.parametrize("role", ROLE_DIRS)
def test_every_role_default_passes_its_spec_and_the_floors(role):
    options, values = role_defaults(role)
    assert pf.validate_spec(role, options, values) == []
    assert pf.check_floors(values, FLOORS, [], TODAY) == ([], [])


@pytest.mark.parametrize("role", ROLE_DIRS)
def test_every_default_is_documented_in_the_argument_spec(role):
    options, values = role_defaults(role)
    assert set(values) == set(options), "defaults/main.yml and meta/argument_specs.yml must list the same variables"


FLOOR_CASES = [(f["var"], f) for f in FLOORS]


@pytest.mark.parametrize("var, floor", FLOOR_CASES, ids=[v for v, _ in FLOOR_CASES])
def test_beyond_each_floor_is_refused_naming_variable_control_and_limit(var, floor):
    bad = floor["max"] + 1 if "max" in floor else floor["min"] - 1
    errors, used = pf.check_floors({var: bad}, FLOORS, [], TODAY)
    assert len(errors) == 1 and used == []
    assert var in errors[0] and floor["control"] in errors[0] and str(floor.get("max", floor.get("min"))) in errors[0]


@pytest.mark.parametrize("var, floor", FLOOR_CASES, ids=[v for v, _ in FLOOR_CASES])
def test_below_min_is_refused(var, floor):
    if floor.get("min") is None or floor["min"] <= 0:
        pytest.skip("no lower bound above zero")
    errors, _ = pf.check_floors({var: floor["min"] - 1}, FLOORS, [], TODAY)
    assert errors and "at least %s" % floor["min"] in errors[0]


@pytest.mark.parametrize("value", ["900", None, True, [900]])
def test_wrong_type_is_refused(value):
    errors, _ = pf.check_floors({"cnil_lock_idle_seconds": value}, FLOORS, [], TODAY)
    assert errors and "needs a number" in errors[0] and "CNIL-LOCK-01" in errors[0]


def test_wrong_type_and_choice_are_refused_by_the_argument_spec():
    options, values = role_defaults("cnil_lock")
    errors = pf.validate_spec("cnil_lock", options, dict(values, cnil_lock_idle_seconds="quinze", cnil_lock_desktop="kde"))
    text = "\n".join(errors)
    assert "cnil_lock_idle_seconds" in text and "cnil_lock_desktop" in text and "cnil_lock" in text


def test_the_floor_itself_is_accepted():
    assert pf.check_floors({"cnil_lock_idle_seconds": 1800}, FLOORS, [], TODAY) == ([], [])


def test_valid_waiver_allows_and_is_returned():
    _, waivers = pf.check_waivers([{"control": "CNIL-LOCK-01", "check": "gui_idle_lock", "reason": "salle d'attente", "expires": "2027-01-31"}])
    errors, used = pf.check_floors({"cnil_lock_idle_seconds": 3600}, FLOORS, waivers, TODAY)
    assert errors == [] and used[0]["var"] == "cnil_lock_idle_seconds" and used[0]["reason"] == "salle d'attente"


def test_expired_waiver_or_waiver_for_another_check_does_not_allow():
    _, expired = pf.check_waivers([{"control": "CNIL-LOCK-01", "reason": "r", "expires": "2026-11-28"}])
    errors, _ = pf.check_floors({"cnil_lock_idle_seconds": 3600}, FLOORS, expired, TODAY)
    assert errors and "expired on 2026-11-28" in errors[0]
    _, other = pf.check_waivers([{"control": "CNIL-LOCK-01", "check": "shell_tmout", "reason": "r", "expires": "2027-01-01"}])
    assert pf.check_floors({"cnil_lock_idle_seconds": 3600}, FLOORS, other, TODAY)[0]


@pytest.mark.parametrize("waiver, message", [
    ({"control": "CNIL-ENC-01", "expires": "2027-01-01"}, "cnil_waivers[0].reason"),
    ({"control": "CNIL-ENC-01", "reason": "no disk"}, "cnil_waivers[0].expires"),
    ({"control": "CNIL-ENC-01", "reason": "r", "expires": "next year"}, "cnil_waivers[0].expires"),
    ({"reason": "r", "expires": "2027-01-01"}, "cnil_waivers[0].control"),
    ({"control": "CNIL-ENC-01", "reason": "r", "expires": "2027-01-01", "until": 1}, "unknown field"),
    ("CNIL-ENC-01", "must be a mapping"),
])
def test_malformed_waivers_are_named(waiver, message):
    errors, _ = pf.check_waivers([waiver])
    assert any(message in e for e in errors), errors
