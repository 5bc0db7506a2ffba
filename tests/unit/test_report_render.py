"""Written reports: JSON valid against the schema, French HTML (English on request), no secret, index, run summary."""
import copy
import datetime
import html
import json
import os
import re
import sys

import jsonschema
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "plugins"))

from cnil_lib.catalog import load_catalog  # noqa: E402
from cnil_lib.render import render_html, write_run  # noqa: E402
from cnil_lib.report import RunCollector  # noqa: E402

CATALOG = load_catalog()
TODAY = datetime.date(2026, 6, 1)
SECRET = "hunter2-S3CRET"
with open(os.path.join(ROOT, "schemas", "report.schema.json"), encoding="utf-8") as _handle:
    SCHEMA = json.load(_handle)
with open(os.path.join(ROOT, "tests", "fixtures", "cnil_report", "results.json"), encoding="utf-8") as _handle:
    RESULTS = json.load(_handle)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
ATTESTED = {"applies": True, "statement": "Logiciel <b>X</b> & co, certificat HDS", "evidence": "evidence/hds.pdf",
            "attested_by": "Dr N. Dupont", "attested_on": "2026-05-01"}


def evidence_result(control, *checks):
    return {"changed": False, "cnil_control": control, "cnil_cabinet": "cabinet-demo", "_ansible_no_log": False,
            "cnil_checks": [dict({"id": c[0], "status": c[1], "evidence": c[2] if len(c) > 2 else {}, "expected": "<= 1800 s",
                                  "reason": None, "waiver": None}, **(c[3] if len(c) > 3 else {})) for c in checks]}


def sample_run(lang=None, attestations=None):
    """A small but complete run: drift with diff, a no_log change holding a secret, a waiver,
    a failure, an error, a run error, an unreachable PC and attestations."""
    run = RunCollector(CATALOG, check_mode=True)
    attestations = {"hds": ATTESTED, "paper": {"applies": False, "justification": "aucun dossier papier"}} \
        if attestations is None else attestations
    for host in ("pc-accueil", "pc-cabinet", "pc-eteint"):
        run.set_host_vars(host, "cabinet-demo", attestations, lang)
    run.record("pc-accueil", "Gathering Facts", "ok", copy.deepcopy(RESULTS["gather_facts_debian"]))
    run.record("pc-accueil", "CNIL-LOCK-01 | dconf idle delay", "ok", copy.deepcopy(RESULTS["copy_changed_with_diff"]))
    # A no_log result that still carries the secret: nothing of it may reach the report.
    run.record("pc-accueil", "CNIL-LOCK-01 | secret", "ok",
               {"changed": True, "_ansible_no_log": True, "diff": {"before": "", "after": "pw=" + SECRET}, "msg": SECRET})
    run.record("pc-accueil", "CNIL-LOCK-01 | evidence", "ok", evidence_result(
        "CNIL-LOCK-01", ("gui_idle_lock", "PASS", {"idle_delay": 900, "locked": True}),
        ("shell_tmout", "WAIVED", {"tmout": None}, {"waiver": {"control": "CNIL-LOCK-01", "check": "shell_tmout",
                                                              "reason": "poste d'accueil", "expires": "2026-12-31"}})))
    run.record("pc-accueil", "CNIL-FW-01 | evidence", "ok", evidence_result("CNIL-FW-01", ("policy", "FAIL", {"default_in": "<allow>"})))
    run.record("pc-cabinet", "Gathering Facts", "ok", copy.deepcopy(RESULTS["gather_facts_windows"]))
    run.record("pc-cabinet", "CNIL-LOCK-01 | evidence", "ok", evidence_result("CNIL-LOCK-01", ("gui_idle_lock", "PASS")))
    run.record("pc-cabinet", "CNIL-AV-01 | Defender status", "failed", {"msg": "Get-MpComputerStatus: access denied", "changed": False})
    run.record("pc-cabinet", "CNIL-PWD-01 | set password", "failed",
               {"msg": SECRET, "failed": True, "_ansible_no_log": True, "changed": False})
    run.record("pc-cabinet", "Preflight | inputs", "failed", {"msg": "cnil_lock_idle_seconds is above 1800", "changed": False})
    run.record("pc-eteint", "Gathering Facts", "unreachable", copy.deepcopy(RESULTS["unreachable"]))
    return run


def build(run):
    return run.build_reports(TODAY, "2026-06-01T08:30:00Z", "1.2.3")


def visible_text(page):
    """The HTML as a reader sees it (tags dropped, entities decoded)."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", page, flags=re.S)))
    return re.sub(r"[ \t\r\n]+", " ", text)  # keeps no-break spaces


def test_reports_validate_against_the_schema():
    for report in build(sample_run()):
        VALIDATOR.validate(report)
    # The schema is not a rubber stamp.
    bad = build(sample_run())[0]
    bad["hosts"]["pc-accueil"]["controls"]["CNIL-LOCK-01"]["status"] = "OK"
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(bad)
    hidden_with_diff = build(sample_run())[0]
    hidden_with_diff["hosts"]["pc-accueil"]["controls"]["CNIL-LOCK-01"]["changes"][1]["diff"] = "x"
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(hidden_with_diff)


def test_the_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_french_html_summary_hosts_and_rows():
    [report] = build(sample_run())
    page = render_html(report, CATALOG)
    text = visible_text(page)
    assert '<html lang="fr">' in page
    # Summary first: verdict before the first machine.
    assert text.index("Non conforme") < text.index("Poste pc-accueil")
    assert "(1 dérogation)" in text
    assert "3 postes examinés, dont 1 injoignable" in text
    # One row per control of each host, and per organisational control.
    rows = re.findall(r'<tr class="control" data-control="([^"]+)"', page)
    expected_rows = sum(len(h["controls"]) for h in report["hosts"].values()) + len(report["organisational"])
    assert len(rows) == expected_rows
    for label in ("Verrouillage automatique de la session", "Pare-feu du poste", "Écart de configuration",
                  "Dérogation", "Non conforme", "Erreur", "Injoignable", "Attesté", "Attestation manquante",
                  "Non applicable", "Verrouillage automatique de la session graphique (GNOME) après inactivité",
                  "Déconnexion automatique des sessions shell inactives (TMOUT)", "Debian 12.11",
                  "Microsoft Windows 11 Pro", "CNIL-LOCK-01 | dconf idle delay", "idle_delay = 900", "locked = oui",
                  "poste d'accueil (jusqu'au 31/12/2026)", "Mesures organisationnelles", "Erreurs d'exécution",
                  "Preflight | inputs", "Get-MpComputerStatus: access denied", "Établi le 01/06/2026 à 08:30 UTC",
                  "Audit sans aucune modification des postes", "CNIL-PWD-01 | set password\u00a0: détail masqué"):
        assert label in text, label
    assert "+idle-delay=uint32 900" in text


def test_que_faire_lists_remediation_for_each_non_compliant_item():
    [report] = build(sample_run())
    text = visible_text(render_html(report, CATALOG))
    todo = text[text.index("Que faire\u00a0?"):]
    for control_id in ("CNIL-LOCK-01", "CNIL-FW-01", "CNIL-AV-01", "CNIL-PWD-01", "CNIL-ORG-BKPSITE-01"):
        remediation = CATALOG.text(control_id, "remediation", "fr")
        assert remediation in todo, control_id
    # Compliant items have no entry.
    assert CATALOG.text("CNIL-ORG-HDS-01", "remediation", "fr") not in todo
    assert CATALOG.text("CNIL-ORG-PAPER-01", "remediation", "fr") not in todo
    assert "Le poste pc-eteint n'a pas pu être joint" in todo
    assert "Aucune attestation dans l'inventaire (cnil_attestations.bkpsite)." in todo


def test_an_unsupported_pc_is_shown_in_french_with_what_to_do():
    run = RunCollector(CATALOG, check_mode=True)
    run.set_host_vars("pc-ancien", "cabinet-demo", {}, None)
    run.record("pc-ancien", "Gathering Facts", "ok", copy.deepcopy(RESULTS["gather_facts_debian"]))
    reason = "unsupported release: Debian 12.11 (supported: Debian 13); nothing was checked or changed on this host"
    run.record("pc-ancien", "Support | this system is one the roles have code paths for", "ok",
               {"changed": False, "supported": False, "cnil_unsupported": reason})
    [report] = build(run)
    VALIDATOR.validate(report)
    text = visible_text(render_html(report, CATALOG))
    assert "Système non pris en charge" in text
    todo = text[text.index("Que faire\u00a0?"):]
    assert "Le système du poste pc-ancien (Debian 12.11) n'est pas pris en charge par l'outil : rien n'y a été " \
           "vérifié ni modifié." in todo


def test_compliant_cabinet_says_conforme_and_nothing_to_do():
    run = RunCollector(CATALOG, check_mode=True)
    everything = {cid.split("-")[2].lower(): ATTESTED for cid in CATALOG.ids("organisational")}
    run.set_host_vars("pc1", "cabinet-demo", everything, None)
    run.record("pc1", "CNIL-LOCK-01 | evidence", "ok", evidence_result("CNIL-LOCK-01", ("gui_idle_lock", "PASS")))
    [report] = build(run)
    VALIDATOR.validate(report)
    text = visible_text(render_html(report, CATALOG))
    assert "Conforme" in text and "Non conforme" not in text
    assert "dérogation" not in text
    assert "Rien à faire\u00a0: toutes les mesures sont conformes." in text


def test_english_on_request():
    [report] = build(sample_run(lang="en"))
    page = render_html(report, CATALOG)
    text = visible_text(page)
    assert '<html lang="en">' in page
    assert "Not compliant" in text and "(1 waiver)" in text
    assert "Automatic session lock" in text and "Configuration drift" in text
    assert "What to do?" in text
    assert "Non conforme" not in text and "Que faire" not in text


def test_everything_is_escaped():
    run = sample_run()
    [report] = build(run)
    page = render_html(report, CATALOG)
    assert "<b>X</b>" not in page and "Logiciel &lt;b&gt;X&lt;/b&gt; &amp; co" in page
    assert "<allow>" not in page and "&lt;allow&gt;" in page


def test_no_secret_in_written_reports(tmp_path):
    summary = write_run(build(sample_run()), str(tmp_path / "reports"), "20260601T083000Z", CATALOG,
                        summary_path=str(tmp_path / "summary.json"))
    [entry] = summary["reports"]
    for path in (entry["json"], entry["html"], str(tmp_path / "summary.json")):
        with open(path, encoding="utf-8") as handle:
            assert SECRET not in handle.read(), path
    with open(entry["json"], encoding="utf-8") as handle:
        data = json.load(handle)
    change = data["hosts"]["pc-accueil"]["controls"]["CNIL-LOCK-01"]["changes"][1]
    assert change == {"task": "CNIL-LOCK-01 | secret", "diff": None, "hidden": True, "applied": False}


def test_write_run_layout_summary_and_index(tmp_path):
    report_dir = tmp_path / "reports"
    run = sample_run()
    run.set_host_vars("other-pc", "Cabinet Martin/Paris", {}, None)
    run.record("other-pc", "CNIL-LOCK-01 | evidence", "ok", evidence_result("CNIL-LOCK-01", ("gui_idle_lock", "PASS")))
    summary = write_run(build(run), str(report_dir), "20260601T083000Z", CATALOG, run_errors=run.run_errors,
                        check_mode=True, summary_path=str(tmp_path / "out" / "summary.json"))
    with open(tmp_path / "out" / "summary.json", encoding="utf-8") as handle:
        assert json.load(handle) == summary
    assert [r["cabinet"] for r in summary["reports"]] == ["Cabinet Martin/Paris", "cabinet-demo"]
    # The cabinet name cannot escape the report folder.
    assert summary["reports"][0]["json"] == str(report_dir / "Cabinet_Martin_Paris" / "20260601T083000Z" / "report.json")
    assert summary["reports"][1]["html"] == str(report_dir / "cabinet-demo" / "20260601T083000Z" / "report.html")
    assert summary["compliant"] is False and summary["check_mode"] is True
    assert summary["run_errors"] == [{"host": "pc-cabinet", "task": "Preflight | inputs", "msg": "cnil_lock_idle_seconds is above 1800"}]
    assert set(summary["reports"][1]["summary"]) == {"PASS", "FAIL", "DRIFT", "WAIVED", "NOT_APPLICABLE", "ERROR", "UNREACHABLE", "UNSUPPORTED",
                                                     "ATTESTED", "ATTESTATION_MISSING", "ATTESTATION_EXPIRED",
                                                     "hosts", "hosts_unreachable", "waivers", "compliant"}
    # pc-eteint: the four technical controls seen in this run (PWD-01, LOCK-01, FW-01, AV-01).
    assert summary["reports"][1]["summary"]["UNREACHABLE"] == 4
    for entry in summary["reports"]:
        with open(entry["json"], encoding="utf-8") as handle:
            VALIDATOR.validate(json.load(handle))
    index = (report_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="Cabinet_Martin_Paris/20260601T083000Z/report.html"' in index
    assert 'href="cabinet-demo/20260601T083000Z/report.html"' in index
    assert "Cabinet Martin/Paris" in index

    # A second run in the same second keeps the first report.
    again = write_run(build(sample_run()), str(report_dir), "20260601T083000Z", CATALOG)
    assert again["reports"][0]["json"] == str(report_dir / "cabinet-demo" / "20260601T083000Z-2" / "report.json")


def test_no_index_for_a_single_cabinet(tmp_path):
    write_run(build(sample_run()), str(tmp_path), "20260601T083000Z", CATALOG)
    assert not (tmp_path / "index.html").exists()


def test_a_run_without_report_is_not_compliant(tmp_path):
    summary = write_run([], str(tmp_path), "20260601T083000Z", CATALOG, summary_path=str(tmp_path / "s.json"))
    assert summary == {"reports": [], "run_errors": [], "check_mode": False, "compliant": False}


def test_print_css_and_self_contained():
    page = render_html(build(sample_run())[0], CATALOG)
    assert "@media print" in page
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
