"""CNIL-ENC-01: the volumes under /, /home, the data paths and swap are examined, never changed. A container has
no encryptable volume (its / is an overlay): the audit says so, and the test cabinet's waiver covers it. The LUKS
header logic is proven on a file-backed volume, formatted here (opening it needs device-mapper, which containers lack)."""
import pytest

IMG = "/var/tmp/cnil-enc-test"


def test_container_volumes_are_reported_as_they_are_and_waived(compliant_audit, name):
    control = compliant_audit.result.control(name, "CNIL-ENC-01")
    checks = {c["id"]: c for c in control["checks"]}
    assert control["status"] == "WAIVED" and control["changes"] == [], control
    assert checks["system_volume"]["status"] == "WAIVED"
    assert checks["system_volume"]["reason"] == "/: on overlay, not on a block device"
    assert checks["system_volume"]["evidence"]["device"] is None
    assert checks["data_volumes"]["status"] == "WAIVED"
    assert checks["data_volumes"]["evidence"]["not_encrypted"] == ["/home"]
    # No swap inside a container: nothing unencrypted to report.
    assert checks["swap"]["status"] == "PASS" and checks["swap"]["evidence"]["swap_areas"] == []


@pytest.fixture(scope="module")
def data_paths_audit(cnil):
    return cnil.audit(extra=["-e", '{"cnil_enc_data_paths": ["/srv/patients", "/var/lib/cabinet"]}'])


def test_declared_data_paths_are_examined(data_paths_audit, name):
    check = data_paths_audit.check(name, "CNIL-ENC-01", "data_volumes")
    assert check["evidence"]["not_encrypted"] == ["/home", "/srv/patients", "/var/lib/cabinet"]
    assert "/srv/patients: on overlay, not on a block device" in check["reason"]
    assert sorted(check["evidence"]["volumes"]) == ["/home", "/srv/patients", "/var/lib/cabinet"]


@pytest.fixture(scope="module")
def luks_files(host):
    """A LUKS2 and a LUKS1 header on image files, and a file that is no LUKS volume. Test passphrase, fast PBKDF."""
    host.run_expect([0], "command -v cryptsetup || DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends cryptsetup-bin")
    host.run_expect([0], f"rm -rf {IMG} && mkdir -p {IMG} && truncate -s 32M {IMG}/luks2.img {IMG}/luks1.img {IMG}/plain.img")
    host.run_expect([0], f"printf test-passphrase | cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 "
                         f"--pbkdf-force-iterations 1000 {IMG}/luks2.img -")
    host.run_expect([0], f"printf test-passphrase | cryptsetup luksFormat -q --type luks1 --pbkdf-force-iterations 1000 {IMG}/luks1.img -")
    yield IMG
    host.run(f"rm -rf {IMG}")


def test_isluks_tells_a_luks_header_from_a_plain_file(host, luks_files):
    assert host.run(f"cryptsetup isLuks {luks_files}/luks2.img").rc == 0
    assert host.run(f"cryptsetup isLuks {luks_files}/luks1.img").rc == 0
    assert host.run(f"cryptsetup isLuks {luks_files}/plain.img").rc != 0


def test_module_reads_the_headers_it_is_given(host, luks_files):
    got = host.ansible("cnil_luks_facts", f"devices={luks_files}/luks2.img,{luks_files}/luks1.img,{luks_files}/plain.img "
                                          "paths=/ swap=false", check=True)
    assert got["changed"] is False, got
    devices = got["devices"]
    assert devices[f"{luks_files}/luks2.img"]["is_luks"] and devices[f"{luks_files}/luks2.img"]["version"] == 2
    assert devices[f"{luks_files}/luks2.img"]["cipher"] == "aes-xts-plain64" and devices[f"{luks_files}/luks2.img"]["keyslots"] == 1
    assert devices[f"{luks_files}/luks1.img"]["is_luks"] and devices[f"{luks_files}/luks1.img"]["version"] == 1
    assert devices[f"{luks_files}/plain.img"]["is_luks"] is False and "version" not in devices[f"{luks_files}/plain.img"]
    # The passphrase and the header's salts and digests are never part of the result.
    assert "test-passphrase" not in str(got) and "Salt" not in str(got)
