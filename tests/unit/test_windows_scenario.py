"""scripts/windows-scenario.sh and molecule/windows: SKIPPED without a Windows host, never passed."""
import os
import subprocess

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "windows-scenario.sh")
SCENARIO = os.path.join(ROOT, "molecule", "windows")


def run(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CNIL_WINDOWS_")}
    clean.update(env)
    return subprocess.run(["bash", SCRIPT], capture_output=True, text=True, env=clean, timeout=60)


def test_no_host_is_reported_skipped_with_exit_0():
    proc = run()
    assert proc.returncode == 0
    assert proc.stdout.startswith("windows scenario: SKIPPED (no Windows host given: set CNIL_WINDOWS_HOST")
    assert "PASSED" not in proc.stdout


def test_a_host_without_credentials_fails_before_molecule():
    proc = run(CNIL_WINDOWS_HOST="192.0.2.10")
    assert proc.returncode == 2 and "FAILED before start" in proc.stderr
    assert "CNIL_WINDOWS_PASSWORD" in proc.stderr and "CNIL_WINDOWS_CA_CERT" in proc.stderr


def test_scenario_is_delegated_unmanaged_and_reads_the_environment():
    config = yaml.safe_load(open(os.path.join(SCENARIO, "molecule.yml")))
    assert config["driver"]["name"] == "default" and config["driver"]["options"]["managed"] is False
    conn = config["driver"]["options"]["ansible_connection_options"]
    assert conn["ansible_connection"] == "winrm" and conn["ansible_winrm_server_cert_validation"] == "validate"
    for var in ("CNIL_WINDOWS_HOST", "CNIL_WINDOWS_USER", "CNIL_WINDOWS_PASSWORD", "CNIL_WINDOWS_CA_CERT"):
        assert var in yaml.safe_dump(conn)
    # The password is looked up at run time, never written into the generated inventory.
    assert conn["ansible_password"].startswith("{{ lookup(")
    assert config["provisioner"]["playbooks"]["converge"] == "../../playbooks/site.yml"
    sequence = config["scenario"]["test_sequence"]
    assert sequence.index("create") < sequence.index("converge") < sequence.index("idempotence") < sequence.index("verify")


def test_create_fails_without_a_host():
    create = yaml.safe_load(open(os.path.join(SCENARIO, "create.yml")))
    check = create[0]["tasks"][0]["ansible.builtin.assert"]
    assert any("CNIL_WINDOWS_HOST" in cond for cond in check["that"])
    assert "never passes" in check["fail_msg"]
