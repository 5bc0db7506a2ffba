"""cnil_preload: what it does once in the controller gives the workers exactly what they would have built."""
import ast
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "plugins", "callback"))

import cnil_preload  # noqa: E402


def test_module_utils_trees_are_parsed_once_and_are_the_trees_ansible_would_parse():
    from ansible.executor import module_common
    import ansible.module_utils.basic as basic
    kept = cnil_preload.memoize_module_asts()
    assert kept and kept > 100  # Ansible's module_utils, parsed in the parent
    assert cnil_preload.memoize_module_asts() == kept  # wrapped once, never twice
    source = open(basic.__file__, "rb").read()
    tree = module_common._compile_module_ast("ansible.module_utils.basic", source)
    assert module_common._compile_module_ast("ansible.module_utils.basic", source) is tree  # from the cache
    assert ast.dump(tree) == ast.dump(compile(source, basic.__file__, "exec", ast.PyCF_ONLY_AST))
    other = module_common._compile_module_ast("ansible.module_utils.basic", source + b"\n# changed\n")
    assert other is not tree  # another text is parsed, never taken for the cached one


def test_a_playbook_runs_modules_with_the_preload_enabled(tmp_path):
    """The project's ansible.cfg enables cnil_preload: modules that import module_utils (the project's own too)
    still build and run."""
    playbook = tmp_path / "play.yml"
    playbook.write_text("""
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - ansible.builtin.stat: {path: /}
      register: root
    - cnil_files:
        files: [{path: "%s/out.txt", content: "ok\\n", owner: "%d", group: "%d"}]
    - ansible.builtin.assert: {that: [root.stat.isdir]}
""" % (tmp_path, os.getuid(), os.getgid()))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
                           "-e", "ansible_python_interpreter=" + sys.executable,
                           str(playbook)], capture_output=True, text=True, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert (tmp_path / "out.txt").read_text() == "ok\n"


def test_the_play_hosts_connection_become_and_shell_plugins_are_loaded_before_the_workers_fork(tmp_path):
    """A worker loading the docker connection parses its documentation for its settings (0.14 s), one resolving a
    filter by its full name reads ansible.builtin's routing table (0.12 s): loaded once in the parent, the forks
    find both already there."""
    from ansible import constants as C
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import init_plugin_loader
    from ansible.vars.manager import VariableManager
    init_plugin_loader()
    (tmp_path / "hosts.yml").write_text("""
all:
  children:
    pcs:
      vars: {ansible_become_method: su}
      hosts:
        pc1: {ansible_connection: community.docker.docker}
        pc2: {ansible_connection: "{{ 'ssh' }}"}
""")
    inventory = InventoryManager(loader=DataLoader(), sources=[str(tmp_path / "hosts.yml")])
    manager = VariableManager(loader=DataLoader(), inventory=inventory)

    class Play:
        hosts, connection, become_method = "pcs", "local", None

        def get_variable_manager(self):
            return manager

    docker = "ansible_collections.community.docker.plugins.connection.docker"  # how the settings are keyed
    assert not C.config.has_configuration_definition("connection", docker)
    loaded = cnil_preload.preload_plugins(Play())
    # the docker connection declared by a host, the play's own, sudo (the default) and su (a group's), the shell
    assert {"community.docker.docker", "local", "sudo", "su", "sh"} <= set(loaded)
    assert not [name for name in loaded if "{{" in name]  # a templated value is left to the worker
    assert C.config.has_configuration_definition("connection", docker)
    # routing tables: ansible.builtin's and those of the collections requirements.yml declares
    assert {"ansible.builtin", "community.general", "community.docker"} <= set(loaded)
    import ansible_collections.ansible.builtin as builtin
    import ansible_collections.community.general as general
    assert builtin._collection_meta["plugin_routing"] and general._collection_meta["plugin_routing"]
