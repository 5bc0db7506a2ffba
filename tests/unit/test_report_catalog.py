"""data/controls.yml: every control of the catalog (§0.4 + §3.2), with texts in both languages."""
import os
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "plugins"))

from cnil_lib.catalog import CatalogError, attestation_key, control_id_from_name, load_catalog, validate_catalog  # noqa: E402

CATALOG = load_catalog()
TECHNICAL = ["CNIL-PWD-01", "CNIL-PWD-02", "CNIL-PWD-03", "CNIL-LOCK-01", "CNIL-ACC-01", "CNIL-FW-01", "CNIL-AV-01",
             "CNIL-UPD-01", "CNIL-BKP-01", "CNIL-ENC-01", "CNIL-DEV-01", "CNIL-AUTH-01", "CNIL-AUTH-02"]
# §3.2 review delays.
ORGANISATIONAL = {"CNIL-ORG-HDS-01": 365, "CNIL-ORG-BKPSITE-01": 180, "CNIL-ORG-CPS-01": 365, "CNIL-ORG-NET-01": 365,
                  "CNIL-ORG-PAPER-01": 365, "CNIL-ORG-RIGHTS-01": 365, "CNIL-ORG-POLICY-01": 365,
                  "CNIL-ORG-UPDSW-01": 180, "CNIL-ORG-RESTORE-01": 180, "CNIL-ORG-AUTHSVC-01": 365}


def test_every_control_once_in_catalog_order():
    assert CATALOG.ids("technical") == TECHNICAL
    assert CATALOG.ids("organisational") == list(ORGANISATIONAL)


@pytest.mark.parametrize("control_id, days", ORGANISATIONAL.items())
def test_review_days_from_the_catalogue(control_id, days):
    assert CATALOG.get(control_id)["review_days"] == days


def test_texts_and_references():
    for control in CATALOG.controls:
        for field in ("title", "requirement", "remediation"):
            assert control[field]["fr"] != control[field]["en"], (control["id"], field)
        assert control["references"], control["id"]


def test_lock_checks_labels():
    checks = CATALOG.get("CNIL-LOCK-01")["checks"]
    assert checks["gui_idle_lock"] == {"fr": "Verrouillage automatique de la session graphique (GNOME) après inactivité",
                                       "en": "Graphical session (GNOME) locks after inactivity"}
    assert checks["shell_tmout"] == {"fr": "Déconnexion automatique des sessions shell inactives (TMOUT)",
                                     "en": "Idle shell sessions are closed (TMOUT)"}
    assert CATALOG.check_label("CNIL-LOCK-01", "unknown_check", "fr") == "unknown_check"


@pytest.mark.parametrize("name, control_id", [
    ("CNIL-LOCK-01 | dconf idle delay", "CNIL-LOCK-01"),
    ("CNIL-ORG-HDS-01 | attestation", "CNIL-ORG-HDS-01"),
    ("  CNIL-PWD-03 | faillock", "CNIL-PWD-03"),
    ("CNIL-LOCK-012 | too many digits", None),
    ("Gathering Facts", None),
    ("cnil_lock : CNIL-LOCK-01 | role prefix is not part of the task name", None),
    (None, None),
])
def test_control_id_from_task_name(name, control_id):
    assert control_id_from_name(name) == control_id


def test_attestation_key():
    assert attestation_key("CNIL-ORG-HDS-01") == "hds"
    assert attestation_key("CNIL-ORG-AUTHSVC-01") == "authsvc"


def test_bad_catalog_is_refused():
    with open(os.path.join(ROOT, "data", "controls.yml"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    data["controls"].append(dict(data["controls"][0]))
    with pytest.raises(CatalogError, match="duplicate id CNIL-PWD-01"):
        validate_catalog(data)
    data["controls"][-1] = dict(data["controls"][0], id="CNIL-ORG-X-01")
    with pytest.raises(CatalogError, match="organisational"):
        validate_catalog(data)
    data["controls"][-1] = dict(data["controls"][0], id="CNIL-NEW-01", title={"fr": "Nouveau"})
    with pytest.raises(CatalogError, match="title needs non-empty fr and en"):
        validate_catalog(data)
