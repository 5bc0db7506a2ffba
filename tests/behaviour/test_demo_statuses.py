"""The demo cabinet reaches exactly the statuses written down in tests/expected_demo.json.

Runs in scenarios whose inventory is the demo's (the default scenario); elsewhere it is not collected
(see conftest: CNIL_EXPECTED_STATUSES)."""
import json
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXPECTED = json.load(open(os.path.join(ROOT, "tests", "expected_demo.json")))

pytestmark = pytest.mark.skipif(os.environ.get("CNIL_EXPECTED_STATUSES") != "demo",
                                reason="this scenario does not use the demo inventory")


@pytest.fixture(scope="module")
def audit(compliant_audit):
    return compliant_audit.result


def test_every_pc_reaches_the_expected_statuses(audit, ansible_hosts):
    assert audit.rc == (0 if EXPECTED["compliant"] else 2), audit.output[-3000:]
    for host in ansible_hosts:
        got = {c: v["status"] for c, v in audit.report["hosts"][host]["controls"].items()}
        assert got == EXPECTED["controls"], host


def test_organisational_statuses(audit):
    got = {c: v["status"] for c, v in audit.report["organisational"].items()}
    assert got == EXPECTED["organisational"]


def test_the_french_report_gives_the_verdict_and_the_waivers(audit, compliant_audit):
    html = open(compliant_audit.html, encoding="utf-8").read()
    verdict = re.search(r'<div class="verdict[^"]*">\s*<strong>([^<]*)</strong>([^<]*)', html)
    assert verdict and verdict.group(1).strip() == EXPECTED["verdict_fr"], verdict and verdict.group(0)
    waivers = audit.report["summary"]["waivers"]
    expected_tail = "" if not waivers else "(1 dérogation)" if waivers == 1 else "(%d dérogations)" % waivers
    assert verdict.group(2).strip() == expected_tail
