"""A cabinet's folder given as the inventory (-i inventory/<cabinet>) parses, with what a real cabinet keeps
beside its hosts: the contractor's binaries in files/ (restic.exe), vaulted secrets in otp/ and escrow/, the
pinned backup host key. None of them is read as an inventory source (ansible.cfg [inventory])."""
import os
import random
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_the_cabinet_folder_with_its_files_and_secrets_parses(tmp_path):
    cabinet = tmp_path / "cabinet"
    shutil.copytree(os.path.join(ROOT, "inventory", "example"), cabinet)
    (cabinet / "files").mkdir(exist_ok=True)
    # Bytes no inventory parser accepts, as in a real restic.exe (fixed seed: the same bytes on every run).
    noise = random.Random(1)
    (cabinet / "files" / "restic.exe").write_bytes(bytes(noise.randrange(256) for _ in range(1000)))
    for folder in ("otp", "escrow"):
        (cabinet / folder).mkdir(exist_ok=True)
        (cabinet / folder / "pc-medecin.yml").write_text("$ANSIBLE_VAULT;1.2;AES256;cabinet\n6162\n")
    inventory = os.path.join(os.path.dirname(sys.executable), "ansible-inventory")
    proc = subprocess.run([inventory, "-i", str(cabinet), "--graph"], capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg")))
    assert proc.returncode == 0, proc.stderr
    assert "Failed to parse" not in proc.stderr, proc.stderr
    for host in ("pc-accueil", "pc-medecin", "sauvegarde-distante"):
        assert host in proc.stdout
