"""CNIL-AUTH-01: the CPS smart-card stack answers (PC/SC socket, OpenSC's PKCS#11 module), removing the card locks the
GNOME session (a locked key users cannot change), and ANS's Cryptolib CPS is installed only from the package file the
contractor provides, never downloaded."""
import os
import subprocess

import pytest

USER = "cnil-auth-probe"
LIBDIR = "/usr/lib/cnil-test-cryptolib"


def test_the_pcsc_service_answers_on_its_socket(host):
    assert host.service("pcscd.socket").is_enabled
    # Socket activation: a client connecting to the PC/SC socket is served (what OpenSC and the CPS middleware do).
    host.run_expect([0], "python3 -c \"import socket; s = socket.socket(socket.AF_UNIX); s.connect('/run/pcscd/pcscd.comm')\"")
    got = host.run("opensc-tool --list-readers")
    assert got.rc == 0 and "No smart card readers found" in got.stdout  # no USB bus in the container: evidence, not a failure


def test_opensc_pkcs11_module_loads(host):
    module = host.check_output("dpkg -L opensc-pkcs11 | grep -m1 '/opensc-pkcs11.so$'")
    got = host.run(f"pkcs11-tool --module {module} --list-slots")
    assert "Available slots" in got.stdout, got.stdout + got.stderr


@pytest.fixture(scope="module")
def desktop_user(host):
    host.run_expect([0], "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libglib2.0-bin "
                         "gnome-settings-daemon-common dconf-gsettings-backend dbus 2>&1")
    host.run(f"id {USER} || useradd -m -s /bin/bash {USER}")
    return USER


def test_removing_the_card_locks_the_session_and_users_cannot_change_it(host, desktop_user):
    schema = "org.gnome.settings-daemon.peripherals.smartcard"
    get = host.run(f"runuser -u {desktop_user} -- dbus-run-session -- gsettings get {schema} removal-action")
    assert get.rc == 0 and get.stdout.strip() == "'lock-screen'", get.stderr
    writable = host.run(f"runuser -u {desktop_user} -- dbus-run-session -- gsettings writable {schema} removal-action")
    assert writable.stdout.strip() == "false"


def build_fake_cryptolib(folder):
    """A stand-in for ANS's Cryptolib CPS (not redistributable): a .deb built on the controller."""
    root = os.path.join(folder, "pkg")
    os.makedirs(os.path.join(root, "DEBIAN"))
    os.makedirs(os.path.join(root, LIBDIR.lstrip("/")))
    with open(os.path.join(root, "DEBIAN", "control"), "w") as handle:
        handle.write("Package: cryptolibcps-test\nVersion: 5.2.4-1\nArchitecture: all\nMaintainer: cnil-cabinet tests\n"
                     "Description: stand-in for the Cryptolib CPS (test)\n")
    with open(os.path.join(root, LIBDIR.lstrip("/"), "libcps3_pkcs11_lux.so"), "w") as handle:
        handle.write("not a library\n")
    deb = os.path.join(folder, "cryptolibcps-test_5.2.4-1_all.deb")
    subprocess.run(["dpkg-deb", "--root-owner-group", "--build", root, deb], check=True, capture_output=True)
    return deb


@pytest.fixture(scope="module")
def cryptolib(cnil, tmp_path_factory, ansible_hosts):
    deb = build_fake_cryptolib(str(tmp_path_factory.mktemp("cryptolib")))
    extra = ["-e", "cnil_auth_cryptolib_deb=" + deb]
    audit = cnil.audit(extra=extra)
    applied = cnil.apply(extra=extra)
    yield dict(audit=audit, applied=applied)
    import testinfra
    for conn in testinfra.get_hosts(["ansible://cnil_linux"], ansible_inventory=cnil.inventory):
        conn.run("DEBIAN_FRONTEND=noninteractive apt-get purge -y -q cryptolibcps-test; rm -f /var/cache/cnil-cabinet-cryptolibcps-test_*")


def test_cryptolib_is_installed_from_the_package_file_provided(cryptolib, host, name):
    check = cryptolib["audit"].check(name, "CNIL-AUTH-01", "cryptolib")
    assert check["status"] == "FAIL", check
    assert any(t.startswith("CNIL-AUTH-01 | Cryptolib CPS package file copied") for t in cryptolib["audit"].changed_tasks(name, "CNIL-AUTH-01"))
    check = cryptolib["applied"].check(name, "CNIL-AUTH-01", "cryptolib")
    assert check["status"] == "PASS" and check["evidence"]["installed"] == "5.2.4-1", check
    assert host.package("cryptolibcps-test").is_installed
    assert host.file(f"{LIBDIR}/libcps3_pkcs11_lux.so").exists


def test_without_the_package_file_cryptolib_is_not_applicable_and_says_why(compliant_audit, name):
    check = compliant_audit.result.check(name, "CNIL-AUTH-01", "cryptolib")
    assert check["status"] == "NOT_APPLICABLE" and "Cryptolib CPS not provided" in check["reason"]
