"""The drift tests' scheduler (tests/behaviour/cnil_testlib.py): drifts of every area share audit rounds, but
two drifts that could mask each other never meet on one host in one round."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "behaviour"))

from cnil_testlib import Drift, drift_rounds  # noqa: E402

HOSTS = ["pc1", "pc2"]


def placements(rounds):
    return {d.name: (i, host) for i, placed in enumerate(rounds) for host, items in placed.items() for d in items}


def test_drifts_of_one_control_that_the_audit_cannot_tell_apart_spread_over_hosts_then_rounds_in_order():
    # One task, one check: never together.
    drifts = [Drift("fw%d" % i, "true", "CNIL-FW-01", "t", check="c") for i in range(5)]
    assert placements(drift_rounds(drifts, HOSTS)) == {
        "fw0": (0, "pc1"), "fw1": (0, "pc2"), "fw2": (1, "pc1"), "fw3": (1, "pc2"), "fw4": (2, "pc1")}


def test_drifts_of_one_control_share_a_host_only_when_each_has_its_own_task_and_check():
    own = [Drift("a", "true", "CNIL-BKP-01", "timer task", check="timer"),
           Drift("b", "true", "CNIL-BKP-01", "config task", check="retention")]
    assert drift_rounds(own, ["pc1"]) == [{"pc1": own}]
    for other in (Drift("same check", "true", "CNIL-BKP-01", "other task", check="timer"),
                  Drift("same task", "true", "CNIL-BKP-01", "timer task", check="other"),
                  Drift("no check", "true", "CNIL-BKP-01", "other task"),
                  Drift("other status", "true", "CNIL-BKP-01", "other task", check="other", status="DRIFT"),
                  Drift("whole control", "true", "CNIL-BKP-01", "other task", check="other", alone=True)):
        assert len(drift_rounds([own[0], other], ["pc1"])) == 2, other.name


def test_drifts_of_different_controls_share_a_host_and_a_round():
    drifts = [Drift("fw", "true", "CNIL-FW-01", "t"), Drift("lock", "true", "CNIL-LOCK-01", "t"),
              Drift("upd", "true", "CNIL-UPD-01", "t")]
    rounds = drift_rounds(drifts, HOSTS)
    assert len(rounds) == 1 and [d.name for d in rounds[0]["pc1"]] == ["fw", "lock", "upd"]


def test_a_shared_resource_keeps_two_controls_apart():
    drifts = [Drift("lock", "dconf update", "CNIL-LOCK-01", "t", shares=["dconf"]),
              Drift("dev", "dconf update", "CNIL-DEV-01", "t", shares=["dconf"]),
              Drift("auth", "dconf update", "CNIL-AUTH-01", "t", shares=["dconf"])]
    got = placements(drift_rounds(drifts, HOSTS))
    assert got == {"lock": (0, "pc1"), "dev": (0, "pc2"), "auth": (1, "pc1")}
    for i, host in set(got.values()):
        assert list(got.values()).count((i, host)) == 1


def test_a_drift_limited_to_some_hosts_stays_there():
    drifts = [Drift("bkp%d" % i, "true", "CNIL-BKP-01", "t", hosts=["pc1"]) for i in range(3)]
    got = placements(drift_rounds(drifts, HOSTS))
    assert got == {"bkp0": (0, "pc1"), "bkp1": (1, "pc1"), "bkp2": (2, "pc1")}


def test_the_area_is_the_role_that_heals_the_control():
    assert Drift("x", "true", "CNIL-PWD-02", "t").area == "cnil_pwd"
    assert Drift("x", "true", "CNIL-AUTH-01", "t").area == "cnil_auth"


def test_a_drift_that_upsets_other_controls_never_shares_a_host_with_their_drifts():
    stale = Drift("stale database", "true", "CNIL-LOCK-01", "gnome", check="gui", upsets=["CNIL-DEV-01"])
    media = Drift("automount on", "true", "CNIL-DEV-01", "media", check="automount")
    shell = Drift("tmout raised", "true", "CNIL-LOCK-01", "shell", check="tmout")
    assert placements(drift_rounds([stale, media, shell], HOSTS)) == {
        "stale database": (0, "pc1"), "automount on": (0, "pc2"), "tmout raised": (0, "pc1")}
    assert len(drift_rounds([stale, media], ["pc1"])) == 2
