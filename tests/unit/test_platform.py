"""Platform support (plugins/action/cnil_platform.py): which systems the roles run on, from the facts."""
import cnil_platform as platform

PLATFORMS = platform.load_platforms()


def facts(distribution, version, major=None):
    return {"distribution": distribution, "distribution_version": version,
            "distribution_major_version": major or version.split(".")[0]}


def test_the_tested_debian_releases_are_supported():
    for version in ("12.8", "13.2"):
        supported, tested, name, reason = platform.support(facts("Debian", version), PLATFORMS)
        assert (supported, tested, reason) == (True, True, None) and name == "Debian " + version


def test_ubuntu_lts_is_supported_but_not_claimed_as_tested():
    assert platform.support(facts("Ubuntu", "24.04", "24"), PLATFORMS)[:2] == (True, False)


def test_an_old_or_unknown_release_is_unsupported_and_names_what_is():
    supported, _, _, reason = platform.support(facts("Debian", "11.9"), PLATFORMS)
    assert not supported and reason.startswith("unsupported release: Debian 11.9 (supported: Debian 12, 13)")
    assert not platform.support(facts("Ubuntu", "20.04", "20"), PLATFORMS)[0]


def test_another_distribution_is_unsupported_and_nothing_is_touched():
    supported, _, name, reason = platform.support(facts("RedHat", "9.4"), PLATFORMS)
    assert not supported and name == "RedHat 9.4"
    assert "RedHat 9.4 is not one the toolkit knows (Debian, Ubuntu)" in reason and "nothing was checked or changed" in reason


def test_missing_facts_never_raise():
    supported, _, name, reason = platform.support({}, PLATFORMS)
    assert not supported and name == "unknown" and "unknown" in reason
