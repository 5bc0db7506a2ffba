"""CNIL-UPD-01: the OS support status from data/lifecycle.yml (around every boundary), APT sources in both formats,
and the unattended-upgrades log."""
import datetime
import gzip
import os
import sys

import pytest
import yaml

import cnil_upd_facts as facts

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "plugins", "filter"))
import cnil_upd  # noqa: E402

DEBIAN12 = {"family": "Debian", "distribution": "Debian", "version": "12.12"}
UBUNTU2204 = {"family": "Debian", "distribution": "Ubuntu", "version": "22.04"}
WIN10 = {"family": "Windows", "product": "Windows 10", "version": "22H2"}
WIN11_PRO_24H2 = {"family": "Windows", "product": "Windows 11", "edition_group": "home_pro", "version": "24H2"}
WIN11_ENT_24H2 = {"family": "Windows", "product": "Windows 11", "edition_group": "enterprise", "version": "24H2"}


def support(host, day, enrolled=False):
    return cnil_upd.os_support(host, enrolled=enrolled, today=day)


# ---- the data file -------------------------------------------------------------------------------

def test_every_release_has_dates_in_order_and_a_source():
    data = yaml.safe_load(open(os.path.join(ROOT, "data", "lifecycle.yml")))
    assert isinstance(data["reviewed"], datetime.date)
    ids = [r["id"] for r in data["releases"]]
    assert len(ids) == len(set(ids))
    for release in data["releases"]:
        assert release["source"].startswith("https://"), release["id"]
        assert release["released"] < release["security_until"], release["id"]
        if "extended_until" in release:
            assert release["security_until"] < release["extended_until"] and "extended_automatic" in release, release["id"]


@pytest.mark.parametrize("release", ["debian-11", "debian-12", "debian-13", "ubuntu-20.04", "ubuntu-22.04", "ubuntu-24.04",
                                     "windows-10-22h2", "windows-11-21h2-home-pro", "windows-11-22h2-home-pro",
                                     "windows-11-23h2-home-pro", "windows-11-24h2-home-pro", "windows-11-21h2-enterprise",
                                     "windows-11-22h2-enterprise", "windows-11-23h2-enterprise", "windows-11-24h2-enterprise"])
def test_the_issue_s_releases_are_all_there(release):
    assert release in [r["id"] for r in cnil_upd.load_lifecycle()[1]]


# ---- boundaries ----------------------------------------------------------------------------------

@pytest.mark.parametrize("day, status, supported", [
    ("2026-06-10", "supported", True),     # last day of the security team's support
    ("2026-06-11", "extended", True),      # Debian LTS, same archive, nothing to enrol
    ("2028-06-30", "extended", True),      # last day of LTS
    ("2028-07-01", "ended", False),
])
def test_debian_12_security_then_lts_then_end(day, status, supported):
    got = support(DEBIAN12, day)
    assert (got["status"], got["supported"]) == (status, supported)
    assert got["id"] == "debian-12" and got["source"].startswith("https://")


def test_days_left_count_down_to_the_last_supported_day():
    assert support(DEBIAN12, "2026-06-09")["days_left"] == 1
    assert support(DEBIAN12, "2026-06-10")["days_left"] == 0
    assert support(DEBIAN12, "2026-06-11")["until"] == "2028-06-30"


@pytest.mark.parametrize("day, enrolled, status, supported", [
    ("2027-06-30", False, "supported", True),
    ("2027-07-01", False, "extended_not_enrolled", False),   # ESM exists but needs Ubuntu Pro
    ("2027-07-01", True, "extended", True),
    ("2032-04-30", True, "extended", True),
    ("2032-05-01", True, "ended", False),
])
def test_ubuntu_22_04_standard_then_esm_only_when_enrolled(day, enrolled, status, supported):
    got = support(UBUNTU2204, day, enrolled)
    assert (got["status"], got["supported"]) == (status, supported)


@pytest.mark.parametrize("day, enrolled, status", [
    ("2025-10-14", False, "supported"),
    ("2025-10-15", False, "extended_not_enrolled"),
    ("2025-10-15", True, "extended"),
    ("2026-10-13", True, "extended"),
    ("2026-10-14", True, "ended"),
])
def test_windows_10_ended_on_14_october_2025_esu_for_enrolled_devices(day, enrolled, status):
    assert support(WIN10, day, enrolled)["status"] == status


def test_windows_11_24h2_home_pro_and_enterprise_end_on_different_days():
    assert support(WIN11_PRO_24H2, "2026-10-13")["supported"] is True
    assert support(WIN11_PRO_24H2, "2026-10-14")["status"] == "ended"
    assert support(WIN11_ENT_24H2, "2026-10-14")["supported"] is True
    assert support(WIN11_ENT_24H2, "2027-10-13")["status"] == "ended"


def test_an_unknown_release_is_not_supported():
    got = support({"family": "Debian", "distribution": "Debian", "version": "10"}, "2026-11-29")
    assert got["status"] == "unknown" and got["supported"] is False


def test_version_match_is_on_whole_components():
    assert support({"family": "Debian", "distribution": "Debian", "version": "120"}, "2026-11-29")["status"] == "unknown"
    assert support({"family": "Debian", "distribution": "Debian", "version": "12"}, "2026-11-29")["id"] == "debian-12"


def test_a_file_not_reviewed_for_a_year_says_so():
    reviewed = cnil_upd.load_lifecycle()[0]
    assert support(DEBIAN12, (reviewed + datetime.timedelta(days=365)).isoformat())["review_stale"] is False
    assert support(DEBIAN12, (reviewed + datetime.timedelta(days=366)).isoformat())["review_stale"] is True


# ---- APT sources ---------------------------------------------------------------------------------

def test_one_line_sources_with_options_and_comments():
    text = ("deb http://deb.debian.org/debian bookworm main\n"
            "# deb http://deb.debian.org/debian-security bookworm-security main\n"
            "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg arch=amd64] http://security.debian.org/debian-security "
            "bookworm-security main contrib\n"
            "deb-src http://deb.debian.org/debian bookworm main\n")
    entries = facts.parse_list(text, "/etc/apt/sources.list")
    assert [(e["uri"], e["suite"]) for e in entries] == [("http://deb.debian.org/debian", "bookworm"),
                                                         ("http://security.debian.org/debian-security", "bookworm-security")]
    assert entries[1]["components"] == ["main", "contrib"]


def test_deb822_stanzas_several_suites_disabled_and_source_only():
    text = ("Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie trixie-updates\nComponents: main\n\n"
            "Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: trixie-security\nComponents: main\nEnabled: no\n\n"
            "# a comment\nTypes: deb deb-src\nURIs: http://security.debian.org/debian-security\nSuites: trixie-security\n"
            "Components: main\n\nTypes: deb-src\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\n")
    entries = facts.parse_deb822(text, "/etc/apt/sources.list.d/debian.sources")
    assert [e["suite"] for e in entries] == ["trixie", "trixie-updates", "trixie-security"]
    assert [e for e in entries if facts.is_security_suite(e["suite"])][0]["uri"] == "http://security.debian.org/debian-security"


def test_sources_are_read_from_every_file(tmp_path):
    (tmp_path / "etc/apt/sources.list.d").mkdir(parents=True)
    (tmp_path / "etc/apt/sources.list").write_text("deb http://deb.debian.org/debian bookworm main\n")
    (tmp_path / "etc/apt/sources.list.d/security.sources").write_text(
        "Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\n")
    (tmp_path / "etc/apt/sources.list.d/ignored.save").write_text("deb http://x bookworm-security main\n")
    entries = facts.read_sources(str(tmp_path))
    assert [(e["format"], e["suite"]) for e in entries] == [("list", "bookworm"), ("deb822", "bookworm-security")]


# ---- the unattended-upgrades log ---------------------------------------------------------------------

RUN_OK = """2026-11-20 06:21:04,101 INFO Starting unattended upgrades script
2026-11-20 06:21:04,102 INFO Allowed origins are: origin=Debian,codename=bookworm-security,label=Debian-Security
2026-11-20 06:21:09,540 INFO No packages found that can be upgraded unattended and no pending auto-removals
"""
RUN_INSTALLED = """2026-11-21 06:10:00,000 INFO Starting unattended upgrades script
2026-11-21 06:10:05,000 INFO Packages that will be upgraded: libssl3 openssl
2026-11-21 06:11:30,000 INFO All upgrades installed
"""
RUN_ERROR = """2026-11-22 06:10:00,000 INFO Starting unattended upgrades script
2026-11-22 06:10:05,000 INFO Packages that will be upgraded: tzdata
2026-11-22 06:10:09,000 ERROR Installing the upgrades failed!
"""
RUN_DRY = """2026-11-23 09:00:00,000 INFO Starting unattended upgrades script
2026-11-23 09:00:00,001 INFO Option --dry-run given, *not* performing real actions
2026-11-23 09:00:03,000 INFO No packages found that can be upgraded unattended and no pending auto-removals
"""


def test_the_last_successful_run_skips_failed_and_dry_runs():
    assert facts.last_success([RUN_OK + RUN_INSTALLED + RUN_ERROR + RUN_DRY]) == datetime.datetime(2026, 11, 21, 6, 11, 30)
    assert facts.last_success([RUN_OK]) == datetime.datetime(2026, 11, 20, 6, 21, 9)
    assert facts.last_success([RUN_ERROR + RUN_DRY]) is None


def test_rotated_logs_are_read_when_the_current_one_has_no_success(tmp_path):
    logdir = tmp_path / "var/log/unattended-upgrades"
    logdir.mkdir(parents=True)
    (logdir / "unattended-upgrades.log").write_text(RUN_ERROR)
    with gzip.open(logdir / "unattended-upgrades.log.2.gz", "wt") as handle:
        handle.write(RUN_OK)
    texts = facts.log_texts(str(tmp_path))
    assert len(texts) == 2 and facts.last_success(texts) == datetime.datetime(2026, 11, 20, 6, 21, 9)
