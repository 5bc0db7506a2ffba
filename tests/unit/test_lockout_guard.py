"""Lockout guard: the controller's source must be a management source."""
import cnil_lockout_guard as guard


def test_source_outside_the_management_sources_is_refused_naming_variable_and_control():
    found = guard.problems("ssh", {"SSH_CONNECTION": "203.0.113.7 51000 10.0.0.5 22"}, ["192.168.10.0/24"])
    assert len(found) == 1 and "203.0.113.7" in found[0] and "cnil_mgmt_sources" in found[0] and "CNIL-FW-01" in found[0]


def test_source_inside_passes_and_ssh_client_is_read_too():
    assert guard.problems("ssh", {"SSH_CLIENT": "192.168.10.10 51000 22"}, ["192.168.10.0/24"]) == []


def test_unknown_source_over_ssh_is_refused_rather_than_guessed():
    assert "unknown" in guard.problems("ssh", {}, ["192.168.10.0/24"])[0]


def test_local_and_container_connections_and_root_are_not_concerned():
    assert guard.problems("community.docker.docker", {}, []) == []
    assert guard.problems("local", {}, None) == []
