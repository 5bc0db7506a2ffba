#!/usr/bin/env python3
# cnil-cabinet — GPL-3.0-or-later
"""make bench: how long a cabinet's audit takes, and a contractor's fleet, measured against references.

For each fleet size N (default 1 and 20) and each repetition, on fresh systemd containers cnil-bench-<n>
(cnil/debian12, started like scripts/demo.sh does, on the docker network cnil-bench):

  apply (cold)    bin/cnil apply on pristine PCs: packages installed, everything enforced
  apply (warm)    bin/cnil apply again: idempotent, 0 changed expected
  audit           bin/cnil audit of the compliant PCs (--check --diff), 0 changed expected
  floor           what Ansible itself costs: the same fact subset plus one no-op module call per technical
                  control (data/controls.yml), in check mode, same containers, same connection and settings

and, with the N=1 repetitions, a peer doing a comparable job: the ANSSI BP-028 playbook that OpenSCAP generates
from Debian's SCAP content (ssg-debian), in check mode on its own pristine cnil/debian12 container.

Measured per run: wall time, the controller's CPU time (getrusage of the children: ansible-playbook, its
workers, the docker CLI), its peak memory (sum of PSS over that process tree, sampled; and the largest single
process' max RSS), the load average, per-task times (ansible.posix.profile_tasks). The medians, ratios and
targets (PASS/FAIL) go to docs/benchmarks.md and docs/benchmarks.json.

The containers (label cnil-bench=1, names cnil-bench-*) and the network are removed at the end, also on failure
or Ctrl-C. Logs, inventories and reports go under the build directory (default /var/tmp/cnil-bench), where the
generated ANSSI playbook is cached, keyed by the ssg-debian version.

  scripts/bench.py                                  N = 1 (3 runs) and N = 20 (1 run)
  scripts/bench.py --sizes 1 --repeats 1=1          quick check while developing
  scripts/bench.py --no-peer --no-write             measure only, print the table
  scripts/bench.py --clean                          remove leftover bench containers and network
"""

from __future__ import annotations

import argparse
import configparser
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
VENV_BIN = os.path.join(ROOT, ".venv", "bin")
NETWORK = "cnil-bench"
PREFIX = "cnil-bench"
LABEL = "cnil-bench=1"
PC_IMAGE = "cnil/debian12"
GEN_IMAGE = "cnil/debian13"
SSG_CONTENT = "/usr/share/xml/scap/ssg/content/ssg-debian12-ds.xml"
PEER_PROFILE_ID = "xccdf_org.ssgproject.content_profile_anssi_bp28_%s"
CONTROL_RE = re.compile(r"CNIL-[A-Z]+(?:-[A-Z]+)?-\d+")
RECAP_RE = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)"
                      r"\s+rescued=(\d+)\s+ignored=(\d+)")
PROFILE_LINE_RE = re.compile(r"^(.*?) ?-+ (\d+(?:\.\d+)?)s$")

# Targets of issue 8: (key, label, numerator, denominator, limit, comparison)
TARGETS = [
    ("audit1_vs_floor", "audit of 1 PC ≤ 3 × the Ansible floor (same host)", ("audit", 1), ("floor", 1), 3.0),
    ("audit20_vs_audit1", "audit of 20 PCs ≤ 8 × the audit of 1 PC", ("audit", 20), ("audit", 1), 8.0),
    ("warm1_vs_audit1", "idempotent re-apply of 1 PC ≤ 1.5 × its audit", ("apply_warm", 1), ("audit", 1), 1.5),
    ("warm20_vs_audit20", "idempotent re-apply of 20 PCs ≤ 1.5 × their audit", ("apply_warm", 20), ("audit", 20), 1.5),
    ("audit1_vs_peer", "audit of 1 PC faster than the OpenSCAP ANSSI BP-028 playbook (check mode)",
     ("audit", 1), ("peer", 1), 1.0),
]

PHASE_LABELS = {
    "apply_cold": "apply, cold (pristine PCs, packages installed)",
    "apply_warm": "apply, second run (idempotent)",
    "audit": "audit of the compliant PCs (check mode)",
    "floor": "Ansible floor (facts + 1 no-op call per control, check mode)",
    "peer": "OpenSCAP ANSSI BP-028 playbook (check mode, pristine PC)",
}

# The wrapper every measured command runs under: a fresh process, so getrusage(RUSAGE_CHILDREN) covers that
# command's process tree only (CPU time of every descendant waited for, and the largest max RSS among them).
RUSAGE_WRAPPER = r"""
import json, resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
r = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as f:
    json.dump({"rc": rc, "utime": r.ru_utime, "stime": r.ru_stime, "maxrss_kib": r.ru_maxrss}, f)
sys.exit(rc)
"""


def log(msg):
    print("bench: " + msg, flush=True)


def run(cmd, check=True, capture=True, **kw):
    res = subprocess.run(cmd, check=False, text=True, stdout=subprocess.PIPE if capture else None,
                         stderr=subprocess.PIPE if capture else None, **kw)
    if check and res.returncode != 0:
        raise RuntimeError("%s failed (exit %d): %s" % (" ".join(cmd), res.returncode, (res.stderr or "").strip()[-2000:]))
    return res


def tool(name):
    local = os.path.join(VENV_BIN, name)
    return local if os.path.exists(local) else shutil.which(name) or name


# ---------------------------------------------------------------------------------------------------- docker

class Docker:
    """The bench's own containers and network; never touches anything else."""

    def __init__(self, network=NETWORK):
        self.network = network
        self.started = []

    def ensure_network(self):
        if run(["docker", "network", "inspect", self.network], check=False).returncode != 0:
            run(["docker", "network", "create", "--label", LABEL, self.network])

    def start(self, names, image):
        """Start systemd containers exactly like scripts/demo.sh does, then wait for systemd in parallel."""
        self.ensure_network()
        for name in names:
            assert name.startswith(PREFIX + "-"), name
            run(["docker", "rm", "-f", name], check=False)
            run(["docker", "run", "-d", "--name", name, "--hostname", name, "--network", self.network, "--pull", "never",
                 "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--cgroupns", "host",
                 "-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro", "--tmpfs", "/run", "--tmpfs", "/run/lock", "--tmpfs", "/tmp",
                 "--stop-signal", "SIGRTMIN+3", "--label", LABEL, image])
            self.started.append(name)
        waits = [subprocess.Popen(["docker", "exec", n, "timeout", "60", "systemctl", "is-system-running", "--wait"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for n in names]
        for proc in waits:
            proc.wait()
        stopped = [n for n in names if run(["docker", "inspect", "-f", "{{.State.Running}}", n], check=False).stdout.strip() != "true"]
        if stopped:
            logs = run(["docker", "logs", "--tail", "5", stopped[0]], check=False)
            raise SystemExit("bench: %d container(s) stopped right after start (%s): %s" % (
                len(stopped), ", ".join(stopped), (logs.stdout + logs.stderr).strip()))

    @staticmethod
    def raise_inotify_limit(containers):
        """Each systemd container holds several inotify instances; the kernel's default of 128 per user stops
        the 20th or so with "Failed to allocate manager object". Raised for the bench when running as root."""
        path = "/proc/sys/fs/inotify/max_user_instances"
        want = max(512, 32 * containers)
        try:
            current = int(open(path).read())
            if current < want and os.geteuid() == 0:
                open(path, "w").write(str(want))
                print("bench: fs.inotify.max_user_instances %d -> %d (%d systemd containers)" % (current, want, containers))
        except OSError as exc:
            print("bench: cannot raise fs.inotify.max_user_instances (%s): large fleets may fail to start" % exc)

    def remove(self, names):
        names = [n for n in names if n.startswith(PREFIX + "-")]
        if names:
            run(["docker", "rm", "-f"] + names, check=False)
        self.started = [n for n in self.started if n not in names]

    def cleanup(self):
        """Every container carrying the bench label AND a cnil-bench-* name, then the network."""
        listed = run(["docker", "ps", "-a", "--filter", "label=" + LABEL, "--format", "{{.Names}}"], check=False)
        names = [n for n in (listed.stdout or "").split() if n.startswith(PREFIX + "-")]
        self.remove(sorted(set(names) | set(self.started)))
        if run(["docker", "network", "inspect", self.network], check=False).returncode == 0:
            run(["docker", "network", "rm", self.network], check=False)


def containers_cpu_s(names):
    """CPU time (s) the containers have used so far, from their cgroups (v1 cpuacct or v2 cpu.stat); None when
    unreadable. On this machine the PCs run their modules on the controller's own cores: measured separately."""
    total = 0.0
    for name in names:
        cid = run(["docker", "inspect", "-f", "{{.Id}}", name], check=False).stdout.strip()
        for path in ("/sys/fs/cgroup/cpuacct/docker/%s/cpuacct.usage" % cid,
                     "/sys/fs/cgroup/cpu,cpuacct/docker/%s/cpuacct.usage" % cid,
                     "/sys/fs/cgroup/system.slice/docker-%s.scope/cpu.stat" % cid):
            try:
                text = open(path, encoding="ascii").read()
            except OSError:
                continue
            if path.endswith("cpu.stat"):
                total += int(re.search(r"^usage_usec (\d+)", text, re.M).group(1)) / 1e6
            else:
                total += int(text.strip()) / 1e9
            break
        else:
            return None
    return total


def write_inventory(path, names, group="cnil_linux", link_group_vars=True):
    os.makedirs(path, exist_ok=True)
    hosts = {n: {"ansible_connection": "community.docker.docker", "ansible_host": n,
                 "ansible_python_interpreter": "/usr/bin/python3"} for n in names}
    with open(os.path.join(path, "hosts.yml"), "w", encoding="utf-8") as handle:
        handle.write("---\n# Written by scripts/bench.py: the bench's containers, reached through docker.\n")
        yaml.safe_dump({"all": {"children": {group: {"hosts": hosts}}}}, handle, sort_keys=False)
    if link_group_vars:
        # The test cabinet's variables, shared with the molecule scenarios (as the molecule scenarios do).
        gv = os.path.join(path, "group_vars")
        os.makedirs(gv, exist_ok=True)
        link = os.path.join(gv, "all")
        if os.path.islink(link) or os.path.exists(link):
            os.unlink(link)
        os.symlink(os.path.join(ROOT, "inventory", "test", "group_vars", "all"), link)
    return os.path.join(path, "hosts.yml")


# ---------------------------------------------------------------------------------------------------- measuring

def descendants(root_pid):
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as handle:
                stat = handle.read().decode("ascii", "replace")
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def pss_kib(pid):
    """Proportional set size (shared pages split between the processes sharing them); RSS when unavailable."""
    try:
        with open("/proc/%d/smaps_rollup" % pid, encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open("/proc/%d/statm" % pid, encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return 0


class MemorySampler(threading.Thread):
    """Peak of the summed PSS of a process tree, sampled every `interval` seconds."""

    def __init__(self, pid, interval=0.5):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_kib = pid, interval, 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            total = sum(pss_kib(p) for p in descendants(self.pid))
            self.peak_kib = max(self.peak_kib, total)
            self.done.wait(self.interval)


TASK_HEADER_RE = re.compile(r"^(?:TASK|RUNNING HANDLER) \[(.*)\] \*+$")
RESULT_RE = re.compile(r"^(ok|changed|skipping|failed|fatal): \[([^\]]+)\]")


def parse_output(text):
    """PLAY RECAP counts per host, the profile_tasks recap (seconds per task), and for each task the results
    the default callback printed (one per host and loop item: ok, changed, skipping, failed, fatal)."""
    recap, tasks, results = {}, [], {}
    in_recap = in_profile = False
    current = None
    for line in text.splitlines():
        if line.startswith("PLAY RECAP"):
            in_recap, in_profile = True, False
            continue
        if line.startswith("TASKS RECAP"):
            in_recap, in_profile = False, True
            continue
        if in_recap:
            m = RECAP_RE.match(line.strip())
            if m:
                keys = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")
                recap[m.group(1)] = dict(zip(keys, (int(g) for g in m.groups()[1:])))
        elif in_profile:
            if line.startswith("=") or not line.strip() or re.match(r"^\w+ \d+ \w+ \d{4}", line):
                continue
            m = PROFILE_LINE_RE.match(line.rstrip())
            if m:
                tasks.append({"task": m.group(1).rstrip(" -"), "seconds": float(m.group(2))})
        else:
            m = TASK_HEADER_RE.match(line.rstrip())
            if m:
                current = results.setdefault(m.group(1), {})
                continue
            m = RESULT_RE.match(line)
            if m and current is not None:
                status = "failed" if m.group(1) == "fatal" else m.group(1)
                current[status] = current.get(status, 0) + 1
    for task in tasks:
        counts = results.get(task["task"], {})
        task["results"] = counts
    return recap, tasks


EXEC_RE = re.compile(r"^<[^>]+> (EXEC|PUT) ")
MODULE_RE = re.compile(r"^Using module file .*/([^/]+)\.(?:py|ps1)$")


def count_remote(text):
    """Per task, the commands the connection ran on the PCs and the modules they ran (-vvv: one EXEC per module
    with pipelining; copy and template add three for their temporary directory). Deterministic, unlike seconds:
    the cost the roles control."""
    counts, current = {}, None
    for line in text.splitlines():
        m = TASK_HEADER_RE.match(line.rstrip())
        if m:
            current = counts.setdefault(m.group(1), {"commands": 0, "modules": {}})
            continue
        if current is None:
            continue
        if EXEC_RE.match(line):
            current["commands"] += 1
            continue
        m = MODULE_RE.match(line.strip())
        if m:
            current["modules"][m.group(1)] = current["modules"].get(m.group(1), 0) + 1
    return counts


def measure(name, cmd, env, log_path, hosts, expect_rc=(0,)):
    """Run one timed command; return its figures. Raises when the run is not a valid sample."""
    usage_path = log_path + ".rusage.json"
    load_before = os.getloadavg()[0]
    pcs_before = containers_cpu_s(hosts)
    with open(log_path, "w", encoding="utf-8") as out:
        out.write("+ %s\n" % " ".join(cmd))
        out.flush()
        start = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-c", RUSAGE_WRAPPER, usage_path] + cmd, env=env, cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT)
        sampler = MemorySampler(proc.pid)
        sampler.start()
        rc = proc.wait()
        wall = time.monotonic() - start
        sampler.done.set()
        sampler.join()
    load_after = os.getloadavg()[0]
    pcs_after = containers_cpu_s(hosts)
    with open(usage_path, encoding="utf-8") as handle:
        usage = json.load(handle)
    with open(log_path, encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    recap, tasks = parse_output(text)
    result = {
        "phase": name, "rc": rc, "wall_s": round(wall, 2), "cpu_s": round(usage["utime"] + usage["stime"], 2),
        "pcs_cpu_s": round(pcs_after - pcs_before, 2) if pcs_before is not None and pcs_after is not None else None,
        "peak_pss_mib": round(sampler.peak_kib / 1024, 1), "max_rss_mib": round(usage["maxrss_kib"] / 1024, 1),
        "load1_before": round(load_before, 2), "load1_after": round(load_after, 2), "hosts": len(hosts),
        "changed": sum(r["changed"] for r in recap.values()), "failed": sum(r["failed"] for r in recap.values()),
        "unreachable": sum(r["unreachable"] for r in recap.values()),
        "tasks_run_per_host": round(statistics.mean([r["ok"] + r["changed"] + r["failed"] for r in recap.values()]), 1)
        if recap else None,
        "tasks_skipped_per_host": round(statistics.mean([r["skipped"] for r in recap.values()]), 1) if recap else None,
        "task_times": tasks, "log": log_path,
    }
    m = re.search(r"^cnil: (\S+): (compliant|NOT compliant) \((.*)\)$", text, re.M)
    if m:
        result["compliance"] = "%s (%s)" % (m.group(2), m.group(3))
    missing = [h for h in hosts if h not in recap]
    problems = []
    if rc not in expect_rc:
        problems.append("exit %d" % rc)
    if missing:
        problems.append("no recap for %s" % ", ".join(missing))
    if result["unreachable"]:
        problems.append("%d unreachable" % result["unreachable"])
    if result["failed"] and name != "peer":
        problems.append("%d failed" % result["failed"])
    if problems:
        raise RuntimeError("%s: not a valid sample (%s); see %s" % (name, "; ".join(problems), log_path))
    log("%-10s N=%-3d %7.1f s wall  %6.1f s CPU  %s s PCs' CPU  %6.1f MiB peak  changed=%d  load %.1f→%.1f"
        % (name, len(hosts), wall, result["cpu_s"], fmt(result["pcs_cpu_s"]), result["peak_pss_mib"], result["changed"],
           load_before, load_after))
    return result


# ---------------------------------------------------------------------------------------------------- references

def technical_controls():
    with open(os.path.join(ROOT, "data", "controls.yml"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return [c["id"] for c in data["controls"] if c.get("kind") == "technical"]


def write_floor_playbook(path):
    """Same play settings as the Linux play of site.yml (become, the fact subset of ansible.cfg), then one
    module call per technical control that changes nothing: the least any check-mode audit of them costs."""
    controls = technical_controls()
    play = {
        "name": "Ansible floor | the fact subset and one no-op module call per technical control",
        "hosts": "cnil_linux", "become": True, "gather_facts": True,
        "tasks": [{"name": "%s | no-op module call" % c, "ansible.builtin.ping": {}} for c in controls],
    }
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("---\n# Written by scripts/bench.py from data/controls.yml (%d technical controls).\n" % len(controls))
        yaml.safe_dump([play], handle, sort_keys=False, allow_unicode=True)
    return len(controls)


def peer_playbooks(docker, build, profiles):
    """The OpenSCAP-generated ANSSI playbooks, cached by ssg-debian version (generated in a trixie container)."""
    policy = run(["docker", "run", "--rm", "--pull", "never", "--network", "none", GEN_IMAGE,
                  "apt-cache", "policy", "ssg-debian", "openscap-scanner"]).stdout
    versions = dict(re.findall(r"^(\S+):\n\s+Installed: .*\n\s+Candidate: (\S+)", policy, re.M))
    ssg = versions.get("ssg-debian")
    if not ssg or ssg == "(none)":
        raise RuntimeError("ssg-debian is not available in %s's apt lists" % GEN_IMAGE)
    cache = os.path.join(build, "peer", "ssg-debian-" + ssg)
    paths = {p: os.path.join(cache, "anssi-bp28-%s.yml" % p) for p in profiles}
    todo = [p for p, path in paths.items() if not os.path.exists(path)]
    if todo:
        os.makedirs(cache, exist_ok=True)
        gen = PREFIX + "-oscap-gen"
        log("generating the ANSSI BP-028 playbooks (%s) with OpenSCAP in %s (ssg-debian %s)" % (", ".join(todo), gen, ssg))
        try:
            docker.start([gen], GEN_IMAGE)
            run(["docker", "exec", "-e", "DEBIAN_FRONTEND=noninteractive", gen, "apt-get", "install", "-y", "-q",
                 "--no-install-recommends", "ssg-debian", "openscap-scanner"])
            for profile in todo:
                tmp = "/root/anssi-%s.yml" % profile  # not /tmp: docker cp cannot read a tmpfs
                run(["docker", "exec", gen, "sh", "-c", "oscap xccdf generate fix --fix-type ansible --profile %s %s > %s"
                     % (PEER_PROFILE_ID % profile, SSG_CONTENT, tmp)])
                run(["docker", "cp", "%s:%s" % (gen, tmp), paths[profile] + ".tmp"])
                os.replace(paths[profile] + ".tmp", paths[profile])
            oscap = run(["docker", "exec", gen, "oscap", "--version"]).stdout.splitlines()[0]
            with open(os.path.join(cache, "generator.txt"), "w", encoding="utf-8") as handle:
                handle.write("%s, ssg-debian %s\n" % (oscap, ssg))
        finally:
            docker.remove([gen])
    generator = ""
    if os.path.exists(os.path.join(cache, "generator.txt")):
        with open(os.path.join(cache, "generator.txt"), encoding="utf-8") as handle:
            generator = handle.read().strip()
    info = {}
    for profile, path in paths.items():
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        info[profile] = {"path": path, "tasks": len(re.findall(r"^    - name:", text, re.M)),
                         "package_facts_calls": len(re.findall(r"^      package_facts:", text, re.M))}
    return ssg, generator, info


def peer_config(build):
    """The peer runs with the connection settings of ansible.cfg (pipelining, forks, interpreter) but as it was
    generated: its own full fact gathering, no cnil plugins."""
    path = os.path.join(build, "peer", "ansible.cfg")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("[defaults]\nforks = 5\ntimeout = 30\ninterpreter_python = auto_silent\nretry_files_enabled = false\n"
                     "stdout_callback = ansible.builtin.default\n\n[connection]\npipelining = true\n")
    return path


def peer_runnable(src, dst):
    """Play-level ignore_errors: a generated task that cannot run in check mode on a pristine PC must not stop
    the remaining tasks (a stopped playbook would look faster than it is)."""
    with open(src, encoding="utf-8") as handle:
        text = handle.read()
    text, count = re.subn(r"^- hosts: all\n", "- hosts: all\n  ignore_errors: true\n", text, flags=re.M)
    if count != 1:
        raise RuntimeError("unexpected layout of %s (%d plays)" % (src, count))
    with open(dst, "w", encoding="utf-8") as handle:
        handle.write(text)
    return dst


# ---------------------------------------------------------------------------------------------------- the bench

def base_env():
    env = dict(os.environ)
    env.update({
        "PATH": VENV_BIN + os.pathsep + env.get("PATH", ""), "ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0", "PY_COLORS": "0",
        # Per-task times (the recap at the end): cheap, one timestamp per task.
        "PROFILE_TASKS_TASK_OUTPUT_LIMIT": "all", "PROFILE_TASKS_SORT_ORDER": "none",
    })
    env.pop("ANSIBLE_STDOUT_CALLBACK", None)
    return env


def configured_callbacks():
    """ansible.cfg's callbacks_enabled: what `bin/cnil` runs with. Setting ANSIBLE_CALLBACKS_ENABLED replaces
    that list, so the bench starts from it (a bench without cnil_preload measured a slower toolkit than the one
    contractors run)."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(os.path.join(ROOT, "ansible.cfg"))
    return [c.strip() for c in config.get("defaults", "callbacks_enabled", fallback="").split(",") if c.strip()]


def parse_map(text, what):
    out = {}
    for part in str(text).split(","):
        if part.strip():
            key, _, value = part.partition("=")
            if not value:
                raise SystemExit("--%s: expected N=COUNT pairs, got %r" % (what, part))
            out[int(key)] = int(value)
    return out


def bench(args, docker, build, data):
    """Fill data (samples, peer, logs...) as the runs go, so a failure still leaves what was measured."""
    env = base_env()
    configured = configured_callbacks()
    cnil_env = dict(env, ANSIBLE_CALLBACKS_ENABLED=",".join(configured + ["ansible.posix.profile_tasks"]))
    # The floor runs with the same speed-only callbacks as the audit (cnil_preload), not with the report writer.
    floor_env = dict(env, ANSIBLE_CALLBACKS_ENABLED=",".join(
        [c for c in configured if c != "cnil_report"] + ["ansible.posix.profile_tasks"]))
    fork_args = ["--forks", str(args.forks)] if args.forks else []
    floor_path = os.path.join(build, "floor.yml")
    data["floor_controls"] = write_floor_playbook(floor_path)
    samples = data["samples"]
    peer = data["peer"]
    repeats = parse_map(args.repeats, "repeats")
    logs = data["logs"]

    profiles = [p for p in args.peer_profiles.split(",") if p] if not args.no_peer else []
    peer_inventory = None
    if profiles:
        ssg, generator, info = peer_playbooks(docker, build, profiles)
        peer.update(ssg_debian=ssg, generator=generator, profiles=info)
        peer_host = PREFIX + "-peer"
        docker.start([peer_host], PC_IMAGE)
        peer_inventory = write_inventory(os.path.join(logs, "inventory-peer"), [peer_host], group="all_pcs",
                                         link_group_vars=False)
        peer_env = dict(env, ANSIBLE_CONFIG=peer_config(build), ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks")
        for profile in profiles:
            info[profile]["runnable"] = peer_runnable(info[profile]["path"],
                                                      os.path.join(logs, "anssi-bp28-%s.yml" % profile))

    sizes = [int(s) for s in args.sizes.split(",") if s]
    docker.raise_inotify_limit(max(sizes) + 2)  # the fleet, the peer and the generator containers
    for size in sizes:
        names = ["%s-%d" % (PREFIX, i) for i in range(1, size + 1)]
        for rep in range(1, repeats.get(size, 1) + 1):
            tag = "n%d-r%d" % (size, rep)
            log("N=%d, run %d/%d: starting %d fresh container(s) from %s" % (size, rep, repeats.get(size, 1), size, PC_IMAGE))
            docker.remove(names)
            docker.start(names, PC_IMAGE)
            inventory = write_inventory(os.path.join(logs, "inventory-n%d" % size), names)
            cnil = [sys.executable, os.path.join(ROOT, "bin", "cnil")]
            reports = ["--report-dir", os.path.join(logs, "reports")]

            def one(phase, cmd, run_env, expect=(0,), hosts=names):
                result = measure(phase, cmd, run_env, os.path.join(logs, "%s-%s.log" % (tag, phase)), hosts, expect)
                result.update(size=size, repeat=rep)
                samples.append(result)
                return result

            one("apply_cold", cnil + ["apply", "-i", inventory] + reports + fork_args, cnil_env)
            warm = one("apply_warm", cnil + ["apply", "-i", inventory] + reports + fork_args, cnil_env)
            if warm["changed"]:
                log("WARNING: the second apply changed %d task(s): not idempotent (see %s)" % (warm["changed"], warm["log"]))
            # audit: 0 compliant, 2 a control is not (e.g. no backup host in the bench cabinet): both are audits.
            audit = one("audit", cnil + ["audit", "-i", inventory] + reports + fork_args, cnil_env, expect=(0, 2))
            if audit["changed"]:
                log("WARNING: the audit of the applied PCs reports %d change(s) (see %s)" % (audit["changed"], audit["log"]))
            one("floor", [tool("ansible-playbook"), "-i", inventory, floor_path, "--check"] + fork_args, floor_env)
            if size == 1 and rep == 1 and not args.no_exec_count:
                # Untimed: -vvv shows each command run on the PC; counted per task.
                for phase, cmd in (("audit", cnil + ["audit", "-i", inventory] + reports),
                                   ("apply_warm", cnil + ["apply", "-i", inventory] + reports),
                                   ("floor", [tool("ansible-playbook"), "-i", inventory, floor_path, "--check"])):
                    path = os.path.join(logs, "%s-%s-vvv.log" % (tag, phase))
                    with open(path, "w", encoding="utf-8") as out:
                        subprocess.call(cmd + ["-vvv"], env=cnil_env if phase != "floor" else floor_env, cwd=ROOT,
                                        stdout=out, stderr=subprocess.STDOUT)
                    with open(path, encoding="utf-8", errors="replace") as handle:
                        data["remote_commands"][phase] = count_remote(handle.read())
                    log("%-10s N=1: %d commands run on the PC (-vvv, untimed)"
                        % (phase, sum(t["commands"] for t in data["remote_commands"][phase].values())))
            if size == 1 and peer_inventory and rep <= args.peer_runs:
                for profile in profiles:
                    result = measure("peer", [tool("ansible-playbook"), "-i", peer_inventory, info[profile]["runnable"],
                                              "--check"] + fork_args, peer_env,
                                     os.path.join(logs, "%s-peer-%s.log" % (tag, profile)), [peer_host], (0, 2))
                    result.update(size=1, repeat=rep, profile=profile)
                    samples.append(result)
            if not args.keep:
                docker.remove(names)
        if size == 1 and peer_inventory and not args.keep:
            docker.remove([peer_host])


# ---------------------------------------------------------------------------------------------------- results

def median(values):
    values = [v for v in values if v is not None]
    return round(float(statistics.median(values)), 2) if values else None


def summarise(data, profiles):
    samples = data["samples"]
    primary = profiles[0] if profiles else None
    groups = {}
    for s in samples:
        if s["phase"] == "peer":
            key = ("peer", 1) if s.get("profile") == primary else ("peer:" + s["profile"], 1)
        else:
            key = (s["phase"], s["size"])
        groups.setdefault(key, []).append(s)
    table = {}
    for (phase, size), runs in groups.items():
        table["%s@%d" % (phase, size)] = {
            "phase": phase, "size": size, "runs": len(runs), "wall_s": median([r["wall_s"] for r in runs]),
            "wall_s_all": [r["wall_s"] for r in runs], "wall_s_per_host": median([r["wall_s"] / size for r in runs]),
            "cpu_s": median([r["cpu_s"] for r in runs]), "cpu_s_per_host": median([r["cpu_s"] / size for r in runs]),
            "pcs_cpu_s_per_host": median([r["pcs_cpu_s"] / size for r in runs if r.get("pcs_cpu_s") is not None])
            if any(r.get("pcs_cpu_s") is not None for r in runs) else None,
            "peak_pss_mib": median([r["peak_pss_mib"] for r in runs]),
            "peak_pss_mib_per_host": median([r["peak_pss_mib"] / size for r in runs]),
            "max_rss_mib": median([r["max_rss_mib"] for r in runs]),
            "changed": max(r["changed"] for r in runs), "failed": max(r["failed"] for r in runs),
            "tasks_run_per_host": median([r["tasks_run_per_host"] for r in runs]),
            "tasks_skipped_per_host": median([r["tasks_skipped_per_host"] for r in runs]),
            "load1": median([(r["load1_before"] + r["load1_after"]) / 2 for r in runs]),
            "compliance": sorted({r.get("compliance") for r in runs if r.get("compliance")}),
        }
    targets = []
    for key, label, (num_phase, num_size), (den_phase, den_size), limit in TARGETS:
        num, den = table.get("%s@%d" % (num_phase, num_size)), table.get("%s@%d" % (den_phase, den_size))
        if not num or not den or not den["wall_s"]:
            targets.append({"id": key, "target": label, "limit": limit, "ratio": None, "status": "NOT MEASURED"})
            continue
        ratio = num["wall_s"] / den["wall_s"]
        ok = ratio < limit if key == "audit1_vs_peer" else ratio <= limit
        targets.append({"id": key, "target": label, "limit": limit, "ratio": round(ratio, 2),
                        "status": "PASS" if ok else "FAIL"})
    return table, targets


def task_profile(samples, phase, size, top, remote=None):
    """Median seconds per task (per PC when size is 1) over the runs of a phase, aggregated by role and
    control; which tasks only skipped, and how many results (hosts x loop items) each printed."""
    runs = [s for s in samples if s["phase"] == phase and s["size"] == size and s["task_times"]]
    if not runs:
        return None
    per_task, results = {}, {}
    for r in runs:
        seen = {}
        for t in r["task_times"]:
            seen[t["task"]] = seen.get(t["task"], 0.0) + t["seconds"]
            results[t["task"]] = t.get("results") or {}
        for name, secs in seen.items():
            per_task.setdefault(name, []).append(secs)
    tasks = sorted(((statistics.median(v), k) for k, v in per_task.items()), reverse=True)
    by_role, by_control, package_facts = {}, {}, []
    skipped_only, calls = [], 0
    for secs, name in tasks:
        role = name.split(" : ", 1)[0] if " : " in name else "(playbook)"
        by_role[role] = by_role.get(role, 0.0) + secs
        m = CONTROL_RE.search(name)
        control = m.group(0) if m else "(other)"
        by_control[control] = by_control.get(control, 0.0) + secs
        counts = results.get(name, {})
        ran = sum(v for k, v in counts.items() if k != "skipping")
        calls += ran
        if counts and not ran:
            skipped_only.append(secs)
        if re.search(r"read installed packages|package_facts", name, re.I):
            package_facts.append({"task": name, "seconds": round(secs, 2), "ran": bool(ran)})

    remote = remote or {}

    def entry(secs, name):
        counts = results.get(name, {})
        item = {"task": name, "seconds": round(secs, 2),
                "results": ", ".join("%s %d" % (k, v) for k, v in sorted(counts.items()))}
        if name in remote:
            item["commands"] = remote[name]["commands"]
            item["modules"] = remote[name]["modules"]
        return item

    def role_of(name):
        return name.split(" : ", 1)[0] if " : " in name else "(playbook)"

    remote_by_role = {}
    for name, r in remote.items():
        remote_by_role[role_of(name)] = remote_by_role.get(role_of(name), 0) + r["commands"]
    modules = {}
    for r in remote.values():
        for mod, n in r["modules"].items():
            modules[mod] = modules.get(mod, 0) + n

    total = sum(s for s, _ in tasks)
    return {
        "runs": len(runs), "tasks": len(tasks), "total_s": round(total, 2),
        "tasks_skipped_only": len(skipped_only), "skipped_only_s": round(sum(skipped_only), 2),
        "results_not_skipped": calls,
        "remote_commands": sum(r["commands"] for r in remote.values()) if remote else None,
        "remote_module_runs": sum(modules.values()) if remote else None,
        "remote_modules": dict(sorted(modules.items(), key=lambda x: -x[1])),
        "remote_by_role": [{"role": k, "commands": v} for k, v in sorted(remote_by_role.items(), key=lambda x: -x[1])],
        "remote_top": sorted(({"task": k, **v} for k, v in remote.items() if v["commands"]),
                             key=lambda x: -x["commands"])[:top],
        "top": [entry(s, n) for s, n in tasks[:top]],
        "all": [entry(s, n) for s, n in tasks],
        "by_role": [{"role": k, "seconds": round(v, 2)} for k, v in sorted(by_role.items(), key=lambda x: -x[1])],
        "by_control": [{"control": k, "seconds": round(v, 2)} for k, v in sorted(by_control.items(), key=lambda x: -x[1])],
        "package_facts": package_facts,
    }


def machine():
    def cmd(c):
        res = run(c, check=False)
        return (res.stdout or "").strip()

    mem_kib = 0
    with open("/proc/meminfo", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    cpu = ""
    with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    core = cmd([tool("ansible-playbook"), "--version"]).splitlines()
    git = cmd(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
    dirty = bool(cmd(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no", "playbooks", "roles", "library",
                      "plugins", "module_utils", "ansible.cfg", "inventory/test"]))
    with open(os.path.join(ROOT, "playbooks", "site.yml"), encoding="utf-8") as handle:
        site = yaml.safe_load(handle)
    roles = []
    for play in site:  # the Linux PCs' play (hosts: cnil_linux, or cnil_linux:&<group> since the support play)
        if str(play.get("hosts", "")).split(":")[0] == "cnil_linux":
            roles += [r["role"] if isinstance(r, dict) else r for r in play.get("roles", [])]
    return {
        "nproc": os.cpu_count(), "memory_gib": round(mem_kib / 1024 / 1024, 1), "cpu": cpu,
        "kernel": platform.release(), "os": cmd(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
        "ansible_core": re.sub(r"^ansible-playbook \[core (.*)\]$", r"\1", core[0]) if core else "",
        "python": platform.python_version(),
        "docker_server": cmd(["docker", "version", "--format", "{{.Server.Version}}"]),
        "docker_client": cmd(["docker", "version", "--format", "{{.Client.Version}}"]),
        "git": git + (" (working tree with uncommitted role changes)" if dirty else ""),
        "roles_linux_play": roles,
    }


def describe_commands(task):
    if "commands" not in task:
        return "—"
    mods = ", ".join("%s%s" % (k, " × %d" % v if v > 1 else "") for k, v in task["modules"].items())
    return "%d%s" % (task["commands"], " (%s)" % mods if mods else "")


def fmt(v, unit=""):
    if v is None:
        return "—"
    if isinstance(v, float):
        return ("%.2f" % v if v < 10 else "%.1f" % v) + unit
    return "%s%s" % (v, unit)


def render(result):
    m, table, targets = result["machine"], result["table"], result["targets"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`scripts/bench.py`) on %s; do not edit by hand, rerun it." % result["date"],
        "Issue 8: a cabinet audited in seconds, a contractor's whole fleet in minutes, measured.",
        "",
        "## Machine and run",
        "",
        "| | |",
        "|---|---|",
        "| CPU | %s × %s |" % (m["nproc"], m["cpu"] or "?"),
        "| memory | %s GiB |" % m["memory_gib"],
        "| OS, kernel | %s, %s |" % (m["os"], m["kernel"]),
        "| ansible-core, Python | %s, %s |" % (m["ansible_core"], m["python"]),
        "| Docker engine, client | %s, %s |" % (m["docker_server"], m["docker_client"]),
        "| cnil-cabinet | %s; Linux play: %s |" % (m["git"], ", ".join(m["roles_linux_play"])),
        "| PCs | fresh `%s` systemd containers, docker connection, pipelining, forks %s |"
        % (PC_IMAGE, result["forks"] or "5 (ansible.cfg)"),
        "| fleet sizes, runs | %s |" % ", ".join("N=%s: %s run(s)" % (k, v) for k, v in sorted(result["repeats"].items())),
        "| load average (1 min) during the runs | median %s, from %s to %s (other engineers' molecule scenarios "
        "share the 2 cores) |" % (fmt(result["load"]["median"]), fmt(result["load"]["min"]), fmt(result["load"]["max"])),
        "| total bench time | %s min |" % fmt(result["duration_s"] / 60),
        "",
        "## Medians",
        "",
        "Wall time of the whole command (`bin/cnil` or `ansible-playbook`, start-up included). CPU: the controller's "
        "(ansible-playbook, its workers and the docker CLI; not dockerd). Memory: peak of the summed PSS of that "
        "process tree.",
        "",
        "| phase | N | runs | wall s | s / PC | CPU s | CPU s / PC | PC's own CPU s / PC | peak MiB | MiB / PC | "
        "tasks run / PC | changed | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    order = ["apply_cold", "apply_warm", "audit", "floor", "peer"]
    keys = sorted(table, key=lambda k: (table[k]["size"], order.index(table[k]["phase"].split(":")[0]), table[k]["phase"]))
    for k in keys:
        row = table[k]
        phase = row["phase"]
        label = PHASE_LABELS.get(phase.split(":")[0], phase)
        if phase.startswith("peer"):
            profile = phase.split(":", 1)[1] if ":" in phase else result["peer_profiles"][0]
            label = "OpenSCAP ANSSI BP-028 *%s* playbook (%s tasks), check mode, pristine PC" % (
                profile, result["peer"]["profiles"][profile]["tasks"])
        lines.append("| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            label, row["size"], row["runs"], fmt(row["wall_s"]), fmt(row["wall_s_per_host"]), fmt(row["cpu_s"]),
            fmt(row["cpu_s_per_host"]), fmt(row.get("pcs_cpu_s_per_host")), fmt(row["peak_pss_mib"]),
            fmt(row["peak_pss_mib_per_host"]),
            fmt(row["tasks_run_per_host"]), row["changed"], fmt(row["load1"])))
    lines += ["", "Every run's wall time (s): " + "; ".join(
        "%s N=%d: %s" % (table[k]["phase"], table[k]["size"], ", ".join(fmt(v) for v in table[k]["wall_s_all"]))
        for k in keys) + ".", ""]
    audits = [table[k] for k in keys if table[k]["phase"] == "audit" and table[k]["compliance"]]
    if audits:
        lines += ["Audit verdicts (bin/cnil): " + "; ".join("N=%d: %s" % (a["size"], ", ".join(a["compliance"]))
                                                              for a in audits) + ".", ""]
    lines += ["## Targets (ratios of medians, measured in the same run)", "", "| target | ratio | limit | |",
              "|---|---:|---:|---|"]
    for t in targets:
        lines.append("| %s | %s | %s | **%s** |" % (t["target"], fmt(t["ratio"]), fmt(t["limit"]), t["status"]))
    lines += [""]
    extra = result["ratios"]
    if extra:
        lines += ["Other ratios: " + "; ".join("%s: %s" % (k, fmt(v)) for k, v in extra.items()) + ".", ""]
    lines += ["## Where the time goes", ""]
    if result.get("analysis"):
        lines += result["analysis"] + [""]
    for title, key, top in (("Audit of one PC", "audit@1", None), ("Idempotent apply of one PC", "apply_warm@1", 15),
                            ("Cold apply of one PC", "apply_cold@1", 15)):
        prof = result["profiles"].get(key)
        if not prof:
            continue
        lines += ["### %s (seconds per PC, median of %d run(s), ansible.posix.profile_tasks)" % (title, prof["runs"]), "",
                  "%d tasks started, %s s in tasks; %d results other than skipped (one per loop item); %d tasks only "
                  "skipped (%s s in all)." % (prof["tasks"], fmt(prof["total_s"]), prof["results_not_skipped"],
                                              prof["tasks_skipped_only"], fmt(prof["skipped_only_s"])), "",
                  "Per role: " + ", ".join("%s %s s" % (r["role"], fmt(r["seconds"])) for r in prof["by_role"]) + ".", "",
                  "Per control: " + ", ".join("%s %s s" % (r["control"], fmt(r["seconds"])) for r in prof["by_control"])
                  + ".", ""]
        if prof.get("remote_commands"):
            lines += ["Commands run on the PC (`-vvv` count, one untimed run): %d, of which %d run a module (%s); per role: "
                      "%s." % (prof["remote_commands"], prof["remote_module_runs"],
                               ", ".join("%s %d" % kv for kv in prof["remote_modules"].items()),
                               ", ".join("%s %d" % (r["role"], r["commands"]) for r in prof["remote_by_role"])),
                "", "| task | s | results | commands on the PC |", "|---|---:|---|---:|"]
            lines += ["| %s | %s | %s | %s |" % (t["task"].replace("|", "\\|"), fmt(t["seconds"]), t["results"],
                                                 describe_commands(t)) for t in prof["top"][:top]]
        else:
            lines += ["| task | s | results |", "|---|---:|---|"]
            lines += ["| %s | %s | %s |" % (t["task"].replace("|", "\\|"), fmt(t["seconds"]), t["results"])
                      for t in prof["top"][:top]]
        lines += [""]
    lines += [
        "## Method",
        "",
        "- Each run of fleet size N starts N fresh `cnil-bench-<n>` containers from `%s` (as `scripts/demo.sh` does: "
        "systemd, `--cap-add SYS_ADMIN --cap-add NET_ADMIN --cgroupns host`, tmpfs, `--pull never`) on the docker "
        "network `%s`, writes an inventory (docker connection; `group_vars/all` is a link to "
        "`inventory/test/group_vars/all`, the test cabinet), then times `bin/cnil apply` (cold), `bin/cnil apply` "
        "(second run), `bin/cnil audit`, and the floor playbook, and removes the containers." % (PC_IMAGE, NETWORK),
        "- The floor (`floor.yml` in the build directory, written from `data/controls.yml`): the Linux play's "
        "settings (become, the `gather_subset` of `ansible.cfg`) and %d `ansible.builtin.ping` tasks, one per technical "
        "control, run with `--check`. It is what Ansible itself costs for one module call per control over this "
        "connection; anything above it is the roles' work." % result["floor_controls"],
        "- The peer: `oscap xccdf generate fix --fix-type ansible --profile %s %s` (%s), generated in a `%s` container "
        "and cached in the build directory by ssg-debian version, run with `ansible-playbook --check` on its own "
        "pristine `%s` container with this project's connection settings (pipelining, forks) and its own full fact "
        "gathering; a play-level `ignore_errors: true` keeps a task that cannot run in check mode from cutting the "
        "playbook short. The N=1 runs and the peer's runs alternate, so they share the machine's load."
        % (PEER_PROFILE_ID % "<level>", SSG_CONTENT, result["peer"].get("generator", "?"), GEN_IMAGE, PC_IMAGE),
        "- Timing: wall clock of the whole command. CPU and max RSS: `getrusage(RUSAGE_CHILDREN)` of a wrapper "
        "process around each command. Peak memory: summed PSS of the command's process tree, sampled every 0.5 s. "
        "Per-task times: `ansible.posix.profile_tasks` (one timestamp per task; its recap is in each log), added "
        "to the callbacks of `ansible.cfg` that `bin/cnil` runs with (%s; the floor without the report writer)."
        % ", ".join("`%s`" % c for c in configured_callbacks()),
        "- These machines are shared and noisy: read the ratios, which compare runs taken under the same load, "
        "rather than the seconds.",
        "",
        "## Beyond one controller",
        "",
        "One controller with the default 5 forks audits the 20-PC fleet above; the controller's CPU is the limit "
        "on 2 cores (see CPU s / PC). For scheduled audits of many cabinets, `bin/cnil-fleet-audit` runs them "
        "through ansible-runner (artifacts and a report per cabinet run; tested by "
        "`tests/behaviour/test_fleet_audit_runner.py`), and `execution-environment.yml` builds the execution "
        "environment for AWX / Automation Platform (validated with `ansible-builder create` in "
        "`tests/unit/test_execution_environment.py`), so a fleet can be spread over several execution nodes.",
        "",
        "Raw figures: [benchmarks.json](benchmarks.json).",
        "",
    ]
    return "\n".join(lines)


def analyse(result):
    """Plain sentences from the figures, so the page stays true when it is regenerated."""
    out = []
    table, profiles = result["table"], result["profiles"]
    audit1, floor1 = table.get("audit@1"), table.get("floor@1")
    prof, floor_prof = profiles.get("audit@1"), profiles.get("floor@1")
    call_s = None
    if floor_prof:
        noop = [t["seconds"] for t in floor_prof["all"] if "no-op" in t["task"]]
        call_s = statistics.median(noop) if noop else None
    if prof and audit1 and floor1 and call_s:
        audit_calls = prof.get("remote_commands") or prof["results_not_skipped"]
        floor_calls = floor_prof.get("remote_commands") or floor_prof["results_not_skipped"]
        what = "commands on the PC (`-vvv` count)" if prof.get("remote_commands") else \
            "module results (a loop item counts as one)"
        explained = audit_calls * call_s
        fixed = max(0.0, floor1["wall_s"] - floor_calls * call_s)
        out.append("- One command on the PC over the docker connection costs about %s s here (median no-op task of the "
                   "floor: worker fork, `docker exec`, Python start-up in the PC, the module). The audit of one PC makes "
                   "%d %s in %d tasks; the floor makes %d. %d × %s ≈ %s s of the audit's %s s. Within 3 × the floor "
                   "(%s s) there is room for about %d commands."
                   % (fmt(call_s), audit_calls, what, prof["tasks"], floor_calls, audit_calls, fmt(call_s),
                      fmt(explained), fmt(audit1["wall_s"]), fmt(3 * floor1["wall_s"]),
                      max(0, int((3 * floor1["wall_s"] - fixed) / call_s))))
        if prof.get("remote_module_runs") is not None and prof["remote_commands"] > prof["remote_module_runs"]:
            files = [t for t in prof["remote_top"] if t["commands"] > sum(t["modules"].values())]
            out.append("- %d of the %d commands run no module: they create and remove Ansible's temporary directory "
                       "for `copy` and `template`, which cost 5 commands per file even when nothing changes (`echo ~`, "
                       "`mkdir`, `stat`, `file`, `rm`) against 1 for a module. Tasks concerned: %s."
                       % (prof["remote_commands"] - prof["remote_module_runs"], prof["remote_commands"],
                          "; ".join("%s (%d)" % (t["task"], t["commands"]) for t in files)))
        if explained >= 0.6 * audit1["wall_s"]:
            out.append("- Commands on the PC explain most of the audit's time: fewer, larger calls (one module per "
                       "control where check mode stays exact, several files or units in one call) is the lever.")
        else:
            out.append("- Commands on the PC explain less than 60 %% of the audit's time (%s of %s s): the rest is the "
                       "controller's work per task, skipped and local tasks included, so fewer *tasks*, not only fewer "
                       "commands, is the lever." % (fmt(explained), fmt(audit1["wall_s"])))
        if floor1["tasks_run_per_host"] and prof["tasks"] > floor_prof["tasks"]:
            cpu_task = (audit1["cpu_s"] - floor1["cpu_s"]) / (prof["tasks"] - floor_prof["tasks"])
            out.append("- The controller spends %s s of CPU on the audit of one PC (the floor: %s s): about %s s per "
                       "task beyond the floor's, skipped tasks included (templating the conditions and arguments, "
                       "forking a worker, the callbacks). This is what limits a fleet on a small controller."
                       % (fmt(audit1["cpu_s"]), fmt(floor1["cpu_s"]), fmt(cpu_task)))
    if prof:
        out.append("- Costliest roles in the audit (s per PC): " + ", ".join(
            "%s %s" % (r["role"], fmt(r["seconds"])) for r in prof["by_role"][:4]) + ".")
        loops = [t for t in prof["all"] if sum(int(x) for x in re.findall(r"(?:ok|changed) (\d+)", t["results"])) > 1
                 and (call_s is None or t["seconds"] > call_s)]
        if loops:
            out.append("- Loops cost one call (or 5 commands for `copy`/`template`) per item: " + "; ".join(
                "%s (%s, %s s)" % (t["task"], t["results"], fmt(t["seconds"])) for t in loops[:8]) + ".")
        if prof["tasks_skipped_only"]:
            out.append("- %d tasks are only skipped (%s s per PC): a skipped task costs the controller a condition, "
                       "no call." % (prof["tasks_skipped_only"], fmt(prof["skipped_only_s"])))
        ran = [p for p in prof["package_facts"] if p["ran"]]
        if ran:
            out.append("- The package list is read %d time(s) per audit (%s, %s s); the other roles' package list "
                       "tasks are skipped (`when: ansible_facts['cnil_packages'] is not defined`)."
                       % (len(ran), ", ".join(p["task"] for p in ran), fmt(sum(p["seconds"] for p in ran))))
    audit20 = table.get("audit@20")
    if audit1 and audit20:
        cpu_floor = 20 * audit20["cpu_s_per_host"] / result["machine"]["nproc"]
        text = ("- Controller CPU per PC in the audit: %s s for 1 PC, %s s each for 20 PCs. With %s cores, the 20-PC audit "
                "needs at least %s s for the controller's CPU alone (it took %s s)"
                % (fmt(audit1["cpu_s_per_host"]), fmt(audit20["cpu_s_per_host"]), result["machine"]["nproc"],
                   fmt(cpu_floor), fmt(audit20["wall_s"])))
        if cpu_floor >= 0.6 * audit20["wall_s"]:
            text += ": the controller's cores, not the PCs, set the pace of a fleet; more forks would not help."
        else:
            text += "."
        out.append(text)
        pcs1, pcs20 = audit1.get("pcs_cpu_s_per_host"), audit20.get("pcs_cpu_s_per_host")
        if pcs1 and pcs20:
            shared = 20 * (audit20["cpu_s_per_host"] + pcs20) / result["machine"]["nproc"]
            out.append("- Here the PCs are containers on the same %s cores: each PC's own share of the audit (its "
                       "Python running the modules) is %s s of CPU for 1 PC, %s s each for 20. Controller and PCs "
                       "together need at least %s s of the %s cores for 20 PCs, %s × the one-PC audit, before any "
                       "waiting. On a real cabinet each PC runs its modules on its own processor, and the "
                       "controller's CPU alone would allow %s × the one-PC audit."
                       % (result["machine"]["nproc"], fmt(pcs1), fmt(pcs20), fmt(shared), result["machine"]["nproc"],
                          fmt(shared / audit1["wall_s"]), fmt(cpu_floor / audit1["wall_s"])))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog="bench.py", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--sizes", default=os.environ.get("CNIL_BENCH_SIZES", "1,20"), help="fleet sizes (default 1,20)")
    parser.add_argument("--repeats", default=os.environ.get("CNIL_BENCH_REPEATS", "1=3,20=1"),
                        help="runs per fleet size, each on fresh containers (default 1=3,20=1)")
    parser.add_argument("--peer-profiles", default="intermediary,minimal",
                        help="ANSSI BP-028 levels for the peer; the first one is the target's reference")
    parser.add_argument("--no-peer", action="store_true", help="skip the OpenSCAP peer")
    parser.add_argument("--peer-runs", type=int, default=int(os.environ.get("CNIL_BENCH_PEER_RUNS", "1")),
                        help="runs of each peer playbook, alternating with the first N=1 runs (default 1: the "
                             "intermediary level alone takes several times the whole N=1 run)")
    parser.add_argument("--forks", type=int, help="ansible forks (default: ansible.cfg)")
    parser.add_argument("--build-dir", default=os.environ.get("CNIL_BENCH_DIR", "/var/tmp/cnil-bench"))
    parser.add_argument("--out", default=os.path.join(ROOT, "docs"), help="where benchmarks.md/.json go")
    parser.add_argument("--no-write", action="store_true", help="print the table, do not write docs/")
    parser.add_argument("--keep", action="store_true", help="keep the containers (debugging)")
    parser.add_argument("--no-exec-count", action="store_true",
                        help="skip the untimed -vvv runs that count the commands run on a PC per task")
    parser.add_argument("--clean", action="store_true", help="only remove leftover bench containers and network")
    parser.add_argument("--top", type=int, default=25, help="tasks listed in the time profile")
    parser.add_argument("--from-samples", metavar="JSON",
                        help="rewrite the results from a previous run's samples.json (in its log directory)")
    args = parser.parse_args(argv)

    docker = Docker()
    if args.clean:
        docker.cleanup()
        log("removed")
        return 0

    def stop(signum, _frame):
        raise KeyboardInterrupt("signal %d" % signum)

    signal.signal(signal.SIGTERM, stop)
    os.makedirs(args.build_dir, exist_ok=True)
    if args.from_samples:
        with open(args.from_samples, encoding="utf-8") as handle:
            data = json.load(handle)
    else:
        started = time.monotonic()
        now = datetime.datetime.now(datetime.timezone.utc)
        logs = os.path.join(args.build_dir, "runs", now.strftime("%Y%m%dT%H%M%SZ"))
        os.makedirs(logs, exist_ok=True)
        log("logs, inventories and reports: %s" % logs)
        data = {"date": now.strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(), "sizes": args.sizes,
                "repeats": args.repeats, "forks": args.forks, "logs": logs, "samples": [], "peer": {}, "remote_commands": {},
                "peer_profiles": [] if args.no_peer else [p for p in args.peer_profiles.split(",") if p]}
        failed = None
        try:
            bench(args, docker, args.build_dir, data)
        except (RuntimeError, KeyboardInterrupt) as exc:
            failed = exc
        finally:
            if not args.keep:
                docker.cleanup()
            data["duration_s"] = round(time.monotonic() - started)
            with open(os.path.join(logs, "samples.json"), "w", encoding="utf-8") as handle:
                json.dump(data, handle)
        if failed:
            print("bench: FAILED: %s\nbench: what was measured: %s" % (failed, os.path.join(logs, "samples.json")),
                  file=sys.stderr)
            return 1
    write_results(args, data)
    return 0


def write_results(args, data):
    profiles = [p for p in data["peer_profiles"] if p]
    for phase in ("audit", "apply_warm", "floor"):
        path = os.path.join(data["logs"], "n1-r1-%s-vvv.log" % phase)
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as handle:
                data.setdefault("remote_commands", {})[phase] = count_remote(handle.read())
    table, targets = summarise(data, profiles)
    loads = [(s["load1_before"] + s["load1_after"]) / 2 for s in data["samples"]]
    ratios = {}
    for name, a, b in (("cold apply / audit, 1 PC", "apply_cold@1", "audit@1"),
                       ("audit / floor, 20 PCs", "audit@20", "floor@20"),
                       ("floor 20 PCs / floor 1 PC", "floor@20", "floor@1"),
                       ("cold apply 20 PCs / cold apply 1 PC", "apply_cold@20", "apply_cold@1"),
                       ("audit CPU per PC, 20 PCs / 1 PC", "audit@20:cpu", "audit@1:cpu"),
                       ("audit 1 PC / ANSSI minimal", "audit@1", "peer:minimal@1")):
        key = "cpu_s_per_host" if a.endswith(":cpu") else "wall_s"
        ta, tb = table.get(a.replace(":cpu", "")), table.get(b.replace(":cpu", ""))
        if ta and tb and tb[key]:
            ratios[name] = round(ta[key] / tb[key], 2)
    result = {
        "date": data["date"], "duration_s": data["duration_s"], "machine": data["machine"],
        "sizes": [int(s) for s in data["sizes"].split(",") if s], "repeats": parse_map(data["repeats"], "repeats"),
        "forks": data["forks"], "peer_profiles": profiles, "peer": data["peer"], "floor_controls": data.get("floor_controls"),
        "load": {"median": median(loads), "min": round(min(loads), 2) if loads else None,
                 "max": round(max(loads), 2) if loads else None},
        "table": table, "targets": targets, "ratios": ratios, "logs": data["logs"],
        "profiles": {"%s@%d" % (phase, size): task_profile(data["samples"], phase, size, args.top,
                                                           data.get("remote_commands", {}).get(phase) if size == 1 else None)
                     for phase, size in (("audit", 1), ("apply_warm", 1), ("apply_cold", 1), ("audit", 20), ("floor", 1))},
        "samples": [{k: v for k, v in s.items() if k != "task_times"} for s in data["samples"]],
    }
    result["analysis"] = analyse(result)
    text = render(result)
    if args.no_write:
        print(text)
    else:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "benchmarks.md"), "w", encoding="utf-8") as handle:
            handle.write(text)
        with open(os.path.join(args.out, "benchmarks.json"), "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=1, ensure_ascii=False)
            handle.write("\n")
        log("wrote %s and benchmarks.json" % os.path.join(args.out, "benchmarks.md"))
    for t in targets:
        print("%-4s %-80s ratio %s (limit %s)" % (t["status"], t["target"], fmt(t["ratio"]), fmt(t["limit"])))


if __name__ == "__main__":
    sys.exit(main())
