# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""APT sources of a Debian-family host, one-line C(.list) files and deb822 C(.sources) files alike. Shared by
cnil_upd_facts (CNIL-UPD-01's security sources) and cnil_apt_mirror (is the mirror within reach?). Plain Python."""

from __future__ import annotations

import glob
import os
import re


def parse_list(text, path):
    """One-line format: deb [options] uri suite [component...]."""
    entries = []
    for raw in (text or "").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line.startswith("deb ") and not line.startswith("deb\t"):
            continue
        words = line.split()[1:]
        if words and words[0].startswith("["):
            while words and not words[0].endswith("]"):
                words.pop(0)
            words = words[1:]
        if len(words) >= 2:
            entries.append({"file": path, "format": "list", "uri": words[0], "suite": words[1], "components": words[2:]})
    return entries


def parse_deb822(text, path):
    """deb822 format: blank-line separated stanzas; Types, URIs, Suites, Components, Enabled."""
    entries = []
    for stanza in re.split(r"\n\s*\n", text or ""):
        fields, key = {}, None
        for raw in stanza.splitlines():
            if raw.startswith("#"):
                continue
            if raw[:1] in (" ", "\t") and key:
                fields[key] += " " + raw.strip()
                continue
            if ":" in raw:
                key, _, value = raw.partition(":")
                key = key.strip().lower()
                fields[key] = value.strip()
        if "deb" not in fields.get("types", "").split() or fields.get("enabled", "yes").lower() == "no":
            continue
        for uri in fields.get("uris", "").split():
            for suite in fields.get("suites", "").split():
                entries.append({"file": path, "format": "deb822", "uri": uri, "suite": suite,
                                "components": fields.get("components", "").split()})
    return entries


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def read_sources(root):
    base = os.path.join(root, "etc", "apt")
    entries = []
    main = os.path.join(base, "sources.list")
    entries += parse_list(read(main), "/etc/apt/sources.list")
    for path in sorted(glob.glob(os.path.join(base, "sources.list.d", "*.list"))):
        entries += parse_list(read(path), "/etc/apt/sources.list.d/" + os.path.basename(path))
    for path in sorted(glob.glob(os.path.join(base, "sources.list.d", "*.sources"))):
        entries += parse_deb822(read(path), "/etc/apt/sources.list.d/" + os.path.basename(path))
    return entries
