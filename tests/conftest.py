"""Shared test setup: make the project's plugins and modules importable."""
import importlib
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for sub in ("library", "plugins/action", "plugins/filter", "plugins/callback", "bin", "module_utils"):
    path = os.path.join(ROOT, sub)
    if path not in sys.path:
        sys.path.insert(0, path)

# The modules import the project's module_utils as Ansible ships them to a host: ansible.module_utils.<name>.
for _name in sorted(f[:-3] for f in os.listdir(os.path.join(ROOT, "module_utils")) if f.endswith(".py")):
    sys.modules.setdefault("ansible.module_utils." + _name, importlib.import_module(_name))
