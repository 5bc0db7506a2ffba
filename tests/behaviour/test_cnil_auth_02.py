"""CNIL-AUTH-02: a staff account declared for one-time codes needs its password AND a valid TOTP code to log in through
PAM; a wrong code is refused; other accounts are not asked for a code; the secret never shows in Ansible's output
(-v --diff), in the report or in a file others can read."""
import base64
import glob
import hashlib
import hmac
import os
import struct
import subprocess
import time

import pytest

from cnil_testlib import ROOT, connections

PASSWORD = "Cabinet-Test-2026!"
OATH = "/etc/users.oath"


def staff_with_otp(conn):
    """(login, base32 secret) of the first declared OTP staff member whose secret is enrolled, else None."""
    variables = conn.ansible.get_variables()
    declared = [p["login"] for p in variables["cnil_people"] if p.get("role") == "staff" and p.get("otp")]
    declared += variables.get("cnil_auth_otp_users", [])
    # The cabinet's enrolled secrets: cnil_auth_otp_dir as the cabinets spell it (from the playbook folder).
    folder = variables.get("cnil_auth_otp_dir", "").replace("{{ playbook_dir }}", os.path.join(ROOT, "playbooks"))
    for login in declared:
        path = os.path.join(folder, login + ".vault")
        if os.path.exists(path):
            plain = subprocess.run([os.path.join(ROOT, ".venv", "bin", "ansible-vault"), "view", path], capture_output=True,
                                   text=True, check=True, env=dict(os.environ)).stdout
            secret = next(line.split(":", 1)[1].strip() for line in plain.splitlines() if line.startswith("cnil_otp_secret:"))
            return login, secret
    return None


def totp(secret, step):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


class Codes:
    """pam_oath refuses a code whose time step is not after the last one used: each login takes a later step
    (pam_oath accepts 2 steps ahead: window=2)."""

    def __init__(self, secret):
        self.secret, self.last = secret, 0

    def next(self):
        step = max(int(time.time()) // 30, self.last + 1)
        if step > int(time.time()) // 30 + 2:
            time.sleep(30)
            step = int(time.time()) // 30
        self.last = step
        return totp(self.secret, step)


def login(conn, user, *answers):
    """A real PAM conversation on the login service; returns (rc, prompts seen)."""
    feed = "".join("%s\\n" % a for a in answers)
    got = conn.run(f"printf '{feed}' | pamtester login {user} authenticate")
    return got.rc, got.stdout + got.stderr


@pytest.fixture(scope="module")
def otp(cnil):
    conns = connections(cnil.inventory)
    found = staff_with_otp(next(iter(conns.values())))
    if not found:
        pytest.skip("this cabinet declares no enrolled one-time-code account")
    user, secret = found
    for conn in conns.values():
        conn.run_expect([0], "command -v pamtester || DEBIAN_FRONTEND=noninteractive apt-get install -y -q pamtester")
        conn.run_expect([0], f"echo '{user}:{PASSWORD}' | chpasswd")
    return dict(conns=conns, user=user, secret=secret, codes={name: Codes(secret) for name in conns})


def test_password_and_a_valid_code_are_both_needed(otp):
    for name, conn in otp["conns"].items():
        rc, prompts = login(conn, otp["user"], PASSWORD, otp["codes"][name].next())
        assert rc == 0 and "One-time password" in prompts, prompts
        wrong = "000000" if totp(otp["secret"], int(time.time()) // 30) != "000000" else "111111"
        rc, prompts = login(conn, otp["user"], PASSWORD, wrong)
        assert rc != 0 and "One-time password" in prompts, prompts
        rc, prompts = login(conn, otp["user"], "not-the-password", "123456")
        assert rc != 0, prompts


def test_a_code_is_accepted_once(otp):
    for name, conn in otp["conns"].items():
        code = otp["codes"][name].next()
        assert login(conn, otp["user"], PASSWORD, code)[0] == 0
        assert login(conn, otp["user"], PASSWORD, code)[0] != 0


def test_other_accounts_are_not_asked_for_a_code(otp):
    for conn in otp["conns"].values():
        other = next(p["login"] for p in conn.ansible.get_variables()["cnil_people"] if p["login"] != otp["user"])
        conn.run_expect([0], f"id {other} || useradd -m -s /bin/bash {other}")
        conn.run_expect([0], f"echo '{other}:{PASSWORD}' | chpasswd")
        rc, prompts = login(conn, other, PASSWORD)
        assert rc == 0 and "One-time password" not in prompts, prompts


def test_the_secret_never_shows_in_output_reports_or_readable_files(otp, cnil):
    hexa = base64.b32decode(otp["secret"] + "=" * (-len(otp["secret"]) % 8)).hex()
    for conn in otp["conns"].values():
        conn.run_expect([0], f"sed -i '/\\s{otp['user']}\\s/d' {OATH}")  # the run must write it again
    result = cnil.run("apply", extra=["-v", "--diff"])
    assert result.rc == 0, result.output[-3000:]
    assert "one secret per enrolled account" in result.output  # the task ran and changed the file
    for secret in (otp["secret"], hexa):
        assert secret not in result.output and secret.lower() not in result.output.lower()
        for path in glob.glob(os.path.join(cnil.workdir, "**", "*"), recursive=True):  # every report of this session
            if os.path.isfile(path):
                assert secret not in open(path, errors="replace").read(), path
    for conn in otp["conns"].values():
        f = conn.file(OATH)
        assert f.user == "root" and f.group == "root" and f.mode == 0o600
        found = conn.run(f"grep -rlsiF -e {hexa} -e {otp['secret']} /etc /var/log /var/tmp /var/cache/cnil-cabinet* /var/lib/pam /usr/share/pam-configs /tmp /home /root /run")
        assert found.stdout.split() == [OATH], found.stdout
