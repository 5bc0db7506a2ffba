# cnil-cabinet — GPL-3.0-or-later
"""Do once, in the controller process, what every forked worker would otherwise redo: speed only.

Ansible runs each task of each host in a freshly forked worker, which starts from the parent's memory and drops
its own work when it exits. Measured with py-spy on an audit of one PC:
- a worker that templates anything first loads every filter and test plugin (imports, file scans): about a
  fifth of the controller's CPU. Loaded in the parent at each play start, the forks inherit them.
- building a module's payload parses the source of every module_util it imports (basic.py and ~40 others) into
  a syntax tree, again for each module: about a tenth. The parent parses Ansible's and the project's
  module_utils once (0.4 s) and keeps the trees; ansible-core's parse function is wrapped to look there first.
  Same source, same tree: the payloads are identical. If ansible-core changes that function, the wrapper is not
  installed and nothing else changes.
- a worker that resolves a plugin by its full name reads its collection's routing table (ansible.builtin 0.12 s,
  community.general 0.17 s, for each worker that uses one of its filters or modules), and one that opens a
  connection loads the connection, become and shell plugins and parses their documentation for their
  settings (0.14 s for the docker connection, 0.03 s for ssh). Both are loaded in the parent at each play start,
  for the connections the play's hosts declare and the collections requirements.yml declares.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: cnil_preload
type: aggregate
short_description: load Jinja filter and test plugins before workers fork (speed only)
description:
  - At the start of each play, loads the filter and test plugins in the controller process, so the workers
    Ansible forks per task inherit them instead of loading them again.
  - At the start of the playbook, parses the module_utils once and keeps the trees, so building each module's
    payload does not parse them again.
  - At the start of each play, loads the routing tables of ansible.builtin and of the collections the project's
    requirements.yml declares, and the connection, become and shell plugins
    the play's hosts use (with their settings), so workers do not parse them again.
  - No output and no effect on results. Enabled in ansible.cfg (callbacks_enabled).
"""

import os

import yaml

from ansible import constants as C
from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import (become_loader, connection_loader, filter_loader, module_utils_loader,
                                    shell_loader, test_loader)


def memoize_module_asts():
    """Wrap ansible-core's module_utils parser with a cache filled now, in the parent. Returns the number of trees
    kept, or None when the function is not what this was written for (then nothing is changed)."""
    try:
        from ansible.executor import module_common
        import ansible.module_utils
        original = module_common._compile_module_ast
    except (ImportError, AttributeError):
        return None
    if getattr(original, "cnil_trees", None) is not None:
        return len(original.cnil_trees)
    if original.__code__.co_argcount != 2:
        return None
    trees = {}

    def compile_once(module_name, source_code):
        # The key is the name and the plain text: a module_util's tree depends on nothing else.
        key = (module_name, bytes(source_code) if isinstance(source_code, (bytes, bytearray)) else str(source_code))
        tree = trees.get(key)
        if tree is None:
            tree = trees[key] = original(module_name, source_code)
        return tree

    compile_once.cnil_trees = trees
    module_common._compile_module_ast = compile_once
    ansible_root = os.path.dirname(os.path.dirname(ansible.module_utils.__file__))
    folders = [(os.path.join(ansible_root, "module_utils"), ["ansible", "module_utils"])]
    folders += [(path, ["ansible", "module_utils"]) for path in module_utils_loader._get_paths(subdirs=False)
                if os.path.isdir(path)]
    for top, prefix in folders:
        for folder, _dirs, files in os.walk(top):
            for name in files:
                if not name.endswith(".py"):
                    continue
                parts = prefix + os.path.relpath(os.path.join(folder, name), top)[:-3].split(os.sep)
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                with open(os.path.join(folder, name), "rb") as handle:
                    try:
                        compile_once(".".join(parts), handle.read())
                    except Exception:  # a file Ansible would never send; it fails later, in the worker, as before
                        pass
    return len(trees)


def declared(hosts, variable, default):
    """The plain values of `variable` in the play's hosts and their groups (inventory files), and the default."""
    names = {default} if default else set()
    for host in hosts:
        for source in [host.get_vars()] + [group.get_vars() for group in host.get_groups()]:
            value = source.get(variable)
            if isinstance(value, str) and value and "{{" not in value:
                names.add(value)
    return names


REQUIREMENTS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                            "requirements.yml")


def project_collections(path=REQUIREMENTS):
    try:
        with open(path, encoding="utf-8") as handle:
            return [c["name"] if isinstance(c, dict) else c for c in yaml.safe_load(handle).get("collections") or []]
    except (OSError, yaml.YAMLError, AttributeError, KeyError, TypeError):
        return []


def preload_plugins(play):
    """Load, in the parent, the connection, become and shell plugins the play's hosts use, and the routing tables
    of ansible.builtin and of the project's collections. Returns what was loaded. Best effort: what does not load
    is left to the worker, which then reports it as before."""
    loaded = []
    for collection in ["ansible.builtin"] + project_collections():
        try:
            from ansible.utils.collection_loader._collection_finder import _get_collection_metadata
            _get_collection_metadata(collection)
            loaded.append(collection)
        except Exception:
            continue
    try:
        hosts = play.get_variable_manager()._inventory.get_hosts(play.hosts)
    except Exception:
        hosts = []
    shells = set()
    for name in declared(hosts, "ansible_connection", play.connection or C.DEFAULT_TRANSPORT):
        try:
            plugin = connection_loader.get(name, class_only=True)
        except Exception:
            continue
        if plugin is not None:
            loaded.append(name)
            shells.add(getattr(plugin, "_shell_type", None) or "sh")
    for loader, names in ((become_loader, declared(hosts, "ansible_become_method", play.become_method or "sudo")),
                          (shell_loader, shells | declared(hosts, "ansible_shell_type", None))):
        for name in names:
            try:
                if loader.get(name, class_only=True) is not None:
                    loaded.append(name)
            except Exception:
                continue
    return loaded


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "cnil_preload"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_start(self, playbook):
        memoize_module_asts()

    def v2_playbook_on_play_start(self, play):
        # Once per play: loading a role or playbook folder with its own plugins clears the loaders' caches.
        for loader in (filter_loader, test_loader):
            for _plugin in loader.all():
                pass
        preload_plugins(play)
