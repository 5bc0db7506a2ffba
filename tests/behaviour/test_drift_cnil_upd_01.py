"""CNIL-UPD-01 drift: each hand-made change is reported against its control by the real audit (bin/cnil audit),
naming the task that would repair it, and apply heals it."""
import pytest

from cnil_testlib import Drift, assert_drift_reported

# Both files are one call: the report names each changed file by its title after the task's name.
AUTO = "CNIL-UPD-01 | APT configuration | automatic updates every day"
ORIGIN = "CNIL-UPD-01 | APT configuration | security archive allowed"
TIMERS = "CNIL-UPD-01 | apt timers enabled"
AUTO_FILE = "/etc/apt/apt.conf.d/20auto-upgrades"
DROPIN = "/etc/apt/apt.conf.d/52cnil-unattended-upgrades"
DEFAULT = "/etc/apt/apt.conf.d/50unattended-upgrades"

# Order matters: a host whose 50unattended-upgrades lost its security origin keeps it lost (the role manages
# its own drop-in, not that file), so the drop-in-only drift goes first, on the first PC.
DRIFTS = [
    # 50unattended-upgrades still allows the security archive: protected, but not as declared.
    Drift("security origin removed from the cnil drop-in only", f"sed -i '/-security/d' {DROPIN}", "CNIL-UPD-01", ORIGIN,
          status="DRIFT"),
    Drift("20auto-upgrades set to 0", f"sed -i 's/\"1\"/\"0\"/' {AUTO_FILE}", "CNIL-UPD-01", AUTO, check="automatic_updates"),
    Drift("apt-daily-upgrade.timer disabled", "systemctl disable --now apt-daily-upgrade.timer", "CNIL-UPD-01", TIMERS,
          check="timers"),
    Drift("security origin removed everywhere", f"sed -i '/-security/d' {DROPIN} {DEFAULT}", "CNIL-UPD-01", ORIGIN,
          check="automatic_updates"),
]
@pytest.mark.parametrize("drift", DRIFTS, ids=[d.name for d in DRIFTS])
def test_hand_made_drift_is_reported_against_its_control(observed, drift):
    assert_drift_reported(observed, drift)


def test_after_healing_every_host_audits_compliant_with_no_change(healed, ansible_hosts):
    assert healed.rc == 0, healed.output[-3000:]
    for name in ansible_hosts:
        control = healed.control(name, "CNIL-UPD-01")
        assert control["status"] == "PASS" and control["changes"] == []
