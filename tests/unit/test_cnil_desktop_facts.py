"""cnil_desktop_facts: the one place that says "a GNOME session is installed" (CNIL-LOCK-01, CNIL-DEV-01)."""
import json
import os
import subprocess

import pytest

import cnil_desktop_facts as cdf
from module_runner import module_argv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_sessions_of_both_folders_sorted_without_duplicates():
    got = cdf.sessions_in({"/usr/share/xsessions": ["gnome-xorg.desktop", "gnome.desktop", "README"],
                           "/usr/share/wayland-sessions": ["gnome.desktop", "plasmawayland.desktop"]})
    assert got == ["gnome", "gnome-xorg", "plasmawayland"]


@pytest.mark.parametrize("sessions, gnome", [
    (["gnome"], True), (["gnome-xorg"], True), (["gnome-wayland"], True), (["gnome-classic"], True),
    (["gnome-classic-xorg"], True), (["ubuntu"], True), (["ubuntu-wayland"], True), (["lightdm-xsession", "xfce"], False),
    (["plasma", "plasmawayland"], False), (["gnomelike"], False), ([], False),
])
def test_gnome_sessions_of_debian_and_ubuntu(sessions, gnome):
    assert cdf.is_gnome(sessions) is gnome


@pytest.mark.parametrize("check", [False, True])
def test_module_lists_session_folders_read_only(tmp_path, check):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "gnome-xorg.desktop").write_text("[Desktop Entry]\n")
    argfile = tmp_path / "args.json"
    argfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"session_dirs": [str(tmp_path / "x"), str(tmp_path / "none")],
                                                           "_ansible_check_mode": check}}))
    proc = subprocess.run(module_argv(os.path.join(ROOT, "library", "cnil_desktop_facts.py"), argfile),
                          capture_output=True, text=True)
    out = json.loads(proc.stdout)
    assert out["changed"] is False and out["sessions"] == ["gnome-xorg"] and out["gnome"] is True
    assert out["ansible_facts"] == {"cnil_desktop": {"sessions": ["gnome-xorg"], "gnome": True}}  # asked once per run
