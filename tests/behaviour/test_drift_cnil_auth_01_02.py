"""CNIL-AUTH-01 and CNIL-AUTH-02 drift: each hand-made change is reported against its control by the real audit
(bin/cnil audit), naming the task that would repair it, and apply heals it (one-time codes work again)."""
import pytest

from cnil_testlib import Drift, run_drifts
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
    Drift("PC/SC socket disabled and stopped", "systemctl disable --now pcscd.socket", "CNIL-AUTH-01", SOCKET),
    Drift("OpenSC removed", "DEBIAN_FRONTEND=noninteractive apt-get remove -y -q opensc", "CNIL-AUTH-01", STACK),
    Drift("card removal does nothing", f"sed -i \"s/'lock-screen'/'none'/\" {KEYFILE} && dconf update", "CNIL-AUTH-01", REMOVAL),
    Drift("right action, not locked", f"rm {LOCKS} && dconf update", "CNIL-AUTH-01", REMOVAL),
    Drift("users.oath entry removed", f"sed -i '/\\s{STAFF}\\s/d' /etc/users.oath", "CNIL-AUTH-02", USERSFILE),
    Drift("users.oath readable by everyone", "chmod 644 /etc/users.oath", "CNIL-AUTH-02", USERSFILE),
    Drift("pam profile disabled", "DEBIAN_FRONTEND=noninteractive pam-auth-update --disable cnil-otp", "CNIL-AUTH-02", PROFILE),
    Drift("staff member taken out of the OTP group", f"gpasswd -d {STAFF} cnil-otp", "CNIL-AUTH-02", GROUP),
]


@pytest.fixture(scope="module")
def observed(cnil, ansible_hosts):
    """The CNIL-AUTH-02 drifts only where the cabinet has an enrolled one-time-code account (the demo has none)."""
    import testinfra
    with_otp = staff_with_otp(testinfra.get_hosts(["ansible://cnil_linux"], ansible_inventory=cnil.inventory)[0])
    return run_drifts(cnil, ansible_hosts, [d for d in DRIFTS if with_otp or d.control != "CNIL-AUTH-02"], tags="cnil_auth")


@pytest.mark.parametrize("drift", DRIFTS, ids=[d.name for d in DRIFTS])
def test_hand_made_drift_is_reported_against_its_control(observed, drift):
    if drift.name not in observed:
        pytest.skip("this cabinet declares no enrolled one-time-code account")
    host, control, rc, others, output = observed[drift.name]
    assert rc == 2, output
    assert control["status"] == drift.status, control
    assert any(c["task"].startswith(drift.task) for c in control["changes"]), control
    assert set(others.values()) <= {"PASS", "NOT_APPLICABLE", "WAIVED"}, others


def test_after_healing_the_one_time_code_works_again(observed, otp):  # noqa: F811
    for name, conn in otp["conns"].items():
        rc, prompts = login(conn, otp["user"], PASSWORD, otp["codes"][name].next())
        assert rc == 0 and "One-time password" in prompts, prompts


def test_after_healing_every_host_audits_compliant_with_no_change(observed, cnil, ansible_hosts):
    result = cnil.audit()
    assert result.rc == 0, result.output[-3000:]
    for name in ansible_hosts:
        assert result.control(name, "CNIL-AUTH-01")["status"] == "PASS"
        assert result.control(name, "CNIL-AUTH-02")["status"] in ("PASS", "NOT_APPLICABLE")
        assert result.control(name, "CNIL-AUTH-01")["changes"] == result.control(name, "CNIL-AUTH-02")["changes"] == []
