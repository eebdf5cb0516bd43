"""ServerClock: the offset of a server's clock, learnt once and logged once."""

import logging

from objclient.auth.clock import ServerClock, amz_to_epoch, server_time_of
from objclient.timestamps import http_date_to_epoch


class _Local:
    """A local clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_an_offset_is_learnt_and_added_to_the_local_clock(caplog):
    local = _Local(1_000_000.0)
    clock = ServerClock(local, server="the test server")
    with caplog.at_level(logging.WARNING, logger="objclient.auth"):
        assert clock.learn(1_000_000.0 - 1200) is True
    assert clock.offset == -1200
    local.now += 10
    assert clock.now() == 1_000_000.0 - 1200 + 10
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "the test server" in caplog.text and "1200 s behind" in caplog.text


def test_the_same_offset_learnt_again_changes_nothing_and_is_not_logged_again(caplog):
    local = _Local(1_000_000.0)
    clock = ServerClock(local)
    with caplog.at_level(logging.WARNING, logger="objclient.auth"):
        assert clock.learn(1_001_200.0)
        local.now += 30
        assert clock.learn(1_001_230.0 + 1) is False
    assert clock.offset == 1200
    assert len(caplog.records) == 1


def test_offsets_within_the_tolerance_are_not_learnt(caplog):
    clock = ServerClock(_Local(1_000_000.0))
    with caplog.at_level(logging.WARNING, logger="objclient.auth"):
        assert clock.learn(1_000_003.0) is False
    assert clock.offset == 0.0
    assert caplog.records == []


def test_server_time_is_read_from_x_amz_date_then_the_middle_of_the_date_second():
    date = "Thu, 03 Dec 2026 17:58:56 GMT"
    assert server_time_of({"Date": date}) == http_date_to_epoch(date) + 0.5
    both = {"Date": date, "x-amz-date": "20261203T180000Z"}
    assert server_time_of(both) == amz_to_epoch("20261203T180000Z")
    assert server_time_of({}) is None
    assert server_time_of({"Date": "yesterday"}) is None


def test_amz_dates_are_read_in_utc_and_bad_ones_are_none():
    assert amz_to_epoch("19700101T000100Z") == 60.0
    assert amz_to_epoch("1970-01-01T00:01:00Z") is None
    assert amz_to_epoch(None) is None
