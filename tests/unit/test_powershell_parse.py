"""Every PowerShell file of the repository parses (tree-sitter-powershell grammar), and every PowerShell
module follows the Ansible.Basic conventions and has its documentation stub.

No PowerShell runs on the controller or in CI, so this is the static check of the Windows code: a syntax
error or a missing token fails here, with file and line. Known limits of the grammar (it reports ERROR on
valid PowerShell for generic type names written with a backtick such as List`1[String], nested-type names
with '+', labeled 'break', and 'switch -Regex -File'): the project's scripts avoid those constructs.
"""
import ast
import glob
import os
import re

import pytest
import tree_sitter_powershell
import yaml
from tree_sitter import Language, Parser

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SKIP_DIRS = {".git", ".venv", ".cache", "reports", "node_modules", "__pycache__"}
PARSER = Parser(Language(tree_sitter_powershell.language()))


def powershell_files():
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        found += [os.path.join(folder, f) for f in files if f.endswith((".ps1", ".psm1"))]
    return sorted(found)


PS_FILES = powershell_files()
MODULES = sorted(glob.glob(os.path.join(ROOT, "library", "*.ps1")))
# The project's own PowerShell module_utils (Ansible.ModuleUtils.<Name>.psm1), loaded by the modules with
# '#Requires -Module Ansible.ModuleUtils.<Name>' and found through ansible.cfg's module_utils path.
MODULE_UTILS = sorted(glob.glob(os.path.join(ROOT, "module_utils", "powershell", "*.psm1")))


def parse_errors(source, name="<snippet>"):
    """'name:line:col: ERROR|MISSING <type> near <text>' for every error or missing node."""
    tree = PARSER.parse(source)
    problems = []

    def walk(node):
        if node.is_error or node.is_missing:
            text = source[node.start_byte:node.end_byte].decode("utf-8", "replace").splitlines()
            problems.append("%s:%d:%d: %s %s near %r" % (
                name, node.start_point.row + 1, node.start_point.column + 1,
                "MISSING" if node.is_missing else "ERROR", node.type, (text[0] if text else "")[:60]))
        for child in node.children:
            walk(child)

    walk(tree.root_node)
    if tree.root_node.has_error and not problems:
        problems.append("%s: the parser flagged an error it did not locate" % name)
    return problems


def spec_options(text):
    """Option names of the module's $spec (one option per line, 8 spaces in, as the modules are written)."""
    match = re.search(r"^\$spec = @\{\n(.*?)^\}", text, re.S | re.M)
    if not match:
        return None
    block = match.group(1)
    if re.search(r"^\s{4}options = @\{\}", block, re.M):
        return []
    return re.findall(r"^\s{8}(\w+) = @\{", block, re.M)


def module_problems(ps1):
    """Ansible.Basic conventions and the documentation stub of one PowerShell module."""
    name = os.path.splitext(os.path.basename(ps1))[0]
    text = open(ps1, encoding="utf-8").read()
    problems = []
    if not text.startswith("#!powershell"):
        problems.append("%s: first line must be #!powershell" % name)
    if not re.search(r"^#AnsibleRequires -CSharpUtil Ansible\.Basic\s*$", text, re.M):
        problems.append("%s: no '#AnsibleRequires -CSharpUtil Ansible.Basic'" % name)
    if "[Ansible.Basic.AnsibleModule]::Create($args, $spec)" not in text:
        problems.append("%s: the module is not created with [Ansible.Basic.AnsibleModule]::Create($args, $spec)" % name)
    spec = re.search(r"^\$spec = @\{\n(.*?)^\}", text, re.S | re.M)
    if not spec or not re.search(r"^\s{4}supports_check_mode = \$true\s*$", spec.group(1), re.M):
        problems.append("%s: supports_check_mode = $true missing from $spec" % name)
    if "$module.ExitJson()" not in text:
        problems.append("%s: never calls $module.ExitJson()" % name)
    stub = os.path.splitext(ps1)[0] + ".py"
    if not os.path.exists(stub):
        return problems + ["%s: no documentation stub %s" % (name, os.path.basename(stub))]
    docs = {}
    for node in ast.parse(open(stub, encoding="utf-8").read()).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            docs[node.targets[0].id] = node.value.value
    for key in ("DOCUMENTATION", "EXAMPLES", "RETURN"):
        if key not in docs:
            problems.append("%s: stub has no %s" % (name, key))
    try:
        documentation = yaml.safe_load(docs.get("DOCUMENTATION", "")) or {}
        yaml.safe_load(docs.get("RETURN", ""))
        yaml.safe_load(docs.get("EXAMPLES", ""))
    except yaml.YAMLError as exc:
        return problems + ["%s: stub YAML does not parse: %s" % (name, exc)]
    if documentation.get("module") != name:
        problems.append("%s: DOCUMENTATION module is %r" % (name, documentation.get("module")))
    documented = sorted((documentation.get("options") or {}).keys())
    declared = spec_options(text)
    if declared is not None and sorted(declared) != documented:
        problems.append("%s: options in $spec %s differ from DOCUMENTATION %s" % (name, sorted(declared), documented))
    return problems


def test_there_are_powershell_files_to_check():
    names = {os.path.relpath(p, ROOT) for p in PS_FILES}
    assert "scripts/windows/Enable-CnilWinRM.ps1" in names
    assert {"library/win_cnil_bitlocker.ps1", "library/win_cnil_defender.ps1", "library/win_cnil_secpol_facts.ps1"} <= names
    assert "module_utils/powershell/Ansible.ModuleUtils.CnilRestic.psm1" in names  # module_utils are parsed too
    assert set(MODULE_UTILS) <= set(PS_FILES)


@pytest.mark.parametrize("path", PS_FILES, ids=[os.path.relpath(p, ROOT) for p in PS_FILES])
def test_powershell_parses_without_error_or_missing_node(path):
    problems = parse_errors(open(path, "rb").read(), os.path.relpath(path, ROOT))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", MODULES, ids=[os.path.relpath(p, ROOT) for p in MODULES])
def test_module_follows_ansible_basic_and_is_documented(path):
    problems = module_problems(path)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", MODULES, ids=[os.path.relpath(p, ROOT) for p in MODULES])
def test_module_builds_into_ansible_powershell_payload(path):
    """Ansible's own exec-wrapper builder resolves every #AnsibleRequires (as it does before sending to a host)."""
    from ansible.executor.powershell import module_manifest

    payload = module_manifest._create_powershell_wrapper(
        name=os.path.splitext(os.path.basename(path))[0], module_data=open(path, "rb").read(), module_path=path,
        module_args={"_ansible_check_mode": True}, environment={}, async_timeout=0, become_plugin=None,
        substyle="powershell", task_vars={}, profile="legacy")
    assert len(payload) > 10000


def build_payload(path):
    from ansible.executor.powershell import module_manifest

    return module_manifest._create_powershell_wrapper(
        name=os.path.splitext(os.path.basename(path))[0], module_data=open(path, "rb").read(), module_path=path,
        module_args={"_ansible_check_mode": True}, environment={}, async_timeout=0, become_plugin=None,
        substyle="powershell", task_vars={}, profile="legacy")


def required_utils(text):
    return set(re.findall(r"(?im)^#\s*(?:requires\s+-modules?|ansiblerequires\s+-powershell)\s+(Ansible\.ModuleUtils\.[\w.]+)\s*$", text))


def test_project_module_utils_are_found_where_ansible_cfg_says():
    """ansible.cfg's module_utils folder (subfolders included, as Ansible's plugin loader searches them) is where
    Ansible looks for '#Requires -Module Ansible.ModuleUtils.<Name>': each project util is found there, named as
    its file, and follows the module_util conventions (functions exported, no module code)."""
    import configparser

    from ansible.plugins.loader import PluginLoader

    assert MODULE_UTILS, "no PowerShell module_util in module_utils/powershell"
    config = configparser.ConfigParser()
    config.read(os.path.join(ROOT, "ansible.cfg"))
    folder = os.path.join(ROOT, config["defaults"]["module_utils"])
    loader = PluginLoader("", "ansible.module_utils", [folder], "module_utils")
    for path in MODULE_UTILS:
        name = os.path.basename(path)[:-len(".psm1")]
        assert name.startswith("Ansible.ModuleUtils."), "%s: Ansible only resolves Ansible.ModuleUtils.<Name>" % name
        assert os.path.realpath(loader.find_plugin(name, ".psm1")) == os.path.realpath(path), name
        text = open(path, encoding="utf-8").read()
        functions = re.findall(r"(?im)^function\s+([\w-]+)", text)
        exported = re.search(r"(?m)^Export-ModuleMember -Function (.+)$", text)
        assert functions and exported, "%s: no function, or no Export-ModuleMember" % name
        assert set(functions) == {f.strip() for f in exported.group(1).split(",")}, name
        assert "[Ansible.Basic.AnsibleModule]::Create" not in text and "$module" not in text.lower(), name


@pytest.mark.parametrize("path", MODULE_UTILS, ids=[os.path.relpath(p, ROOT) for p in MODULE_UTILS])
def test_project_module_utils_are_sent_with_every_module_that_requires_them(path):
    """Ansible's payload builder resolves each project util for the modules that require it and sends the util's
    exact content with them; every project util is required by at least one module."""
    import base64

    name = os.path.basename(path)[:-len(".psm1")]
    users = [m for m in MODULES if name in required_utils(open(m, encoding="utf-8").read())]
    assert users, "%s is required by no module" % name
    encoded = base64.b64encode(open(path, "rb").read())
    for module in users:
        payload = build_payload(module)
        assert ('"%s.psm1": {"path": "%s"' % (name, os.path.realpath(path))).encode() in payload \
            or ('"%s.psm1": {"path": "%s"' % (name, path)).encode() in payload, module
        assert encoded in payload, module


# --- the checks can fail ----------------------------------------------------------------------------
@pytest.mark.parametrize("snippet, line", [
    (b"$x = 1\nif ($x {\n    Write-Output 1\n}\n", 2),                       # unclosed condition
    (b"$spec = @{\n    options = @{ a = 1\n", 2),                              # unclosed hashtables
    (b"function Get-X {\n    param([string]$Name)\n", 1),                      # unclosed function body
    (b"$ok = 1\n$x = (1 + )\n", 2),                                            # missing operand
    (b'Write-Output "ok"\nWrite-Output "unterminated\n', 2),                  # unterminated string
    (b"foreach ($i in $list) { }}\n", 1),                                      # stray brace
])
def test_broken_powershell_is_reported_with_its_line(snippet, line):
    problems = parse_errors(snippet, "broken.ps1")
    assert problems, "the parser accepted broken PowerShell: %r" % snippet
    assert any(p.startswith("broken.ps1:%d:" % line) for p in problems), problems


def test_valid_snippet_passes():
    assert parse_errors(b"$spec = @{\n    options = @{}\n    supports_check_mode = $true\n}\nWrite-Output 'a'\n") == []


def test_module_convention_violations_are_reported(tmp_path):
    good = open(os.path.join(ROOT, "library", "win_cnil_defender.ps1"), encoding="utf-8").read()
    stub = open(os.path.join(ROOT, "library", "win_cnil_defender.py"), encoding="utf-8").read()
    cases = {
        "no_requires": (good.replace("#AnsibleRequires -CSharpUtil Ansible.Basic", "# nothing"), stub, "AnsibleRequires"),
        "no_check_mode": (good.replace("supports_check_mode = $true", "supports_check_mode = $false"), stub, "supports_check_mode"),
        "option_undocumented": (good.replace("options = @{}", "options = @{\n        extra = @{ type = 'str' }\n    }"), stub, "differ"),
        "no_return": (good, stub.replace("RETURN = r", "NOT_RETURN = r"), "no RETURN"),
        "no_stub": (good, None, "no documentation stub"),
    }
    for name, (ps1, py, words) in cases.items():
        module = "win_cnil_defender"
        folder = tmp_path / name
        folder.mkdir()
        (folder / (module + ".ps1")).write_text(ps1, encoding="utf-8")
        if py is not None:
            (folder / (module + ".py")).write_text(py, encoding="utf-8")
        problems = module_problems(str(folder / (module + ".ps1")))
        assert any(words in p for p in problems), (name, problems)


def test_missing_module_util_is_refused_by_the_payload_builder(tmp_path):
    from ansible.errors import AnsibleError
    from ansible.executor.powershell import module_manifest

    bad = tmp_path / "win_bad.ps1"
    bad.write_bytes(b"#!powershell\n#AnsibleRequires -CSharpUtil Ansible.DoesNotExist\n$x = 1\n")
    with pytest.raises(AnsibleError, match="Ansible.DoesNotExist"):
        module_manifest._create_powershell_wrapper(
            name="win_bad", module_data=bad.read_bytes(), module_path=str(bad), module_args={}, environment={},
            async_timeout=0, become_plugin=None, substyle="powershell", task_vars={}, profile="legacy")
