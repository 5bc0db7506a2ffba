"""The AWX / AAP execution environment definition is valid: ansible-builder writes its build context."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_ansible_builder_creates_the_build_context(tmp_path):
    builder = os.path.join(os.path.dirname(sys.executable), "ansible-builder")
    proc = subprocess.run([builder, "create", "-f", os.path.join(ROOT, "execution-environment.yml"), "-c", str(tmp_path / "ctx")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    dockerfile = (tmp_path / "ctx" / "Dockerfile").read_text()
    assert "cnil/ee-base:latest" in dockerfile
    deps = tmp_path / "ctx" / "_build"
    assert "pywinrm" in (deps / "requirements.txt").read_text()
    assert "community.windows" in (deps / "requirements.yml").read_text()


def test_ee_python_requirements_match_the_controller_pins():
    pins = dict(line.strip().lower().split("==") for line in open(os.path.join(ROOT, "requirements.txt"))
                if "==" in line and not line.startswith("#"))
    for line in open(os.path.join(ROOT, "requirements-ee.txt")):
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.lower().split("==")
            assert pins.get(name) == version, "%s: %s in requirements-ee.txt, %s in requirements.txt" % (name, version, pins.get(name))
