"""CNIL-BKP-01: the practice's real data reaches the off-site host, encrypted, and comes back byte for byte;
the restore test is recorded; the account on the backup host is SFTP only, chrooted, key only; the backup
host's key is pinned; the password is in no process list and no file but its root-only one.

Runs on the PCs (molecule passes --hosts ansible://cnil_linux); the backup host is reached as `target`."""
import json
import re
import subprocess

import pytest
import testinfra

MARKER = "DOSSIER-PATIENT-MARQUEUR-EN-CLAIR"
CONFIG = "/etc/cnil-backup"
SSH = f"ssh -F {CONFIG}/ssh_config"


@pytest.fixture(scope="module")
def target(cnil):
    return testinfra.get_hosts(["ansible://cnil_backup_hosts"], ansible_inventory=cnil.inventory)[0]


def account(name):
    return ("cnilbkp-" + re.sub(r"[^a-z0-9-]", "-", name.lower()))[:32]


def tree_sums(host, root):
    """sha256 of every file under root, by relative path (names with spaces included)."""
    out = host.check_output(f"cd '{root}' && find . -type f -print0 | sort -z | xargs -0 sha256sum")
    return dict(reversed(line.split("  ", 1)) for line in out.splitlines())


@pytest.fixture(scope="module")
def data_dir(host):
    """A test folder inside the first folder the cabinet declares in cnil_bkp_paths."""
    return host.check_output(f"head -1 {CONFIG}/paths").strip().rstrip("/") + "/cnil-test-data"


@pytest.fixture(scope="module")
def data(host, data_dir):
    """Real data: random bytes, a sub-folder, names with spaces and accents, one clear-text marker."""
    DATA = data_dir
    host.run_expect([0], f"rm -rf '{DATA}' && mkdir -p '{DATA}/sous dossier/année 2026' && "
                         f"head -c 300000 /dev/urandom > '{DATA}/dossier patient.bin' && "
                         f"head -c 7000 /dev/urandom > '{DATA}/sous dossier/compte rendu.pdf' && "
                         f"head -c 1 /dev/urandom > '{DATA}/sous dossier/année 2026/un octet' && "
                         f": > '{DATA}/vide.txt' && "
                         f"printf '{MARKER}\\n' > '{DATA}/sous dossier/note.txt'")
    sums = tree_sums(host, DATA)
    assert len(sums) == 5 and "./sous dossier/année 2026/un octet" in sums
    return sums


def snapshots(host):
    return json.loads(host.check_output("cnil-backup restic snapshots --json --no-lock"))


@pytest.fixture(scope="module")
def backed_up(host, data):
    """The timer's service, started by hand: the snapshot it made."""
    before = {s["id"] for s in snapshots(host)}
    host.run_expect([0], "systemctl start cnil-backup.service")
    new = [s for s in snapshots(host) if s["id"] not in before]
    assert len(new) == 1, new
    return new[0]


def test_the_timer_is_enabled_persistent_and_daily(host):
    assert host.run("systemctl is-enabled cnil-backup.timer cnil-backup-verify.timer").stdout.split() == ["enabled", "enabled"]
    show = host.check_output("systemctl show -p Persistent -p TimersCalendar cnil-backup.timer")
    assert "Persistent=yes" in show and "OnCalendar=*-*-* 00:00:00" in show


def test_the_backup_service_puts_the_data_on_the_offsite_host(host, target, name, backed_up, data_dir):
    assert data_dir.rsplit("/", 1)[0] in backed_up["paths"] and "cnil" in backed_up["tags"] and backed_up["hostname"] == name
    record = json.loads(host.check_output("cat /var/lib/cnil-backup/last-backup.json"))
    assert record["status"] == "ok" and backed_up["id"].startswith(record["snapshot"])
    # As the backup host sees it: the snapshot is a file of this PC's repository, in this PC's chroot.
    repo = f"/srv/cnil-backup/{account(name)}/repo"
    assert backed_up["id"] in target.check_output(f"ls {repo}/snapshots").split()
    # Encrypted: the clear-text marker of a patient note is nowhere in the repository.
    assert target.run(f"grep -rlF '{MARKER}' {repo}").rc == 1
    assert target.run("test -e /srv/cnil-backup/%s/repo/config" % account(name)).rc == 0


def test_a_restore_gives_back_every_file_byte_for_byte(host, data, data_dir, backed_up):
    scratch = "/var/tmp/cnil-restore-test"
    host.run_expect([0], f"rm -rf {scratch} && cnil-backup restic restore {backed_up['id']} --target {scratch} --include '{data_dir}'")
    try:
        assert tree_sums(host, scratch + data_dir) == data
    finally:
        host.run(f"rm -rf {scratch}")


def test_the_restore_test_service_records_its_result_and_can_fail(host, backed_up):
    host.run_expect([0], "systemctl start cnil-backup-verify.service")
    check = json.loads(host.check_output("cat /var/lib/cnil-backup/check.json"))
    test = json.loads(host.check_output("cat /var/lib/cnil-backup/restore-test.json"))
    assert check["status"] == "ok"
    assert test["status"] == "ok" and backed_up["id"].startswith(test["snapshot"])
    assert test["restored_sha256"] == test["expected_sha256"]
    # The comparison is real: with a wrong expected checksum the restore test fails, and says so.
    record = "/var/lib/cnil-backup/last-backup.json"
    host.run_expect([0], f"cp -p {record} {record}.keep && sed -i 's/\"canary_sha256\": \"[0-9a-f]*\"/\"canary_sha256\": \"{'0' * 64}\"/' {record}")
    try:
        assert host.run("systemctl start cnil-backup-verify.service").rc != 0
        failed = json.loads(host.check_output("cat /var/lib/cnil-backup/restore-test.json"))
        assert failed["status"] == "failed" and "differs" in failed["message"]
    finally:
        host.run_expect([0], f"mv {record}.keep {record} && systemctl reset-failed cnil-backup-verify.service")
    host.run_expect([0], "systemctl start cnil-backup-verify.service")


def test_the_backup_account_is_sftp_only_chrooted_and_key_only(host):
    shell = host.run(f"{SSH} cnil-backup-target id")
    assert shell.rc != 0 and "uid=" not in shell.stdout and "sftp connections only" in shell.stdout + shell.stderr
    listing = host.run(f"printf 'ls /\\nls /etc\\n' | sftp -F {CONFIG}/ssh_config -b - cnil-backup-target")
    assert "/repo" in listing.stdout and "passwd" not in listing.stdout, listing.stdout + listing.stderr
    assert listing.rc != 0  # 'ls /etc' fails: there is no /etc in the chroot
    password = host.run(f"{SSH} -o IdentityFile=/dev/null -o PasswordAuthentication=yes -o PubkeyAuthentication=no "
                        f"cnil-backup-target true")
    assert password.rc == 255 and "Permission denied (publickey)" in password.stderr


def test_the_backup_host_key_is_pinned_never_learnt(host):
    unknown = host.run(f"{SSH} -o UserKnownHostsFile=/dev/null cnil-backup-target true")
    assert unknown.rc == 255 and "Host key verification failed" in unknown.stderr
    host.run_expect([0], "rm -f /tmp/other /tmp/other.pub && ssh-keygen -q -t ed25519 -N '' -f /tmp/other && "
                         "awk '{print $1}' /root/.ssh/known_hosts | head -1 > /tmp/kh && "
                         "printf '%s %s\\n' \"$(cat /tmp/kh)\" \"$(cut -d' ' -f1,2 /tmp/other.pub)\" > /tmp/known_hosts.other")
    changed = host.run(f"{SSH} -o UserKnownHostsFile=/tmp/known_hosts.other cnil-backup-target true")
    assert changed.rc == 255 and "Host key verification failed" in changed.stderr


def test_the_password_is_in_no_process_list_and_no_file_but_its_own(host, target, tmp_path):
    stat = host.file(f"{CONFIG}/password")
    assert (stat.user, stat.group, stat.mode) == ("root", "root", 0o600)
    assert host.file(CONFIG).mode == 0o700 and host.file("/var/lib/cnil-backup").mode == 0o700
    # Sample every process's command line and environment while a backup runs.
    sampled = host.run(
        "systemctl start --no-block cnil-backup.service; : > /root/ps.log; "
        "for i in $(seq 60); do ps -eww -o args= >> /root/ps.log; "
        "for e in /proc/[0-9]*/environ; do tr '\\0' '\\n' < $e 2>/dev/null; done >> /root/ps.log; sleep 0.1; done; "
        "while systemctl is-active -q cnil-backup.service; do sleep 0.5; done; "
        f"grep -c 'restic' /root/ps.log; grep -cF -f {CONFIG}/password /root/ps.log; grep -c '^RESTIC_PASSWORD=' /root/ps.log")
    restic_seen, password_seen, env_seen = (int(n) for n in sampled.stdout.split())
    assert restic_seen > 0 and password_seen == 0 and env_seen == 0, sampled.stdout
    host.run("rm -f /root/ps.log")
    # No file holds it but the root-only password file, on the PC or on the backup host.
    found = host.run(f"grep -rlsF -f {CONFIG}/password /etc /root /home /srv /var /usr/local /tmp /run").stdout.split()
    assert found == [f"{CONFIG}/password"], found
    # The backup host never receives it (restic keeps only its encrypted key there): search the host's files
    # from the controller, the pattern in a 0600 temporary file, so the secret is on no command line.
    pattern = tmp_path / "pattern"
    pattern.touch(mode=0o600)
    pattern.write_bytes(host.file(f"{CONFIG}/password").content)
    found = subprocess.run(f"docker exec {target.backend.host} tar -c -f - /etc /root /home /srv /var /usr/local 2>/dev/null "
                           f"| grep -acF -f {pattern}", shell=True, capture_output=True, text=True)
    assert found.stdout.strip() == "0", found.stdout


def test_the_backup_host_checks_its_sshd_drop_in_before_writing_it(target):
    """The role's own validate command (read from the role) passes the drop-in in place and refuses a broken one,
    on the real backup host: a drop-in sshd refuses is never written, so the next reload cannot stop sshd."""
    import os
    import yaml
    tasks = yaml.safe_load(open(os.path.join(os.path.dirname(__file__), "..", "..", "roles", "cnil_bkp_target", "tasks",
                                             "debian.yml"), encoding="utf-8"))
    task = next(t for t in tasks if "ansible.builtin.template" in t and "sshd_config" in t["ansible.builtin.template"]["src"])
    validate = task["ansible.builtin.template"]["validate"]
    dropin = "/etc/ssh/sshd_config.d/cnil-backup.conf"
    assert target.file(dropin).exists
    assert target.run(validate.replace("%s", dropin)).rc == 0
    broken = target.run(f"sed 's/^    ChrootDirectory .*/    ChrootDirectory/; $a PermitRootLogin maybe' {dropin} > /tmp/broken.conf"
                        f" && {validate.replace('%s', '/tmp/broken.conf')}; rc=$?; rm -f /tmp/broken.conf; exit $rc")
    assert broken.rc != 0 and "ChrootDirectory" in broken.stderr + broken.stdout, broken.stderr
