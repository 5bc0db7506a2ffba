"""bin/cnil-fleet-audit: a scheduled audit through ansible-runner keeps per-run artifacts and a report."""
import glob
import json
import os
import subprocess

from cnil_testlib import ROOT


def test_fleet_audit_through_ansible_runner(cnil, tmp_path):
    proc = subprocess.run([os.path.join(ROOT, "bin", "cnil-fleet-audit"), "--data", str(tmp_path), cnil.inventory],
                          capture_output=True, text=True, cwd=ROOT, timeout=1200)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    [artifacts] = [d for d in glob.glob(str(tmp_path / "artifacts" / "*")) if os.path.isdir(d)]
    assert open(os.path.join(artifacts, "status")).read().strip() == "successful"
    assert open(os.path.join(artifacts, "rc")).read().strip() == "0"
    events = glob.glob(os.path.join(artifacts, "job_events", "*.json"))
    assert any(json.load(open(e)).get("event") == "playbook_on_stats" for e in events)
    assert glob.glob(str(tmp_path / "reports" / "*" / "*" / "report.json")), "each run writes its report"
