"""bin/cnil-fleet-audit: a scheduled audit through ansible-runner keeps per-run artifacts and a report (the run
is the compliant audit of conftest, shared with the audit purity and demo statuses tests)."""
import glob
import json
import os
import re


def test_fleet_audit_through_ansible_runner(compliant_audit):
    assert compliant_audit.result.rc == 0, compliant_audit.result.output[-3000:]
    [artifacts] = compliant_audit.artifacts
    assert open(os.path.join(artifacts, "status")).read().strip() == "successful"
    assert open(os.path.join(artifacts, "rc")).read().strip() == "0"
    events = glob.glob(os.path.join(artifacts, "job_events", "*.json"))
    assert any(json.load(open(e)).get("event") == "playbook_on_stats" for e in events)
    assert compliant_audit.result.report, "each run writes its report"
    assert re.search(r"cnil-fleet-audit: \S+: compliant \(runner status successful", compliant_audit.result.output)
