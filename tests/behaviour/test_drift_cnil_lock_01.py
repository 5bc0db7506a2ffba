"""CNIL-LOCK-01 drift: each hand-made change is reported against its control by the real audit
(bin/cnil audit), naming the task that would repair it, and apply heals it."""
import pytest

from cnil_testlib import Drift, assert_drift_reported

KEYFILE = "/etc/dconf/db/local.d/00-cnil-lock"
LOCKS = "/etc/dconf/db/local.d/locks/00-cnil-lock"
TMOUT_FILE = "/etc/profile.d/cnil-tmout.sh"
GNOME = "CNIL-LOCK-01 | GNOME idle lock"
SHELL = "CNIL-LOCK-01 | shell idle timeout"

GUI, TMOUT = "gui_idle_lock", "shell_tmout"  # the checks

DRIFTS = [
    Drift("idle delay raised", f"sed -i 's/uint32 900/uint32 3600/' {KEYFILE} && dconf update", "CNIL-LOCK-01", GNOME,
          check=GUI),
    Drift("screen lock disabled", f"sed -i 's/lock-enabled=true/lock-enabled=false/' {KEYFILE} && dconf update",
          "CNIL-LOCK-01", GNOME, check=GUI),
    Drift("key lock removed", f"rm {LOCKS} && dconf update", "CNIL-LOCK-01", GNOME, check=GUI),
    # The database is shared: the media (DEV) and card-removal (AUTH-01) policies in it are stale too, and a drift
    # of theirs would compile it again.
    Drift("interrupted run: database older than its keyfile", f"sleep 1; touch {KEYFILE}", "CNIL-LOCK-01", GNOME,
          check=GUI, upsets=["CNIL-DEV-01", "CNIL-AUTH-01"]),
    Drift("right value, not read-only", f"sed -i 's/readonly TMOUT/: readonly TMOUT/' {TMOUT_FILE}", "CNIL-LOCK-01", SHELL, check=TMOUT),
    Drift("TMOUT raised", f"sed -i 's/900/7200/g' {TMOUT_FILE}", "CNIL-LOCK-01", SHELL, check=TMOUT),
]


@pytest.mark.parametrize("drift", DRIFTS, ids=[d.name for d in DRIFTS])
def test_hand_made_drift_is_reported_against_its_control(observed, drift):
    assert_drift_reported(observed, drift)


def test_after_healing_every_host_audits_compliant_with_no_change(healed, ansible_hosts):
    assert healed.rc == 0, healed.output[-3000:]
    for name in ansible_hosts:
        control = healed.control(name, "CNIL-LOCK-01")
        assert control["status"] == "PASS" and control["changes"] == []
        assert {c["id"]: c["status"] for c in control["checks"]} == {"gui_idle_lock": "PASS", "shell_tmout": "PASS"}
