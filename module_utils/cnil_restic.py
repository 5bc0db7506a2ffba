# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""restic helpers shared by cnil_restic_repo, cnil_restic_facts (on the host) and the cnil_bkp filters
(on the controller). Plain Python: no Ansible import, so the controller and the unit tests import it too.

The repository password never passes through here: restic reads it from RESTIC_PASSWORD_FILE, a root-only
file. RESTIC_PASSWORD and RESTIC_PASSWORD_COMMAND are removed from every environment given to restic, so a
password exported by someone's shell can never be used or shown instead.
"""

from __future__ import annotations

import datetime
import os
import re

# restic repository kinds that live on another machine (restic docs, "Preparing a new repository").
REMOTE_KINDS = ("sftp", "rest", "s3", "b2", "azure", "gs", "swift", "rclone")
LOCAL_HOSTS = re.compile(r"^(localhost|localhost\.localdomain|127(\.\d{1,3}){3}|::1|0\.0\.0\.0)$", re.IGNORECASE)
SECRET_ENV = ("RESTIC_PASSWORD", "RESTIC_PASSWORD_COMMAND")

_SFTP_SHORT = re.compile(r"^sftp:(?:(?P<user>[^@/]+)@)?(?P<host>\[[^\]]+\]|[^:/\[\]]+):(?P<path>.*)$")
_SFTP_URL = re.compile(r"^sftp://(?:(?P<user>[^@/]+)@)?(?P<host>\[[^\]]+\]|[^:/\[\]]+)(?::(?P<port>\d+))?/(?P<path>.*)$")
_URL_HOST = re.compile(r"^[a-z][a-z0-9+.-]*://(?:[^@/]*@)?(?P<host>\[[^\]]+\]|[^:/]+)", re.IGNORECASE)


def parse_repository(repository):
    """What a restic repository string says about where the backups live.

    Returns {kind, user, host, port, path, location, offsite, reason}; ``location`` is the string without any
    password that a URL may carry (rest:https://user:secret@host/ -> rest:https://user@host/).
    """
    repo = (repository or "").strip()
    out = {"kind": None, "user": None, "host": None, "port": None, "path": None,
           "location": redact_url(repo), "offsite": False, "reason": None}
    if not repo:
        out["reason"] = "no repository configured"
        return out
    if repo.startswith("sftp:"):
        match = _SFTP_URL.match(repo) if repo.startswith("sftp://") else _SFTP_SHORT.match(repo)
        if not match:
            out.update(kind="sftp", reason="not a restic sftp repository (sftp:user@host:/path)")
            return out
        parts = match.groupdict()
        # sftp://host//abs is the absolute path /abs; sftp://host/rel is relative to the login directory.
        path = parts["path"] or "."
        out.update(kind="sftp", user=parts.get("user"), host=parts["host"].strip("[]"),
                   port=int(parts["port"]) if parts.get("port") else None, path=path)
    elif re.match(r"^[a-z0-9]+:", repo) and not re.match(r"^[a-zA-Z]:[\\/]", repo):
        kind = repo.split(":", 1)[0].lower()
        out["kind"] = kind
        if kind == "local":
            out.update(kind="local", path=repo.split(":", 1)[1])
        elif kind in REMOTE_KINDS:
            rest = repo.split(":", 1)[1]
            match = _URL_HOST.match(rest)
            if match:
                out["host"] = match.group("host").strip("[]")
            elif kind == "s3" and "/" in rest:
                out["host"] = rest.split("/", 1)[0]
        else:
            out["reason"] = "unknown repository kind '%s'" % kind
            return out
    else:
        out.update(kind="local", path=repo)

    if out["kind"] == "local":
        out["reason"] = "local path: the backups stay on this PC or a disk attached to it (not off-site)"
    elif out["host"] and LOCAL_HOSTS.match(out["host"]):
        out["reason"] = "the repository host %s is this PC itself (not off-site)" % out["host"]
    else:
        out["offsite"] = True
    return out


def redact_url(text):
    """Remove the password part of user:password@ in URLs (rest:https://u:p@host/ -> rest:https://u@host/)."""
    return re.sub(r"(://[^:/@\s]+):[^@/\s]+@", r"\1@", text or "")


def parse_env(text):
    """KEY=VALUE lines as systemd's EnvironmentFile reads them (comments, blank lines, optional quotes)."""
    env = {}
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key, value = key.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", key):
            env[key] = value
    return env


def read_env_files(paths):
    """(merged environment, list of the files that are missing)."""
    env, missing = {}, []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                env.update(parse_env(handle.read()))
        except FileNotFoundError:
            missing.append(path)
    return env, missing


def restic_environment(repository, password_file, extra=None, cache_dir=None):
    """The environment restic gets: repository, password file, optional credentials; never a password."""
    env = {k: v for k, v in (extra or {}).items() if k not in SECRET_ENV}
    env.update(RESTIC_REPOSITORY=repository, RESTIC_PASSWORD_FILE=password_file, LC_ALL="C")
    if cache_dir:
        env["RESTIC_CACHE_DIR"] = cache_dir
    return env


def restic_argv(restic, args, sftp_command=None):
    argv = [restic]
    if sftp_command:
        argv += ["-o", "sftp.command=%s" % sftp_command]
    return argv + list(args)


def forget_secrets_of_caller():
    """Drop a password that the calling environment may carry: restic would prefer it to the file."""
    for key in SECRET_ENV:
        os.environ.pop(key, None)


# restic >= 0.17 exit codes; restic 0.14 (bookworm) exits 1 for every error, so messages are read too.
EXIT_NO_REPOSITORY, EXIT_LOCKED, EXIT_WRONG_PASSWORD = 10, 11, 12


def classify_error(rc, stderr):
    """(kind, short message) of a failed restic call. kind: absent | wrong_password | unreachable | locked | error.
    ``absent`` only when restic itself says that no repository exists at that location."""
    text = stderr or ""
    message = short_message(text) or "restic exited with status %s" % rc
    if rc == EXIT_WRONG_PASSWORD or "wrong password or no key found" in text:
        return "wrong_password", "the repository exists but the password file does not open it (wrong password or no key found)"
    if rc == EXIT_NO_REPOSITORY or "Is there a repository at the following location?" in text or "repository does not exist" in text:
        return "absent", "no repository at this location yet"
    if rc == EXIT_LOCKED or "repository is already locked" in text:
        return "locked", message
    unreachable = ("subprocess ssh:", "unable to start the sftp session", "Could not resolve hostname", "Connection refused",
                   "Connection timed out", "No route to host", "Host key verification failed", "Permission denied",
                   "connection reset", "i/o timeout", "no such host", "Network is unreachable", "dial tcp")
    if any(marker.lower() in text.lower() for marker in unreachable):
        return "unreachable", message
    return "error", message


def short_message(stderr, limit=400):
    """The useful lines of restic's stderr (ssh's and restic's Fatal lines), on one line."""
    lines = [ln.strip() for ln in (stderr or "").splitlines() if ln.strip()]
    useful = [ln for ln in lines if ln.startswith(("Fatal:", "subprocess ssh:", "ssh:")) or "Host key" in ln] or lines[-2:]
    text = " | ".join(dict.fromkeys(useful))
    return text if len(text) <= limit else text[:limit] + "…"


def parse_time(text):
    """A restic / cnil-backup timestamp (RFC 3339, nanoseconds allowed, Z or an offset) as an aware datetime, or
    None. Shared by cnil_restic_facts (Linux, on the host) and the Windows filters (on the controller)."""
    if not isinstance(text, str) or not text.strip():
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", text.strip()).replace("Z", "+00:00")
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
