"""cnil_accounts_facts (read-only account facts, never a hash) and cnil_acc_group_members (exact group members)."""
import json
import os
import subprocess
import sys

import pytest

import cnil_accounts_facts as facts
import cnil_acc_group_members as group_members

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = os.path.join(ROOT, "library", "cnil_accounts_facts.py")
HASH = "$y$j9T$abcdefghijklmnopqrstu.$0123456789abcdefghijklmnopqrstuvwxyzABCDE"
TODAY = 20000

PASSWD = """root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
mdupont:x:1000:1000:Dr Marie Dupont:/home/mdupont:/bin/bash
cnil-admin:x:1001:1001::/home/cnil-admin:/bin/bash
stagiaire:x:1002:1002::/home/stagiaire:/bin/bash
ancien:x:1003:1003::/home/ancien:/bin/bash
parti:x:1004:1004::/home/parti:/bin/bash
service:x:1005:1005::/srv:/usr/sbin/nologin
accueil:x:1006:1006::/home/accueil:/bin/sh
wheelie:x:1007:27::/home/wheelie:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
"""
SHADOW = """root:*:20000:0:99999:7:::
daemon:*:20000:0:99999:7:::
mdupont:{h}:20000:0:99999:7:::
cnil-admin:{h}:20000:0:99999:7:::
stagiaire:{h}:20000:0:99999:7:::
ancien:!{h}:20000:0:99999:7:::
parti:{h}:20000:0:99999:7::19000:
service:{h}:20000:0:99999:7:::
accueil::20000:0:99999:7:::
wheelie:!:20000:0:99999:7:::
nobody:*:20000:0:99999:7:::
""".format(h=HASH)
GROUP = """root:x:0:
sudo:x:27:mdupont,stagiaire
users:x:100:stagiaire
"""


@pytest.fixture
def fakeroot(tmp_path):
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "passwd").write_text(PASSWD)
    (etc / "shadow").write_text(SHADOW)
    (etc / "group").write_text(GROUP)
    (etc / "login.defs").write_text("# comment\nUID_MIN\t\t 1000\nUID_MAX\t\t60000\n")
    return tmp_path


def run(fakeroot, **over):
    args = dict(admin_group="sudo", root=str(fakeroot), _ansible_check_mode=True)
    args.update(over)
    argfile = fakeroot / "args.json"
    argfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    proc = subprocess.run([sys.executable, MODULE, str(argfile)], capture_output=True, text=True)
    return json.loads(proc.stdout)


def test_human_enabled_accounts_need_uid_shell_usable_password_and_no_expiry(fakeroot):
    out = run(fakeroot)
    assert out["changed"] is False and out["uid_min"] == 1000
    # ancien: locked; parti: expired; service: nologin; wheelie: locked; root: below UID_MIN.
    assert out["human_enabled"] == ["mdupont", "cnil-admin", "stagiaire", "accueil"]
    by_name = {a["name"]: a for a in out["accounts"]}
    assert by_name["ancien"]["password"] == "locked" and not by_name["ancien"]["enabled"]
    assert by_name["parti"]["expired"] and not by_name["parti"]["enabled"]
    assert by_name["service"]["human"] is False and by_name["service"]["login_shell"] is False
    assert by_name["stagiaire"]["groups"] == ["sudo", "users"]


def test_empty_passwords_are_reported_and_no_hash_is_ever_returned(fakeroot):
    out = run(fakeroot)
    assert out["empty_password"] == ["accueil"]
    assert HASH not in json.dumps(out) and "$y$" not in json.dumps(out)


def test_admin_group_members_include_primary_group_members(fakeroot):
    out = run(fakeroot)
    assert out["admin_group"] == {"name": "sudo", "exists": True, "gid": 27, "members": ["mdupont", "stagiaire"],
                                  "primary": ["wheelie"]}
    assert run(fakeroot, admin_group="wheel")["admin_group"]["exists"] is False


def test_no_display_manager_configuration(fakeroot):
    dms = run(fakeroot)["display_managers"]
    assert dms == {dm: {"files": [], "autologin": []} for dm in ("gdm", "lightdm", "sddm")}


def test_autologin_settings_of_each_display_manager(fakeroot):
    (fakeroot / "etc" / "gdm3").mkdir()
    (fakeroot / "etc" / "gdm3" / "daemon.conf").write_text(
        "[daemon]\n#  AutomaticLoginEnable = true\nAutomaticLoginEnable = True\nAutomaticLogin = mdupont\n"
        "TimedLoginEnable=false\n[security]\nAutomaticLoginEnable=true\n")
    (fakeroot / "etc" / "lightdm" / "lightdm.conf.d").mkdir(parents=True)
    (fakeroot / "etc" / "lightdm" / "lightdm.conf").write_text("[Seat:*]\nautologin-user=\n")
    (fakeroot / "etc" / "lightdm" / "lightdm.conf.d" / "50-auto.conf").write_text("[Seat:*]\nautologin-user=accueil\n")
    (fakeroot / "etc" / "lightdm" / "lightdm.conf.d" / "README").write_text("autologin-user=ignored\n")
    (fakeroot / "etc" / "sddm.conf").write_text("[Users]\nUser=x\n[Autologin]\nUser=accueil\nSession=plasma\n")
    dms = run(fakeroot)["display_managers"]
    assert dms["gdm"]["files"] == ["/etc/gdm3/daemon.conf"]
    # Only [daemon] counts, and the commented line is not a setting.
    assert [(s["key"], s["value"], s["active"]) for s in dms["gdm"]["autologin"]] == [
        ("AutomaticLoginEnable", "True", True), ("TimedLoginEnable", "false", False)]
    assert dms["lightdm"]["files"] == ["/etc/lightdm/lightdm.conf", "/etc/lightdm/lightdm.conf.d/50-auto.conf"]
    assert [(s["file"], s["active"]) for s in dms["lightdm"]["autologin"]] == [
        ("/etc/lightdm/lightdm.conf", False), ("/etc/lightdm/lightdm.conf.d/50-auto.conf", True)]
    assert [(s["section"], s["value"]) for s in dms["sddm"]["autologin"]] == [("Autologin", "accueil")]
    assert dms["sddm"]["autologin"][0]["text"] == "/etc/sddm.conf [Autologin] User=accueil"


@pytest.mark.parametrize("field, state", [("", "empty"), ("!", "locked"), ("*", "locked"), ("!" + HASH, "locked"),
                                          (HASH, "set"), (None, "missing")])
def test_password_state(field, state):
    assert facts.password_state(field) == state


def test_expiry_day_reached_means_expired():
    assert facts.is_expired("1", TODAY) and facts.is_expired(str(TODAY), TODAY)
    assert not facts.is_expired(str(TODAY + 1), TODAY) and not facts.is_expired("", TODAY)


def test_group_members_plan():
    assert group_members.plan(["mdupont", "cnil-admin"], ["cnil-admin", "jmartin"]) == (["jmartin"], ["mdupont"])
    assert group_members.plan(["a"], ["a"]) == ([], [])
