"""On a real GNOME + GDM PC the desktop is detected, not declared: the graphical lock is checked for real."""


def test_gnome_is_detected_and_the_graphical_lock_checked(cnil, ansible_hosts):
    result = cnil.audit()
    assert result.rc == 0, result.output[-3000:]
    for host in ansible_hosts:
        check = result.check(host, "CNIL-LOCK-01", "gui_idle_lock")
        assert check["status"] == "PASS"
        assert "gnome" in check["evidence"]["sessions"], check
        assert not check.get("reason"), "a detected desktop needs no explanation: %s" % check.get("reason")


def test_gdm_is_installed_and_the_session_files_are_real(host):
    assert host.package("gdm3").is_installed
    assert host.file("/usr/share/xsessions/gnome.desktop").exists or host.file("/usr/share/wayland-sessions/gnome.desktop").exists
    assert host.run("gsettings list-keys org.gnome.desktop.session").rc == 0
