# cnil-cabinet — GPL-3.0-or-later
"""The control catalog (data/controls.yml), control IDs, dates and the toolkit version."""

from __future__ import annotations

import datetime
import functools
import os
import re

import yaml

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CATALOG_PATH = os.path.join(REPO_ROOT, "data", "controls.yml")

CONTROL_ID_RE = re.compile(r"^CNIL-(?:ORG-)?[A-Z]+-\d{2}$")
# A task name starts with its control ID: "CNIL-LOCK-01 | dconf idle delay".
_NAME_PREFIX_RE = re.compile(r"^\s*(CNIL-(?:ORG-)?[A-Z]+-\d{2})(?![\w-])")

KINDS = ("technical", "organisational")
LANGS = ("fr", "en")


def control_id_from_name(name):
    """The control ID a task name starts with, or None."""
    match = _NAME_PREFIX_RE.match(str(name or ""))
    return match.group(1) if match else None


def attestation_key(control_id):
    """CNIL-ORG-HDS-01 -> 'hds': the key of cnil_attestations (catalog §3.1)."""
    return control_id.split("-")[2].lower()


def today():
    """The controller's date; CNIL_TODAY (YYYY-MM-DD) pins it for tests."""
    pinned = os.environ.get("CNIL_TODAY")
    return datetime.date.fromisoformat(pinned) if pinned else datetime.date.today()


def as_date(value):
    """A date from a YAML date, a datetime or an ISO 'YYYY-MM-DD' string; ValueError otherwise."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        return datetime.date.fromisoformat(value.strip())
    raise ValueError("not a date: %r" % (value,))


def toolkit_version(root=REPO_ROOT):
    """Content of the top-level VERSION file, or 0.0.0-dev."""
    try:
        with open(os.path.join(root, "VERSION"), encoding="utf-8") as handle:
            return handle.read().strip() or "0.0.0-dev"
    except OSError:
        return "0.0.0-dev"


class CatalogError(ValueError):
    pass


class Catalog:
    """Read-only view of data/controls.yml, in catalog order."""

    def __init__(self, controls):
        self.controls = controls
        self.by_id = {c["id"]: c for c in controls}
        self._index = {c["id"]: i for i, c in enumerate(controls)}

    def get(self, control_id):
        return self.by_id.get(control_id)

    def ids(self, kind=None):
        return [c["id"] for c in self.controls if kind is None or c["kind"] == kind]

    def order(self, control_id):
        """Sort key: catalog order, unknown IDs last (alphabetically)."""
        return (self._index.get(control_id, len(self._index)), control_id)

    def text(self, control_id, field, lang):
        entry = self.by_id.get(control_id) or {}
        value = entry.get(field) or {}
        return value.get(lang) or value.get("fr") or (control_id if field == "title" else "")

    def check_label(self, control_id, check_id, lang):
        checks = (self.by_id.get(control_id) or {}).get("checks") or {}
        label = checks.get(check_id) or {}
        return label.get(lang) or label.get("fr") or check_id


def validate_catalog(data):
    """Structural checks of controls.yml; returns the list of controls or raises CatalogError."""
    if not isinstance(data, dict) or not isinstance(data.get("controls"), list):
        raise CatalogError("controls.yml must be a mapping with a 'controls' list")
    seen = set()
    for index, entry in enumerate(data["controls"]):
        where = "controls[%d]" % index
        if not isinstance(entry, dict):
            raise CatalogError("%s must be a mapping" % where)
        cid = entry.get("id")
        if not isinstance(cid, str) or not CONTROL_ID_RE.match(cid):
            raise CatalogError("%s.id %r is not a control ID" % (where, cid))
        if cid in seen:
            raise CatalogError("%s: duplicate id %s" % (where, cid))
        seen.add(cid)
        if entry.get("kind") not in KINDS:
            raise CatalogError("%s (%s): kind must be one of %s" % (where, cid, ", ".join(KINDS)))
        if (entry["kind"] == "organisational") != cid.startswith("CNIL-ORG-"):
            raise CatalogError("%s: organisational controls, and only they, have CNIL-ORG- IDs" % cid)
        for field in ("title", "requirement", "remediation"):
            value = entry.get(field)
            if not isinstance(value, dict) or not all(isinstance(value.get(lang), str) and value[lang].strip() for lang in LANGS):
                raise CatalogError("%s: %s needs non-empty fr and en texts" % (cid, field))
        if entry["kind"] == "organisational":
            if not isinstance(entry.get("review_days"), int) or entry["review_days"] <= 0:
                raise CatalogError("%s: review_days must be a positive integer" % cid)
        for check_id, label in (entry.get("checks") or {}).items():
            if not isinstance(label, dict) or not all(isinstance(label.get(lang), str) for lang in LANGS):
                raise CatalogError("%s: check %s needs fr and en labels" % (cid, check_id))
    return data["controls"]


@functools.lru_cache(maxsize=4)
def load_catalog(path=CATALOG_PATH):
    with open(path, encoding="utf-8") as handle:
        return Catalog(validate_catalog(yaml.safe_load(handle)))
