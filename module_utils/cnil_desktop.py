# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""The one desktop detection of the toolkit (the fact cnil_desktop), shared by cnil_desktop_facts and
cnil_package_facts (which reads it in the same call as the packages, once per PC). Plain Python."""

from __future__ import annotations

import os
import re

SESSION_DIRS = ["/usr/share/xsessions", "/usr/share/wayland-sessions"]
GNOME = re.compile(r"^(gnome|ubuntu)(-.+)?$")


def sessions_in(listing):
    """Session names from {folder: [file names]}: the *.desktop files, sorted, without duplicates."""
    return sorted({name[:-len(".desktop")] for names in listing.values() for name in names if name.endswith(".desktop")})


def is_gnome(sessions):
    """GNOME sessions of Debian and Ubuntu: gnome, gnome-xorg, gnome-classic(-xorg), ubuntu, ubuntu-wayland, ..."""
    return any(GNOME.match(name) for name in sessions)


def desktop_fact(session_dirs=None):
    """The fact cnil_desktop: {sessions, gnome}, from the session folders that exist."""
    folders = SESSION_DIRS if session_dirs is None else session_dirs
    found = sessions_in({folder: os.listdir(folder) for folder in folders if os.path.isdir(folder)})
    return {"sessions": found, "gnome": is_gnome(found)}
