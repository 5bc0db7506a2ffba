"""The French report as a practitioner's browser shows it: rendered by headless Chromium (Debian's
package, installed by make setup), the DOM after layout holds the summary and a row per control,
and a screenshot is kept in test-artifacts/ for a person to look at."""
import os
import re
import shutil
import subprocess

import pytest

from test_report_render import CATALOG, build, render_html, sample_run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTIFACTS = os.path.join(ROOT, "test-artifacts")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Flags for a closed network: without them Chromium keeps trying to reach Google's hosts.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def chromium(tmp_path, *args):
    if not CHROMIUM:
        pytest.fail("chromium is missing: `make setup` installs Debian's chromium package")
    proc = subprocess.run([CHROMIUM, *FLAGS, "--user-data-dir=%s" % (tmp_path / "profile"), *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    [report] = build(sample_run())
    path = tmp / "report.html"
    path.write_text(render_html(report, CATALOG), encoding="utf-8")
    return tmp, path, report


def test_chromium_renders_summary_and_every_control_row(page):
    tmp, path, report = page
    dom = chromium(tmp, "--dump-dom", path.as_uri())
    summary = re.search(r'<section id="summary">(.*?)</section>', dom, re.S)
    assert summary and "Non conforme" in summary.group(1)
    rows = re.findall(r'<tr class="control" data-control="([^"]+)"', dom)
    expected = [c for h in report["hosts"].values() for c in h["controls"]] + list(report["organisational"])
    assert sorted(rows) == sorted(expected)


def test_screenshot_is_kept_for_a_person_to_look_at(page):
    tmp, path, _ = page
    os.makedirs(ARTIFACTS, exist_ok=True)
    shot = os.path.join(ARTIFACTS, "report-fr.png")
    if os.path.exists(shot):
        os.unlink(shot)
    chromium(tmp, "--window-size=1100,2400", "--screenshot=%s" % shot, path.as_uri())
    with open(shot, "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.path.getsize(shot) > 20000, "a blank page is a few kB"


def test_prints_to_pdf(page):
    tmp, path, _ = page
    pdf = os.path.join(ARTIFACTS, "report-fr.pdf")
    os.makedirs(ARTIFACTS, exist_ok=True)
    chromium(tmp, "--print-to-pdf=%s" % pdf, "--no-pdf-header-footer", path.as_uri())
    with open(pdf, "rb") as handle:
        assert handle.read(5) == b"%PDF-"
