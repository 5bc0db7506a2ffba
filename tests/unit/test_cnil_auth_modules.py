"""cnil_auth_oath (users file: one entry per user, pam_oath's state kept, no secret out) and cnil_auth_pam_profile
(pam-auth-update profile installed and enabled, exact check mode); bin/cnil enrol-otp (vaulted secret, QR once)."""
import base64
import json
import os
import shutil
import subprocess
import sys

import pytest

import cnil_auth_oath as oath
import cnil_auth_pam_profile as pamprof

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
B32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # "12345678901234567890"
HEX = "3132333435363738393031323334353637383930"
PROFILE = ("Name: test\nDefault: yes\nPriority: 64\nAuth-Type: Additional\nAuth:\n"
           "\t[success=1 default=ignore]\tpam_succeed_if.so quiet user notingroup cnil-otp\n"
           "\trequisite\tpam_oath.so usersfile=/etc/users.oath window=2 digits=6\n")


def test_base32_secret_becomes_pam_oath_hex():
    assert oath.b32_to_hex(B32) == HEX
    assert oath.b32_to_hex("gezd gnbv gy3t qojq gezd gnbv gy3t qojq") == HEX
    with pytest.raises(ValueError):
        oath.b32_to_hex("not base32!")
    with pytest.raises(ValueError):
        oath.b32_to_hex("GEZDGNBV")  # 40 bits: too short


def test_plan_keeps_pam_oath_state_rekeys_adds_and_removes():
    lines = ["# comment", "HOTP/T30/6\tjmartin\t-\t%s\t0\t123456\t2026-11-29T20:14:14L" % HEX,
             "HOTP/T30/6 ancien - %s" % HEX, "HOTP/T30/6 rekey - %s" % ("00" * 20)]
    wanted = {"jmartin": HEX, "rekey": HEX, "nouveau": HEX}
    out, (added, rekeyed, removed) = oath.plan(lines, wanted, "HOTP/T30/6")
    assert out[1] == lines[1]  # counter and last code kept: a code cannot be used twice
    assert added == ["nouveau"] and rekeyed == ["rekey"] and removed == ["ancien"]
    assert oath.plan(out, wanted, "HOTP/T30/6")[1] == ([], [], [])


def run_module(path, args, folder):
    argfile = os.path.join(str(folder), "args.json")
    with open(argfile, "w") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, handle)
    proc = subprocess.run([sys.executable, path, argfile], capture_output=True, text=True)
    return json.loads(proc.stdout)


@pytest.mark.skipif(os.geteuid() != 0, reason="the users file is owned by root")
def test_oath_module_check_mode_is_exact_and_no_secret_is_returned(tmp_path):
    module = os.path.join(ROOT, "library", "cnil_auth_oath.py")
    target = str(tmp_path / "users.oath")
    args = dict(path=target, users={"jmartin": B32}, _ansible_check_mode=True, _ansible_diff=True)
    out = run_module(module, args, tmp_path)
    assert out["changed"] and out["added"] == ["jmartin"] and not os.path.exists(target)
    assert HEX not in json.dumps(out) and B32 not in json.dumps(out)
    out = run_module(module, dict(args, _ansible_check_mode=False), tmp_path)
    assert out["changed"] and oct(os.stat(target).st_mode & 0o777) == "0o600"
    assert HEX in open(target).read()
    assert run_module(module, dict(args, _ansible_check_mode=True), tmp_path)["changed"] is False
    os.chmod(target, 0o644)
    assert run_module(module, dict(args, _ansible_check_mode=True), tmp_path)["changed"] is True


def test_profile_lines_and_enabled_detection():
    blocks = pamprof.profile_lines(PROFILE)
    assert blocks == {"auth": ["[success=1 default=ignore] pam_succeed_if.so quiet user notingroup cnil-otp",
                               "requisite pam_oath.so usersfile=/etc/users.oath window=2 digits=6"]}
    common = ("auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\t\t\tpam_deny.so\n"
              "auth\trequired\t\t\tpam_permit.so\n")
    assert not pamprof.enabled_in(common, "auth", blocks["auth"])
    enabled = common + "".join("auth\t%s\n" % line for line in blocks["auth"])
    assert pamprof.enabled_in(enabled, "auth", blocks["auth"])
    # Both lines must be there, together: the jump count of the first one skips exactly the second.
    assert not pamprof.enabled_in(common + "auth\t" + blocks["auth"][1] + "\n", "auth", blocks["auth"])


def test_pam_profile_module_check_mode(tmp_path):
    (tmp_path / "etc" / "pam.d").mkdir(parents=True)
    (tmp_path / "etc" / "pam.d" / "common-auth").write_text("auth\trequired\tpam_permit.so\n")
    module = os.path.join(ROOT, "library", "cnil_auth_pam_profile.py")
    out = run_module(module, dict(name="cnil-otp", content=PROFILE, root=str(tmp_path), _ansible_check_mode=True), tmp_path)
    assert out["changed"] and out["profile_changed"] and out["missing"] == ["auth"]
    assert not (tmp_path / "usr" / "share" / "pam-configs" / "cnil-otp").exists()
    # Profile in place and its lines in common-auth: nothing to do.
    (tmp_path / "usr" / "share" / "pam-configs").mkdir(parents=True)
    (tmp_path / "usr" / "share" / "pam-configs" / "cnil-otp").write_text(PROFILE)
    lines = pamprof.profile_lines(PROFILE)["auth"]
    (tmp_path / "etc" / "pam.d" / "common-auth").write_text("auth\trequired\tpam_permit.so\n" + "".join("auth\t%s\n" % l for l in lines))
    out = run_module(module, dict(name="cnil-otp", content=PROFILE, root=str(tmp_path), _ansible_check_mode=True), tmp_path)
    assert out["changed"] is False and out["enabled"] is True


@pytest.fixture
def cabinet(tmp_path):
    folder = tmp_path / "cabinet-x"
    folder.mkdir()
    (folder / "vault-pass.demo").write_text("unit-test-secret\n")
    return folder


def enrol(cabinet, *args, tty=True):
    cmd = [os.path.join(ROOT, "bin", "cnil"), "enrol-otp", *args, "-i", str(cabinet)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_VAULT")}
    if tty:  # a pseudo-terminal, as a contractor's terminal
        cmd = ["script", "-qec", " ".join(cmd), "/dev/null"]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)


@pytest.mark.skipif(not shutil.which("script"), reason="needs script(1) for a pseudo-terminal")
def test_enrol_otp_vaults_the_secret_and_shows_the_qr_once(cabinet):
    got = enrol(cabinet, "jmartin")
    assert got.returncode == 0, got.stdout + got.stderr
    vaulted = (cabinet / "otp" / "jmartin.vault").read_text()
    assert vaulted.startswith("$ANSIBLE_VAULT;1.2;AES256;cabinet-x\n")
    plain = subprocess.run([os.path.join(ROOT, ".venv", "bin", "ansible-vault"), "view", "--vault-id",
                            "cabinet-x@%s" % (cabinet / "vault-pass.demo"), str(cabinet / "otp" / "jmartin.vault")],
                           capture_output=True, text=True, check=True).stdout
    secret = plain.split("cnil_otp_secret:")[1].strip()
    assert len(base64.b32decode(secret + "=" * (-len(secret) % 8))) == 20
    assert "█" in got.stdout and "otpauth://" not in got.stdout  # the QR code, not the URI in clear
    assert secret not in vaulted
    # Enrolled already: refused unless --replace; never on a non-terminal (it would end up in a log).
    assert enrol(cabinet, "jmartin").returncode == 1
    again = enrol(cabinet, "jmartin", "--replace")
    assert again.returncode == 0 and (cabinet / "otp" / "jmartin.vault").read_text() != vaulted
    piped = enrol(cabinet, "sdurand", tty=False)
    assert piped.returncode == 1 and "terminal" in piped.stderr and not (cabinet / "otp" / "sdurand.vault").exists()
