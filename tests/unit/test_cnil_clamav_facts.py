"""cnil_clamav_facts: CVD headers, sigtool --info outputs, what counts as fresh signatures, and the module run
on a database directory (read-only, the same in check mode)."""
import json
import os
import subprocess

import pytest

import cnil_clamav_facts as ccf
from module_runner import module_argv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = os.path.join(ROOT, "library", "cnil_clamav_facts.py")
NOW = 1795979526 + 3600  # one hour after the sample build time (29 Nov 2026 19:12 UTC)

# sigtool --info of a daily.cld whose signature verifies (the form ClamAV 1.4 prints), and of a hand-made
# daily.cvd with a forged signature, recorded on Debian 12 (clamav 1.4.6).
SIGTOOL_OK = """File: /var/lib/clamav/daily.cld
Build time: 29 Nov 2026 19:12 +0000
Version: 27800
Signatures: 2071548
Functionality level: 90
Builder: raynman
Verification OK.
"""
SIGTOOL_FORGED = """File: daily.cvd
Build time: 29 Nov 2026 19:12 +0000
Version: 27800
Signatures: 1
Functionality level: 90
Builder: cnil-test
MD5: 82209bad6c9babfdac4d2d1f8376c74d
Digital signature: FAKEDSIG
LibClamAV Error: cli_decodesig: Resulting signature too large (128 vs 16).
ERROR: cvdinfo: Verification: Can't verify database integrity
"""


def header(time="29 Nov 2026 19-12 +0000", version=27800, stime=1795979526, dsig="FAKEDSIG"):
    text = "ClamAV-VDB:%s:%d:1:90:82209bad6c9babfdac4d2d1f8376c74d:%s:cnil-test" % (time, version, dsig)
    if stime is not None:
        text += ":%d" % stime
    return text.ljust(512).encode("ascii")


def test_header_bytes_parse():
    got = ccf.parse_header(header() + b"\x1f\x8b rest of the tar.gz")
    assert got == {"time": "29 Nov 2026 19-12 +0000", "version": 27800, "signatures": 1, "functionality_level": 90,
                   "builder": "cnil-test", "stime": 1795979526}
    assert ccf.parse_header(header(stime=None))["stime"] is None


@pytest.mark.parametrize("data", [b"", b"not a cvd", b"ClamAV-VDB:too:few", b"ClamAV-VDB:t:x:1:90:md5:sig:b:1", None])
def test_other_bytes_are_not_a_header(data):
    assert ccf.parse_header(data) is None


@pytest.mark.parametrize("text, epoch", [
    ("29 Nov 2026 19:12 +0000", 1795979520),
    ("29 Nov 2026 19-12 +0000", 1795979520),
    ("29 Nov 2026 20:12 +0100", 1795979520),
    ("garbage", None), ("", None), ("31 Feb 2026 10:00 +0000", None),
])
def test_build_time_parses_both_spellings_with_their_zone(text, epoch):
    assert ccf.parse_build_time(text) == epoch


def test_sigtool_output_with_verification_ok_is_verified():
    info = ccf.parse_sigtool_info(0, SIGTOOL_OK)
    assert info == {"build_time": "29 Nov 2026 19:12 +0000", "build_epoch": 1795979520, "version": 27800,
                    "builder": "raynman", "verified": True}


@pytest.mark.parametrize("rc, out", [(1, SIGTOOL_FORGED), (1, SIGTOOL_OK), (0, SIGTOOL_FORGED), (0, "")])
def test_without_exit_0_and_verification_ok_nothing_is_verified(rc, out):
    assert ccf.parse_sigtool_info(rc, out)["verified"] is False


def test_verified_daily_is_official_with_its_age():
    entry = ccf.database_entry("daily.cld", ccf.parse_header(header()), ccf.parse_sigtool_info(0, SIGTOOL_OK), NOW)
    assert entry["kind"] == "official" and entry["verified"] and entry["version"] == 27800
    assert entry["age_days"] == pytest.approx(0.04, abs=0.01)
    assert ccf.newest_official([entry]) == entry


def test_forged_daily_with_a_fresh_date_is_never_fresh():
    entry = ccf.database_entry("daily.cvd", ccf.parse_header(header()), ccf.parse_sigtool_info(1, SIGTOOL_FORGED), NOW)
    assert entry["kind"] == "unverified" and entry["age_days"] < 1
    assert ccf.newest_official([entry]) is None
    assert ccf.not_counted([entry], None) == ["daily.cvd (unverified)"]


@pytest.mark.parametrize("name, kind", [
    ("cnil-test.hdb", "custom"), ("eicar.ndb", "custom"), ("local.ldb", "custom"), ("daily.cud", "unsigned"),
    ("main.cvd", "container"), ("bytecode.cld", "container"),
])
def test_custom_unsigned_and_other_containers_never_count(name, kind):
    entry = ccf.database_entry(name, ccf.parse_header(header()), ccf.parse_sigtool_info(0, SIGTOOL_OK), NOW)
    assert entry["kind"] == kind
    assert ccf.newest_official([entry]) is None


def test_the_newest_verified_daily_wins():
    old = ccf.database_entry("daily.cvd", ccf.parse_header(header(version=27700)),
                             ccf.parse_sigtool_info(0, SIGTOOL_OK.replace("27800", "27700")
                                                    .replace("29 Nov 2026", "20 Nov 2026")), NOW)
    new = ccf.database_entry("daily.cld", ccf.parse_header(header()), ccf.parse_sigtool_info(0, SIGTOOL_OK), NOW)
    assert ccf.newest_official([old, new])["file"] == "daily.cld"
    assert old["age_days"] == pytest.approx(9.04, abs=0.01)


@pytest.mark.parametrize("names, ready", [
    (["main.cvd", "daily.cld"], True), (["main.cld", "daily.cvd", "bytecode.cvd"], True),
    (["daily.cld"], False), (["main.cvd"], False), (["cnil-test.hdb", "daily.cud"], False), ([], False),
])
def test_daemon_ready_mirrors_the_clamav_daemon_unit_conditions(names, ready):
    assert ccf.daemon_ready(names) is ready


def test_freshclam_conf_as_debian_writes_it():
    conf = ccf.parse_freshclam_conf("# Automatically created by the clamav-freshclam postinst\n"
                                    "DatabaseDirectory /var/lib/clamav\n# Check for new database 24 times a day\n"
                                    "Checks 24\nDatabaseMirror db.local.clamav.net\nDatabaseMirror database.clamav.net\n"
                                    "PrivateMirror http://mirror.cabinet.lan/clamav\n#PrivateMirror commented.example\n")
    assert conf == {"present": True, "checks": 24, "private_mirrors": ["http://mirror.cabinet.lan/clamav"],
                    "database_mirrors": ["db.local.clamav.net", "database.clamav.net"], "database_dir": "/var/lib/clamav"}
    assert ccf.parse_freshclam_conf(None)["present"] is False


@pytest.mark.parametrize("out, version", [
    ("ClamAV 1.4.6\n", "1.4.6"), ("ClamAV 1.0.9/27800/Sun Nov 29 08:00:00 2026\n", "1.0.9"), ("", None), ("error", None),
])
def test_engine_version(out, version):
    assert ccf.parse_engine_version(out) == version


def test_units_from_systemctl_show():
    out = ("Id=clamav-freshclam.service\nLoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\n\n"
           "Id=cnil-clamav-scan.timer\nLoadState=loaded\nActiveState=active\nSubState=waiting\nUnitFileState=enabled\n"
           "TimersCalendar={ OnCalendar=Mon *-*-* 00:00:00 ; next_elapse=Mon 2026-11-30 00:00:00 UTC }\n"
           "NextElapseUSecRealtime=Mon 2026-11-30 00:12:03 UTC\n\n"
           "Id=nope.service\nLoadState=not-found\nActiveState=inactive\nSubState=dead\nUnitFileState=\n")
    units = ccf.parse_units(out, ["clamav-freshclam.service", "cnil-clamav-scan.timer", "nope.service"])
    assert units["clamav-freshclam.service"] == {"load": "loaded", "enabled": "enabled", "active": "active", "sub": "running"}
    assert units["cnil-clamav-scan.timer"]["calendar"] == "Mon *-*-* 00:00:00"
    assert units["cnil-clamav-scan.timer"]["next"] == "Mon 2026-11-30 00:12:03 UTC"
    assert units["nope.service"] == {"load": "not-found", "enabled": None, "active": "inactive", "sub": "dead"}


def run_module(tmp_path, check, **args):
    argfile = tmp_path / "args.json"
    argfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": dict(args, _ansible_check_mode=check)}))
    proc = subprocess.run(module_argv(MODULE, argfile), capture_output=True, text=True,
                          env=dict(os.environ, PATH=str(tmp_path / "bin") + os.pathsep + os.environ["PATH"]))
    return json.loads(proc.stdout)


@pytest.mark.parametrize("check", [False, True])
def test_module_reads_a_directory_without_changing_it(tmp_path, check):
    """A fake sigtool stands in for ClamAV: it verifies nothing, so the fresh-looking daily.cvd is unverified."""
    dbdir = tmp_path / "db"
    dbdir.mkdir()
    (dbdir / "daily.cvd").write_bytes(header() + b"body")
    (dbdir / "cnil-test.hdb").write_text("44d88612fea8a8f36de82e1278abb02f:68:eicar.txt\n")
    (dbdir / "freshclam.dat").write_bytes(b"\0" * 90)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "sigtool").write_text("#!/bin/sh\ncat <<'EOF'\n%sEOF\nexit 1\n" % SIGTOOL_FORGED)
    (bindir / "sigtool").chmod(0o755)
    conf = tmp_path / "freshclam.conf"
    conf.write_text("Checks 24\n")
    before = sorted((p.name, p.stat().st_mtime) for p in dbdir.iterdir())
    out = run_module(tmp_path, check, freshclam_conf=str(conf), database_dir=str(dbdir))
    assert out["changed"] is False and "failed" not in out
    assert out["official"] is None
    assert sorted(out["not_counted"]) == ["cnil-test.hdb (custom)", "daily.cvd (unverified)"]
    assert out["freshclam"]["checks"] == 24 and out["daemon_ready"] is False
    assert sorted((p.name, p.stat().st_mtime) for p in dbdir.iterdir()) == before


def test_module_with_no_clamav_at_all(tmp_path):
    out = run_module(tmp_path, True, freshclam_conf=str(tmp_path / "absent.conf"), database_dir=str(tmp_path / "absent"))
    assert out["changed"] is False and out["databases"] == [] and out["official"] is None
    assert out["freshclam"]["present"] is False
