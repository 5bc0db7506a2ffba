"""CNIL-AUTH-01 and CNIL-AUTH-02 drift: each hand-made change is reported against its control by the real audit
(bin/cnil audit), naming the task that would repair it, and apply heals it (one-time codes work again)."""
import base64
import json

import pytest

from cnil_testlib import Drift, assert_drift_reported
from test_cnil_auth_02 import PASSWORD, login, otp, staff_with_otp  # noqa: F401  (otp: the enrolled staff member, its codes)

KEYFILE = "/etc/dconf/db/local.d/00-cnil-auth"
LOCKS = "/etc/dconf/db/local.d/locks/00-cnil-auth"
STACK = "CNIL-AUTH-01 | smart-card stack installed"
SOCKET = "CNIL-AUTH-01 | PC/SC socket enabled and listening"
REMOVAL = "CNIL-AUTH-01 | removing the card locks the GNOME session"
GROUP = "CNIL-AUTH-02 | the OTP group holds exactly the enrolled accounts"
USERSFILE = "CNIL-AUTH-02 | one secret per enrolled account"
PROFILE = "CNIL-AUTH-02 | PAM asks the OTP group for a code"
STAFF = "jmartin"  # the test cabinet's enrolled staff member

DRIFTS = [
    Drift("PC/SC socket disabled and stopped", "systemctl disable --now pcscd.socket", "CNIL-AUTH-01", SOCKET,
          check="card_stack"),
    Drift("OpenSC removed", "DEBIAN_FRONTEND=noninteractive apt-get remove -y -q opensc", "CNIL-AUTH-01", STACK,
          check="card_stack"),
    Drift("card removal does nothing", f"sed -i \"s/'lock-screen'/'none'/\" {KEYFILE} && dconf update", "CNIL-AUTH-01",
          REMOVAL, check="removal_lock"),
    Drift("right action, not locked", f"rm {LOCKS} && dconf update", "CNIL-AUTH-01", REMOVAL, check="removal_lock"),
    Drift("users.oath entry removed", f"sed -i '/\\s{STAFF}\\s/d' /etc/users.oath", "CNIL-AUTH-02", USERSFILE,
          check="otp_enrolled"),
    # A secrets file others can read: the PAM module refuses it, so the codes stop working.
    Drift("users.oath readable by everyone", "chmod 644 /etc/users.oath", "CNIL-AUTH-02", USERSFILE, check="pam_otp"),
    # "pam": see the CNIL-PWD drifts (pam-auth-update leaves a stack edited by hand alone).
    Drift("pam profile disabled", "DEBIAN_FRONTEND=noninteractive pam-auth-update --disable cnil-otp", "CNIL-AUTH-02", PROFILE,
          check="pam_otp", shares=["pam"]),
    Drift("staff member taken out of the OTP group", f"gpasswd -d {STAFF} cnil-otp", "CNIL-AUTH-02", GROUP,
          check="otp_enrolled"),
]


def prepare_drifts(cnil, conns):
    """The CNIL-AUTH-02 drifts only where the cabinet has an enrolled one-time-code account (the demo has one)."""
    with_otp = staff_with_otp(next(iter(conns.values())))
    return [d for d in DRIFTS if with_otp or d.control != "CNIL-AUTH-02"]


@pytest.mark.parametrize("drift", DRIFTS, ids=[d.name for d in DRIFTS])
def test_hand_made_drift_is_reported_against_its_control(observed, drift):
    assert_drift_reported(observed, drift)


def test_after_healing_the_one_time_code_works_again(observed, otp):  # noqa: F811
    for name, conn in otp["conns"].items():
        rc, prompts = login(conn, otp["user"], PASSWORD, otp["codes"][name].next())
        assert rc == 0 and "One-time password" in prompts, prompts


def test_after_healing_every_host_audits_compliant_with_no_change(healed, ansible_hosts):
    assert healed.rc == 0, healed.output[-3000:]
    for name in ansible_hosts:
        assert healed.control(name, "CNIL-AUTH-01")["status"] == "PASS"
        assert healed.control(name, "CNIL-AUTH-02")["status"] in ("PASS", "NOT_APPLICABLE")
        assert healed.control(name, "CNIL-AUTH-01")["changes"] == healed.control(name, "CNIL-AUTH-02")["changes"] == []


def test_the_healed_audit_at_vvv_shows_no_one_time_code_secret(healed, otp):  # noqa: F811
    hexa = base64.b32decode(otp["secret"] + "=" * (-len(otp["secret"]) % 8)).hex()
    for secret in (otp["secret"], hexa):
        assert secret.lower() not in healed.output.lower()
        assert secret.lower() not in json.dumps(healed.report).lower()
