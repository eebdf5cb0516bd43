"""Pure functions: name encoding, labels, timestamps, batch header formats."""

import datetime as dt
import re

import pytest

from objclient.backends.reduct import create_backend
from objclient.backends.reduct.batch_v2 import label_delta, update_rounds
from objclient.backends.reduct.names import (MD5_LABEL, check_label_value, decode_entry,
                                             decode_label, encode_entry, encode_label)
from objclient.backends.reduct.records import BatchItem
from objclient.backends.reduct.wire import (format_labels, parse_labels,
                                            parse_v1_header_value, parse_v2_errors, to_us,
                                            v1_header_value, v2_record_headers)
from objclient.exceptions import InvalidArgument, InvalidName

ENTRY_RE = re.compile(r"^[A-Za-z0-9_-]+$")
NAMES = ["a", "a/1", "/a//b", "..", ".", "ünïcödé/名前", "with space", "_AB", "__AB", "x_y",
         "q", "batch", "rename", "_71", "tab\tname", "emoji 🎉", "quote'\"", "n/" + "x" * 998]


@pytest.mark.parametrize("name", NAMES)
def test_entry_names_round_trip_and_are_valid_flat_entries(name):
    entry = encode_entry(name)
    assert ENTRY_RE.match(entry), entry
    assert entry not in ("batch", "q", "rename")
    assert decode_entry(entry) == name


def test_entry_encoding_keeps_plain_names_and_underscores():
    assert encode_entry("sensor_1") == "sensor_1"
    assert encode_entry("Cam-01") == "Cam-01"
    assert encode_entry("a/b") == "a_2Fb"
    assert encode_entry("_AB") == "_5FAB"


def test_distinct_names_never_share_an_entry():
    names = ["a_2Fb", "a/b", "_2F", "/", "q", "_71", "A", "a"]
    assert len({encode_entry(n) for n in names}) == len(names)


@pytest.mark.parametrize("key", ["author", "Author", "k-2", "my_label", "clé", "a.b", "_ab"])
def test_label_names_round_trip_in_lower_case(key):
    label = encode_label(key)
    assert label == label.lower() and re.match(r"^[a-z0-9_-]+$", label)
    assert decode_label(label) == key


def test_no_property_key_can_become_the_md5_label():
    assert encode_label(MD5_LABEL) != MD5_LABEL


@pytest.mark.parametrize("value", ["", " lead", "trail "])
def test_label_values_http_cannot_carry_are_refused(value):
    with pytest.raises(InvalidArgument):
        check_label_value("k", value)


def test_bucket_names_follow_the_server_pattern():
    names = create_backend("reduct+http://h:1").names
    assert names.check_container("ok_name-1") == "ok_name-1"
    with pytest.raises(InvalidName):
        names.check_container("has.dot")


def test_labels_quote_values_with_commas_not_names():
    assert format_labels({"x": "a,b", "y": "c"}) == 'x="a,b",y=c'
    assert parse_labels('x="a,b",y=c,z=') == {"x": "a,b", "y": "c", "z": ""}


def test_v1_header_value_round_trips_utf8():
    value = v1_header_value(3, "text/plain", {"who": "Zoë"})
    assert value.encode("latin-1") == "3,text/plain,who=Zoë".encode()
    assert parse_v1_header_value(value) == (3, "text/plain", {"who": "Zoë"})
    assert parse_v1_header_value("0,") == (0, "application/octet-stream", {})


def test_v2_errors_need_start_ts_and_map_to_entries():
    headers = {"x-reduct-entries": "a%2Fb,c", "x-reduct-start-ts": "100",
               "x-reduct-error-0-5": "409,exists"}
    assert parse_v2_errors(headers) == {"a/b": {105: (409, "exists")}}
    with pytest.raises(InvalidArgument):
        parse_v2_errors({"x-reduct-error-0-5": "409,exists"})


def test_timestamps_in_every_accepted_form():
    assert to_us(0) == 0
    assert to_us(1.25) == 1  # float microseconds, rounded
    # halves up, so that ts + 1 is always a later µs than ts (round() gives
    # 1.5 and 2.5 the same 2, and a query's stop = ts + 1 missed the record)
    assert (to_us(1.5), to_us(2.5)) == (2, 3)
    assert to_us(1_796_325_940_129_248.5) == to_us(1_796_325_940_129_247.5) + 1
    assert to_us(1_700_000_000_123_456.0) == 1_700_000_000_123_456
    assert to_us("1700000000123456") == 1_700_000_000_123_456
    assert to_us(dt.datetime(1970, 1, 1, 0, 0, 1)) == 1_000_000
    assert to_us("1970-01-01T00:00:02Z") == 2_000_000
    with pytest.raises(InvalidArgument):
        to_us("yesterday")
    with pytest.raises(InvalidArgument):
        to_us(-1)
    with pytest.raises(InvalidArgument):
        to_us(float("nan"))


def test_url_forms():
    from objclient.backends.reduct import endpoint_of
    assert endpoint_of("reduct://h:8383")[0] == "http://h:8383"
    assert endpoint_of("reduct+https://h/base/")[0] == "https://h/base"
    assert endpoint_of("reduct+http://h:1?account=srv")[1] == {"account": ["srv"]}
    with pytest.raises(InvalidArgument):
        endpoint_of("reduct+ftp://h")


# -- batch protocol v2 planning (batch_v2) ------------------------------------------------------
def _items(*specs):
    return [BatchItem(entry, ts, b"", None, labels) for entry, ts, labels in specs]


def test_label_delta_sends_changes_and_removes_dropped_labels():
    assert label_delta(None, {"a": "1"}) == {"a": "1"}
    assert label_delta({"a": "1", "b": "2"}, {"a": "1", "c": "3"}) == {"c": "3", "b": ""}
    assert label_delta({"a": "1"}, {"a": "1"}) == {}


def test_update_rounds_keep_an_update_that_names_fewer_labels_for_a_later_request():
    rounds = update_rounds(_items(("e", 1, {"a": "1"}), ("e", 2, {"b": "2"}),
                                  ("e", 3, {"b": "3", "c": ""}), ("f", 1, {"z": "9"})))
    assert [[(i.entry, i.timestamp) for i in r] for r in rounds] == [
        [("e", 1), ("f", 1)], [("e", 2), ("e", 3)]]


def test_v2_response_headers_are_ordered_by_entry_index_then_time():
    headers = {"x-reduct-1-0": "1", "x-reduct-0-5": "1", "x-reduct-0-1": "1",
               "x-reduct-error-0-1": "404,x", "x-reduct-entries": "a,b"}
    assert [(i, d) for i, d, _v in v2_record_headers(headers)] == [(0, 1), (0, 5), (1, 0)]
