"""CNIL-ACC-01 drift: each hand-made change is reported against its control by the real audit (bin/cnil audit),
naming the task that would repair it, and apply heals it. The display managers are simulated by their
configuration files: the role treats a configuration file as an installed display manager (gdm3 itself is
too heavy for the test image), so these drifts exercise exactly the files a real GDM, LightDM or SDDM reads."""
import pytest

from cnil_testlib import Drift, assert_drift_reported
from test_cnil_acc_01 import acc_hosts, prepare_accounts  # noqa: F401  (fixture: accounts exist, baseline applied)

GDM = "CNIL-ACC-01 | GDM automatic and timed logon off"
LIGHTDM = "CNIL-ACC-01 | LightDM automatic logon off"
SDDM = "CNIL-ACC-01 | SDDM automatic logon off"
GROUP = "CNIL-ACC-01 | the admin group holds exactly the declared administrators"
PERSON = "mdupont"  # a declared person who is not an administrator, in the test and demo cabinets
ADMIN = "cnil-admin"
AUTOLOGIN, ADMINS = "no_autologin", "admin_group"  # the checks

DRIFTS = [
    Drift("GDM automatic logon turned on", "mkdir -p /etc/gdm3 && printf '[daemon]\\nAutomaticLoginEnable = true\\n"
          f"AutomaticLogin = {PERSON}\\n' > /etc/gdm3/daemon.conf", "CNIL-ACC-01", GDM, check=AUTOLOGIN),
    Drift("GDM timed logon turned on", "mkdir -p /etc/gdm3 && printf '[daemon]\\nAutomaticLoginEnable=false\\n"
          f"TimedLoginEnable=true\\nTimedLogin={PERSON}\\nTimedLoginDelay=5\\n' > /etc/gdm3/daemon.conf", "CNIL-ACC-01", GDM,
          check=AUTOLOGIN),
    Drift("LightDM automatic logon in a drop-in", "mkdir -p /etc/lightdm/lightdm.conf.d && printf '[Seat:*]\\n"
          f"autologin-user={PERSON}\\n' > /etc/lightdm/lightdm.conf.d/50-local.conf", "CNIL-ACC-01", LIGHTDM,
          check=AUTOLOGIN),
    Drift("SDDM automatic logon", f"printf '[Autologin]\\nUser={PERSON}\\nSession=plasma\\n' > /etc/sddm.conf",
          "CNIL-ACC-01", SDDM, check=AUTOLOGIN),
    Drift("undeclared member added to sudo by hand", f"gpasswd -a {PERSON} sudo", "CNIL-ACC-01", GROUP, check=ADMINS),
    # "admin account": see the CNIL-PWD-02 drifts (an administrator out of sudo is no longer privileged).
    Drift("declared administrator removed from sudo", f"gpasswd -d {ADMIN} sudo", "CNIL-ACC-01", GROUP, check=ADMINS,
          shares=["admin account"]),
]


def prepare_drifts(cnil, conns):
    prepare_accounts(cnil)
    return DRIFTS


@pytest.mark.parametrize("drift", DRIFTS, ids=[d.name for d in DRIFTS])
def test_hand_made_drift_is_reported_against_its_control(observed, drift):
    assert_drift_reported(observed, drift)


def test_automatic_logon_is_named_in_the_evidence(observed):
    _, control, _, _, _ = observed["LightDM automatic logon in a drop-in"]
    check = next(c for c in control["checks"] if c["id"] == "no_autologin")
    assert f"/etc/lightdm/lightdm.conf.d/50-local.conf [Seat:*] autologin-user={PERSON}" in check["evidence"]["autologin"]
    _, control, _, _, _ = observed["undeclared member added to sudo by hand"]
    check = next(c for c in control["checks"] if c["id"] == "admin_group")
    assert check["evidence"]["undeclared"] == [PERSON] and PERSON in check["reason"]


def test_after_healing_nobody_logs_in_automatically_and_the_undeclared_member_lost_sudo(observed, acc_hosts):  # noqa: F811
    for conn in acc_hosts.values():
        assert "is not allowed to run sudo" in conn.check_output(f"sudo -l -U {PERSON}")
        assert "(ALL : ALL) ALL" in conn.check_output(f"sudo -l -U {ADMIN}")
        if conn.file("/etc/gdm3/daemon.conf").exists:
            gdm = conn.file("/etc/gdm3/daemon.conf").content_string
            assert "AutomaticLoginEnable=false" in gdm and "TimedLoginEnable=false" in gdm
            assert "= true" not in gdm and "=true" not in gdm
        for path in ("/etc/lightdm/lightdm.conf.d/50-local.conf", "/etc/sddm.conf"):
            if conn.file(path).exists:
                assert f"={PERSON}" not in conn.file(path).content_string


def test_after_healing_every_host_audits_compliant_with_no_change(healed, ansible_hosts):
    assert healed.rc == 0, healed.output[-3000:]
    for name in ansible_hosts:
        control = healed.control(name, "CNIL-ACC-01")
        assert control["status"] == "PASS" and control["changes"] == []
        # The simulated display managers stay: automatic logon is now checked, and off.
        assert {c["id"]: c["status"] for c in control["checks"]} == {
            "no_autologin": "PASS", "admin_group": "PASS", "known_accounts": "PASS", "no_empty_password": "PASS"}
