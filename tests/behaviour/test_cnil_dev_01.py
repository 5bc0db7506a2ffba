"""CNIL-DEV-01: USB storage cannot be used (the driver refuses to load), media are never mounted or run by
themselves in GNOME and users cannot turn that back on. The containers have no USB bus: USBGuard's daemon cannot
be proven with devices, so its mode is proven on its configuration (rule syntax, daemon configuration loaded)."""
import json

import pytest

import cnil_testlib
from cnil_testlib import as_user

USER = "cnil-dev-probe"
MODPROBE = "/etc/modprobe.d/cnil-usb-storage.conf"


def test_usb_storage_driver_refuses_to_load(host):
    """What modprobe would do, without loading anything (works without the module on disk)."""
    for name in ("usb-storage", "usb_storage"):
        got = host.run(f"modprobe -n -v {name}")
        assert got.rc == 0 and got.stdout.strip() == "install /bin/false", got.stdout + got.stderr
    config = host.run("modprobe -c").stdout
    assert "blacklist usb_storage" in config and "install usb_storage /bin/false" in config


def test_nothing_else_is_blocked(host):
    """Only usb-storage: keyboards (usbhid), card readers and everything else keep their drivers."""
    lines = [line for line in host.file(MODPROBE).content_string.splitlines() if line and not line.startswith("#")]
    assert lines == ["install usb-storage /bin/false", "blacklist usb-storage"]
    installs = [line for line in host.run("modprobe -c").stdout.splitlines() if line.endswith(" /bin/false")]
    assert installs == ["install usb_storage /bin/false"], installs


@pytest.fixture(scope="module")
def desktop_user(host):
    return cnil_testlib.desktop_user(host, USER)


@pytest.mark.parametrize("key, value", [("automount", "false"), ("automount-open", "false"), ("autorun-never", "true")])
def test_media_automount_and_autorun_are_off_and_not_writable(host, desktop_user, key, value):
    got = as_user(host, desktop_user, f"gsettings get org.gnome.desktop.media-handling {key}")
    assert got.rc == 0 and got.stdout.strip() == value, got.stdout + got.stderr
    assert as_user(host, desktop_user, f"gsettings writable org.gnome.desktop.media-handling {key}").stdout.strip() == "false"


def test_user_cannot_turn_automount_back_on(host, desktop_user):
    as_user(host, desktop_user, "gsettings set org.gnome.desktop.media-handling automount true")
    assert as_user(host, desktop_user, "gsettings get org.gnome.desktop.media-handling automount").stdout.strip() == "false"


def test_the_lock_policy_of_cnil_lock_and_this_one_live_side_by_side(host, desktop_user):
    """Two keyfiles of the same system database (00-cnil-lock, 00-cnil-dev): neither hides the other."""
    assert host.file("/etc/dconf/db/local.d/00-cnil-dev").exists
    assert host.file("/etc/dconf/db/local.d/locks/00-cnil-dev").contains("/org/gnome/desktop/media-handling/autorun-never")


@pytest.fixture(scope="module")
def usbguard_audit(cnil):
    """What the role writes in usbguard mode, read from one check-mode audit of every PC (the daemon cannot run
    here: no USB bus), with the USBGuard tools installed to check it."""
    pcs = cnil_testlib.connections(cnil.inventory).values()
    for pc in pcs:
        pc.run_expect([0], "command -v usbguard-rule-parser || DEBIAN_FRONTEND=noninteractive apt-get install -y -q "
                           "--no-install-recommends usbguard; systemctl disable --now usbguard || true")
    devices = [{"name": "Disque de sauvegarde", "id": "0bda:9210", "serial": "012345678999"},
               {"name": "Lecteur CPS", "id": "04e6:5116"}]
    yield cnil.audit(extra=["-e", json.dumps({"cnil_dev_usb_mode": "usbguard", "cnil_dev_allowed_devices": devices})])
    for pc in pcs:
        pc.run("rm -rf /var/tmp/cnil-dev-usbguard")


@pytest.fixture
def usbguard_config(usbguard_audit, name):
    """The control on the PC under test and the rules its diff proposes."""
    control = usbguard_audit.control(name, "CNIL-DEV-01")
    diffs = {c["task"]: c.get("diff") or "" for c in control["changes"]}
    rules_diff = next(d for t, d in diffs.items() if t.startswith("CNIL-DEV-01 | USBGuard rules"))
    rules = "\n".join(line[1:] for line in rules_diff.splitlines() if line.startswith("+") and not line.startswith("+++"))
    return control, rules


def test_usbguard_rules_allow_declared_devices_and_classes_and_block_the_rest(host, usbguard_config):
    control, rules = usbguard_config
    assert control["status"] in ("FAIL", "DRIFT"), control
    lines = [line for line in rules.splitlines() if line and not line.startswith("#")]
    assert lines[0] == "reject with-interface all-of { 08:*:* 03:*:* }"
    assert 'allow id 0bda:9210 serial "012345678999" name "Disque de sauvegarde"' in lines
    assert 'allow id 04e6:5116 name "Lecteur CPS"' in lines
    for cls in ("03", "0b", "09"):
        assert f"allow with-interface equals {{ {cls}:*:* }}" in lines
    assert not any("08:*:*" in line and line.startswith("allow") for line in lines)
    # USBGuard's own parser accepts every line.
    host.run_expect([0], "mkdir -p /var/tmp/cnil-dev-usbguard")
    host.run_expect([0], f"cat > /var/tmp/cnil-dev-usbguard/rules.conf <<'EOF'\n{rules}\nEOF")
    got = host.run("usbguard-rule-parser -f /var/tmp/cnil-dev-usbguard/rules.conf")
    assert got.rc == 0, got.stdout + got.stderr


def test_usbguard_daemon_loads_that_configuration(host, usbguard_config):
    """usbguard-daemon -d -k -c: 'Configuration loaded successfully', then it stops on the missing USB bus."""
    control, rules = usbguard_config
    # The package's own daemon configuration already blocks by default on Debian: the role's settings are then
    # no change; otherwise the change it proposes sets them.
    conf_task = [c for c in control["changes"] if c["task"].startswith("CNIL-DEV-01 | USBGuard blocks")]
    if conf_task:
        assert "ImplicitPolicyTarget=block" in json.dumps(conf_task)
    else:
        assert host.file("/etc/usbguard/usbguard-daemon.conf").contains("^ImplicitPolicyTarget=block$")
    work = "/var/tmp/cnil-dev-usbguard"
    host.run_expect([0], f"mkdir -p {work}/rules.d && cat > {work}/rules.conf <<'EOF'\n{rules}\nEOF")
    host.run_expect([0], f"sed -e 's#^RuleFile=.*#RuleFile={work}/rules.conf#' -e 's#^RuleFolder=.*#RuleFolder={work}/rules.d/#' "
                         f"-e 's#^ImplicitPolicyTarget=.*#ImplicitPolicyTarget=block#' "
                         f"/etc/usbguard/usbguard-daemon.conf > {work}/daemon.conf && chmod 600 {work}/daemon.conf {work}/rules.conf")
    got = host.run(f"timeout 20 usbguard-daemon -d -k -c {work}/daemon.conf")
    out = got.stdout + got.stderr
    assert "Configuration loaded successfully" in out and "RuleParserError" not in out, out
    # ... and what stops it is the missing USB bus of a container, not the configuration.
    assert "/sys/bus/usb/devices" in out, out
