"""CNIL-UPD-01: unattended-upgrades installs security updates by itself, on a schedule, and the audit tells a
pending security update, a missing security source and a supported release from the host's own data, without
refreshing anything."""
import pytest

from cnil_testlib import connections

testinfra_hosts = ["ansible://cnil_linux"]

# A package with a version in the release and a newer one in the security archive: the test installs the
# older one, which makes a real pending security update. Chosen on the host; one whose downgrade touches
# nothing else.
FIND_OLDER = r"""
import apt_pkg, subprocess
apt_pkg.init()
apt_pkg.config.set("Dir::Cache::pkgcache", ""); apt_pkg.config.set("Dir::Cache::srcpkgcache", "")
cache = apt_pkg.Cache(None)
found = []
for pkg in cache.packages:
    cur = pkg.current_ver
    if not cur:
        continue
    sec = [v for v in pkg.version_list if any(pf.label == "Debian-Security" for pf, _ in v.file_list)]
    old = [v for v in pkg.version_list if any(pf.label == "Debian" and not (pf.archive or "").endswith("-updates")
                                             for pf, _ in v.file_list)]
    if sec and old and cur.ver_str == sec[0].ver_str and apt_pkg.version_compare(old[0].ver_str, cur.ver_str) < 0:
        found.append((cur.installed_size, pkg.name, old[0].ver_str))
for _, name, ver in sorted(found):
    sim = subprocess.run(["apt-get", "-s", "-q", "install", "--allow-downgrades", "%s=%s" % (name, ver)],
                         capture_output=True, text=True).stdout
    lines = [l for l in sim.splitlines() if l.startswith(("Inst ", "Remv "))]
    if len(lines) == 1 and lines[0].startswith("Inst %s " % name):
        print(name, ver)
        break
"""
LISTS = "/var/lib/apt/lists"


def security_index(host):
    return host.run_expect([0], f"ls {LISTS}/*security*_Packages").stdout.split()[0]


def test_unattended_upgrade_dry_run_succeeds(host):
    got = host.run("unattended-upgrade --dry-run --debug")
    assert got.rc == 0, got.stdout[-2000:] + got.stderr[-2000:]
    assert "Allowed origins are:" in got.stdout + got.stderr
    assert "-security" in (got.stdout + got.stderr).split("Allowed origins are:")[1].splitlines()[0]


def test_automatic_updates_are_on_for_apt_itself(host):
    shell = host.run_expect([0], "apt-config shell L APT::Periodic::Update-Package-Lists U APT::Periodic::Unattended-Upgrade").stdout
    assert "L='1'" in shell and "U='1'" in shell
    dump = host.run_expect([0], "apt-config dump Unattended-Upgrade::Origins-Pattern").stdout
    assert "codename=${distro_codename}-security,label=Debian-Security" in dump


@pytest.mark.parametrize("timer", ["apt-daily.timer", "apt-daily-upgrade.timer"])
def test_timers_are_enabled_and_scheduled(host, timer):
    assert host.service(timer).is_enabled and host.service(timer).is_running
    assert host.run(f"systemctl show -p NextElapseUSecRealtime --value {timer}").stdout.strip() not in ("", "0")


def test_the_audit_reads_the_container_and_changes_nothing(compliant_audit, host, name):
    # The fingerprints around the shared audit include the package lists and APT's caches (host_state).
    assert compliant_audit.after[name] == compliant_audit.before[name], "the audit changed the PC"
    checks = {c["id"]: c for c in compliant_audit.result.control(name, "CNIL-UPD-01")["checks"]}
    assert {k: v["status"] for k, v in checks.items()} == {
        "automatic_updates": "PASS", "timers": "PASS", "security_source": "PASS",
        "pending_security_updates": "PASS", "last_run": "PASS", "os_supported": "PASS"}
    codename = host.run("sh -c '. /etc/os-release; echo $VERSION_CODENAME'").stdout.strip()
    assert any(s.endswith(" %s-security" % codename) for s in checks["security_source"]["evidence"]["security_sources"])
    release = checks["os_supported"]["evidence"]
    assert release["id"] == {"bookworm": "debian-12", "trixie": "debian-13"}[codename]
    assert release["supported"] is True and release["source"].startswith("https://")


@pytest.fixture(scope="module")
def pending_update(cnil):
    """On every PC, a real pending security update seen as available for 10 days (the index's date, as apt sets
    it): one audit; then what the timer runs every day (unattended-upgrade) and a second audit.
    Returns (the package by PC, audit before, unattended-upgrade's result by PC, audit after)."""
    pcs = connections(cnil.inventory)
    packages, restore, upgrades = {}, {}, {}
    try:
        for name, pc in pcs.items():
            found = pc.run_expect([0], "python3 -c '%s'" % FIND_OLDER.replace("'", "'\"'\"'")).stdout.split()
            if len(found) != 2:
                continue  # that PC's test is skipped
            package, older = found
            index = security_index(pc)
            restore[name] = (index, pc.run_expect([0], f"stat -c %Y {index}").stdout.strip(), package)
            pc.run_expect([0], f"DEBIAN_FRONTEND=noninteractive apt-get install -y -q --allow-downgrades {package}={older}")
            pc.run_expect([0], f"touch -d '10 days ago' {index}")
            packages[name] = package
        late = cnil.audit()
        for name in packages:
            upgrades[name] = pcs[name].run("unattended-upgrade")
        done = cnil.audit()
    finally:
        for name, (index, mtime, package) in restore.items():
            pcs[name].run(f"touch -d @{mtime} {index}")
            pcs[name].run(f"DEBIAN_FRONTEND=noninteractive apt-get install -y -q --only-upgrade {package}")
    return packages, late, upgrades, done


def test_a_security_update_pending_for_10_days_fails_then_unattended_upgrades_installs_it(host, name, pending_update):
    packages, late, upgrades, done = pending_update
    if name not in packages:
        pytest.skip("no package with an older version outside the security archive on this release today")
    package = packages[name]
    assert late.rc == 2
    check = late.check(name, "CNIL-UPD-01", "pending_security_updates")
    assert check["status"] == "FAIL" and package in check["reason"], check
    entry = next(p for p in check["evidence"]["pending"] if p["name"] == package)
    assert entry["age_days"] >= 10
    # unattended-upgrade installed the update, and its run is the last successful one.
    assert upgrades[name].rc == 0, upgrades[name].stdout + upgrades[name].stderr
    assert host.run(f"apt-get -s -q install --only-upgrade {package}").stdout.count("Inst ") == 0
    assert done.check(name, "CNIL-UPD-01", "pending_security_updates")["status"] == "PASS"
    last = done.check(name, "CNIL-UPD-01", "last_run")
    assert last["status"] == "PASS" and last["evidence"]["time"] and last["evidence"]["age_days"] < 1


SOURCES = "/etc/apt/sources.list.d/debian.sources"


@pytest.fixture(scope="module")
def without_security_source(cnil):
    """Every PC's security suite switched off in its sources (Enabled: no): one audit."""
    pcs = connections(cnil.inventory).values()
    try:
        for pc in pcs:
            pc.run_expect([0], f"cp {SOURCES} /root/debian.sources.bak && python3 -c \"import re,sys; p=sys.argv[1]; "
                               f"t=open(p).read(); open(p,'w').write(re.sub(r'(Suites: \\S+-security)', r'\\1\\nEnabled: no', t))\" {SOURCES}")
        return cnil.audit()
    finally:
        for pc in pcs:
            pc.run(f"test -f /root/debian.sources.bak && mv /root/debian.sources.bak {SOURCES}")


def test_without_a_security_source_the_audit_says_so(without_security_source, name):
    check = without_security_source.check(name, "CNIL-UPD-01", "security_source")
    assert without_security_source.rc == 2 and check["status"] == "FAIL" and check["evidence"]["security_sources"] == [], check
