"""The roles' Windows task files (roles/<role>/tasks/windows.yml) keep the role contracts, never leak a secret,
are dispatched by each role's tasks/main.yml on Windows hosts only, run in the Windows play of site.yml, and
pass ansible-playbook --syntax-check. Nothing of this has run on a real Windows host: these are static checks."""
import glob
import os
import re
import subprocess
import sys

import pytest
import yaml

from test_role_contracts import OS_FAMILIES, dispatch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLE_FILES = sorted(glob.glob(os.path.join(ROOT, "roles", "*", "tasks", "windows.yml")))
CONTROL = re.compile(r"^CNIL-(?:ORG-)?[A-Z]+-\d{2} \| ")
# win_cnil_secpol_facts is the project's read-only Windows probe (secedit export to a deleted temporary file, registry
# and local accounts read; documented and written to never report a change).
PROBE_MODULES = ("ansible.builtin.command", "ansible.builtin.shell", "ansible.windows.win_powershell",
                 "ansible.builtin.slurp", "ansible.builtin.stat", "win_cnil_secpol_facts")
CATALOG = {c["id"] for c in yaml.safe_load(open(os.path.join(ROOT, "data", "controls.yml"), encoding="utf-8"))["controls"]}
# The roles integrated from the Windows drafts (issue 6). cnil_lock's Windows task came first and predates the
# Windows-only contracts below (its check id gui_idle_lock is shared with Linux and its floor, and it has no
# edition guard): it keeps the general role contracts only.
EXPECTED_ROLES = {"cnil_pwd", "cnil_acc", "cnil_fw", "cnil_av", "cnil_upd", "cnil_enc", "cnil_dev", "cnil_auth"}
ISSUE6_FILES = [p for p in ROLE_FILES if p.split(os.sep)[-3] in EXPECTED_ROLES]
ENC = os.path.join(ROOT, "roles", "cnil_enc", "tasks", "windows.yml")
# cnil_bkp's Windows path came after issue 6's drafts: it keeps the Linux check ids (repository, timer, ...) so that
# one waiver covers both systems, hence no win_ prefix; its own contracts are in tests/unit/test_cnil_bkp_windows.py.
LATER_ROLES = {"cnil_bkp"}
# Linux-only roles: no Windows task file, not in the Windows play (the backup host is a Linux machine).
LINUX_ONLY = {"cnil_bkp_target"}


def tasks(path):
    return yaml.safe_load(open(path, encoding="utf-8")) or []


def module_of(task):
    return next(k for k in task if k.startswith(("ansible.", "community.", "cnil_", "win_cnil_")))


def role_of(path):
    return path.split(os.sep)[-3]


def ids(paths):
    return [role_of(p) for p in paths]


def test_every_role_has_windows_tasks():
    assert {role_of(p) for p in ROLE_FILES} == EXPECTED_ROLES | LATER_ROLES | {"cnil_lock"}
    assert not os.path.exists(os.path.join(ROOT, "docs", "windows-snippets")), "the drafts are integrated: no second copy"


@pytest.mark.parametrize("path", ROLE_FILES, ids=ids(ROLE_FILES))
def test_windows_tasks_keep_the_role_contracts(path):
    area = role_of(path)
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


def test_the_read_only_probe_module_never_reports_a_change():
    """win_cnil_secpol_facts may stand behind changed_when: false (PROBE_MODULES) because it never says changed."""
    text = open(os.path.join(ROOT, "library", "win_cnil_secpol_facts.ps1"), encoding="utf-8").read()
    assert re.findall(r"\$module\.Result\.changed\s*=\s*(\S+)", text) == ["$false"]


@pytest.mark.parametrize("path", ROLE_FILES, ids=ids(ROLE_FILES))
def test_windows_tasks_end_with_evidence_of_their_controls(path):
    evidence = [t for t in tasks(path) if "cnil_evidence" in t]
    assert evidence, "no cnil_evidence task"
    assert "cnil_evidence" in tasks(path)[-1], "the evidence comes last, after every enforce task and probe"
    labels = {c["id"]: c.get("checks") or {} for c in
              yaml.safe_load(open(os.path.join(ROOT, "data", "controls.yml"), encoding="utf-8"))["controls"]}
    for task in evidence:
        control = task["cnil_evidence"]["control"]
        assert control in CATALOG
        for check in task["cnil_evidence"]["checks"]:
            if path in ISSUE6_FILES:
                assert check["id"].startswith("win_"), "Windows check ids start with win_: %s" % check["id"]
            assert {"id", "ok", "expected", "evidence"} <= set(check), check["id"]
            assert check["id"] in labels[control], "%s %s has no label in data/controls.yml" % (control, check["id"])
            assert set(labels[control][check["id"]]) == {"fr", "en"}, check["id"]


@pytest.mark.parametrize("path", ISSUE6_FILES, ids=ids(ISSUE6_FILES))
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
    for task in tasks(ENC):
        module = module_of(task)
        body = yaml.safe_dump({k: v for k, v in task.items() if k not in ("when", "name")})
        if module == "win_cnil_bitlocker" or "new_recovery_passwords" in body or "unvault" in body and module != "ansible.builtin.set_fact":
            assert task.get("no_log") is True, "%s handles recovery passwords without no_log" % task["name"]
    evidence = next(t for t in tasks(ENC) if "cnil_evidence" in t)
    assert "recovery_password" not in yaml.safe_dump(evidence["cnil_evidence"])


def test_protection_is_turned_on_only_after_the_escrow_is_read_back():
    names = [t["name"] for t in tasks(ENC)]
    order = [next(i for i, n in enumerate(names) if words in n) for words in (
        "protection not turned on yet", "write the new recovery passwords", "read the escrow file back", "turn protection on")]
    assert order == sorted(order)
    on = next(t for t in tasks(ENC) if "turn protection on" in t["name"])
    assert on["win_cnil_bitlocker"]["escrow_confirmed"] == "{{ cnil_enc_win_escrow_confirmed }}"


def test_the_winrm_rule_is_enforced_before_inbound_is_blocked():
    names = [module_of(t) for t in tasks(os.path.join(ROOT, "roles", "cnil_fw", "tasks", "windows.yml"))]
    assert names.index("community.windows.win_firewall_rule") < names.index("ansible.windows.win_firewall")


@pytest.mark.parametrize("role", sorted(EXPECTED_ROLES | LATER_ROLES | {"cnil_lock"}))
def test_main_dispatches_windows_hosts_to_windows_yml_and_keeps_the_linux_path(role):
    """Each role's tasks/main.yml, its `when`s and include files templated for each OS family (the file may be chosen
    from the OS family): a Windows host includes windows.yml only, a Debian host its Debian task files only, another
    OS family neither (at most the role's other.yml), each under the area switch; a switched-off area runs nothing
    (variables and 'other systems' evidence included)."""
    main = tasks(os.path.join(ROOT, "roles", role, "tasks", "main.yml"))

    def included(family, enabled=True):
        return [(task, file) for task, file in dispatch(main, role, family, enabled) if file]

    windows = included("Windows")
    assert [file for _, file in windows] == ["windows.yml"]
    assert all(role in task["tags"] for task, _ in windows)
    debian = included("Debian")
    assert debian, "no Linux include left"
    for task, file in debian:
        assert file.startswith("debian"), file
        assert role in task["tags"], file
    for family in OS_FAMILIES:
        if family not in ("Debian", "Windows"):
            assert {file for _, file in included(family)} <= {"other.yml"}, family
        assert not dispatch(main, role, family, enabled=False), "%s: runs on %s with %s_enabled false" % (role, family, role)


def test_windows_play_runs_every_windows_role_in_the_linux_order():
    plays = {p["name"]: p for p in yaml.safe_load(open(os.path.join(ROOT, "playbooks", "site.yml"), encoding="utf-8"))}
    linux = [r["role"] for r in plays["CNIL baseline | Linux PCs"]["roles"]]
    windows = plays["CNIL baseline | Windows PCs"]
    assert windows["hosts"] == "cnil_windows"
    assert [r["role"] for r in windows["roles"]] == [r for r in linux if r not in LINUX_ONLY]
    assert {r["role"] for r in windows["roles"]} == EXPECTED_ROLES | LATER_ROLES | {"cnil_lock"}
    assert all(r["tags"] == [r["role"]] for r in windows["roles"])


def syntax_check(playbook, inventory):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"))
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    return subprocess.run([binary, "-i", inventory, "--syntax-check", playbook], capture_output=True, text=True, env=env, cwd=ROOT)


def test_site_playbook_with_its_windows_play_passes_the_syntax_check():
    """inventory/example has a Windows PC: the Windows play and every role's windows.yml are loaded."""
    proc = syntax_check(os.path.join(ROOT, "playbooks", "site.yml"), os.path.join(ROOT, "inventory", "example"))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_syntax_check_can_fail(tmp_path):
    broken = tmp_path / "playbook.yml"
    broken.write_text("- name: broken\n  hosts: all\n  tasks:\n    - name: CNIL-AV-01 | two modules\n"
                      "      ansible.windows.win_regedit: {path: x}\n      ansible.windows.win_service: {name: y}\n")
    proc = syntax_check(str(broken), "localhost,")
    assert proc.returncode != 0
