"""Helpers of the behaviour tests: drive the real bin/cnil, read its reports, schedule hand-made drifts."""
import glob
import json
import os
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Cnil:
    def __init__(self, inventory, workdir):
        self.inventory = inventory
        self.workdir = workdir
        # The area of the test module running (conftest sets it): its runs apply and audit that area only.
        self.area = None

    def run(self, command, limit=None, tags=None, extra=(), env=None):
        report_dir = tempfile.mkdtemp(prefix="report-", dir=self.workdir)
        cmd = [os.path.join(ROOT, "bin", "cnil"), command, "-i", self.inventory, "--report-dir", report_dir]
        if limit:
            cmd += ["--limit", limit]
        # A test of one area runs that area's role (the whole baseline costs minutes per run); a role scenario
        # converges one role only: its other runs look at that role too. tags="all": the whole baseline.
        tags = tags or self.area or os.environ.get("CNIL_AUDIT_TAGS")
        if tags:
            cmd += ["--tags", tags]
        cmd += list(extra)
        # Own session: a test may kill the whole run (tests/plugins/callback/cnil_interrupt.py).
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, **(env or {})),
                              start_new_session=True)
        reports = sorted(glob.glob(os.path.join(report_dir, "*", "*", "report.json")))
        report = json.load(open(reports[-1])) if reports else None
        return Result(proc.returncode, proc.stdout + proc.stderr, report)

    def audit(self, **kw):
        return self.run("audit", **kw)

    def apply(self, **kw):
        result = self.run("apply", **kw)
        assert result.rc == 0, result.output[-3000:]
        return result


class Result:
    def __init__(self, rc, output, report):
        self.rc, self.output, self.report = rc, output, report

    def control(self, host, control):
        return self.report["hosts"][host]["controls"][control]

    def changed_tasks(self, host, control):
        return [c["task"] for c in self.control(host, control).get("changes", [])]

    def check(self, host, control, check_id):
        return next(c for c in self.control(host, control)["checks"] if c["id"] == check_id)

    def statuses(self):
        return {(h, c): v["status"] for h, hv in self.report["hosts"].items() for c, v in hv["controls"].items()}


class Drift:
    """A hand-made change on a host, and what the audit must say about it.

    command: a shell command, or a function of the host (testinfra) that returns one.
    check: the check of the control that must fail (None: the control's status and task are enough).
    shares: what the change touches besides its control (a PAM stack, an account): two drifts that share
    anything never land on one host in one audit round, where one could undo or mask the other.
    alone: the change upsets the whole control (the firewall switched off): no other drift of the control may
    share its host and round.
    upsets: other controls the change makes fail too (a dconf database older than its keyfiles fails every
    control that reads it): no drift of those controls shares its host and round, and their status there is
    not held against the other drifts.
    hosts: the inventory names it may be made on (None: any PC of the scenario)."""

    def __init__(self, name, command, control, task, status="FAIL", check=None, shares=(), alone=False, upsets=(),
                 hosts=None):
        self.name, self.command, self.control, self.task, self.status = name, command, control, task, status
        self.check, self.shares, self.alone, self.hosts = check, set(shares), alone, hosts
        self.upsets = set(upsets)
        self.area = "cnil_" + control.split("-")[1].lower()  # CNIL-PWD-01 -> cnil_pwd: the role that heals it

    def conflicts(self, other):
        """Could the audit tell the two apart on one host in one round? Two drifts of one control can share a
        round only when each names its own check and its own task, both expect the same status and neither
        upsets the whole control: each drift's assertions then see only its own doing."""
        if self.shares & other.shares or other.control in self.upsets or self.control in other.upsets:
            return True
        if self.control != other.control:
            return False
        return (self.alone or other.alone or self.check is None or other.check is None or self.check == other.check
                or self.task == other.task or self.status != other.status)


def drift_rounds(drifts, hosts):
    """Schedule drifts so that one audit sees as many as it can tell apart (Drift.conflicts): each drift goes
    to the first round and host where it conflicts with nothing placed there. A drift's place depends only on
    the drifts it conflicts with: the order within a control is kept, whatever else shares the rounds."""
    rounds = []
    for drift in drifts:
        allowed = [h for h in hosts if drift.hosts is None or h in drift.hosts]
        for placed in rounds:
            free = [h for h in allowed if not any(d.conflicts(drift) for d in placed.get(h, []))]
            if free:
                placed.setdefault(free[0], []).append(drift)
                break
        else:
            rounds.append({allowed[0]: [drift]})
    return rounds


def connections(inventory):
    """testinfra hosts of the scenario's PCs, by inventory name."""
    import testinfra
    return {h.backend.host: h for h in testinfra.get_hosts(["ansible://cnil_linux"], ansible_inventory=inventory)}


def run_drifts(cnil, hosts, drifts):
    """Make each round's drifts by hand, audit once, record what the audit said, heal with apply. Each round
    runs the roles of the drifts it holds (tags).
    Returns {drift name: (host, control result, audit exit code, statuses of the other controls, output)}."""
    conn = connections(cnil.inventory)
    observed = {}
    for placed in drift_rounds(drifts, sorted(hosts)):
        for host, items in placed.items():
            for drift in items:
                command = drift.command(conn[host]) if callable(drift.command) else drift.command
                conn[host].run_expect([0], command)
        round_tags = ",".join(sorted({d.area for items in placed.values() for d in items}))
        result = cnil.audit(tags=round_tags)
        for host, items in placed.items():
            drifted = {c for d in items for c in {d.control, *d.upsets}}
            others = {c: s for (h, c), s in result.statuses().items() if h == host and c not in drifted}
            for drift in items:
                observed[drift.name] = (host, result.control(host, drift.control), result.rc, others, result.output[-2000:])
        cnil.apply(tags=round_tags)
    return observed


class DriftSuite:
    """Every drift of the session's drift modules (test_drift_*.py), made in shared rounds: one audit and one
    heal per round for all areas, instead of a round trip per area, then one audit of the healed PCs at -vvv
    (the output no secret may appear in).

    A module lists DRIFTS; it may define prepare_drifts(cnil, conns) (accounts the drifts need; returns the
    drifts to make here) and cleanup_drifts(conns)."""

    def __init__(self, cnil, hosts, modules):
        conns = connections(cnil.inventory)
        drifts, cleanups = [], []
        for module in sorted(modules, key=lambda m: m.__name__):
            prepare = getattr(module, "prepare_drifts", None)
            drifts += prepare(cnil, conns) if prepare else module.DRIFTS
            if hasattr(module, "cleanup_drifts"):
                cleanups.append(module.cleanup_drifts)
        names = [d.name for d in drifts]
        assert len(names) == len(set(names)), "two drifts share a name: %s" % names
        try:
            self.observed = run_drifts(cnil, hosts, drifts)
            self.healed = cnil.audit(tags=",".join(sorted({d.area for d in drifts})), extra=["-vvv"])
        finally:
            for cleanup in cleanups:
                cleanup(conns)


def assert_drift_reported(observed, drift):
    """The audit round that saw the drift: not compliant (exit 2), the control in the drift's status, the task
    that repairs it among the control's changes, the named check failed, every other control compliant."""
    import pytest
    if drift.name not in observed:
        pytest.skip("this drift is not made in this scenario (see the module's prepare_drifts)")
    host, control, rc, others, output = observed[drift.name]
    assert rc == 2, output
    assert control["status"] == drift.status, control
    assert any(c["task"].startswith(drift.task) for c in control["changes"]), control
    if drift.check:
        check = next(c for c in control["checks"] if c["id"] == drift.check)
        assert check["status"] == "FAIL", control
    assert set(others.values()) <= {"PASS", "NOT_APPLICABLE", "WAIVED"}, (host, others)


# GNOME policies (dconf system database with locks) seen as a desktop session would: GSettings under a D-Bus
# session of a plain user. Used by CNIL-LOCK-01 (idle lock) and CNIL-DEV-01 (media automount).
GSETTINGS_PACKAGES = "libglib2.0-bin gsettings-desktop-schemas dconf-gsettings-backend"


def desktop_user(host, user):
    """A plain user and the GSettings client stack (dbus-bin on Debian 13, dbus on Debian 12)."""
    host.run_expect([0], f"DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "
                         f"{GSETTINGS_PACKAGES} dbus-daemon dbus-bin 2>&1 "
                         f"|| DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "
                         f"{GSETTINGS_PACKAGES} dbus")
    host.run(f"id {user} || useradd -m -s /bin/bash {user}")
    return user


def as_user(host, user, command):
    """Run command as user inside a fresh D-Bus session (what gsettings needs)."""
    return host.run(f"runuser -u {user} -- dbus-run-session -- {command}")


STATE_COMMAND = (
    "find /etc -xdev -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum 2>/dev/null; "
    "echo '--- units'; systemctl list-unit-files --no-legend --no-pager | sort; "
    "systemctl list-units --all --no-legend --no-pager --plain | awk '{print $1, $3, $4}' "
    "| grep -v -e '^session-' -e '^run-' -e '^user' | sort; "
    "echo '--- packages'; dpkg-query -W -f '${Package} ${Version} ${db:Status-Abbrev}\\n' | sort; "
    # An audit never refreshes the package lists (update_cache would), nor rebuilds APT's caches.
    "echo '--- apt'; stat -c '%n %Y %s' /var/lib/apt/lists/* /var/cache/apt/*.bin 2>/dev/null | sort"
)


def host_state(container):
    """A fingerprint of what an audit must never change: every file of /etc, unit states, the package list, the
    package lists and APT's caches."""
    proc = subprocess.run(["docker", "exec", container, "sh", "-c", STATE_COMMAND], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout
