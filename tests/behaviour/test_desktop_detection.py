"""On a real GNOME + GDM PC (cnil/debian12-desktop: the Debian 12 PC of the default scenario, whose host_vars
leave the desktop to detection) the desktop is detected, not declared: the graphical lock is checked for real."""
import pytest


@pytest.fixture
def desktop_pc(host, name):
    if host.ansible.get_variables().get("cnil_lock_desktop") != "auto":
        pytest.skip("this PC's desktop is declared in the inventory, not detected")
    return name


def test_gnome_is_detected_and_the_graphical_lock_checked(compliant_audit, desktop_pc):
    check = compliant_audit.result.check(desktop_pc, "CNIL-LOCK-01", "gui_idle_lock")
    assert check["status"] == "PASS"
    assert "gnome" in check["evidence"]["sessions"], check
    assert not check.get("reason"), "a detected desktop needs no explanation: %s" % check.get("reason")


def test_gdm_is_installed_and_the_session_files_are_real(host, desktop_pc):
    assert host.package("gdm3").is_installed
    assert host.file("/usr/share/xsessions/gnome.desktop").exists or host.file("/usr/share/wayland-sessions/gnome.desktop").exists
    assert host.run("gsettings list-keys org.gnome.desktop.session").rc == 0
