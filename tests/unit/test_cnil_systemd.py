"""module_utils/cnil_systemd: `systemctl show` output of several units as one dict per unit, in order."""
import pytest

from cnil_systemd import parse_show

CALENDAR = "{ OnCalendar=*-*-* 02:00:00 ; next_elapse=Mon 2026-11-30 02:00:00 UTC }"


def test_blocks_separated_by_blank_lines_come_in_order():
    out = ("Id=b.service\nLoadState=loaded\n\n"
           "Id=a.socket\nLoadState=not-found\n\n\n"  # several blank lines are one separator
           "Id=c.timer\nUnitFileState=\n")
    assert parse_show(out) == [{"Id": "b.service", "LoadState": "loaded"}, {"Id": "a.socket", "LoadState": "not-found"},
                               {"Id": "c.timer", "UnitFileState": ""}]


@pytest.mark.parametrize("out", ["Id=a.service\nLoadState=loaded", "Id=a.service\r\nLoadState=loaded\r\n",
                                 "\nId=a.service\nLoadState=loaded\n\n"])
def test_the_last_block_needs_no_trailing_newline_and_line_endings_do_not_matter(out):
    assert parse_show(out) == [{"Id": "a.service", "LoadState": "loaded"}]


@pytest.mark.parametrize("out", ["", None, "\n\n", "no equals sign here\n"])
def test_no_unit(out):
    assert parse_show(out) == []


def test_lines_without_an_equals_sign_are_ignored():
    out = "Id=a.service\nFailed to get properties: Access denied\nLoadState=loaded\n\nnoise\n\nId=b.service\n"
    assert parse_show(out) == [{"Id": "a.service", "LoadState": "loaded"}, {"Id": "b.service"}]


@pytest.mark.parametrize("split", [False, True])
def test_values_keep_every_equals_sign_after_the_first(split):
    out = "Id=x.timer\nTimersCalendar=%s\nExecStart=/bin/sh -c a=b\nEmpty=\n" % CALENDAR
    assert parse_show(out, split_on_repeated_key=split) == [
        {"Id": "x.timer", "TimersCalendar": CALENDAR, "ExecStart": "/bin/sh -c a=b", "Empty": ""}]


def test_a_repeated_key_keeps_its_last_value_by_default():
    """A timer with two OnCalendar= prints TimersCalendar twice: still one unit."""
    later = CALENDAR.replace("02:00", "14:00")
    out = "Id=x.timer\nTimersCalendar=%s\nTimersCalendar=%s\nLoadState=loaded\n\nId=y.service\n" % (CALENDAR, later)
    assert parse_show(out) == [{"Id": "x.timer", "TimersCalendar": later, "LoadState": "loaded"}, {"Id": "y.service"}]
    assert parse_show(out, split_on_repeated_key=False) == parse_show(out)


def test_a_repeated_key_starts_a_new_block_only_when_asked():
    """A missing blank line between two units (the same properties asked of each)."""
    out = "Id=a.service\nLoadState=loaded\nId=b.service\nLoadState=masked\n\nId=c.service\n"
    assert parse_show(out, split_on_repeated_key=True) == [
        {"Id": "a.service", "LoadState": "loaded"}, {"Id": "b.service", "LoadState": "masked"}, {"Id": "c.service"}]
    assert parse_show(out) == [{"Id": "b.service", "LoadState": "masked"}, {"Id": "c.service"}]


def test_keys_and_values_are_stripped():
    assert parse_show(" Id = a.service \nLoadState=loaded\t\n") == [{"Id": "a.service", "LoadState": "loaded"}]
