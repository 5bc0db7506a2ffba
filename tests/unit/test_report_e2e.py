"""End to end: a real ansible-playbook --check run on localhost writes the reports through the callback."""
import json
import os
import sys
import textwrap

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures", "cnil_report"))

from ansible_run import ansible_env, run  # noqa: E402

SECRET = "hunter2-S3CRET"


def write(path, text):
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_check_run_writes_schema_valid_reports_with_drift(tmp_path):
    target = tmp_path / "lock.conf"
    target.write_text("idle-delay=3600\n", encoding="utf-8")
    write(tmp_path / "hosts.yml", f"""\
        all:
          hosts:
            localhost:
              ansible_connection: local
              ansible_python_interpreter: {sys.executable}
              cnil_cabinet: cabinet-e2e
              cnil_attestations:
                hds:
                  statement: "Logiciel métier hébergé par {{{{ cnil_cabinet }}}}"
                  evidence: evidence/hds.pdf
                  attested_by: Dr Dupont
                  attested_on: 2026-01-15
                paper:
                  statement: "{{{{ no_such_variable }}}}"
              cnil_waivers:
                - control: CNIL-LOCK-01
                  check: shell_tmout
                  reason: poste partagé, décision du 2026-01-10
                  expires: 2026-12-31
        """)
    write(tmp_path / "site.yml", f"""\
        - hosts: all
          gather_facts: true
          gather_subset: ["!all", "!min", distribution]
          tasks:
            - name: CNIL-LOCK-01 | idle delay
              ansible.builtin.copy:
                dest: {target}
                content: "idle-delay=900\\n"
            - name: CNIL-LOCK-01 | secret file
              ansible.builtin.copy:
                dest: {tmp_path / "secret.conf"}
                content: "password={SECRET}\\n"
              no_log: true
            - name: CNIL-LOCK-01 | evidence
              cnil_evidence:
                control: CNIL-LOCK-01
                checks:
                  - id: gui_idle_lock
                    ok: "{{{{ 900 <= 1800 }}}}"
                    expected: "0 < idle-delay <= 1800 s"
                    evidence: {{idle_delay: 900}}
                  - id: shell_tmout
                    ok: false
                    reason: TMOUT not set
            - name: CNIL-FW-01 | skipped everywhere
              ansible.builtin.debug: {{msg: never}}
              when: false
        """)
    report_dir, summary_path = tmp_path / "reports", tmp_path / "run" / "summary.json"
    env = ansible_env(str(tmp_path), ANSIBLE_CALLBACKS_ENABLED="cnil_report", CNIL_REPORT_DIR=str(report_dir),
                      CNIL_RUN_SUMMARY=str(summary_path), CNIL_TODAY="2026-06-01")
    proc = run(str(tmp_path), ["ansible-playbook", "-i", "hosts.yml", "site.yml", "--check", "--diff"], env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[WARNING]" not in proc.stderr, proc.stderr

    # Check mode changed nothing.
    assert target.read_text(encoding="utf-8") == "idle-delay=3600\n"
    assert not (tmp_path / "secret.conf").exists()

    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    [entry] = summary["reports"]
    assert summary["check_mode"] is True
    # A broken inventory template is a run error; the other attestations still count.
    assert [(e["host"], e["task"]) for e in summary["run_errors"]] == [("localhost", "cnil_report: inventory")]
    assert "cnil_attestations.paper" in summary["run_errors"][0]["msg"]
    assert summary["compliant"] is False and entry["compliant"] is False
    assert entry["cabinet"] == "cabinet-e2e"
    assert os.path.dirname(os.path.dirname(entry["json"])) == str(report_dir / "cabinet-e2e")
    assert os.path.basename(os.path.dirname(entry["json"])).endswith("Z")

    with open(entry["json"], encoding="utf-8") as handle:
        report = json.load(handle)
    with open(os.path.join(ROOT, "schemas", "report.schema.json"), encoding="utf-8") as handle:
        jsonschema.Draft202012Validator(json.load(handle)).validate(report)
    assert report["check_mode"] is True
    host = report["hosts"]["localhost"]
    assert host["reachable"] is True and host["os"]["name"]
    assert list(host["controls"]) == ["CNIL-LOCK-01"]  # FW-01 was only skipped
    lock = host["controls"]["CNIL-LOCK-01"]
    assert lock["status"] == "DRIFT"
    assert [(c["id"], c["status"]) for c in lock["checks"]] == [("gui_idle_lock", "PASS"), ("shell_tmout", "WAIVED")]
    assert lock["evidence"] == {"idle_delay": 900}
    assert [c["task"] for c in lock["changes"]] == ["CNIL-LOCK-01 | idle delay", "CNIL-LOCK-01 | secret file"]
    assert "-idle-delay=3600" in lock["changes"][0]["diff"] and "+idle-delay=900" in lock["changes"][0]["diff"]
    assert lock["changes"][1]["hidden"] is True and lock["changes"][1]["diff"] is None
    hds = report["organisational"]["CNIL-ORG-HDS-01"]
    assert hds["status"] == "ATTESTED"
    assert hds["statement"] == "Logiciel métier hébergé par cabinet-e2e"  # inventory templates are rendered
    assert report["organisational"]["CNIL-ORG-PAPER-01"]["status"] == "ATTESTATION_MISSING"
    assert report["summary"]["waivers"] == 1

    with open(entry["html"], encoding="utf-8") as handle:
        page = handle.read()
    assert "Écart de configuration" in page and "Non conforme" in page
    for path in (entry["json"], entry["html"], str(summary_path)):
        with open(path, encoding="utf-8") as handle:
            assert SECRET not in handle.read()
    # The default callback's output still shows the run as usual (the report callback prints nothing).
    assert "PLAY RECAP" in proc.stdout
    assert "cnil" not in proc.stdout.split("PLAY RECAP")[1].lower()


def test_callback_is_inert_without_cnil_report_dir(tmp_path):
    write(tmp_path / "site.yml", """\
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: CNIL-LOCK-01 | nothing
              ansible.builtin.debug: {msg: hi}
        """)
    env = ansible_env(str(tmp_path), ANSIBLE_CALLBACKS_ENABLED="cnil_report")
    proc = run(str(tmp_path), ["ansible-playbook", "-i", "localhost,", "-c", "local", "site.yml",
                               "-e", "ansible_python_interpreter=" + sys.executable], env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # No report, no summary: only what the test wrote (and Ansible's own state folder).
    assert set(os.listdir(tmp_path)) - {".ansible"} == {"ansible.cfg", "site.yml"}
