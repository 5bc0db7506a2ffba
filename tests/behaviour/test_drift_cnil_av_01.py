"""CNIL-AV-01 drift: each hand-made change is reported against its control by the real audit
(bin/cnil audit), naming the task that would repair it, and apply heals it."""
import pytest

from cnil_testlib import Drift, assert_drift_reported

CONF = "/etc/clamav/freshclam.conf"
SCAN = "/etc/systemd/system/cnil-clamav-scan.service"
# The units are one call: the report names each changed part by its title after the task's name.
UPDATER = "CNIL-AV-01 | services | signature updater (freshclam)"
TIMER = "CNIL-AV-01 | services | scheduled scan timer"

DRIFTS = [
    Drift("freshclam disabled", "systemctl disable --now clamav-freshclam", "CNIL-AV-01", UPDATER, check="updater"),
    Drift("scan timer disabled", "systemctl disable --now cnil-clamav-scan.timer", "CNIL-AV-01", TIMER,
          check="scheduled_scan"),
    Drift("Checks changed", f"sed -i 's/^Checks 24$/Checks 2/' {CONF}", "CNIL-AV-01", "CNIL-AV-01 | freshclam settings",
          check="updater"),
    Drift("scan timer enabled but stopped", "systemctl stop cnil-clamav-scan.timer", "CNIL-AV-01", TIMER,
          check="scheduled_scan"),
    Drift("scan paths edited", f"sed -i 's|-- \"/home\"$|-- \"/tmp\"|' {SCAN} && systemctl daemon-reload", "CNIL-AV-01",
          "CNIL-AV-01 | scheduled scan units", status="DRIFT"),
]


@pytest.mark.parametrize("drift", DRIFTS, ids=[d.name for d in DRIFTS])
def test_hand_made_drift_is_reported_against_its_control(observed, drift):
    assert_drift_reported(observed, drift)


def test_after_healing_every_host_audits_compliant_with_no_change(healed, ansible_hosts):
    assert healed.rc == 0, healed.output[-3000:]
    for name in ansible_hosts:
        control = healed.control(name, "CNIL-AV-01")
        assert control["status"] == "WAIVED" and control["changes"] == [], control
        assert {c["id"]: c["status"] for c in control["checks"]} == {
            "engine": "PASS", "updater": "PASS", "signature_age": "WAIVED", "scheduled_scan": "PASS"}
