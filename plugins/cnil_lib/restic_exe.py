# cnil-cabinet — GPL-3.0-or-later
"""The contractor's restic.exe for Windows PCs (CNIL-BKP-01): cnil_bkp_win_restic_exe, an absolute path on the
controller, pinned by cnil_bkp_win_restic_sha256. One rule, used twice: by the preflight (before any change on any
host, plugins/action/cnil_preflight.py) and by the cnil_win_restic_pin filter of roles/cnil_bkp/tasks/windows.yml (the
role's own check, a second line of defence). It is never downloaded."""

from __future__ import annotations

import hashlib
import os
import re

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def file_stat(path):
    """{exists, isreg, checksum (sha256, lower case) or None, error} of a file on the controller, as the role's
    ansible.builtin.stat (checksum_algorithm sha256) reports it; error when the file cannot be read."""
    out = {"exists": os.path.exists(path), "isreg": os.path.isfile(path), "checksum": None, "error": None}
    if out["isreg"]:
        digest = hashlib.sha256()
        try:
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            out["checksum"] = digest.hexdigest()
        except OSError as exc:
            out["error"] = exc.strerror or str(exc)
    return out


def pin_problem(path, pinned, stat):
    """Why this restic.exe cannot be used, naming the variable to fix and what it expects, or None.
    path and pinned: the values of cnil_bkp_win_restic_exe and cnil_bkp_win_restic_sha256; stat: file_stat(path)
    (or the role's stat result), None when the path was not looked at."""
    pinned = ("" if pinned is None else str(pinned)).strip().lower()  # an unquoted all-digit value is a number
    path = ("" if path is None else str(path)).strip()
    stat = stat or {}
    found = str(stat.get("checksum") or "").lower() or None
    if not path:
        return ("cnil_bkp_win_restic_exe is empty: give the controller path of restic.exe (restic's Windows release, "
                "provided by the contractor); it is never downloaded")
    if not os.path.isabs(path):
        return "cnil_bkp_win_restic_exe = %r: an absolute path on the controller is required" % path
    if not SHA256_RE.match(pinned):
        return ("cnil_bkp_win_restic_sha256 must be the SHA-256 of %s (64 hexadecimal characters, sha256sum restic.exe), "
                "got %r" % (path, pinned))
    if not stat.get("exists"):
        return "cnil_bkp_win_restic_exe: %s not found on the controller (an existing file is expected)" % path
    if not stat.get("isreg"):
        return "cnil_bkp_win_restic_exe: %s is not a file (restic.exe itself is expected)" % path
    if stat.get("error"):
        return "cnil_bkp_win_restic_exe: %s cannot be read on the controller: %s" % (path, stat["error"])
    if found != pinned:
        return ("cnil_bkp_win_restic_exe: %s has SHA-256 %s, not the pinned cnil_bkp_win_restic_sha256 %s: not copied"
                % (path, found, pinned))
    return None
