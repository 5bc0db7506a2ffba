"""cnil_ageing: who is a human account, what each profile covers, exact check mode, never a hash in the output,
over-age passwords must change (never a lock), the management account and sudo's caller are exempt."""
import json
import os
import subprocess
import sys

import pytest

import cnil_ageing as ag

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = os.path.join(ROOT, "library", "cnil_ageing.py")
TODAY = 20000  # 2024-10-04
HASH = "$6$salt$secrethashvalue"
PASSWD = """root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
mgmt:x:1000:1000::/home/mgmt:/bin/bash
alice:x:1001:1001::/home/alice:/bin/bash
bob:x:1002:1002::/home/bob:/bin/bash
carol:x:1003:27::/home/carol:/bin/bash
svc:x:1004:1004::/srv:/usr/sbin/nologin
locked:x:1005:1005::/home/locked:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
fresh:x:1006:1006::/home/fresh:/bin/bash
"""
SHADOW = """root:{h}:19000:0:99999:7:::
daemon:*:19000:0:99999:7:::
mgmt:{h}:11323::::::
alice:{h}:11323:0:99999:7:30::
bob:{h}:19990:0::7:::
carol:{h}:11323:0:99999:7:::
svc:{h}:11323:0:99999:7:::
locked:!{h}:11323:0:99999:7:::
nobody:*:19000:0:99999:7:::
fresh:{h}::0:99999:7:::
""".format(h=HASH)
GROUP = "root:x:0:\nsudo:x:27:mgmt,alice\n"
SHELLS = "# /etc/shells\n/bin/sh\n/bin/bash\n/usr/bin/bash\n"
LOGIN_DEFS = "# login.defs\nPASS_MAX_DAYS\t99999\nPASS_MIN_DAYS\t0\nUID_MIN\t\t\t 1000\nUID_MAX\t\t\t60000\n"


@pytest.fixture
def etc(tmp_path):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    for name, text in (("passwd", PASSWD), ("shadow", SHADOW), ("group", GROUP), ("shells", SHELLS), ("login.defs", LOGIN_DEFS)):
        (root / "etc" / name).write_text(text)
    return root


def run(root, check=False, env=None, **args):
    args = dict(dict(max_days=365, exempt=["mgmt"], today=TODAY, root=str(root)), **args)
    argfile = root.parent / "args.json"
    argfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": dict(args, _ansible_check_mode=check, _ansible_diff=True)}))
    environ = {k: v for k, v in os.environ.items() if k != "SUDO_USER"}
    environ.update(env or {})
    proc = subprocess.run([sys.executable, MODULE, str(argfile)], capture_output=True, text=True, env=environ)
    assert HASH not in proc.stdout and "secrethash" not in proc.stdout, "a password hash reached the output"
    return json.loads(proc.stdout)


def by_name(out):
    return {a["name"]: a for a in out["accounts"]}


def test_human_accounts_are_uid_range_real_shell_and_not_locked(etc):
    names = set(by_name(run(etc, check=True)))
    assert names == {"mgmt", "alice", "bob", "carol", "fresh"}


def test_seed_profile_plan_in_check_mode_writes_nothing(etc):
    before = (etc / "etc/shadow").read_text()
    out = run(etc, check=True, login_defs_max_days=365)
    assert out["changed"] is True and (etc / "etc/shadow").read_text() == before
    accounts = by_name(out)
    assert accounts["mgmt"]["covered"] == "exempt"
    assert {n for n, a in accounts.items() if a["covered"] == "yes"} == {"alice", "bob", "carol", "fresh"}
    diff = out["diff"][0]
    assert "alice: max_days=99999 last_change=2001-01-01" in diff["before"]
    assert "alice: max_days=365 last_change=must change at next login" in diff["after"]
    assert "bob: max_days=365 last_change=2024-09-24" in diff["after"]       # recent: keeps its date
    assert "fresh: max_days=365 last_change=must change" in diff["after"]    # unknown age: must change
    assert "mgmt" not in diff["before"] + diff["after"]
    assert any(d["after_header"].endswith("login.defs") and "PASS_MAX_DAYS\t365" in d["after"] for d in out["diff"])


def test_cnil2022_covers_administrators_only(etc):
    accounts = by_name(run(etc, check=True, scope="admins"))
    assert accounts["alice"]["covered"] == "yes" and accounts["carol"]["covered"] == "yes"  # carol: primary group sudo
    assert accounts["bob"]["covered"] == "not in scope" and accounts["mgmt"]["covered"] == "exempt"


def test_plan_keeps_stricter_ages_and_never_touches_a_must_change():
    assert ag.plan_account({"max_days": 90, "last_change": TODAY - 10}, 365, TODAY) == (90, False)
    assert ag.plan_account({"max_days": 400, "last_change": TODAY - 380}, 365, TODAY) == (365, True)
    assert ag.plan_account({"max_days": None, "last_change": 0}, 365, TODAY) == (365, False)
    assert ag.plan_account({"max_days": -1, "last_change": None}, 365, TODAY) == (365, True)


def test_login_defs_value_is_set_in_place():
    assert ag.set_login_defs("A 1\nPASS_MAX_DAYS\t99999\n#PASS_MAX_DAYS 5\n", "PASS_MAX_DAYS", 365) == \
        "A 1\nPASS_MAX_DAYS\t365\n#PASS_MAX_DAYS 5\n"
    assert ag.set_login_defs("A 1\n", "PASS_MAX_DAYS", 365) == "A 1\nPASS_MAX_DAYS\t365\n"


def test_sudo_caller_is_exempt_too(etc):
    accounts = by_name(run(etc, check=True, exempt=[], env={"SUDO_USER": "alice"}))
    assert accounts["alice"]["covered"] == "exempt"


def test_apply_through_chage_then_idempotent_and_never_locked(etc):
    """chage --root chroots: root is needed, as on the project's machines and CI."""
    out = run(etc, login_defs_max_days=365)
    assert out["changed"] is True
    shadow = {l.split(":")[0]: l.split(":") for l in (etc / "etc/shadow").read_text().splitlines()}
    assert shadow["alice"][2] == "0" and shadow["alice"][4] == "365" and shadow["alice"][1] == HASH
    assert shadow["alice"][6] == "30" and shadow["alice"][7] == ""  # inactivity kept, no expiry date set
    assert shadow["bob"][2] == "19990" and shadow["bob"][4] == "365"
    assert shadow["mgmt"][2] == "11323" and shadow["mgmt"][4] == ""
    assert shadow["locked"][4] == "99999" and shadow["svc"][4] == "99999"
    assert all(a["compliant"] for a in out["accounts"] if a["covered"] == "yes")
    assert run(etc)["changed"] is False and run(etc, check=True, login_defs_max_days=365)["changed"] is False
