"""cnil_package_facts: the fact `cnil_packages` (name to version), installed packages only, from dpkg-query."""
import json
import os
import stat
import subprocess

import pytest

import cnil_package_facts as cpf
from module_runner import module_argv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

LINES = "\n".join([
    "ufw\t0.36.2-1\tall\tii ",
    "libc6\t2.36-9\tamd64\tii ",
    "libc6\t2.36-9\ti386\tii ",
    "clamav\t1.0.7\tamd64\trc ",        # removed, configuration left: not installed
    "pamtester\t0.1.2\tamd64\tiU ",     # unpacked, not configured: apt must finish it
    "libpam-runtime\t1.5.2\tall\tiW ",  # waiting for triggers: in place
    "broken line",
]) + "\n"


def test_installed_packages_only_name_to_version():
    got = cpf.parse(LINES)
    assert got == {"ufw": "0.36.2-1", "libc6": "2.36-9 2.36-9", "libpam-runtime": "1.5.2"}


@pytest.mark.parametrize("check", [False, True])
def test_module_runs_dpkg_query_once_and_sets_the_fact(tmp_path, check):
    fake = tmp_path / "dpkg-query"
    log = tmp_path / "calls"
    fake.write_text("#!/bin/sh\necho \"$@\" >> %s\nprintf 'ufw\\t0.36.2-1\\tall\\tii \\nclamav\\t1.0\\tamd64\\trc \\n'\n" % log)
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    argfile = tmp_path / "args.json"
    argfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"_ansible_check_mode": check}}))
    env = dict(os.environ, PATH=str(tmp_path) + os.pathsep + os.environ["PATH"])
    proc = subprocess.run(module_argv(os.path.join(ROOT, "library", "cnil_package_facts.py"), argfile),
                          capture_output=True, text=True, env=env)
    out = json.loads(proc.stdout)
    assert out["changed"] is False
    assert out["ansible_facts"] == {"cnil_packages": {"ufw": "0.36.2-1"}}
    assert log.read_text().count("-W -f ") == 1  # one call


def test_module_fails_clearly_without_dpkg(tmp_path):
    argfile = tmp_path / "args.json"
    argfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {}}))
    proc = subprocess.run(module_argv(os.path.join(ROOT, "library", "cnil_package_facts.py"), argfile),
                          capture_output=True, text=True, env=dict(os.environ, PATH=str(tmp_path)))
    out = json.loads(proc.stdout)
    assert out["failed"] and "dpkg-query not found" in out["msg"]


def test_with_desktop_the_same_call_sets_the_desktop_fact(tmp_path):
    """The first role asks packages and desktop sessions in one call (cnil_desktop_facts' answer, same code)."""
    fake = tmp_path / "dpkg-query"
    fake.write_text("#!/bin/sh\nprintf 'ufw\\t0.36.2-1\\tall\\tii \\n'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "xsessions").mkdir()
    (tmp_path / "xsessions" / "gnome.desktop").write_text("[Desktop Entry]\n")
    argfile = tmp_path / "args.json"
    argfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {
        "desktop": True, "session_dirs": [str(tmp_path / "xsessions"), str(tmp_path / "none")]}}))
    env = dict(os.environ, PATH=str(tmp_path) + os.pathsep + os.environ["PATH"])
    proc = subprocess.run(module_argv(os.path.join(ROOT, "library", "cnil_package_facts.py"), argfile),
                          capture_output=True, text=True, env=env)
    out = json.loads(proc.stdout)
    assert out["ansible_facts"] == {"cnil_packages": {"ufw": "0.36.2-1"},
                                    "cnil_desktop": {"sessions": ["gnome"], "gnome": True}}
