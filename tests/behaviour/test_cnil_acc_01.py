"""CNIL-ACC-01: only the declared administrators may use sudo; an account nobody declared is reported by name and,
with cnil_acc_lock_unknown, locked so that it can no longer log in through PAM; empty passwords are reported."""
import pytest

from cnil_testlib import connections

PASSWORD = "Cabinet-Test-2026!"
UNKNOWN = "cnil-acc-intrus"
LOCK_TASK = "CNIL-ACC-01 | undeclared accounts locked"
LOCK_ON = ["-e", '{"cnil_acc_lock_unknown": true}']


def can_log_in(conn, user, password=PASSWORD):
    """A real PAM conversation (login service): password, then account management (expiry)."""
    return conn.run(f"printf '%s\\n' '{password}' | pamtester login {user} authenticate acct_mgmt").rc == 0


def declared(conn):
    variables = conn.ansible.get_variables()
    return [p["login"] for p in variables["cnil_people"]], list(variables["cnil_admins"])


_PREPARED = {}


@pytest.fixture(scope="module")
def acc_hosts(cnil):
    return prepare_accounts(cnil)


def prepare_accounts(cnil):
    """Every declared person and administrator has an account with a known password, then the role is applied.
    Done once per test session (the drift tests reuse it)."""
    if not _PREPARED:
        conns = connections(cnil.inventory)
        for conn in conns.values():
            people, admins = declared(conn)
            for login in people + admins:
                conn.run_expect([0], f"id {login} || useradd -m -s /bin/bash {login}")
                conn.run_expect([0], f"echo '{login}:{PASSWORD}' | chpasswd")
            conn.run_expect([0], "command -v pamtester || DEBIAN_FRONTEND=noninteractive apt-get install -y -q pamtester")
        cnil.apply(tags="cnil_acc")
        _PREPARED["conns"] = conns
    return _PREPARED["conns"]


def test_only_the_declared_administrators_may_use_sudo(acc_hosts):
    for conn in acc_hosts.values():
        people, admins = declared(conn)
        members = [m for m in conn.check_output("getent group sudo").split(":")[3].split(",") if m]
        assert sorted(members) == sorted(admins)
        for admin in admins:
            assert "(ALL : ALL) ALL" in conn.check_output(f"sudo -l -U {admin}")
        for login in set(people) - set(admins):
            assert "is not allowed to run sudo" in conn.check_output(f"sudo -l -U {login}")


@pytest.fixture(scope="module")
def unknown_scene(cnil, acc_hosts):
    """An account nobody declared and a declared person's emptied password: apply without the lock switch (the
    account survives it), then audit and apply with the switch on."""
    for conn in acc_hosts.values():
        conn.run_expect([0], f"id {UNKNOWN} || useradd -m -s /bin/bash {UNKNOWN}")
        conn.run_expect([0], f"echo '{UNKNOWN}:{PASSWORD}' | chpasswd && passwd -d {declared(conn)[0][0]}")
    apply_off = cnil.apply()
    still = {name: can_log_in(conn, UNKNOWN) for name, conn in acc_hosts.items()}
    audit_on = cnil.audit(extra=LOCK_ON)
    apply_on = cnil.apply(extra=LOCK_ON)
    after = {name: can_log_in(conn, UNKNOWN) for name, conn in acc_hosts.items()}
    exists = {name: conn.user(UNKNOWN).exists for name, conn in acc_hosts.items()}
    yield dict(still=still, audit_on=audit_on, apply_on=apply_on, after=after, exists=exists,
               apply_off=apply_off)
    for conn in acc_hosts.values():
        conn.run(f"userdel -r {UNKNOWN}")
        conn.run_expect([0], f"echo '{declared(conn)[0][0]}:{PASSWORD}' | chpasswd")


def test_an_undeclared_account_is_reported_by_name_and_left_usable_without_the_switch(unknown_scene, ansible_hosts):
    for name in ansible_hosts:
        for result in (unknown_scene["apply_off"], unknown_scene["audit_on"]):
            check = result.check(name, "CNIL-ACC-01", "known_accounts")
            assert check["status"] == "FAIL" and check["evidence"]["unknown"] == [UNKNOWN], check
            assert UNKNOWN in check["reason"]
        assert unknown_scene["audit_on"].rc == 2
        # The apply without the switch reported it and left it alone: it still logs in through PAM.
        assert unknown_scene["still"][name], "the undeclared account could not log in before being locked"


def test_an_empty_password_is_reported_by_name(unknown_scene, acc_hosts, ansible_hosts):
    for name in ansible_hosts:
        check = unknown_scene["audit_on"].check(name, "CNIL-ACC-01", "no_empty_password")
        assert check["status"] == "FAIL" and check["evidence"]["empty_password"] == [declared(acc_hosts[name])[0][0]]


def test_with_the_switch_the_audit_names_the_lock_and_apply_locks_without_deleting(unknown_scene, ansible_hosts):
    for name in ansible_hosts:
        assert any(t.startswith(LOCK_TASK) for t in unknown_scene["audit_on"].changed_tasks(name, "CNIL-ACC-01"))
        assert unknown_scene["after"][name] is False, "the locked account still logs in through PAM"
        assert unknown_scene["exists"][name], "the account was deleted instead of locked"
        # Once locked it is no longer an enabled human account: the apply's own evidence says so.
        check = unknown_scene["apply_on"].check(name, "CNIL-ACC-01", "known_accounts")
        assert check["status"] == "PASS" and check["evidence"]["unknown"] == []


def test_the_management_account_outside_cnil_admins_is_refused_before_any_change(cnil, acc_hosts):
    first = sorted(acc_hosts)[0]
    people, _ = declared(acc_hosts[first])
    before = acc_hosts[first].check_output("getent group sudo")
    result = cnil.run("apply", limit=first, extra=["-e", "cnil_mgmt_user=" + people[0]])
    assert result.rc != 0
    assert "cnil_mgmt_user" in result.output and "cnil_admins" in result.output and "CNIL-ACC-01" in result.output
    assert acc_hosts[first].check_output("getent group sudo") == before
