"""Server times as epoch seconds: ISO 8601 (listings, tokens) and HTTP dates."""

import datetime
import email.utils

import pytest

from objclient.timestamps import http_date_to_epoch, iso_to_epoch

UTC = datetime.timezone.utc
WHEN = datetime.datetime(2026, 11, 25, 4, 13, 24, tzinfo=UTC).timestamp()


@pytest.mark.parametrize("value, expected", [
    ("2026-11-25T04:13:24.123456", WHEN + 0.123456),  # Swift: no zone means UTC
    ("2026-11-25T04:13:24Z", WHEN),
    (" 2026-11-25T04:13:24.500Z ", WHEN + 0.5),
    ("2026-11-25T05:13:24+01:00", WHEN),
    ("2026-11-25", WHEN - (4 * 3600 + 13 * 60 + 24)),
    ("garbage", None), ("", None), (None, None)])
def test_iso_times(value, expected):
    got = iso_to_epoch(value)
    assert got == pytest.approx(expected) if expected is not None else got is None


@pytest.mark.parametrize("value", [
    "Wed, 25 Nov 2026 04:13:24 GMT",    # what servers send (IMF-fixdate)
    "Sunday, 06-Nov-94 08:49:37 GMT",   # RFC 850, obsolete
    "Sun Nov  6 08:49:37 1994",         # asctime, obsolete
    "Thu, 29 Feb 2024 23:59:59 GMT"])
def test_http_dates_read_like_email_utils(value):
    assert http_date_to_epoch(value) == email.utils.parsedate_to_datetime(value).timestamp()


@pytest.mark.parametrize("value", ["Wed, 31 Feb 2026 04:13:24 GMT",
                                   "Wed, 25 Nov 2026 04:13 GMT", "junk", "", None])
def test_unreadable_http_dates_are_none(value):
    assert http_date_to_epoch(value) is None
