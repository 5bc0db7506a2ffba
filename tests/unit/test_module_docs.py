"""Every module's and plugin's DOCUMENTATION, EXAMPLES and RETURN is YAML of the shape ansible-doc expects, the
options it documents are the module's argument_spec, and ansible-doc renders it.

A plain YAML scalar holding ': ' (or ' #') either breaks the whole string, so that ansible-doc shows nothing, or,
on a single line, silently turns a description item into a mapping, on which ansible-doc fails: write such text
as a folded block ('- >-' then the text on the next lines).

The options of the PowerShell modules (their $spec against the .py stub) are compared in test_powershell_parse.
"""
import ast
import glob
import importlib
import os
import re
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The modules import ansible.module_utils.cnil_*: tests/conftest.py aliases the project's module_utils.

DOC_KEYS = ("DOCUMENTATION", "EXAMPLES", "RETURN")
LIBRARY = sorted(glob.glob(os.path.join(ROOT, "library", "*.py")))
PLUGINS = sorted(p for kind in ("action", "callback", "filter") for p in glob.glob(os.path.join(ROOT, "plugins", kind, "*.py")))
FILES = LIBRARY + PLUGINS
PYTHON_MODULES = [p for p in LIBRARY if not os.path.exists(p[:-3] + ".ps1")]
ANSIBLE_DOC = os.path.join(os.path.dirname(sys.executable), "ansible-doc")


def rel(path):
    return os.path.relpath(path, ROOT)


def name_of(path):
    return os.path.splitext(os.path.basename(path))[0]


def kind_of(path):
    """'module' for library/, else the plugin type (action, callback, filter)."""
    parent = os.path.basename(os.path.dirname(path))
    return "module" if parent == "library" else parent


def doc_strings(path):
    """The DOCUMENTATION / EXAMPLES / RETURN strings a file assigns at top level, without importing it."""
    found = {}
    for node in ast.parse(open(path, encoding="utf-8").read()).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id in DOC_KEYS):
            assert isinstance(node.value, ast.Constant) and isinstance(node.value.value, str), \
                "%s: %s is not a string literal" % (rel(path), node.targets[0].id)
            found[node.targets[0].id] = node.value.value
    return found


def load(path, key):
    text = doc_strings(path)[key]
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        pytest.fail("%s: %s is not valid YAML (quote it, or use a '>-' block):\n%s" % (rel(path), key, exc))


def is_text(value):
    """A description: a string, or a list of strings (a one-line item with ': ' loads as a mapping)."""
    return isinstance(value, str) and value.strip() != "" or (
        isinstance(value, list) and bool(value) and all(isinstance(item, str) for item in value))


def field_problems(entries, where, nested, required=("description",)):
    """Problems of an options (nested: suboptions) or RETURN (nested: contains) mapping, recursively; the keys in
    required are required at this level, a description at every level below."""
    if entries is None:
        return []
    if not isinstance(entries, dict):
        return ["%s: a mapping is expected, not %r" % (where, entries)]
    problems = []
    for name, entry in entries.items():
        here = "%s.%s" % (where, name)
        if not isinstance(entry, dict):
            problems.append("%s: a mapping is expected, not %r" % (here, entry))
            continue
        problems += ["%s: no %s" % (here, key) for key in required if key not in entry]
        if "description" in entry and not is_text(entry["description"]):
            problems.append("%s.description: text or a list of texts expected, got %r" % (here, entry["description"]))
        problems += ["%s.%s: a string is expected, not %r" % (here, key, entry[key])
                     for key in ("type", "elements", "returned") if key in entry and not isinstance(entry[key], str)]
        problems += field_problems(entry.get(nested), here, nested)
    return problems


def filter_names(path):
    """The filters a filter plugin file provides."""
    return set(importlib.import_module(name_of(path)).FilterModule().filters())


# ---- the strings parse, with the expected shape ------------------------------------------------------------

def test_there_are_modules_and_plugins_to_check():
    names = {rel(p) for p in FILES}
    assert {"library/cnil_fw_ufw.py", "library/win_cnil_defender.py", "plugins/action/cnil_evidence.py",
            "plugins/callback/cnil_report.py", "plugins/filter/cnil_upd.py"} <= names
    assert "library/cnil_pam.py" in {rel(p) for p in PYTHON_MODULES}
    assert "library/win_cnil_defender.py" not in {rel(p) for p in PYTHON_MODULES}


@pytest.mark.parametrize("path", FILES, ids=[rel(p) for p in FILES])
def test_documentation_is_a_mapping_with_name_and_short_description(path):
    docs = doc_strings(path)
    assert "DOCUMENTATION" in docs, "%s: no DOCUMENTATION" % rel(path)
    if kind_of(path) == "module":
        assert "EXAMPLES" in docs and "RETURN" in docs, "%s: a module documents EXAMPLES and RETURN too" % rel(path)
    doc = load(path, "DOCUMENTATION")
    assert isinstance(doc, dict) and doc, "%s: DOCUMENTATION must be a non-empty mapping" % rel(path)
    if kind_of(path) == "module":
        assert doc.get("module") == name_of(path), "%s: module is %r" % (rel(path), doc.get("module"))
    elif kind_of(path) == "filter":
        # one DOCUMENTATION per file, named after one of its filters
        assert doc.get("name") in filter_names(path), "%s: name %r is none of its filters" % (rel(path), doc.get("name"))
    else:
        assert doc.get("name") == name_of(path), "%s: name is %r" % (rel(path), doc.get("name"))
    problems = []
    if not (isinstance(doc.get("short_description"), str) and doc["short_description"].strip()):
        problems.append("short_description: a non-empty string is expected, not %r" % doc.get("short_description"))
    if not is_text(doc.get("description")):
        problems.append("description: text or a list of texts expected, got %r" % doc.get("description"))
    for key in ("notes", "requirements"):
        if key in doc and not is_text(doc[key]):
            problems.append("%s: text or a list of texts expected, got %r" % (key, doc[key]))
    problems += field_problems(doc.get("options"), "options", "suboptions")
    assert not problems, "%s DOCUMENTATION:\n%s" % (rel(path), "\n".join(problems))


WITH_EXAMPLES = [p for p in FILES if "EXAMPLES" in doc_strings(p)]


@pytest.mark.parametrize("path", WITH_EXAMPLES, ids=[rel(p) for p in WITH_EXAMPLES])
def test_examples_are_named_tasks_calling_the_module_with_documented_options(path):
    examples = load(path, "EXAMPLES")
    assert isinstance(examples, list) and examples, "%s: EXAMPLES must load as a list of tasks" % rel(path)
    assert all(isinstance(task, dict) and task.get("name") for task in examples), \
        "%s: every example is a task with a name: %r" % (rel(path), examples)
    name = name_of(path)
    calls = [task[name] for task in examples if name in task]
    assert calls, "%s: no example calls %s" % (rel(path), name)
    documented = set(load(path, "DOCUMENTATION").get("options") or {})
    for args in calls:
        args = {} if args is None else args  # a module without options is called with nothing
        assert isinstance(args, dict), "%s: %s is called with %r, not options" % (rel(path), name, args)
        assert set(args) <= documented, "%s: example uses undocumented options %s" % (rel(path), sorted(set(args) - documented))


WITH_RETURN = [p for p in FILES if "RETURN" in doc_strings(p)]


@pytest.mark.parametrize("path", WITH_RETURN, ids=[rel(p) for p in WITH_RETURN])
def test_return_documents_each_value(path):
    returned = load(path, "RETURN")
    assert isinstance(returned, dict) and returned, "%s: RETURN must be a non-empty mapping" % rel(path)
    problems = field_problems(returned, "RETURN", "contains", required=("description", "returned", "type"))
    assert not problems, "%s RETURN:\n%s" % (rel(path), "\n".join(problems))


# ---- the documented options are the argument_spec ------------------------------------------------------------

class _Created(Exception):
    """Raised by the stand-in AnsibleModule once it has the module's arguments."""


def argument_spec(path, monkeypatch):
    """The argument_spec a Python module gives AnsibleModule (its main() creates it first, before any work)."""
    module = importlib.import_module(name_of(path))
    seen = {}

    class StandIn:
        def __init__(self, argument_spec=None, **kwargs):
            seen["spec"] = argument_spec
            raise _Created()

    monkeypatch.setattr(module, "AnsibleModule", StandIn)
    with pytest.raises(_Created):
        module.main()
    return seen["spec"]


def spec_problems(spec, options, where):
    """Names, type, required and elements of argument_spec options against documented options, recursively."""
    spec, options = spec or {}, options or {}
    problems = []
    if set(spec) - set(options):
        problems.append("%s: in argument_spec but not documented: %s" % (where, sorted(set(spec) - set(options))))
    if set(options) - set(spec):
        problems.append("%s: documented but not in argument_spec: %s" % (where, sorted(set(options) - set(spec))))
    for name in sorted(set(spec) & set(options)):
        declared, documented = spec[name], options[name]
        for key, default in (("type", "str"), ("required", False), ("elements", None)):
            if declared.get(key, default) != documented.get(key, default):
                problems.append("%s.%s.%s: argument_spec %r, documented %r" % (
                    where, name, key, declared.get(key, default), documented.get(key, default)))
        problems += spec_problems(declared.get("options"), documented.get("suboptions"), "%s.%s" % (where, name))
    return problems


@pytest.mark.parametrize("path", PYTHON_MODULES, ids=[rel(p) for p in PYTHON_MODULES])
def test_documented_options_are_the_argument_spec(path, monkeypatch):
    spec = argument_spec(path, monkeypatch)
    # A module without options still passes an argument_spec (empty) and documents `options: {}`.
    assert spec is not None, "%s: no argument_spec" % rel(path)
    problems = spec_problems(spec, load(path, "DOCUMENTATION").get("options"), "options")
    assert not problems, "%s:\n%s" % (rel(path), "\n".join(problems))


# ---- ansible-doc renders them ------------------------------------------------------------------------------

def ansible_doc_names(kind):
    """The names to ask ansible-doc for: the modules, the callbacks, and each filter file's documented filter."""
    if kind == "module":
        return [name_of(p) for p in LIBRARY]
    if kind == "filter":
        return [load(p, "DOCUMENTATION")["name"] for p in PLUGINS if kind_of(p) == "filter"]
    return [name_of(p) for p in PLUGINS if kind_of(p) == kind]


@pytest.mark.parametrize("kind", ["module", "callback", "filter"])
def test_ansible_doc_renders_every_one(kind):
    """One ansible-doc invocation per plugin type (about a second each), not one per module."""
    names = ansible_doc_names(kind)
    assert names
    # Action plugins have no ansible-doc page of their own (no module stub), so they are not listed here.
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    search = ["-M", os.path.join(ROOT, "library")] if kind == "module" else []
    proc = subprocess.run([ANSIBLE_DOC] + search + ["-t", kind] + names,
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, "ansible-doc -t %s failed:\n%s" % (kind, proc.stderr)
    # ansible-doc exits 0 for a name it cannot find, with a warning: every page must be there.
    out = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout)
    missing = [n for n in names if not re.search(r"^> %s %s \(" % (kind.upper(), re.escape(n)), out, re.M)]
    assert not missing, "ansible-doc -t %s shows no page for %s:\n%s" % (kind, missing, proc.stderr)
    assert "[ERROR]" not in proc.stderr and "[WARNING]" not in proc.stderr, proc.stderr
