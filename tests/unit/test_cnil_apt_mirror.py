"""cnil_apt_mirror: which mirrors to try, all at once within the timeout, and the message when none answers."""
import time

import cnil_apt_mirror as mirror


def test_each_network_mirror_is_tried_once_on_its_port():
    uris = ["http://deb.debian.org/debian", "http://deb.debian.org/debian-security", "https://mirror.example:8443/debian"]
    assert mirror.endpoints(uris) == [("deb.debian.org", 80), ("mirror.example", 8443)]


def test_a_proxy_is_what_apt_connects_to():
    assert mirror.endpoints(["http://deb.debian.org/debian"], "http://proxy.cabinet.lan:3142/") == [("proxy.cabinet.lan", 3142)]


def test_a_local_source_needs_no_network():
    assert mirror.endpoints(["file:/srv/mirror", "http://deb.debian.org/debian"]) is None


def test_mirrors_are_tried_at_once_and_a_silent_one_costs_the_timeout_only():
    def connect(pair, timeout):
        if pair[0] == "silent":
            time.sleep(30)
        if pair[0] == "refused":
            raise ConnectionRefusedError(111, "Connection refused")
        return type("Sock", (), {"close": lambda self: None})()

    start = time.monotonic()
    got = mirror.probe([("silent", 80), ("refused", 80), ("up", 80)], 1, connect=connect)
    assert time.monotonic() - start < 3
    assert [(m["host"], m["reachable"]) for m in got] == [("silent", False), ("refused", False), ("up", True)]
    assert got[0]["error"] == "no answer within 1 s" and "Connection refused" in got[1]["error"]


def test_the_message_names_the_control_the_packages_and_what_was_tried():
    text = mirror.message("CNIL-PWD-01", ["pamtester"], [{"host": "deb.debian.org", "port": 80, "reachable": False,
                                                          "error": "no answer within 8 s"}])
    assert text.startswith("CNIL-PWD-01: the package mirror cannot be reached from this PC, and pamtester must be installed")
    assert "deb.debian.org:80 (no answer within 8 s)" in text and "Nothing more of this control was changed" in text
