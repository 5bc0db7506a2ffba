"""The cnil_evidence action plugin through real ansible: controller only, check mode, clear failures."""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures", "cnil_report"))

from ansible_run import ansible_env, run  # noqa: E402


def adhoc(tmp, args, extra_vars=None, check=True, **env):
    """`ansible localhost -m cnil_evidence` with an unreachable connection: the action must not connect."""
    command = ["ansible", "target", "-i", "target,", "-m", "cnil_evidence", "-a", json.dumps(args), "-o",
               "-e", json.dumps(dict({"ansible_host": "192.0.2.1", "ansible_connection": "ssh",
                                      "ansible_ssh_common_args": "-o ConnectTimeout=1"}, **(extra_vars or {})))]
    if check:
        command.append("--check")
    proc = run(str(tmp), command, ansible_env(str(tmp), **env))
    line = proc.stdout.strip().splitlines()[-1]
    status, _, payload = line.partition(" => ")
    return proc.returncode, status, json.loads(payload)


def test_runs_on_the_controller_in_check_mode_with_waivers(tmp_path):
    args = {"control": "CNIL-LOCK-01", "checks": [
        {"id": "gui_idle_lock", "ok": True, "evidence": {"idle_delay": 900}},
        {"id": "shell_tmout", "ok": False, "reason": "TMOUT not set"}]}
    waivers = {"cnil_cabinet": "cabinet-demo",
               "cnil_waivers": [{"control": "CNIL-LOCK-01", "check": "shell_tmout", "reason": "legacy", "expires": "2030-01-01"}]}
    rc, status, result = adhoc(tmp_path, args, waivers, CNIL_TODAY="2029-12-31")
    # 192.0.2.1 is unroutable: success proves that the action never connects to the host.
    assert rc == 0, result
    assert "SUCCESS" in status
    assert result["changed"] is False
    assert result["cnil_cabinet"] == "cabinet-demo"
    assert [(c["id"], c["status"]) for c in result["cnil_checks"]] == [("gui_idle_lock", "PASS"), ("shell_tmout", "WAIVED")]


def test_expired_waiver_by_cnil_today(tmp_path):
    args = {"control": "CNIL-LOCK-01", "checks": [{"id": "shell_tmout", "ok": False}]}
    waivers = {"cnil_waivers": [{"control": "CNIL-LOCK-01", "reason": "legacy", "expires": "2030-01-01"}]}
    rc, _, result = adhoc(tmp_path, args, waivers, check=False, CNIL_TODAY="2030-01-02")
    assert rc == 0
    assert result["cnil_cabinet"] == "default"
    assert result["cnil_checks"][0]["status"] == "FAIL"
    assert "waiver expired on 2030-01-01" in result["cnil_checks"][0]["reason"]


def test_unknown_control_fails_with_a_clear_message(tmp_path):
    rc, status, result = adhoc(tmp_path, {"control": "CNIL-LOKC-01", "checks": [{"id": "a", "ok": True}]})
    assert rc != 0
    assert "FAILED" in status
    assert "unknown control ID CNIL-LOKC-01" in result["msg"]
