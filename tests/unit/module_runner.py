"""Run a project module in its own Python process, as Ansible runs it on a host: every file of module_utils/
stands in for ansible.module_utils.<name> (tests/conftest.py does the same for in-process imports)."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUNNER = """
import importlib, os, runpy, sys
folder = %r
sys.path.insert(0, folder)
for name in sorted(f[:-3] for f in os.listdir(folder) if f.endswith(".py")):
    sys.modules["ansible.module_utils." + name] = importlib.import_module(name)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
""" % os.path.join(ROOT, "module_utils")


def module_argv(module, argfile):
    """The command that runs `module` (a path) with its arguments file."""
    return [sys.executable, "-c", RUNNER, module, str(argfile)]
