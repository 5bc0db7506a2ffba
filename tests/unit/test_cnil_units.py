"""cnil_units: systemd units brought to their wanted enablement and state in one module call; one `systemctl show`
for all units, exact check mode, diff, clear failures. A fake systemctl (first on PATH) keeps the units' state in a
JSON file and logs every invocation, so the module really runs its commands."""
import json
import os
import subprocess
import sys

import pytest

from module_runner import module_argv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = os.path.join(ROOT, "library", "cnil_units.py")

FAKE_SYSTEMCTL = r'''#!%(python)s
"""A stand-in for systemctl: units in a JSON state file, every invocation appended to a log."""
import json
import os
import sys

STATE, LOG = %(state)r, %(log)r
argv = sys.argv[1:]
with open(LOG, "a") as log:
    log.write(json.dumps({"argv": argv, "lang": os.environ.get("LANG"), "lc_all": os.environ.get("LC_ALL")}) + "\n")
with open(STATE) as handle:
    state = json.load(handle)
units = state["units"]
verb = argv[0]
names = [a for a in argv[1:] if not a.startswith("-")]
for key, (rc, message) in state.get("fail", {}).items():
    if key == " ".join([verb] + names):
        sys.stderr.write(message + "\n")
        sys.exit(rc)
UNKNOWN = {"LoadState": "not-found", "ActiveState": "inactive", "SubState": "dead", "UnitFileState": ""}


def save():
    with open(STATE, "w") as handle:
        json.dump(state, handle)


if verb == "daemon-reload":
    units.update(state.pop("after_reload", {}))
    save()
elif verb == "show":
    assert "--no-pager" in argv and "--" in argv, argv
    props = [a for a in argv if a.startswith("--property=")][0].split("=", 1)[1].split(",")
    blocks = []
    for name in argv[argv.index("--") + 1:]:
        unit = dict(UNKNOWN, Id=name, **units.get(name, {}))
        # like systemctl: in systemd's own order, not the order asked
        blocks.append("".join("%%s=%%s\n" %% (p, unit.get(p, "")) for p in sorted(props)))
    sys.stdout.write("\n".join(blocks))
else:
    name = names[0]
    unit = units.get(name)
    if unit is None or unit.get("LoadState") == "not-found":
        sys.stderr.write("Failed to %%s unit: Unit %%s not found.\n" %% (verb, name))
        sys.exit(5)
    masked = unit.get("LoadState") == "masked"
    if verb == "enable":
        if masked:
            sys.stderr.write("Failed to enable unit: Unit file /etc/systemd/system/%%s is masked.\n" %% name)
            sys.exit(1)
        if unit["UnitFileState"] not in ("static", "indirect", "generated", "transient"):
            unit["UnitFileState"] = "enabled"
    elif verb == "disable":
        if unit["UnitFileState"] in ("enabled", "enabled-runtime", "alias"):
            unit["UnitFileState"] = "disabled"
    elif verb in ("start", "restart"):
        if masked:
            sys.stderr.write("Failed to start %%s: Unit %%s is masked.\n" %% (name, name))
            sys.exit(1)
        unit.update(ActiveState="active", SubState="running")
    elif verb == "stop":
        unit.update(ActiveState="inactive", SubState="dead")
    else:
        sys.stderr.write("Unknown command verb %%s.\n" %% verb)
        sys.exit(1)
    save()
'''


def unit(enabled="disabled", active="inactive", load="loaded"):
    return {"LoadState": load, "UnitFileState": enabled, "ActiveState": active,
            "SubState": "running" if active == "active" else "dead"}


class Host:
    """A fake systemd: its units, the commands run against it, the module run with it first on PATH."""

    def __init__(self, tmp_path, units, fail=None, after_reload=None):
        self.tmp_path = tmp_path
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        self.state_file = tmp_path / "systemd.json"
        self.log_file = tmp_path / "systemctl.log"
        self.state_file.write_text(json.dumps({"units": units, "fail": fail or {}, "after_reload": after_reload or {}}))
        script = self.bin / "systemctl"
        script.write_text(FAKE_SYSTEMCTL % {"python": sys.executable, "state": str(self.state_file),
                                            "log": str(self.log_file)})
        script.chmod(0o755)

    @property
    def units(self):
        return json.loads(self.state_file.read_text())["units"]

    @property
    def calls(self):
        """Each systemctl invocation, as its argv."""
        if not self.log_file.exists():
            return []
        return [json.loads(line)["argv"] for line in self.log_file.read_text().splitlines()]

    @property
    def verbs(self):
        """The invocations other than show, as 'verb unit' strings."""
        return [" ".join([c[0]] + [a for a in c[1:] if not a.startswith("-")]) for c in self.calls if c[0] != "show"]

    def run(self, units, check=False, path=None, **args):
        argfile = self.tmp_path / "args.json"
        argfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": dict(args, units=units, _ansible_check_mode=check,
                                                                   _ansible_diff=True)}))
        env = dict(os.environ, PATH=path if path is not None else str(self.bin) + os.pathsep + os.environ["PATH"])
        proc = subprocess.run(module_argv(MODULE, argfile), capture_output=True, text=True, env=env)
        return json.loads(proc.stdout)


WANTED_UP = [{"name": "pcscd.socket", "enabled": True, "state": "started"}]


def test_a_compliant_unit_is_no_change_and_no_command_but_one_show(tmp_path):
    host = Host(tmp_path, {"pcscd.socket": unit("enabled", "active"),
                           "apt-daily.timer": unit("enabled", "active"),
                           "clamav-freshclam-once.timer": unit("disabled", "inactive")})
    wanted = WANTED_UP + [{"name": "apt-daily.timer", "enabled": True, "state": "started"},
                          {"name": "clamav-freshclam-once.timer", "enabled": False, "state": "stopped"}]
    for check in (False, True):
        out = host.run(wanted, check=check)
        assert out["changed"] is False and out["actions"] == [] and out["actions_done"] == [], out
        assert out["diff"]["before"] == out["diff"]["after"]
    assert host.verbs == []
    assert [c[0] for c in host.calls] == ["show", "show"]


def test_one_show_reads_every_unit_in_order(tmp_path):
    host = Host(tmp_path, {"a.service": unit("enabled", "active"), "b.socket": unit(), "c.timer": unit("static")})
    out = host.run([{"name": "c.timer"}, {"name": "a.service"}, {"name": "b.socket"}])
    (show,) = host.calls
    assert show[:2] == ["show", "--no-pager"] and show[-4:] == ["--", "c.timer", "a.service", "b.socket"]
    assert set(show[2].split("=", 1)[1].split(",")) == {"Id", "LoadState", "ActiveState", "UnitFileState", "SubState"}
    assert out["units"]["a.service"] == {"id": "a.service", "load": "loaded", "active": "active", "sub": "running",
                                         "unit_file": "enabled", "actions": []}
    assert out["units"]["c.timer"]["unit_file"] == "static" and out["units"]["b.socket"]["unit_file"] == "disabled"
    assert json.loads(host.log_file.read_text().splitlines()[0])["lc_all"] == "C"


def test_check_mode_lists_enable_then_start_and_runs_nothing(tmp_path):
    host = Host(tmp_path, {"pcscd.socket": unit("disabled", "inactive")})
    before = host.units
    out = host.run(WANTED_UP, check=True)
    assert out["changed"] is True and out["actions"] == ["enable pcscd.socket", "start pcscd.socket"]
    assert out["actions_done"] == [] and out["units"]["pcscd.socket"]["actions"] == ["enable", "start"]
    assert out["diff"] == {"before": "pcscd.socket: enabled=no active=no\n", "after": "pcscd.socket: enabled=yes active=yes\n"}
    assert host.verbs == [] and host.units == before


def test_apply_enables_then_starts_and_then_nothing_to_do(tmp_path):
    host = Host(tmp_path, {"pcscd.socket": unit("disabled", "inactive")})
    out = host.run(WANTED_UP)
    assert out["changed"] is True and out["actions_done"] == ["enable pcscd.socket", "start pcscd.socket"]
    assert host.verbs == ["enable pcscd.socket", "start pcscd.socket"]
    assert host.units["pcscd.socket"]["UnitFileState"] == "enabled" and host.units["pcscd.socket"]["ActiveState"] == "active"
    for check in (True, False):
        assert host.run(WANTED_UP, check=check)["changed"] is False
    assert len(host.verbs) == 2


def test_order_across_units_enablement_then_state_unit_by_unit(tmp_path):
    host = Host(tmp_path, {"a.service": unit("enabled", "active"), "b.timer": unit("disabled", "inactive")})
    out = host.run([{"name": "a.service", "enabled": False, "state": "stopped"},
                    {"name": "b.timer", "enabled": True, "state": "started"}])
    assert out["actions"] == ["disable a.service", "stop a.service", "enable b.timer", "start b.timer"]
    assert host.verbs == out["actions"]


def test_restarted_is_always_a_change_and_starts_a_stopped_unit(tmp_path):
    host = Host(tmp_path, {"usbguard.service": unit("enabled", "active"), "cnil-scan.timer": unit("enabled", "inactive")})
    wanted = [{"name": "usbguard.service", "enabled": True, "state": "restarted"},
              {"name": "cnil-scan.timer", "state": "restarted"}]
    audit = host.run(wanted, check=True)
    assert audit["changed"] is True and audit["actions"] == ["restart usbguard.service", "restart cnil-scan.timer"]
    assert host.verbs == []
    assert "usbguard.service: enabled=yes active=yes (restarted)" in audit["diff"]["after"]
    for _ in range(2):
        assert host.run(wanted)["changed"] is True
    assert host.verbs == ["restart usbguard.service", "restart cnil-scan.timer"] * 2
    assert host.units["cnil-scan.timer"]["ActiveState"] == "active"


def test_absent_ok_unit_not_found_is_no_change(tmp_path):
    host = Host(tmp_path, {})
    wanted = [{"name": "clamav-freshclam-once.timer", "enabled": False, "state": "stopped", "absent_ok": True}]
    for check in (False, True):
        out = host.run(wanted, check=check)
        assert out["changed"] is False and "failed" not in out, out
        assert out["units"]["clamav-freshclam-once.timer"]["load"] == "not-found"
        assert out["diff"]["before"] == out["diff"]["after"] == "clamav-freshclam-once.timer: not installed\n"
    assert host.verbs == []


def test_absent_ok_present_unit_is_still_turned_off(tmp_path):
    host = Host(tmp_path, {"clamav-freshclam-once.timer": unit("enabled", "active")})
    out = host.run([{"name": "clamav-freshclam-once.timer", "enabled": False, "state": "stopped", "absent_ok": True}])
    assert out["changed"] is True and host.verbs == ["disable clamav-freshclam-once.timer", "stop clamav-freshclam-once.timer"]


@pytest.mark.parametrize("check", [False, True])
def test_an_unknown_unit_fails_naming_it_and_nothing_is_done(tmp_path, check):
    host = Host(tmp_path, {"pcscd.socket": unit()})
    out = host.run(WANTED_UP + [{"name": "clamav-freshclam.service", "enabled": True}], check=check)
    assert out["failed"] is True and "clamav-freshclam.service" in out["msg"] and "not-found" in out["msg"]
    assert "pcscd.socket" not in out["msg"]
    assert host.verbs == [] and out["actions_done"] == []


def test_pending_unknown_unit_is_a_change_in_check_mode_only(tmp_path):
    host = Host(tmp_path, {})
    wanted = [{"name": "clamav-freshclam.service", "enabled": True, "state": "started", "pending": True}]
    out = host.run(wanted, check=True)
    assert out["changed"] is True and "failed" not in out, out
    assert out["actions"] == ["enable clamav-freshclam.service", "start clamav-freshclam.service"]
    assert out["diff"] == {"before": "clamav-freshclam.service: not installed\n",
                           "after": "clamav-freshclam.service: enabled=yes active=yes\n"}
    assert host.verbs == []
    out = host.run(wanted)
    assert out["failed"] is True and "clamav-freshclam.service" in out["msg"] and "daemon_reload" in out["msg"]
    assert host.verbs == []


def test_pending_unit_wanted_off_is_no_change_in_check_mode(tmp_path):
    # A new unit file is disabled and stopped: nothing to do to keep it so.
    host = Host(tmp_path, {})
    out = host.run([{"name": "x.service", "enabled": False, "state": "stopped", "pending": True}], check=True)
    assert out["changed"] is False and "failed" not in out


def test_daemon_reload_runs_first_and_makes_a_new_unit_known(tmp_path):
    host = Host(tmp_path, {}, after_reload={"cnil-clamav-scan.timer": unit("disabled", "inactive")})
    wanted = [{"name": "cnil-clamav-scan.timer", "enabled": True, "state": "started", "pending": True}]
    audit = host.run(wanted, check=True, daemon_reload=True)
    assert audit["changed"] is True and audit["actions"][0] == "daemon-reload" and audit["actions_done"] == []
    assert host.verbs == []
    out = host.run(wanted, daemon_reload=True)
    assert out["changed"] is True and "failed" not in out, out
    assert [c[0] for c in host.calls[1:]] == ["daemon-reload", "show", "enable", "start"]
    assert out["actions_done"] == ["daemon-reload", "enable cnil-clamav-scan.timer", "start cnil-clamav-scan.timer"]
    assert host.run(wanted, daemon_reload=False)["changed"] is False


def test_daemon_reload_alone_is_a_change(tmp_path):
    host = Host(tmp_path, {"a.service": unit("enabled", "active")})
    out = host.run([{"name": "a.service", "enabled": True}], daemon_reload=True)
    assert out["changed"] is True and out["actions"] == ["daemon-reload"] and host.verbs == ["daemon-reload"]


def test_masked_unit_wanted_enabled_fails_naming_unmask(tmp_path):
    host = Host(tmp_path, {"pcscd.socket": unit("masked", "inactive", load="masked")})
    for check in (False, True):
        out = host.run(WANTED_UP, check=check)
        assert out["failed"] is True and "pcscd.socket" in out["msg"] and "systemctl unmask pcscd.socket" in out["msg"]
    assert host.verbs == []
    out = host.run([{"name": "pcscd.socket", "enabled": False, "state": "stopped"}])
    assert out["changed"] is False and "failed" not in out


def test_static_units_are_neither_enabled_nor_disabled(tmp_path):
    host = Host(tmp_path, {"a.service": unit("static", "active"), "b.service": unit("indirect", "inactive"),
                           "c.mount": unit("generated", "active")})
    out = host.run([{"name": "a.service", "enabled": True}, {"name": "b.service", "enabled": False},
                    {"name": "c.mount", "enabled": False, "state": "stopped"}])
    assert out["actions"] == ["stop c.mount"] and host.verbs == ["stop c.mount"]
    assert "a.service: enabled=static active=yes" in out["diff"]["before"]


def test_a_failing_start_names_unit_and_stderr_and_stops_there(tmp_path):
    host = Host(tmp_path, {"a.service": unit("enabled", "inactive"), "clamav-daemon.service": unit("disabled", "inactive"),
                           "z.timer": unit("disabled", "inactive")},
                fail={"start clamav-daemon.service": [1, "Job for clamav-daemon.service failed because a condition was unmet."]})
    out = host.run([{"name": "a.service", "state": "started"},
                    {"name": "clamav-daemon.service", "enabled": True, "state": "started"},
                    {"name": "z.timer", "enabled": True}])
    assert out["failed"] is True and out["changed"] is True
    assert "start clamav-daemon.service" in out["msg"] and "condition was unmet" in out["msg"]
    assert out["actions_done"] == ["start a.service", "enable clamav-daemon.service"]
    assert host.verbs == ["start a.service", "enable clamav-daemon.service", "start clamav-daemon.service"]
    assert host.units["z.timer"]["UnitFileState"] == "disabled"


def test_a_failing_show_is_reported(tmp_path):
    host = Host(tmp_path, {}, fail={"show a.service": [1, "System has not been booted with systemd as init system (PID 1)."]})
    out = host.run([{"name": "a.service", "enabled": True}])
    assert out["failed"] is True and "booted with systemd" in out["msg"]


@pytest.mark.parametrize("units, words", [
    ([{"name": "a.service"}, {"name": "b.timer"}, {"name": "a.service", "enabled": True}], ["listed twice", "a.service"]),
    ([{"name": "pcscd", "enabled": True}], ["pcscd", "suffix"]),
    ([{"name": "pcscd.socket", "state": "running"}], ["running", "pcscd.socket", "started"]),
    ([{"name": "getty@.service", "state": "started"}], ["getty@.service", "template"]),
    ([{"name": "apt-*.timer", "enabled": False}], ["apt-*.timer"]),
    ([{"name": "/etc/systemd/system/x.service", "enabled": False}], ["/etc/systemd/system/x.service"]),
    ([{"name": "x.service", "enabled": True, "absent_ok": True}], ["x.service", "absent_ok"]),
])
def test_bad_input_is_refused_before_any_command(tmp_path, units, words):
    host = Host(tmp_path, {"a.service": unit(), "b.timer": unit(), "pcscd.socket": unit()})
    out = host.run(units)
    assert out["failed"] is True and all(word in out["msg"] for word in words), out["msg"]
    assert host.calls == []


def test_an_empty_state_leaves_the_state_alone(tmp_path):
    host = Host(tmp_path, {"a.service": unit("enabled", "inactive")})
    out = host.run([{"name": "a.service", "enabled": True, "state": ""}])
    assert out["changed"] is False and "failed" not in out


def test_without_systemctl_the_module_says_so(tmp_path):
    if any(os.path.exists(os.path.join(d, "systemctl")) for d in ("/sbin", "/usr/sbin", "/usr/local/sbin")):
        pytest.skip("systemctl in an sbin folder, which Ansible always searches")
    host = Host(tmp_path, {})
    empty = tmp_path / "empty"
    empty.mkdir()
    out = host.run(WANTED_UP, path=str(empty))
    assert out["failed"] is True and out["msg"] == "systemctl not found: cnil_units needs systemd"


def test_parse_show_is_robust():
    sys.path.insert(0, os.path.dirname(MODULE))
    import cnil_units

    out = ("Id=a.service\nLoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\n\n\n"
           "Id=b.socket\r\nLoadState=not-found\r\nActiveState=inactive\r\n\r\n"
           "Id=c.timer\nLoadState=loaded\nUnitFileState=\nDescription=x=y\n"
           "Id=d.path\nLoadState=masked\n")
    blocks = cnil_units.parse_show(out)
    assert [b["Id"] for b in blocks] == ["a.service", "b.socket", "c.timer", "d.path"]
    assert cnil_units.unit_state(blocks[1]) == {"id": "b.socket", "load": "not-found", "active": "inactive", "sub": "",
                                                "unit_file": ""}
    assert blocks[2]["Description"] == "x=y"


def test_titled_units_are_reported_part_by_part_so_an_audit_names_the_part_that_drifted(tmp_path):
    """Two groups of units of one control in one call: each title is a part with its own change and diff."""
    host = Host(tmp_path, {"clamav-freshclam.service": unit("enabled", "active"),
                           "clamav-daemon.socket": unit("enabled", "active"),
                           "cnil-clamscan.timer": unit("disabled", "inactive")})
    updater, scan = "signature updater enabled and running", "scheduled scan timer enabled and running"
    wanted = [{"name": "clamav-freshclam.service", "enabled": True, "state": "started", "title": updater},
              {"name": "clamav-daemon.socket", "enabled": True, "state": "started", "title": scan},
              {"name": "cnil-clamscan.timer", "enabled": True, "state": "started", "title": scan}]
    out = host.run(wanted, check=True)
    assert [(p["title"], p["changed"]) for p in out["parts"]] == [(updater, False), (scan, True)]
    assert out["parts"][1]["diff"] == {
        "before": "clamav-daemon.socket: enabled=yes active=yes\ncnil-clamscan.timer: enabled=no active=no\n",
        "after": "clamav-daemon.socket: enabled=yes active=yes\ncnil-clamscan.timer: enabled=yes active=yes\n"}
    assert host.verbs == []
    host.run(wanted)
    assert host.verbs == ["enable cnil-clamscan.timer", "start cnil-clamscan.timer"]
    assert "parts" not in host.run([{"name": "clamav-daemon.socket", "enabled": True}], check=True)
