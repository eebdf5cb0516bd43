"""Contract tests: single records, batches v1/v2 and queries, for API 1.17 and 1.21."""

import datetime as dt

import pytest

from objclient.backends.reduct import Batch, RecordBatch
from objclient.exceptions import Conflict, InvalidArgument, NoSuchObject

from .conftest import reply, sent, sent_json


def test_write_sends_ts_length_type_and_utf8_labels(rs, client):
    reply(rs, "POST", "b/bk/e")
    written = client.bucket("bk").write("e", b"hello", 0, content_type="text/plain",
                                        labels={"who": "Zoë", "n": 1})
    method, path, query, headers, body = sent(rs)
    assert (method, path, query, body) == ("POST", "/api/v1/b/bk/e", {"ts": "0"}, b"hello")
    assert written is None  # as the seed: write returns nothing
    # a timestamp of 0 is kept (ts=0 above), not replaced by "now" (reduct-py quirk 1)
    assert headers["Content-Length"] == "5" and headers["Content-Type"] == "text/plain"
    assert headers["x-reduct-label-who"].encode("latin-1") == "Zoë".encode("utf-8")
    assert headers["x-reduct-label-n"] == "1"


def test_write_accepts_datetime_iso_and_float_timestamps(rs, client):
    for _ in range(3):
        reply(rs, "POST", "b/bk/e")
    bucket = client.bucket("bk")
    bucket.write("e", b"", dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc))
    bucket.write("e", b"", "2024-01-01T00:00:00.000001Z")
    bucket.write("e", b"", 1704067200000002.25)  # a float is µs, as the seed documents
    assert [sent(rs, i)[2]["ts"] for i in range(3)] == [
        "1704067200000000", "1704067200000001", "1704067200000002"]
    assert sent(rs, 0)[3]["Content-Length"] == "0"


def test_write_streams_an_iterator_with_its_content_length(rs, client):
    reply(rs, "POST", "b/bk/e")
    client.bucket("bk").write("e", iter([b"ab", b"cd"]), 7, content_length=4)
    _m, _p, _q, headers, body = sent(rs)
    assert headers["Content-Length"] == "4" and body == b"abcd"
    assert "Transfer-Encoding" not in headers


def test_write_an_iterator_without_length_is_refused(client):
    with pytest.raises(InvalidArgument):
        client.bucket("bk").write("e", iter([b"x"]), 1)


def test_write_existing_timestamp_is_conflict(rs, client):
    reply(rs, "POST", "b/bk/e", status=409, error="A record with timestamp 7 already exists")
    with pytest.raises(Conflict):
        client.bucket("bk").write("e", b"x", 7)


def test_read_latest_record_parses_headers_and_streams_body(rs, client):
    reply(rs, "GET", "b/bk/e", body=b"payload", headers={
        "x-reduct-time": "42", "x-reduct-entry": "e", "content-type": "text/plain",
        "content-length": "7",
        "content-disposition": "attachment", "x-reduct-label-who": "Zoë".encode().decode(
            "latin-1")})
    with client.bucket("bk").read("e") as record:
        assert (record.timestamp, record.entry, record.size) == (42, "e", 7)
        assert record.content_type == "text/plain" and record.labels == {"who": "Zoë"}
        assert b"".join(record.read(3)) == b"payload"
    assert sent(rs)[2] == {}


def test_read_at_timestamp_zero_sends_ts_zero(rs, client):
    reply(rs, "GET", "b/bk/e", body=b"", headers={"x-reduct-time": "0"})
    with client.bucket("bk").read("e", 0) as record:
        assert record.read_all() == b""
    assert sent(rs)[2] == {"ts": "0"}


def test_read_head_uses_head_and_has_no_data(rs, client):
    reply(rs, "HEAD", "b/bk/e", headers={"x-reduct-time": "5", "content-length": "9",
                                         "content-type": "a/b"})
    record = client.bucket("bk").read("e", 5, head=True)
    assert sent(rs)[:3] == ("HEAD", "/api/v1/b/bk/e", {"ts": "5"})
    assert record.size == 9
    with pytest.raises(InvalidArgument):
        record.read_all()


def test_update_labels_is_a_patch_and_empty_removes(rs, client):
    reply(rs, "PATCH", "b/bk/e")
    client.bucket("bk").update_labels("e", 5, {"a": "1", "gone": ""})
    method, path, query, headers, _body = sent(rs)
    assert (method, path, query) == ("PATCH", "/api/v1/b/bk/e", {"ts": "5"})
    assert headers["x-reduct-label-a"] == "1" and headers["x-reduct-label-gone"] == ""


def test_remove_record_entry_and_rename_entry(rs, client):
    reply(rs, "DELETE", "b/bk/e")
    reply(rs, "DELETE", "b/bk/e")
    reply(rs, "PUT", "b/bk/e/rename")
    bucket = client.bucket("bk")
    bucket.remove_record("e", 5)
    bucket.remove_entry("e")
    bucket.rename_entry("e", "f")
    assert sent(rs, 0)[:3] == ("DELETE", "/api/v1/b/bk/e", {"ts": "5"})
    assert sent(rs, 1)[:3] == ("DELETE", "/api/v1/b/bk/e", {})
    assert sent_json(rs, 2) == {"new_name": "f"}


def test_remove_missing_record_is_no_such_object(rs, client):
    reply(rs, "DELETE", "b/bk/e", status=404, error="Record 5 not found in entry bk/e")
    with pytest.raises(NoSuchObject):
        client.bucket("bk").remove_record("e", 5)


def test_write_batch_v1_headers_body_order_and_quoted_values(rs, client):
    reply(rs, "POST", "b/bk/e/batch",
          headers={"x-reduct-error-20": "409,A record with timestamp 20 already exists"})
    batch = Batch()
    batch.add(20, b"BB", "text/plain", {"x": "a,b"})
    batch.add(10, b"A", labels={"k": "v"})
    result = client.bucket("bk").write_batch("e", batch)
    method, path, _q, headers, body = sent(rs)
    assert (method, path, body) == ("POST", "/api/v1/b/bk/e/batch", b"ABB")
    assert headers["x-reduct-time-10"] == "1,,k=v"
    assert headers["x-reduct-time-20"] == '2,text/plain,x="a,b"'
    assert headers["Content-Length"] == "3"
    assert not result.ok
    err = result.for_entry("e")[20]
    assert isinstance(err, Conflict) and "already exists" in str(err)


def test_update_and_remove_batch_v1(rs, client):
    reply(rs, "PATCH", "b/bk/e/batch")
    reply(rs, "DELETE", "b/bk/e/batch",
          headers={"x-reduct-error-7": "404,Record 7 not found in entry bk/e"})
    batch = Batch()
    batch.add(7, labels={"a": "", "b": "2"})
    bucket = client.bucket("bk")
    assert bucket.update_batch("e", batch).ok
    assert sent(rs, 0)[3]["x-reduct-time-7"] == "0,,a=,b=2"
    result = bucket.remove_batch("e", batch)
    assert sent(rs, 1)[3]["x-reduct-time-7"] == "0,"
    assert isinstance(result.for_entry("e")[7], NoSuchObject)


def test_write_record_batch_v2_on_1_21(rs, client):
    reply(rs, "HEAD", "alive")
    reply(rs, "POST", "io/bk/write", headers={
        "x-reduct-entries": "a%2Fb,c", "x-reduct-start-ts": "1000",
        "x-reduct-error-1-5": "409,A record with timestamp 1005 already exists"})
    batch = RecordBatch()
    batch.add("a/b", 1010, b"AA", content_type="text/plain", labels={"k": "v"})
    batch.add("c", 1005, b"C")
    batch.add("a/b", 1000, b"B")
    result = client.bucket("bk").write_batch(batch)
    method, path, _q, headers, body = sent(rs)
    assert (method, path) == ("POST", "/api/v1/io/bk/write")
    assert headers["x-reduct-entries"] == "a%2Fb,c"
    assert headers["x-reduct-start-ts"] == "1000"
    assert headers["x-reduct-0-0"] == "1,application/octet-stream"
    assert headers["x-reduct-0-10"] == "2,text/plain,k=v"
    assert headers["x-reduct-1-5"] == "1,application/octet-stream"
    assert body == b"BAAC"  # by entry index, then time (§8)
    assert isinstance(result.errors["c"][1005], Conflict)


def test_update_and_remove_record_batch_v2(rs, client):
    reply(rs, "HEAD", "alive")
    reply(rs, "PATCH", "io/bk/update", headers={"x-reduct-entries": "e",
                                                "x-reduct-start-ts": "5"})
    reply(rs, "DELETE", "io/bk/remove", headers={"x-reduct-entries": "e",
                                                 "x-reduct-start-ts": "5"})
    batch = RecordBatch()
    batch.add("e", 5, labels={"a": ""})
    bucket = client.bucket("bk")
    assert bucket.update_batch(batch).ok
    assert sent(rs, 1)[3]["x-reduct-0-0"] == "0,,a="
    assert bucket.remove_batch(batch).ok
    assert sent(rs, 2)[3]["x-reduct-0-0"] == "0"
    assert sent(rs, 2)[4] == b""


def test_record_batch_on_1_17_falls_back_to_v1_per_entry(rs, client):
    reply(rs, "HEAD", "alive", version="1.17")
    reply(rs, "POST", "b/bk/a/batch", version="1.17")
    reply(rs, "POST", "b/bk/c/batch", version="1.17")
    batch = RecordBatch()
    batch.add("a", 1, b"x")
    batch.add("c", 2, b"yy")
    assert client.bucket("bk").write_record_batch(batch).ok
    assert sent(rs, 1)[3]["x-reduct-time-1"] == "1,"
    assert sent(rs, 2)[4] == b"yy"


def test_query_on_1_21_uses_io_endpoints_and_when_for_limit(rs, client):
    reply(rs, "HEAD", "alive")
    reply(rs, "POST", "io/bk/q", json_body={"id": 3})
    reply(rs, "GET", "io/bk/read", body=b"BBBAA", headers={
        "x-reduct-entries": "x-1,x-0", "x-reduct-start-ts": "1000",
        "x-reduct-0-0": "3,text/plain,k=1", "x-reduct-1-10": "2,text/plain",
        "content-type": "application/octet-stream", "x-reduct-last": "true"})
    records = list(client.bucket("bk").query(["x-0", "x-1"], start=0, stop=2000,
                                              when={"&k": {"$gt": 0}}, limit=5, ttl=30))
    assert sent_json(rs, 1) == {"query_type": "QUERY", "start": 0, "stop": 2000, "ttl": 30,
                                "when": {"&k": {"$gt": 0}, "$limit": 5},
                                "entries": ["x-0", "x-1"]}
    method, path, _q, headers, _b = sent(rs, 2)
    assert (method, path, headers["x-reduct-query-id"]) == ("GET", "/api/v1/io/bk/read", "3")
    assert [(r.entry, r.timestamp, r.read_all(), r.labels) for r in records] == [
        ("x-1", 1000, b"BBB", {"k": "1"}), ("x-0", 1010, b"AA", {})]
    assert records[-1].last is True


def test_v2_read_inherits_content_type_and_labels_per_entry(rs, client):
    reply(rs, "HEAD", "alive")
    reply(rs, "POST", "io/bk/q", json_body={"id": 1})
    reply(rs, "GET", "io/bk/read", body=b"abc", headers={
        "x-reduct-entries": "e", "x-reduct-start-ts": "10", "x-reduct-labels": "colour,n",
        "x-reduct-0-0": "1,text/plain,0=red,1=1", "x-reduct-0-1": "1",
        "x-reduct-0-2": "1,,1=", "x-reduct-last": "true"})
    records = list(client.bucket("bk").query("e"))
    assert [(r.content_type, r.labels) for r in records] == [
        ("text/plain", {"colour": "red", "n": "1"}), ("text/plain", {"colour": "red", "n": "1"}),
        ("text/plain", {"colour": "red"})]
    assert [r.read_all() for r in records] == [b"a", b"b", b"c"]


def test_query_on_1_17_uses_entry_q_and_batch_reads(rs, client):
    reply(rs, "HEAD", "alive", version="1.17")
    reply(rs, "POST", "b/bk/e/q", version="1.17", json_body={"id": 9})
    reply(rs, "GET", "b/bk/e/batch", version="1.17", body=b"AB", headers={
        "x-reduct-time-20": '1,text/plain,x="a,b"', "x-reduct-time-10": "1,",
        "x-reduct-last": "false"})
    reply(rs, "GET", "b/bk/e/batch", version="1.17", status=204, error="No more records")
    records = list(client.bucket("bk").query("e", start=0, limit=5, each_n=2))
    assert sent_json(rs, 1) == {"query_type": "QUERY", "start": 0, "limit": 5, "each_n": 2}
    assert sent(rs, 2)[:3] == ("GET", "/api/v1/b/bk/e/batch", {"q": "9"})
    assert [(r.timestamp, r.read_all(), r.labels) for r in records] == [
        (10, b"A", {}), (20, b"B", {"x": "a,b"})]
    assert records[0].content_type == "application/octet-stream"


def test_head_query_sends_only_metadata_and_head_reads(rs, client):
    reply(rs, "HEAD", "alive", version="1.17")
    reply(rs, "POST", "b/bk/e/q", version="1.17", json_body={"id": 1})
    reply(rs, "HEAD", "b/bk/e/batch", version="1.17", headers={
        "x-reduct-time-10": "4,", "x-reduct-last": "true"})
    records = list(client.bucket("bk").query("e", head=True))
    assert sent_json(rs, 1) == {"query_type": "QUERY", "only_metadata": True}
    assert records[0].size == 4


def test_multi_entry_query_on_1_17_is_not_supported(rs, client):
    from objclient.exceptions import NotSupported
    reply(rs, "HEAD", "alive", version="1.17")
    with pytest.raises(NotSupported):
        list(client.bucket("bk").query(["a", "b"]))


@pytest.mark.parametrize("version,path,body", [
    ("1.21", "io/bk/q", {"query_type": "REMOVE", "start": 1, "stop": 9, "entries": ["e"]}),
    ("1.17", "b/bk/e/q", {"query_type": "REMOVE", "start": 1, "stop": 9}),
])
def test_remove_query(rs, client, version, path, body):
    reply(rs, "HEAD", "alive", version=version)
    reply(rs, "POST", path, version=version, json_body={"removed_records": 4})
    assert client.bucket("bk").remove_query("e", 1, 9) == 4
    assert sent_json(rs) == body


def test_subscribe_polls_on_204_and_stops_on_condition(rs, client):
    reply(rs, "HEAD", "alive")
    reply(rs, "POST", "io/bk/q", json_body={"id": 2})
    reply(rs, "GET", "io/bk/read", status=204, error="No more records")
    reply(rs, "GET", "io/bk/read", body=b"xy", headers={
        "x-reduct-entries": "e", "x-reduct-start-ts": "5", "x-reduct-0-0": "1,",
        "x-reduct-0-1": "1", "x-reduct-last": "false"})
    seen = [r.timestamp for r in client.bucket("bk").subscribe(
        "e", start=5, poll_interval=0.01, stop_when=lambda r: r.timestamp == 6)]
    assert seen == [5, 6]
    assert sent_json(rs, 1) == {"query_type": "QUERY", "start": 5, "ttl": 1,
                                "continuous": True, "entries": ["e"]}


def test_record_read_in_pieces_continues_where_it_stopped(rs, client):
    reply(rs, "GET", "b/bk/e", body=b"abcdefg", headers={"x-reduct-time": "1",
                                                         "content-length": "7"})
    with client.bucket("bk").read("e") as record:
        pieces = record.read(3)
        assert next(pieces) == b"abc"
        assert b"".join(pieces) == b"defg"


def test_record_shorter_than_announced_is_an_error(rs, client):
    from objclient.exceptions import ClientError
    reply(rs, "GET", "b/bk/e", body=b"abc", headers={"x-reduct-time": "1",
                                                     "content-length": "7"})
    with pytest.raises(ClientError):
        with client.bucket("bk").read("e") as record:
            record.read_all()


def test_query_on_1_12_uses_the_legacy_get_q(rs, client):
    reply(rs, "HEAD", "alive", version="1.12")
    reply(rs, "GET", "b/bk/e/q", version="1.12", json_body={"id": 4})
    reply(rs, "GET", "b/bk/e/batch", version="1.12", body=b"A", headers={
        "x-reduct-time-10": "1,", "x-reduct-last": "true"})
    records = list(client.bucket("bk").query("e", start=0, stop=20, ttl=5, limit=1))
    assert sent(rs, 1)[:3] == ("GET", "/api/v1/b/bk/e/q",
                               {"start": "0", "stop": "20", "ttl": "5", "limit": "1"})
    assert [r.timestamp for r in records] == [10]


def test_remove_query_on_1_12_uses_delete_q(rs, client):
    reply(rs, "HEAD", "alive", version="1.12")
    reply(rs, "DELETE", "b/bk/e/q", version="1.12", json_body={"removed_records": 2})
    assert client.bucket("bk").remove_query("e", start=0, stop=20) == 2
    assert sent(rs)[:3] == ("DELETE", "/api/v1/b/bk/e/q", {"start": "0", "stop": "20"})


def test_a_write_with_a_bytes_body_is_retried_on_503(rs, client):
    reply(rs, "POST", "b/bk/e", status=503,
          error="The server is starting up, please try again later")
    reply(rs, "POST", "b/bk/e")
    client.bucket("bk").write("e", b"abc", 5)
    assert len(rs.calls) == 2 and sent(rs)[4] == b"abc"
