"""The Windows task snippets (docs/windows-snippets/) keep the role contracts, never leak a secret, and pass
ansible-playbook --syntax-check, so role owners can paste them into roles/<role>/tasks/windows.yml."""
import glob
import os
import re
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SNIPPETS = os.path.join(ROOT, "docs", "windows-snippets")
ROLE_FILES = sorted(glob.glob(os.path.join(SNIPPETS, "cnil_*.yml")))
CONTROL = re.compile(r"^CNIL-(?:ORG-)?[A-Z]+-\d{2} \| ")
PROBE_MODULES = ("ansible.builtin.command", "ansible.builtin.shell", "ansible.windows.win_powershell",
                 "ansible.builtin.slurp", "ansible.builtin.stat")
CATALOG = {c["id"] for c in yaml.safe_load(open(os.path.join(ROOT, "data", "controls.yml"), encoding="utf-8"))["controls"]}
EXPECTED_ROLES = {"cnil_pwd", "cnil_acc", "cnil_fw", "cnil_av", "cnil_upd", "cnil_enc", "cnil_dev", "cnil_auth"}


def tasks(path):
    return yaml.safe_load(open(path, encoding="utf-8")) or []


def module_of(task):
    return next(k for k in task if k.startswith(("ansible.", "community.", "cnil_", "win_cnil_")))


def ids(paths):
    return [os.path.basename(p) for p in paths]


def test_every_role_has_a_snippet():
    assert {os.path.splitext(os.path.basename(p))[0] for p in ROLE_FILES} == EXPECTED_ROLES


@pytest.mark.parametrize("path", ROLE_FILES, ids=ids(ROLE_FILES))
def test_snippet_keeps_the_role_contracts(path):
    area = os.path.splitext(os.path.basename(path))[0]
    for task in tasks(path):
        name = task.get("name", "")
        assert CONTROL.match(name), "task without 'CNIL-XXX-NN | ' name: %r" % name
        assert name.split(" | ")[0] in CATALOG, name
        assert "ansible_check_mode" not in str(task.get("when", "")), "%s branches on check mode" % name
        if task.get("changed_when") is False:
            assert task.get("check_mode") is False, "%s: changed_when false without check_mode false" % name
            assert module_of(task) in PROBE_MODULES, "%s: %s hidden behind changed_when" % (name, module_of(task))
        if "register" in task:
            assert task["register"].startswith(area + "_"), "%s registers %s" % (name, task["register"])
        for fact in (task.get("ansible.builtin.set_fact") or {}):
            assert fact.startswith(area + "_"), "%s sets %s" % (name, fact)
        for var in (task.get("vars") or {}):
            assert var.startswith(area + "_"), "%s defines %s" % (name, var)


@pytest.mark.parametrize("path", ROLE_FILES, ids=ids(ROLE_FILES))
def test_snippet_ends_with_evidence_of_its_controls(path):
    evidence = [t for t in tasks(path) if "cnil_evidence" in t]
    assert evidence, "no cnil_evidence task"
    for task in evidence:
        assert task["cnil_evidence"]["control"] in CATALOG
        for check in task["cnil_evidence"]["checks"]:
            assert check["id"].startswith("win_"), "Windows check ids start with win_: %s" % check["id"]
            assert {"id", "ok", "expected", "evidence"} <= set(check), check["id"]


@pytest.mark.parametrize("path", ROLE_FILES, ids=ids(ROLE_FILES))
def test_enforcement_is_skipped_on_unsupported_editions(path):
    for task in tasks(path):
        module = module_of(task)
        enforcing = module in ("ansible.windows.win_regedit", "community.windows.win_security_policy",
                               "ansible.windows.win_firewall", "community.windows.win_firewall_rule",
                               "ansible.windows.win_service", "ansible.windows.win_group_membership",
                               "ansible.windows.win_user")
        if enforcing:
            assert "cnil_win_edition" in str(task.get("when")), "%s enforces on Home too" % task["name"]


def test_recovery_passwords_only_in_no_log_tasks():
    for task in tasks(os.path.join(SNIPPETS, "cnil_enc.yml")):
        module = module_of(task)
        body = yaml.safe_dump({k: v for k, v in task.items() if k not in ("when", "name")})
        if module == "win_cnil_bitlocker" or "new_recovery_passwords" in body or "unvault" in body and module != "ansible.builtin.set_fact":
            assert task.get("no_log") is True, "%s handles recovery passwords without no_log" % task["name"]
    evidence = next(t for t in tasks(os.path.join(SNIPPETS, "cnil_enc.yml")) if "cnil_evidence" in t)
    assert "recovery_password" not in yaml.safe_dump(evidence["cnil_evidence"])


def test_protection_is_turned_on_only_after_the_escrow_is_read_back():
    names = [t["name"] for t in tasks(os.path.join(SNIPPETS, "cnil_enc.yml"))]
    order = [next(i for i, n in enumerate(names) if words in n) for words in (
        "protection not turned on yet", "write the new recovery passwords", "read the escrow file back", "turn protection on")]
    assert order == sorted(order)
    on = next(t for t in tasks(os.path.join(SNIPPETS, "cnil_enc.yml")) if "turn protection on" in t["name"])
    assert on["win_cnil_bitlocker"]["escrow_confirmed"] == "{{ cnil_enc_win_escrow_confirmed }}"


def test_snippets_pass_the_syntax_check():
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"))
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    proc = subprocess.run([playbook, "-i", "localhost,", "--syntax-check", os.path.join(SNIPPETS, "playbook.yml")],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_syntax_check_can_fail(tmp_path):
    broken = tmp_path / "playbook.yml"
    broken.write_text("- name: broken\n  hosts: all\n  tasks:\n    - name: CNIL-AV-01 | two modules\n"
                      "      ansible.windows.win_regedit: {path: x}\n      ansible.windows.win_service: {name: y}\n")
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"))
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    proc = subprocess.run([playbook, "-i", "localhost,", "--syntax-check", str(broken)], capture_output=True, text=True, env=env, cwd=ROOT)
    assert proc.returncode != 0
