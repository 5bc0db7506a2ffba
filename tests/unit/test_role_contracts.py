"""Contracts every role keeps: generated README up to date, task names carry their control ID, check mode rules."""
import glob
import os
import re
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONTROL = re.compile(r"^CNIL-(?:ORG-)?[A-Z]+-\d{2} \| ")
TASK_FILES = sorted(glob.glob(os.path.join(ROOT, "roles", "*", "tasks", "*.yml")))


def tasks_of(path):
    """Every task of a task file, blocks flattened."""
    out = []

    def walk(items):
        for task in items or []:
            out.append(task)
            for key in ("block", "rescue", "always"):
                walk(task.get(key))
    walk(yaml.safe_load(open(path)))
    return out


def test_role_readmes_are_generated_from_argument_specs():
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen_role_docs.py"), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


@pytest.mark.parametrize("path", TASK_FILES, ids=[os.path.relpath(p, ROOT) for p in TASK_FILES])
def test_every_task_name_starts_with_its_control_id(path):
    unnamed = [t for t in tasks_of(path) if not CONTROL.match(t.get("name", ""))]
    assert not unnamed, "tasks without 'CNIL-XXX-NN | ' name: %s" % [t.get("name") for t in unnamed]


@pytest.mark.parametrize("path", TASK_FILES, ids=[os.path.relpath(p, ROOT) for p in TASK_FILES])
def test_probes_are_read_only_and_state_changes_are_not_hidden(path):
    for task in tasks_of(path):
        if task.get("changed_when") is False or task.get("changed_when") == "false":
            assert task.get("check_mode") is False, "%s: changed_when false without check_mode false" % task["name"]
            module = next(k for k in task if k.startswith(("ansible.builtin.", "ansible.windows.", "community.", "cnil_", "win_cnil_")))
            # win_cnil_secpol_facts: the project's read-only Windows probe (it never reports a change).
            assert module in ("ansible.builtin.command", "ansible.builtin.shell", "ansible.windows.win_powershell",
                              "ansible.builtin.slurp", "ansible.builtin.stat", "win_cnil_secpol_facts"), \
                "%s: %s hidden behind changed_when" % (task["name"], module)
            argv = " ".join(map(str, (task[module] or {}).get("argv", []))) if isinstance(task[module], dict) else str(task[module])
            assert not re.search(r"\b(apt-get install|dconf update|systemctl (start|enable|restart)|rm |useradd|chage -)", argv), task["name"]
        # Roles never branch on check mode to skip work.
        assert "ansible_check_mode" not in str(task.get("when", "")), "%s: branches on ansible_check_mode" % task["name"]


def test_no_apt_cache_refresh_unless_a_package_is_missing():
    for path in TASK_FILES:
        for task in tasks_of(path):
            apt = task.get("ansible.builtin.apt")
            if isinstance(apt, dict) and apt.get("update_cache"):
                assert "difference" in str(task.get("when", "")), "%s: refreshes the apt cache on every run (audit too)" % task["name"]


def test_every_control_id_in_tasks_and_floors_is_in_the_catalog():
    catalog = {c["id"] for c in yaml.safe_load(open(os.path.join(ROOT, "data", "controls.yml")))["controls"]}
    used = {t["name"].split(" | ")[0] for p in TASK_FILES for t in tasks_of(p)}
    used |= {f["control"] for f in yaml.safe_load(open(os.path.join(ROOT, "data", "floors.yml")))["floors"]}
    assert used <= catalog, used - catalog


MAINS = sorted(glob.glob(os.path.join(ROOT, "roles", "*", "tasks", "main.yml")))
# The OS families a role's main.yml is evaluated for: the two it manages and three it does not.
OS_FAMILIES = ("Debian", "Windows", "RedHat", "Suse", "Archlinux")


def dispatch(main, role, os_family, enabled=True):
    """The tasks of a role's tasks/main.yml (parsed) that run on a host of this OS family, each with the task file it
    includes (None for a task that is not an include): `when` and the include's `file:` templated by Ansible, as a
    run does. The file may be an expression (one include whose file is chosen from the OS family)."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    templar = Templar(loader=DataLoader(), variables={"ansible_facts": {"os_family": os_family}, role + "_enabled": enabled})

    def holds(condition):  # `when: true` is a YAML bool, not a template
        return condition if isinstance(condition, bool) else templar.evaluate_conditional(trust_as_template(condition))

    run = []
    for task in main:
        when = task.get("when", [])
        if all(holds(c) for c in (when if isinstance(when, list) else [when])):
            spec = task.get("ansible.builtin.include_tasks")
            run.append((task, templar.template(trust_as_template(spec["file"])) if spec else None))
    return run


@pytest.mark.parametrize("path", MAINS, ids=lambda p: p.split(os.sep)[-3])
def test_os_task_files_are_included_with_the_tags_an_import_would_give(path):
    """The OS dispatch includes its task file (an import would put every Windows task into a Linux run, each one
    evaluated and skipped: 83 per PC, ~8 s per audit). An include must select the same tasks as the import did:
    `apply: tags` gives every included task the tags the import gave it, and the include itself carries every tag
    used inside the file, else `--tags CNIL-PWD-02` would skip the include and never reach the PWD-02 tasks.
    An include whose file is chosen from the OS family is checked against every file it can select."""
    role_dir = os.path.dirname(path)
    main = yaml.safe_load(open(path, encoding="utf-8"))
    assert not [t for t in main if "ansible.builtin.import_tasks" in t], "OS task files are included, not imported"
    includes = [t for t in main if "ansible.builtin.include_tasks" in t]
    assert includes
    selectable = {id(task): set() for task in includes}
    for family in OS_FAMILIES:
        for task, file in dispatch(main, role_dir.split(os.sep)[-2], family):
            if file:
                selectable[id(task)].add(file)
    # Every OS task file of the role is reached by an include (a file no include selects would be left unchecked).
    os_files = {f for f in os.listdir(role_dir) if f.startswith(("debian", "windows")) or f == "other.yml"}
    assert os_files <= set().union(*selectable.values()), sorted(os_files - set().union(*selectable.values()))
    for task in includes:
        spec = task["ansible.builtin.include_tasks"]
        applied = spec["apply"]["tags"]
        assert set(applied) <= set(task["tags"]), task["name"]
        assert selectable[id(task)], "%s: includes nothing on %s" % (task["name"], ", ".join(OS_FAMILIES))
        for file in sorted(selectable[id(task)]):
            inner = {tag for t in tasks_of(os.path.join(role_dir, file)) for tag in t.get("tags") or []}
            assert inner <= set(task["tags"]), "%s: tags used in %s but not on its include: %s" % (
                task["name"], file, sorted(inner - set(task["tags"])))
