# cnil-cabinet — GPL-3.0-or-later
"""CNIL-AUTH-02 on Windows: the attestations of the strong-authentication method staff use at Windows logon
(cnil_auth_win_staff_attestations). Windows local logon has no one-time-code factor the toolkit can set up or
measure (catalog CNIL-AUTH-02, Windows): a CPE card logon, a third-party credential provider (privacyIDEA,
multiOTP, ...) or Windows Hello for Business is set up by the contractor and attested, per PC (host_vars) or for
every Windows PC (group_vars). The shape and limits are checked by the preflight (plugins/action/cnil_preflight.py,
before any change); what an attestation covers on a PC is decided by the cnil_win_staff_auth filter
(plugins/filter/cnil_windows.py). Both read this file, so the methods, fields and review limit are written once."""

from __future__ import annotations

VARIABLE = "cnil_auth_win_staff_attestations"
CONTROL = "CNIL-AUTH-02"
# The methods the catalog names for Windows (CNIL-AUTH-02, Windows), as meta/argument_specs.yml lists them.
METHODS = ("cpe_card", "credential_provider", "windows_hello_for_business")
REQUIRED = ("accounts", "method", "statement", "attested_by", "attested_on")
FIELDS = REQUIRED + ("evidence", "review_days")
# An attestation is reviewed at least yearly: the review period of CNIL-ORG-AUTHSVC-01 (catalog §3.2), the
# organisational control that supports AUTH-02. It is also the default.
MAX_REVIEW_DAYS = 365
LIMIT_SOURCE = "catalog §3.2: CNIL-ORG-AUTHSVC-01, which supports CNIL-AUTH-02, is reviewed every 365 days"
