"""Behaviour tests run by molecule's testinfra verifier against real systemd containers.

Each test module covers one control ID (test_cnil_<area>_<nn>.py), so every scenario can reuse them.
`cnil` runs the real bin/cnil against the scenario's inventory and returns its exit code and report.
"""
import glob
import json
import os
import pathlib
import re
import subprocess
import types

import pytest

from cnil_testlib import Cnil, DriftSuite, Result, connections, host_state

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pytest_collection_modifyitems(config, items):
    """Deselect (not skip) the tests of the areas the scenario's inventory switches off: CNIL_SWITCHED_OFF lists
    them (cnil_<area>_enabled: false), and their tests (test_cnil_<area>_*.py, test_drift_cnil_<area>*.py) are
    deselected."""
    off = [a.strip() for a in os.environ.get("CNIL_SWITCHED_OFF", "").split(",") if a.strip()]
    keep, drop = [], []
    for item in items:
        name = pathlib.Path(str(item.fspath)).name
        switched_off = any(name.startswith(("test_%s_" % a, "test_drift_%s" % a)) for a in off)
        (drop if switched_off else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def cnil(tmp_path_factory):
    inventory = os.environ.get("MOLECULE_INVENTORY_FILE")
    if not inventory:
        pytest.fail("MOLECULE_INVENTORY_FILE is not set: run these tests through molecule (make test)")
    return Cnil(inventory, str(tmp_path_factory.mktemp("cnil")))


@pytest.fixture(scope="module", autouse=True)
def area_of_the_module(request, cnil):
    """test_cnil_<area>_NN.py and test_drift_cnil_<area>*.py run bin/cnil on their area's role only (--tags
    cnil_<area>); other modules (demo statuses, audit purity, fleet) run the whole baseline."""
    found = re.match(r"test_(?:drift_)?(cnil_[a-z]+)", request.module.__name__.rsplit(".", 1)[-1])
    cnil.area = found.group(1) if found else None
    yield
    cnil.area = None


@pytest.fixture
def name(host):
    """The inventory name of the host under test."""
    return host.backend.host


@pytest.fixture(scope="session")
def ansible_hosts(cnil):
    """Inventory names of every host of the scenario."""
    return sorted(connections(cnil.inventory))


@pytest.fixture(scope="session")
def drift_suite(request, cnil, ansible_hosts):
    """The drifts of every drift module this session runs (the deselected ones excluded), made together."""
    modules = {item.module for item in request.session.items if item.module.__name__.startswith("test_drift_")}
    return DriftSuite(cnil, ansible_hosts, modules)


@pytest.fixture
def observed(drift_suite):
    """What the audit round said of each drift, by drift name."""
    return drift_suite.observed


@pytest.fixture
def healed(drift_suite):
    """The audit (-vvv) of the PCs healed by apply after the last round."""
    return drift_suite.healed


@pytest.fixture(scope="session")
def compliant_audit(cnil, ansible_hosts, tmp_path_factory):
    """One audit of the whole baseline on the converged PCs, the way a contractor schedules it (bin/cnil-fleet-audit
    through ansible-runner), between two fingerprints of each PC (what an audit must never change). The audit
    purity, the demo statuses and the fleet runner tests read this one run."""
    data = tmp_path_factory.mktemp("fleet")
    before = {h: host_state(h) for h in ansible_hosts}
    proc = subprocess.run([os.path.join(ROOT, "bin", "cnil-fleet-audit"), "--data", str(data), cnil.inventory],
                          capture_output=True, text=True, cwd=ROOT, timeout=1800)
    after = {h: host_state(h) for h in ansible_hosts}
    reports = sorted(glob.glob(str(data / "reports" / "*" / "*" / "report.json")))
    artifacts = [d for d in glob.glob(str(data / "artifacts" / "*")) if os.path.isdir(d)]
    runner_stdout = os.path.join(artifacts[0], "stdout") if artifacts else ""
    stdout = open(runner_stdout).read() if os.path.isfile(runner_stdout) else ""
    result = Result(proc.returncode, proc.stdout + proc.stderr + stdout[-20000:],
                    json.load(open(reports[-1])) if reports else None)
    return types.SimpleNamespace(before=before, after=after, result=result, data=data, artifacts=artifacts,
                                 html=reports[-1].replace("report.json", "report.html") if reports else None)
