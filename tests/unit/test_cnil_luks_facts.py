"""cnil_luks_facts: which volume holds a path, whether a LUKS crypt layer is under it (recorded lsblk trees of
the installer's layouts), and what luksDump says (recorded on real LUKS1/LUKS2 headers)."""
import json
import os

import pytest

import cnil_luks_facts as clf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(ROOT, "tests", "fixtures", "cnil_luks")


def fixture(name):
    with open(os.path.join(FIX, name), encoding="utf-8") as handle:
        return handle.read()


def layout(name, luks=()):
    """(nodes, parents, mounts, header) of a recorded layout; header() says LUKS for the devices in luks."""
    nodes, parents = clf.flatten(json.loads(fixture("lsblk-%s.json" % name)))
    mounts = clf.parse_mountinfo(fixture("mountinfo-%s.txt" % name))

    def header(device):
        return {"device": device, "is_luks": device in luks, "checked_by": "cryptsetup"}
    return nodes, parents, mounts, header


def examine(name, path, luks=(), header=None):
    nodes, parents, mounts, fake = layout(name, luks)
    # No real /dev here: a device path is its own real path.
    return clf.volume(clf.mount_of(path, mounts), nodes, parents, header or fake, realpath=lambda p: p)


def test_encrypted_root():
    got = examine("encrypted-root", "/", luks={"/dev/sda3"})
    assert got["encrypted"] and got["crypt"] == "/dev/mapper/sda3_crypt" and got["luks"]["device"] == "/dev/sda3"
    assert got["device"] == "/dev/mapper/sda3_crypt" and got["reason"] is None


def test_home_on_the_root_filesystem_shares_its_encryption():
    got = examine("encrypted-root", "/home/mdupont/Documents", luks={"/dev/sda3"})
    assert got["mount"] == "/" and got["encrypted"]


def test_boot_partition_is_not_encrypted():
    got = examine("encrypted-root", "/boot", luks={"/dev/sda3"})
    assert not got["encrypted"] and got["reason"] == "no encrypted layer under /dev/sda2"


@pytest.mark.parametrize("path, lv", [("/", "/dev/mapper/cabinet--vg-root"), ("/home", "/dev/mapper/cabinet--vg-home")])
def test_lvm_on_luks(path, lv):
    got = examine("lvm-on-luks", path, luks={"/dev/nvme0n1p3"})
    assert got["device"] == lv and got["encrypted"]
    assert got["crypt"] == "/dev/mapper/nvme0n1p3_crypt" and got["luks"]["device"] == "/dev/nvme0n1p3"


def test_unencrypted_system():
    got = examine("unencrypted", "/")
    assert got["device"] == "/dev/sda1" and not got["encrypted"] and got["crypt"] is None
    assert got["reason"] == "no encrypted layer under /dev/sda1"


def test_data_path_on_another_unencrypted_disk():
    assert examine("data-disk", "/", luks={"/dev/sda3"})["encrypted"]
    got = examine("data-disk", "/srv/patients/dossiers", luks={"/dev/sda3"})
    assert got["mount"] == "/srv/patients" and got["device"] == "/dev/sdb1" and not got["encrypted"]


def test_crypt_mapping_without_a_luks_header_is_not_counted():
    got = examine("encrypted-root", "/", luks=())
    assert not got["encrypted"] and "no LUKS header on /dev/sda3" in got["reason"]


def test_without_cryptsetup_the_recorded_fstype_stands_in():
    got = examine("lvm-on-luks", "/", header=lambda device: None)
    assert got["encrypted"] and got["luks"] == {"device": "/dev/nvme0n1p3", "is_luks": True, "checked_by": "lsblk"}


def test_container_root_is_not_on_a_block_device():
    got = examine("container", "/")
    assert not got["encrypted"] and got["device"] is None and got["reason"] == "on overlay, not on a block device"


def test_a_bind_mounted_file_is_matched_by_major_minor_but_is_not_encrypted():
    got = examine("container", "/etc/hosts")
    assert got["device"] == "/dev/vda" and not got["encrypted"]


def test_the_longest_mount_point_wins_and_prefixes_are_whole_components():
    mounts = clf.parse_mountinfo(fixture("mountinfo-data-disk.txt") + "28 22 8:18 / /srv/patients-old rw - ext4 /dev/sdb2 rw\n")
    assert clf.mount_of("/srv/patients-old/x", mounts)["mount"] == "/srv/patients-old"
    assert clf.mount_of("/srv/patients", mounts)["mount"] == "/srv/patients"
    assert clf.mount_of("/srv/other", mounts)["mount"] == "/"


def test_octal_escapes_in_mount_points():
    mounts = clf.parse_mountinfo("30 22 8:17 / /srv/dossiers\\040patients rw - ext4 /dev/sdb1 rw\n")
    assert mounts[0]["mount"] == "/srv/dossiers patients"


def test_a_device_under_two_parents_has_both_as_ancestors():
    tree = {"blockdevices": [
        {"name": "sda1", "path": "/dev/sda1", "type": "part", "children": [
            {"name": "md0", "path": "/dev/md0", "type": "raid1", "children": [
                {"name": "md0_crypt", "path": "/dev/mapper/md0_crypt", "type": "crypt", "mountpoints": ["/"]}]}]},
        {"name": "sdb1", "path": "/dev/sdb1", "type": "part", "children": [
            {"name": "md0", "path": "/dev/md0", "type": "raid1", "children": [
                {"name": "md0_crypt", "path": "/dev/mapper/md0_crypt", "type": "crypt", "mountpoints": ["/"]}]}]}]}
    nodes, parents = clf.flatten(tree)
    assert clf.ancestors("/dev/mapper/md0_crypt", parents) == ["/dev/md0", "/dev/sda1", "/dev/sdb1"]


def test_luks2_dump():
    info = clf.parse_luks_dump(fixture("luksdump-luks2.txt"))
    assert info == {"version": 2, "cipher": "aes-xts-plain64", "key_bits": 512, "keyslots": 1,
                    "uuid": "bfac0378-8ed9-4597-aa38-49a0ab1af603"}


def test_luks1_dump():
    info = clf.parse_luks_dump(fixture("luksdump-luks1.txt"))
    assert info == {"version": 1, "cipher": "aes-xts-plain64", "key_bits": 512, "keyslots": 1,
                    "uuid": "e94cd19f-7a5b-446b-b650-19f9973bc276"}


def test_swaps():
    assert clf.parse_swaps("Filename\tType\tSize\tUsed\tPriority\n/dev/dm-2 partition 999420 0 -2\n/swapfile file 10 0 -3\n") \
        == ["/dev/dm-2", "/swapfile"]
    assert clf.parse_swaps("Filename\tType\tSize\tUsed\tPriority\n") == []


def test_module_runs_read_only_on_this_machine(tmp_path):
    """Whatever this machine's disks are, the module answers without failing and changes nothing."""
    import subprocess
    import sys
    argfile = tmp_path / "args.json"
    argfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"paths": ["/", str(tmp_path / "absent")],
                                                           "devices": [str(tmp_path / "missing.img")],
                                                           "_ansible_check_mode": True}}))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "library", "cnil_luks_facts.py"), str(argfile)],
                          capture_output=True, text=True)
    out = json.loads(proc.stdout)
    assert out["changed"] is False and "failed" not in out, out
    assert set(out["paths"]) == {"/", str(tmp_path / "absent")}
    assert out["paths"][str(tmp_path / "absent")]["exists"] is False
    assert out["devices"][str(tmp_path / "missing.img")]["is_luks"] is False
