"""A system the roles do not support (data/platforms.yml) is reported UNSUPPORTED: nothing is checked or
changed on it, and the contractor reads why, not a traceback. Shown on a PC whose files say Debian 11."""
import pytest

from cnil_testlib import connections, host_state

OLD_RELEASE = ('PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\\nNAME="Debian GNU/Linux"\\nVERSION_ID="11"\\n'
               'VERSION="11 (bullseye)"\\nVERSION_CODENAME=bullseye\\nID=debian\\n')


@pytest.fixture(scope="module")
def old_release(cnil, ansible_hosts):
    """One PC that says Debian 11: an audit and an apply limited to it, between two fingerprints."""
    name = ansible_hosts[-1]
    pc = connections(cnil.inventory)[name]
    pc.run_expect([0], "cp -P /etc/os-release /root/os-release.bak && cp /etc/debian_version /root/debian_version.bak")
    try:
        pc.run_expect([0], f"rm /etc/os-release && printf '{OLD_RELEASE}' > /etc/os-release && echo 11.9 > /etc/debian_version")
        before = host_state(name)
        audit = cnil.audit(limit=name, tags="all")
        applied = cnil.run("apply", limit=name, tags="all")
        after = host_state(name)
    finally:
        pc.run("rm -f /etc/os-release && mv /root/os-release.bak /etc/os-release && mv /root/debian_version.bak /etc/debian_version")
    return name, audit, applied, before, after


def test_the_audit_reports_the_pc_unsupported_and_why(old_release):
    name, audit, _, _, _ = old_release
    assert audit.rc == 2, audit.output[-3000:]
    host = audit.report["hosts"][name]
    assert host["status"] == "UNSUPPORTED" and host["os"]["name"] == "Debian 11.9", host
    assert host["unsupported"].startswith("unsupported release: Debian 11.9 (supported: Debian 12, 13)")
    assert host["controls"] and {c["status"] for c in host["controls"].values()} == {"UNSUPPORTED"}
    assert "%s: UNSUPPORTED: unsupported release" % name in audit.output
    assert "Traceback" not in audit.output


def test_apply_changes_nothing_there_and_says_so(old_release):
    name, _, applied, before, after = old_release
    assert applied.rc == 2, applied.output[-3000:]
    assert after == before, "a role ran on an unsupported system"
    assert applied.report["hosts"][name]["status"] == "UNSUPPORTED"
    assert "Traceback" not in applied.output
