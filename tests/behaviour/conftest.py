"""Behaviour tests run by molecule's testinfra verifier against real systemd containers.

Each test module covers one control ID (test_cnil_<area>_<nn>.py), so every scenario can reuse them.
`cnil` runs the real bin/cnil against the scenario's inventory and returns its exit code and report.
"""
import glob
import json
import os
import subprocess
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Cnil:
    def __init__(self, inventory, workdir):
        self.inventory = inventory
        self.workdir = workdir

    def run(self, command, limit=None, tags=None, extra=()):
        report_dir = tempfile.mkdtemp(prefix="report-", dir=self.workdir)
        cmd = [os.path.join(ROOT, "bin", "cnil"), command, "-i", self.inventory, "--report-dir", report_dir]
        if limit:
            cmd += ["--limit", limit]
        # A role scenario converges one role only: its audits look at that role too.
        tags = tags or os.environ.get("CNIL_AUDIT_TAGS")
        if tags:
            cmd += ["--tags", tags]
        cmd += list(extra)
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        reports = sorted(glob.glob(os.path.join(report_dir, "*", "*", "report.json")))
        report = json.load(open(reports[-1])) if reports else None
        return Result(proc.returncode, proc.stdout + proc.stderr, report)

    def audit(self, **kw):
        return self.run("audit", **kw)

    def apply(self, **kw):
        result = self.run("apply", **kw)
        assert result.rc == 0, result.output[-3000:]
        return result


class Result:
    def __init__(self, rc, output, report):
        self.rc, self.output, self.report = rc, output, report

    def control(self, host, control):
        return self.report["hosts"][host]["controls"][control]

    def changed_tasks(self, host, control):
        return [c["task"] for c in self.control(host, control).get("changes", [])]

    def check(self, host, control, check_id):
        return next(c for c in self.control(host, control)["checks"] if c["id"] == check_id)

    def statuses(self):
        return {(h, c): v["status"] for h, hv in self.report["hosts"].items() for c, v in hv["controls"].items()}


@pytest.fixture(scope="session")
def cnil(tmp_path_factory):
    inventory = os.environ.get("MOLECULE_INVENTORY_FILE")
    if not inventory:
        pytest.fail("MOLECULE_INVENTORY_FILE is not set: run these tests through molecule (make test)")
    return Cnil(inventory, str(tmp_path_factory.mktemp("cnil")))


@pytest.fixture
def name(host):
    """The inventory name of the host under test."""
    return host.backend.host
