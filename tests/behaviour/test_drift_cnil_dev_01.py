"""CNIL-DEV-01 drift: each hand-made change is reported against its control by the real audit
(bin/cnil audit), naming the task that would repair it, and apply heals it."""
import pytest

from cnil_testlib import Drift, assert_drift_reported

MODPROBE = "/etc/modprobe.d/cnil-usb-storage.conf"
KEYFILE = "/etc/dconf/db/local.d/00-cnil-dev"
LOCKS = "/etc/dconf/db/local.d/locks/00-cnil-dev"
GNOME = "CNIL-DEV-01 | GNOME media automount and autorun off"

DRIFTS = [
    Drift("blacklist file removed", f"rm {MODPROBE}", "CNIL-DEV-01", "CNIL-DEV-01 | usb-storage blocked",
          check="removable_storage"),
    Drift("automount re-enabled", f"sed -i 's/^automount=false/automount=true/' {KEYFILE} && dconf update", "CNIL-DEV-01",
          GNOME, check="automount"),
    Drift("lock removed", f"rm {LOCKS} && dconf update", "CNIL-DEV-01", GNOME, check="automount"),
    Drift("blacklist line commented out, install line kept", f"sed -i 's/^blacklist/# blacklist/' {MODPROBE}", "CNIL-DEV-01",
          "CNIL-DEV-01 | usb-storage blocked", status="DRIFT"),
]


@pytest.mark.parametrize("drift", DRIFTS, ids=[d.name for d in DRIFTS])
def test_hand_made_drift_is_reported_against_its_control(observed, drift):
    assert_drift_reported(observed, drift)


def test_after_healing_every_host_audits_compliant_with_no_change(healed, ansible_hosts):
    assert healed.rc == 0, healed.output[-3000:]
    for name in ansible_hosts:
        control = healed.control(name, "CNIL-DEV-01")
        assert control["status"] == "PASS" and control["changes"] == [], control
        assert {c["id"]: c["status"] for c in control["checks"]} == {"removable_storage": "PASS", "automount": "PASS"}
