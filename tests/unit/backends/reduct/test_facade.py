"""The facade mapping and the low-level client against the in-memory fake
(tests/fakes/reductstore.py), on API 1.17 (batch v1, per-entry queries) and
1.21 (multi-entry /io)."""

import hashlib

import pytest
import responses

import objclient
from objclient.backends.reduct import Batch, RecordBatch
from objclient.exceptions import InvalidArgument, NoSuchAccount, NoSuchObject, NotSupported
from tests.fakes.reductstore import FakeReductStore

BASE = "http://reduct.test:8383"


@pytest.fixture(params=["1.17", "1.21"])
def env(request):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeReductStore(BASE, version=request.param, token="tok").install(mock)
        api = objclient.ObjectStorageApi("reduct+http://reduct.test:8383", api_token="tok")
        yield api, fake
        api.close()


def test_object_is_an_entry_and_a_write_is_a_record(env):
    api, fake = env
    api.container_create("reduct", "bk")
    api.object_create("reduct", "bk", data=b"v1", obj_name="dir/file.txt",
                      properties={"Owner": "Zoë"}, mime_type="text/plain")
    records = fake.buckets["bk"]["dir_2Ffile_2Etxt"]
    (rec,) = records.values()
    assert rec.data == b"v1" and rec.ctype == "text/plain"
    assert rec.labels == {"_4fwner": "Zoë", "objclient.md5": hashlib.md5(b"v1").hexdigest()}
    meta = api.object_get_properties("reduct", "bk", "dir/file.txt")
    assert meta["properties"] == {"Owner": "Zoë"} and meta["hash"] == rec.labels[
        "objclient.md5"].upper()


def test_overwrite_adds_a_record_and_old_versions_stay_readable(env):
    api, fake = env
    api.object_create("reduct", "bk", data=b"old", obj_name="o")
    first = api.object_get_properties("reduct", "bk", "o")["version"]
    api.object_create("reduct", "bk", data=b"new", obj_name="o")
    assert len(fake.buckets["bk"]["o"]) == 2
    meta, stream = api.object_fetch("reduct", "bk", "o", version=first)
    assert b"".join(stream) == b"old" and str(meta["version"]) == first
    assert b"".join(api.object_fetch("reduct", "bk", "o")[1]) == b"new"
    api.object_delete("reduct", "bk", "o", version=first)
    assert len(fake.buckets["bk"]["o"]) == 1
    with pytest.raises(NoSuchObject):
        api.object_get_properties("reduct", "bk", "o", version=first)


def test_listing_reports_latest_record_size_and_hash(env):
    api, _fake = env
    for name, data in (("b", b"22"), ("a", b"1"), ("a", b"333")):
        api.object_create("reduct", "bk", data=data, obj_name=name)
    objs = api.object_list("reduct", "bk")["objects"]
    assert [(o["name"], o["size"]) for o in objs] == [("a", 3), ("b", 2)]
    assert objs[0]["hash"] == hashlib.md5(b"333").hexdigest()


def test_container_settings_are_system_properties(env):
    api, fake = env
    api.container_create("reduct", "bk", system={"quota_type": "fifo", "quota_size": "99"})
    assert fake.settings["bk"]["quota_type"] == "FIFO"
    assert api.container_show("reduct", "bk")["system"]["quota_size"] == "99"
    with pytest.raises(InvalidArgument):
        api.container_create("reduct", "bk2", system={"colour": "red"})


def test_other_accounts_do_not_exist(env):
    api, _fake = env
    with pytest.raises(NoSuchAccount):
        api.container_show("other", "bk")
    assert api.account_list() == [{"id": "reduct"}]


def test_versions_are_records_newest_first_and_purge_keeps_the_newest(env):
    api, fake = env
    for data in (b"1", b"22", b"333"):
        api.object_create("reduct", "bk", data=data, obj_name="v")
    api.object_create("reduct", "bk", data=b"w", obj_name="w")
    listing = api.object_list("reduct", "bk", versions=True)["objects"]
    assert [(o["name"], o["size"], o["is_latest"]) for o in listing] == [
        ("v", 3, True), ("v", 2, False), ("v", 1, False), ("w", 1, True)]
    api.container_purge("reduct", "bk", maxvers=2)
    assert [len(fake.buckets["bk"][e]) for e in ("v", "w")] == [2, 1]


def test_unsupported_features_say_so(env):
    api, _fake = env
    with pytest.raises(NotSupported):
        api.object_fetch("reduct", "bk", "o", ranges=[(0, 1)])
    with pytest.raises(InvalidArgument):
        api.object_create("reduct", "bk", data=b"x", obj_name="o", properties={"k": " x"})


def test_low_level_client_is_reachable_and_batches_round_trip(env):
    api, fake = env
    client = api.container.reduct
    bucket = client.create_bucket("raw")
    batch = Batch()
    batch.add(10, b"A", labels={"x": "a,b"})
    batch.add(20, b"BB", "text/plain")
    assert bucket.write_batch("e", batch).ok
    assert fake.buckets["raw"]["e"][10].labels == {"x": "a,b"}
    again = bucket.write_batch("e", batch)
    assert set(again.for_entry("e")) == {10, 20}
    multi = RecordBatch()
    multi.add("f", 15, b"C", labels={"n": "1"})
    multi.add("e", 30, b"D")
    assert bucket.write_record_batch(multi).ok
    got = [(r.entry, r.timestamp, r.read_all(), r.labels) for r in bucket.query("e", start=0)]
    assert got == [("e", 10, b"A", {"x": "a,b"}), ("e", 20, b"BB", {}), ("e", 30, b"D", {})]
    big = [r.timestamp for r in bucket.query("e", when={"&x": {"$eq": "a,b"}})]
    assert big == [10]
    assert bucket.remove_query("e", start=0, stop=25) == 2
    assert sorted(fake.buckets["raw"]["e"]) == [30]


def test_query_pages_through_many_batches(env):
    api, _fake = env
    bucket = api.container.reduct.create_bucket("many")
    batch = Batch()
    for i in range(200):
        batch.add(i, b"x")
    bucket.write_batch("e", batch)
    assert [r.timestamp for r in bucket.query("e")] == list(range(200))


def test_a_wrong_token_is_unauthorized(env):
    from objclient.exceptions import Unauthorized
    _api, fake = env
    bad = objclient.ObjectStorageApi("reduct+http://reduct.test:8383", api_token="nope")
    with pytest.raises(Unauthorized) as err:
        bad.container_show("reduct", "bk")
    assert err.value.server_message == "Invalid token"
    assert "nope" not in str(err.value)


def test_write_waits_while_an_entry_is_being_deleted():
    with responses.RequestsMock() as mock:
        path = BASE + "/api/v1/b/bk/o"
        mock.add("POST", path, status=409, content_type=None,
                 headers={"x-reduct-api": "1.21",
                          "x-reduct-error": "Entry 'o' in bucket 'bk' is being deleted"})
        mock.add("POST", path, status=200, headers={"x-reduct-api": "1.21"})
        api = objclient.ObjectStorageApi("reduct+http://reduct.test:8383")
        _c, size, _md5 = api.object_create("reduct", "bk", data=b"x", obj_name="o")
        assert size == 1 and len(mock.calls) == 2


@pytest.fixture
def env21():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeReductStore(BASE, version="1.21", token="tok").install(mock)
        api = objclient.ObjectStorageApi("reduct+http://reduct.test:8383", api_token="tok")
        yield api, fake
        api.close()


def test_attachments_are_meta_records(env21):
    api, fake = env21
    bucket = api.container.reduct.create_bucket("att")
    bucket.write("e", b"x", 1)
    bucket.write_attachments("e", {"schema": {"v": 1}, "unit": "m"})
    assert bucket.read_attachments("e") == {"schema": {"v": 1}, "unit": "m"}
    assert all(r.ctype == "application/json" for r in fake.buckets["att"]["e/$meta"].values())
    bucket.remove_attachments("e", ["unit"])
    assert bucket.read_attachments("e") == {"schema": {"v": 1}}
