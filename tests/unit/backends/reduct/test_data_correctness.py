"""What the server stores and returns is exactly what the caller gave (issue 24).

Each test runs against ``tests/fakes/reductstore.py``, which keeps the
server's per-entry state in batch protocol v2 and its multi-entry body
order, so a client that leans on a kinder server fails here.
"""

import pytest

import objclient
from objclient.backends.reduct import RecordBatch, RecordExists, ReductClient
from objclient.backends.reduct.names import encode_entry
from objclient.http.retry import RetryPolicy
from tests.fakes.reductstore import FakeReductStore

BASE = "http://reduct.test:8383"
NO_WAIT = RetryPolicy(total=2, backoff_factor=0, jitter=0)


@pytest.fixture
def fake():
    fake = FakeReductStore(BASE, version="1.21")
    fake.buckets["bk"] = {}
    fake.settings["bk"] = fake._default_settings()
    return fake


@pytest.fixture
def bucket(fake):
    client = ReductClient(BASE, session=fake.session(), retries=NO_WAIT)
    yield client.bucket("bk")
    client.close()


def stored(fake, entry):
    """``{ts: (data, content type, labels)}`` as the fake server holds them."""
    return {ts: (r.data, r.ctype, r.labels) for ts, r in fake.buckets["bk"][entry].items()}


# -- 1. batch v2 writes ------------------------------------------------------------------
def test_v2_write_stores_fewer_labels_and_default_type_as_given(fake, bucket):
    batch = RecordBatch()
    batch.add("e", 1, b"a", content_type="text/plain", labels={"kind": "a", "x": "1"})
    batch.add("e", 2, b"b", labels={"kind": "a"})
    batch.add("e", 3, b"c")
    batch.add("e", 4, b"d", content_type="text/csv", labels={"x": "2,3"})
    batch.add("f", 2, b"F", labels={"y": "9"})
    assert bucket.write_record_batch(batch).ok
    assert stored(fake, "e") == {
        1: (b"a", "text/plain", {"kind": "a", "x": "1"}),
        2: (b"b", "application/octet-stream", {"kind": "a"}),
        3: (b"c", "application/octet-stream", {}),
        4: (b"d", "text/csv", {"x": "2,3"})}
    assert stored(fake, "f") == {2: (b"F", "application/octet-stream", {"y": "9"})}


def test_v2_write_sends_the_type_always_and_removals_for_dropped_labels(fake, bucket):
    batch = RecordBatch()
    batch.add("e", 10, b"a", content_type="text/plain", labels={"kind": "a", "x": "1"})
    batch.add("e", 11, b"b", labels={"kind": "a"})
    bucket.write_record_batch(batch)
    headers = fake.recorded[-1]["headers"]
    assert headers["x-reduct-0-0"] == "1,text/plain,kind=a,x=1"
    assert headers["x-reduct-0-1"] == "1,application/octet-stream,x="


def test_v2_write_refuses_an_empty_label_value(bucket):
    batch = RecordBatch()
    batch.add("e", 1, b"a", labels={"k": ""})
    with pytest.raises(objclient.exceptions.InvalidArgument, match="remove"):
        bucket.write_record_batch(batch)


# -- 2. batch v2 label updates ---------------------------------------------------------------
def _two_records(bucket):
    batch = RecordBatch()
    batch.add("e", 1, b"1", labels={"a": "orig"})
    batch.add("e", 2, b"2", labels={"a": "orig"})
    bucket.write_record_batch(batch)


def test_v2_updates_change_only_the_labels_each_names(fake, bucket):
    _two_records(bucket)
    before = len(fake.recorded)
    update = RecordBatch()
    update.add("e", 1, labels={"b": "1"})
    update.add("e", 2, labels={"c": "2"})
    assert bucket.update_record_batch(update).ok
    assert stored(fake, "e")[1][2] == {"a": "orig", "b": "1"}
    assert stored(fake, "e")[2][2] == {"a": "orig", "c": "2"}
    # the second update cannot be said after the first in one request
    assert [r["method"] for r in fake.recorded[before:]] == ["PATCH", "PATCH"]


def test_v2_updates_naming_every_earlier_label_share_one_request(fake, bucket):
    _two_records(bucket)
    before = len(fake.recorded)
    update = RecordBatch()
    update.add("e", 1, labels={"b": "1"})
    update.add("e", 2, labels={"b": "", "c": "2"})
    assert bucket.update_record_batch(update).ok
    assert stored(fake, "e")[1][2] == {"a": "orig", "b": "1"}
    assert stored(fake, "e")[2][2] == {"a": "orig", "c": "2"}
    assert len(fake.recorded[before:]) == 1


# -- 3. multi-entry reads --------------------------------------------------------------------
def test_multi_entry_read_cuts_the_body_by_entry_then_time(bucket):
    batch = RecordBatch()
    for entry, ts, data in [("a", 1, b"A1"), ("b", 2, b"BBB2"), ("a", 3, b"AAAAA3"),
                            ("b", 4, b"B4")]:
        batch.add(entry, ts, data, labels={"n": str(ts)})
    bucket.write_record_batch(batch)
    got = [(r.entry, r.timestamp, r.read_all(), r.labels) for r in bucket.query(["a", "b"])]
    assert got == [("a", 1, b"A1", {"n": "1"}), ("b", 2, b"BBB2", {"n": "2"}),
                   ("a", 3, b"AAAAA3", {"n": "3"}), ("b", 4, b"B4", {"n": "4"})]


# -- 4. retried writes -----------------------------------------------------------------------
def test_write_resent_after_a_lost_answer_is_one_record(fake, bucket):
    fake.drop_next("POST", "b/bk/e", after_handling=True)
    bucket.write("e", b"mine", 5, content_type="text/plain", labels={"K": "v"})
    assert stored(fake, "e") == {5: (b"mine", "text/plain", {"k": "v"})}


def test_resent_write_meeting_another_record_raises_record_exists(fake, bucket):
    bucket.write("e", b"other", 5)
    fake.drop_next("POST", "b/bk/e", after_handling=False)
    with pytest.raises(RecordExists, match="already has another record at 5"):
        bucket.write("e", b"mine!", 5)
    assert stored(fake, "e") == {5: (b"other", "application/octet-stream", {})}


def test_resent_write_of_same_size_type_and_labels_but_other_bytes_raises(fake, bucket):
    bucket.write("e", b"other", 5)
    fake.drop_next("POST", "b/bk/e", after_handling=False)
    with pytest.raises(RecordExists):
        bucket.write("e", b"OTHER", 5)


def test_first_write_onto_an_existing_record_raises_without_reading_it(fake, bucket):
    bucket.write("e", b"x", 5)
    before = len(fake.recorded)
    with pytest.raises(RecordExists) as info:
        bucket.write("e", b"x", 5)
    assert info.value.status == 409
    assert [(r["method"], r["path"]) for r in fake.recorded[before:]] == [("POST", "b/bk/e")]


def test_upload_resent_after_a_lost_answer_stores_the_object_once(fake):
    api = objclient.ObjectStorageApi("reduct+http://reduct.test:8383", session=fake.session(),
                                     retries=NO_WAIT)
    fake.drop_next("POST", "b/bk/" + encode_entry("photo.jpg"), after_handling=True)
    api.object_create("reduct", "bk", data=b"jpeg", obj_name="photo.jpg")
    assert len(fake.buckets["bk"][encode_entry("photo.jpg")]) == 1
    meta, stream = api.object_fetch("reduct", "bk", "photo.jpg")
    assert b"".join(stream) == b"jpeg"
