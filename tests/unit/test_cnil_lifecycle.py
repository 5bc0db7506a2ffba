"""CNIL-UPD-01: the vendor-support decision written once (plugins/cnil_lib/lifecycle.py) for the Linux filter
cnil_os_support and the Windows one; the boundaries of each release are tested in test_cnil_upd.py (through the
Linux filter) and test_cnil_upd_windows.py. Here: what the shared function adds, and that the filter is only a
wrapper around it."""
import datetime

import pytest
from ansible.errors import AnsibleFilterError

import cnil_upd
from cnil_lib import lifecycle

UBUNTU2204 = {"family": "Debian", "distribution": "Ubuntu", "version": "22.04"}
DEBIAN12 = {"family": "Debian", "distribution": "Debian", "version": "12.12"}
WIN10 = {"family": "Windows", "product": "Windows 10", "version": "22H2"}


def test_the_filter_is_the_shared_decision():
    for host, day, enrolled in ((DEBIAN12, "2026-06-11", False), (UBUNTU2204, "2027-07-01", True), (WIN10, "2026-01-05", False)):
        assert cnil_upd.os_support(host, enrolled, day) == lifecycle.os_support(host, enrolled, day)
    assert cnil_upd.load_lifecycle() == lifecycle.load_lifecycle()
    assert cnil_upd.DATA == lifecycle.DATA


@pytest.mark.parametrize("host", [UBUNTU2204, WIN10])
def test_an_enrolment_is_shown_as_a_declaration_of_the_inventory(host):
    declared = lifecycle.os_support(host, True, "2026-01-05")["extended_support_enrolment"]
    assert "cnil_upd_extended_support_enrolled: true" in declared and "not verified on the host" in declared
    assert lifecycle.os_support(host, False, "2026-01-05")["extended_support_enrolment"] == (
        "not declared enrolled (cnil_upd_extended_support_enrolled: false)")


def test_no_enrolment_line_where_nothing_needs_enrolling():
    assert "extended_support_enrolment" not in lifecycle.os_support(DEBIAN12, False, "2026-11-29")   # Debian LTS
    assert "extended_support_enrolment" not in lifecycle.os_support(
        {"family": "Windows", "product": "Windows 11", "edition_group": "home_pro", "version": "24H2"}, False, "2026-01-05")
    assert "extended_support_enrolment" not in lifecycle.os_support({"family": "Debian", "version": "9"}, True, "2026-11-29")


def test_bad_input_is_an_error_of_the_library_and_of_the_filter():
    with pytest.raises(lifecycle.LifecycleError):
        lifecycle.os_support(["Debian"])
    with pytest.raises(AnsibleFilterError, match="cnil_os_support: expects a mapping"):
        cnil_upd.cnil_os_support("Debian 12")
    with pytest.raises(AnsibleFilterError, match="not a date"):
        cnil_upd.os_support(DEBIAN12, today="30/11/2026")


def test_windows_support_ends_on_a_patch_tuesday():
    """Microsoft ends servicing on a second Tuesday: a date typed one day off shows here."""
    for release in lifecycle.load_lifecycle()[1]:
        if release["match"]["family"] == "Windows":
            for key in ("security_until", "extended_until"):
                if key in release:
                    day = release[key]
                    assert day.weekday() == 1 and 8 <= day.day <= 14, (release["id"], key, day)


@pytest.mark.parametrize("group, last_day", [("home_pro", "2027-10-12"), ("enterprise", "2028-10-10")])
def test_windows_11_25h2_is_known_for_both_edition_groups(group, last_day):
    host = {"family": "Windows", "product": "Windows 11", "edition_group": group, "version": "25H2"}
    assert lifecycle.os_support(host, False, last_day)["status"] == "supported"
    day_after = datetime.date.fromisoformat(last_day) + datetime.timedelta(days=1)
    assert lifecycle.os_support(host, False, day_after.isoformat())["status"] == "ended"


@pytest.mark.parametrize("value, enrolled", [(True, True), (False, False), ("false", False), ("False", False), ("no", False),
                                             ("", False), (None, False), ("true", True), ("yes", True), (1, True)])
def test_the_declaration_is_read_as_ansible_reads_a_boolean(value, enrolled):
    """-e cnil_upd_extended_support_enrolled=false is the string 'false': never an enrolment."""
    got = cnil_upd.cnil_os_support(UBUNTU2204, value, "2027-07-01")
    assert got["status"] == ("extended" if enrolled else "extended_not_enrolled")
