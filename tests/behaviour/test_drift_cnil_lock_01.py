"""CNIL-LOCK-01 drift: each hand-made change, made on every host at once, is reported against its
control by the real audit (bin/cnil audit), and apply heals it."""
import pytest
import testinfra

KEYFILE = "/etc/dconf/db/local.d/00-cnil-lock"
LOCKS = "/etc/dconf/db/local.d/locks/00-cnil-lock"
TMOUT_FILE = "/etc/profile.d/cnil-tmout.sh"
GNOME_TASK = "CNIL-LOCK-01 | GNOME idle lock"
TMOUT_TASK = "CNIL-LOCK-01 | shell idle timeout"

DRIFTS = {
    "idle delay raised": (f"sed -i 's/uint32 900/uint32 3600/' {KEYFILE} && dconf update", GNOME_TASK, "FAIL"),
    "screen lock disabled": (f"sed -i 's/lock-enabled=true/lock-enabled=false/' {KEYFILE} && dconf update", GNOME_TASK, "FAIL"),
    "key lock removed": (f"rm {LOCKS} && dconf update", GNOME_TASK, "FAIL"),
    "interrupted run: database older than its keyfile": (f"sleep 1; touch {KEYFILE}", GNOME_TASK, "FAIL"),
    "right value, not read-only": (f"sed -i 's/readonly TMOUT/: readonly TMOUT/' {TMOUT_FILE}", TMOUT_TASK, "FAIL"),
    "TMOUT raised": (f"sed -i 's/900/7200/g' {TMOUT_FILE}", TMOUT_TASK, "FAIL"),
}


@pytest.fixture(scope="module")
def hosts(cnil):
    return {h.backend.host: h for h in testinfra.get_hosts(["ansible://all"], ansible_inventory=cnil.inventory)}


@pytest.mark.parametrize("drift", list(DRIFTS))
def test_hand_made_drift_is_reported_against_its_control_then_healed(hosts, cnil, drift):
    command, task, status = DRIFTS[drift]
    for host in hosts.values():
        host.run_expect([0], command)
    result = cnil.audit(tags="cnil_lock")
    assert result.rc == 2, result.output[-3000:]
    for name in hosts:
        control = result.control(name, "CNIL-LOCK-01")
        assert control["status"] == status, control
        assert any(t.startswith(task) for t in result.changed_tasks(name, "CNIL-LOCK-01")), control
    others = {k: s for k, s in result.statuses().items() if k[1] != "CNIL-LOCK-01"}
    assert set(others.values()) <= {"PASS", "NOT_APPLICABLE", "WAIVED"}, others
    cnil.apply(tags="cnil_lock")


def test_after_healing_every_host_audits_compliant_with_no_change(hosts, cnil):
    result = cnil.audit()
    assert result.rc == 0, result.output[-3000:]
    for name in hosts:
        control = result.control(name, "CNIL-LOCK-01")
        assert control["status"] == "PASS" and control["changes"] == []
        assert {c["id"]: c["status"] for c in control["checks"]} == {"gui_idle_lock": "PASS", "shell_tmout": "PASS"}
