"""The reduct-py reference (``shared/seeds/000`` Client, ``001`` Bucket), made synchronous.

One test (at least) per row of ``doc/parity/reductstore.rst``, written as the
seed's own examples are, with ``async``/``await`` removed, against the fake
server of ``tests/fakes/reductstore.py``.  The signatures are checked
against the seed's parameter names, order and defaults.
"""

import datetime as dt
import inspect
import math
import time

import pytest

from objclient.backends.reduct import (Bucket, BucketFullInfo, BucketInfo, BucketSettings,
                                       Client, EntryInfo, FullTokenInfo, Permissions,
                                       QuotaType, Record, ReductError, ReplicationDetailInfo,
                                       ReplicationInfo, ReplicationSettings, ServerInfo,
                                       Token)
from objclient.exceptions import Conflict, DeadlineReached, NoSuchContainer, NoSuchObject
from objclient.http.retry import RetryPolicy
from tests.fakes.reductstore import FakeReductStore

URL = "http://127.0.0.1:8383"
NO_WAIT = RetryPolicy(total=1, backoff_factor=0, jitter=0)
NOW_US = 1_764_000_000_000_000


@pytest.fixture
def fake():
    return FakeReductStore(URL, version="1.21")


@pytest.fixture
def client(fake):
    client = Client(URL, session=fake.session(), retries=NO_WAIT)
    yield client
    client.close()


@pytest.fixture
def bucket(client):
    return client.create_bucket("bucket")


def params(func):
    """``[(name, default)]`` of a bound method, without objclient's ``opts``."""
    sig = inspect.signature(func)
    return [(p.name, p.default if p.default is not inspect.Parameter.empty else "required")
            for p in sig.parameters.values()
            if p.name != "opts" and p.kind not in (p.VAR_KEYWORD, p.KEYWORD_ONLY)]


# -- Client (seed 000) ----------------------------------------------------------------------
def test_client_constructor_takes_the_seed_arguments_in_order():
    assert params(Client.__init__)[1:] == [
        ("url", "required"), ("api_token", None), ("timeout", None), ("extra_headers", None)]
    keywords = inspect.signature(Client.__init__).parameters
    assert keywords["session"].default is None and keywords["verify_ssl"].default is True


def test_client_example_reads_server_info(fake):
    client = Client("http://127.0.0.1:8383", session=fake.session())
    info = client.info()
    assert isinstance(info, ServerInfo)
    assert info.version == "1.21.0"
    assert info.defaults.bucket.quota_type == QuotaType.NONE


def test_client_sends_the_api_token_and_extra_headers(fake):
    fake.token = "secret"
    client = Client(URL, api_token="secret", extra_headers={"x-trace": "1"},
                    session=fake.session())
    client.info()
    assert fake.recorded[-1]["path"] == "info"
    with pytest.raises(ReductError) as err:
        Client(URL, api_token="wrong", session=fake.session()).info()
    assert err.value.status_code == 401


def test_client_timeout_is_a_total_per_call(fake):
    client = Client(URL, timeout=0.5, session=fake.session())
    assert client.total_timeout == 0.5
    client.info()  # answered in time
    client.total_timeout = 0.0
    with pytest.raises(DeadlineReached):
        client.info()


def test_client_verify_ssl_reaches_the_transport():
    client = Client("https://127.0.0.1:8383", verify_ssl=False)
    assert client.http.verify is False


def test_info_keeps_dict_style_access(client):
    info = client.info()
    assert info["version"] == info.version and info.get("usage") == 0
    assert info["defaults"]["bucket"]["max_block_records"] == 1024
    assert "instance_name" in info  # a field reduct-py's ServerInfo lacks: kept


def test_list_returns_bucket_infos(client, bucket):
    buckets = client.list()
    assert [type(b) for b in buckets] == [BucketInfo]
    assert buckets[0].name == "bucket" and buckets[0].entry_count == 0


def test_get_bucket_loads_an_existing_bucket(client, bucket):
    assert isinstance(client.get_bucket("bucket"), Bucket)
    assert client.get_bucket("bucket").name == "bucket"


def test_get_bucket_raises_reduct_error_for_a_missing_bucket(client):
    with pytest.raises(ReductError) as err:
        client.get_bucket("nope")
    assert err.value.status_code == 404
    assert err.value.message == "Bucket 'nope' is not found"
    assert isinstance(err.value, NoSuchContainer)  # objclient's typed tree is kept


def test_create_bucket_with_settings_and_exist_ok(client, fake):
    settings = BucketSettings(quota_type=QuotaType.FIFO, quota_size=1_000_000)
    bucket = client.create_bucket("data", settings)
    assert bucket.get_settings().quota_size == 1_000_000
    with pytest.raises(ReductError) as err:
        client.create_bucket("data")
    assert err.value.status_code == 409 and isinstance(err.value, Conflict)
    assert client.create_bucket("data", exist_ok=True).name == "data"
    assert params(client.create_bucket) == [
        ("name", "required"), ("settings", None), ("exist_ok", False)]


def test_get_token_list_returns_tokens(client):
    client.create_token("reader", Permissions(read=["bucket"]))
    tokens = client.get_token_list()
    assert [type(t) for t in tokens] == [Token] and tokens[0].name == "reader"
    assert isinstance(tokens[0].created_at, dt.datetime)


def test_get_token_returns_full_info_with_permissions(client):
    client.create_token("writer", Permissions(write=["bucket"]))
    token = client.get_token("writer")
    assert isinstance(token, FullTokenInfo)
    assert token.permissions.write == ["bucket"] and token.permissions.full_access is False


def test_create_token_returns_its_value(client, fake):
    value = client.create_token("full", Permissions(full_access=True))
    assert isinstance(value, str) and value.startswith("full-")
    assert fake.tokens["full"]["permissions"]["full_access"] is True
    assert params(client.create_token) == [("name", "required"), ("permissions", "required")]


def test_remove_token_deletes_it(client):
    client.create_token("tmp", Permissions())
    client.remove_token("tmp")
    with pytest.raises(ReductError) as err:
        client.get_token("tmp")
    assert err.value.status_code == 404


def test_me_returns_the_current_token(client):
    me = client.me()
    assert isinstance(me, FullTokenInfo) and me.permissions.full_access is True


def _replication():
    return ReplicationSettings(src_bucket="bucket", dst_bucket="copy",
                               dst_host="http://other:8383")


def test_create_replication_then_list_them(client, fake):
    client.create_replication("repl", _replication())
    assert fake.replications["repl"]["dst_host"] == "http://other:8383"
    replications = client.get_replications()
    assert [type(r) for r in replications] == [ReplicationInfo]
    assert replications[0].name == "repl" and replications[0].pending_records == 0
    assert params(client.create_replication) == [
        ("replication_name", "required"), ("settings", "required")]


def test_get_replication_detail_returns_info_settings_and_diagnostics(client):
    client.create_replication("repl", _replication())
    detail = client.get_replication_detail("repl")
    assert isinstance(detail, ReplicationDetailInfo)
    assert detail.info.name == "repl" and detail.settings.src_bucket == "bucket"
    assert detail.settings.dst_token is None  # masked by the server
    assert detail.diagnostics.hourly.ok == 0
    assert params(client.get_replication_detail) == [("replication_name", "required")]


def test_update_replication_replaces_its_settings(client, fake):
    client.create_replication("repl", _replication())
    changed = _replication()
    changed.entries = ["sensor-*"]
    client.update_replication("repl", changed)
    assert fake.replications["repl"]["entries"] == ["sensor-*"]
    assert params(client.update_replication) == [
        ("replication_name", "required"), ("settings", "required")]


def test_delete_replication_removes_it(client):
    client.create_replication("repl", _replication())
    client.delete_replication("repl")
    assert client.get_replications() == []
    with pytest.raises(ReductError):
        client.delete_replication("repl")


def test_client_errors_without_an_answer_are_reduct_errors():
    client = Client("http://127.0.0.1:9", retries=NO_WAIT, timeout=2)
    with pytest.raises(ReductError) as err:
        client.info()
    assert err.value.status_code == -1  # reduct-py's code for "no answer"


# -- Bucket (seed 001) --------------------------------------------------------------------
def test_bucket_info_settings_and_full_info(bucket):
    bucket.write("entry-1", b"some_data", timestamp=19231023101)
    info = bucket.info()
    assert isinstance(info, BucketInfo)
    assert (info.name, info.entry_count, info.size) == ("bucket", 1, 9)
    assert info.oldest_record == info.latest_record == 19231023101
    assert isinstance(bucket.get_settings(), BucketSettings)
    full = bucket.get_full_info()
    assert isinstance(full, BucketFullInfo)
    assert full.info == info and full.entries[0].name == "entry-1"


def test_get_entry_list_returns_entry_infos(bucket):
    bucket.write("entry-1", b"some_data", timestamp=1)
    bucket.write("entry-1", b"more", timestamp=2)
    entries = bucket.get_entry_list()
    assert [type(e) for e in entries] == [EntryInfo]
    assert (entries[0].name, entries[0].record_count, entries[0].size) == ("entry-1", 2, 13)
    assert (entries[0].oldest_record, entries[0].latest_record) == (1, 2)


def test_set_settings_updates_them(bucket):
    bucket.set_settings(BucketSettings(max_block_records=100))
    assert bucket.get_settings().max_block_records == 100
    assert params(bucket.set_settings) == [("settings", "required")]


def test_remove_removes_the_bucket(client, bucket):
    bucket.remove()
    with pytest.raises(ReductError) as err:
        client.get_bucket("bucket")
    assert err.value.status_code == 404


def test_remove_entry_removes_every_record(bucket):
    bucket.write("entry-1", b"x", timestamp=1)
    bucket.remove_entry("entry-1")
    assert bucket.get_entry_list() == []
    assert params(bucket.remove_entry) == [("entry_name", "required")]


def test_write_example_with_a_timestamp(bucket, fake):
    assert bucket.write("entry-1", b"some_data", timestamp=19231023101) is None
    assert fake.buckets["bucket"]["entry-1"][19231023101].data == b"some_data"


def test_write_example_chunk_wise_with_content_length(bucket, fake):
    def sender():
        for chunk in [b"part1", b"part2", b"part3"]:
            yield chunk
    bucket.write("entry-1", sender(), content_length=15)
    (record,) = fake.buckets["bucket"]["entry-1"].values()
    assert record.data == b"part1part2part3"


def test_write_labels_and_content_type_keywords(bucket, fake):
    bucket.write("entry-1", b"{}", timestamp=5, labels={"room": "lab"},
                 content_type="application/json")
    record = fake.buckets["bucket"]["entry-1"][5]
    assert (record.ctype, record.labels) == ("application/json", {"room": "lab"})
    assert params(bucket.write) == [("entry_name", "required"), ("data", "required"),
                                    ("timestamp", None), ("content_length", None)]


def test_write_without_timestamp_uses_the_current_time_in_microseconds(bucket, fake):
    before = time.time_ns() // 1000
    bucket.write("entry-1", b"now")
    (ts,) = fake.buckets["bucket"]["entry-1"]
    assert before <= ts <= time.time_ns() // 1000


def test_write_float_microseconds_lands_at_that_time(bucket, fake):
    """The seed's timestamps are microseconds; ``time.time_ns() / 1000`` is a
    float of them.  Read as seconds it was sent 10^6 times too large."""
    now = time.time_ns() / 1000
    bucket.write("entry-1", b"x", timestamp=now)
    (ts,) = fake.buckets["bucket"]["entry-1"]
    assert ts == math.floor(now + 0.5)  # halves round up (wire.py)
    assert ts < 2 ** 53  # the old reading, now * 10^6, is past year 50000


def test_read_example_reads_the_record_at_a_timestamp(bucket):
    bucket.write("entry", b"old", timestamp=123456789)
    bucket.write("entry", b"new", timestamp=123456790)
    with bucket.read("entry", timestamp=123456789) as record:
        data = record.read_all()
    assert data == b"old"
    assert params(bucket.read) == [("entry_name", "required"), ("timestamp", None),
                                   ("head", False)]


def test_read_without_timestamp_gets_the_latest_record(bucket):
    bucket.write("entry", b"old", timestamp=1, labels={"v": "1"})
    bucket.write("entry", b"new", timestamp=2, labels={"v": "2"})
    with bucket.read("entry") as record:
        assert isinstance(record, Record)
        assert (record.timestamp, record.size, record.labels) == (2, 3, {"v": "2"})
        assert record.content_type == "application/octet-stream"
        assert b"".join(record.read(n=1)) == b"new"


def test_read_head_gets_only_the_metadata(bucket):
    bucket.write("entry", b"payload", timestamp=7, labels={"k": "v"})
    with bucket.read("entry", timestamp=7, head=True) as record:
        assert (record.size, record.labels) == (7, {"k": "v"})


def test_read_of_a_missing_record_raises_reduct_error(bucket):
    bucket.write("entry", b"x", timestamp=1)
    with pytest.raises(ReductError) as err:
        bucket.read("entry", timestamp=2)
    assert err.value.status_code == 404 and isinstance(err.value, NoSuchObject)


def _three_records(bucket):
    base = NOW_US
    bucket.write("entry-1", b"a", timestamp=base, labels={"kind": "a", "ok": "1"})
    bucket.write("entry-1", b"bb", timestamp=base + 1, labels={"kind": "b", "ok": "1"})
    bucket.write("entry-1", b"ccc", timestamp=base + 2, labels={"kind": "c"})
    return base


def test_query_example_with_a_float_stop(bucket):
    _three_records(bucket)
    got = []
    for record in bucket.query("entry-1", stop=time.time_ns() / 1000):
        data: bytes = record.read_all()
        got.append(data)
        for chunk in record.read(n=1024):
            assert chunk == data
    assert got == [b"a", b"bb", b"ccc"]


def test_query_takes_start_stop_and_ttl_positionally(bucket, fake):
    base = _three_records(bucket)
    got = [r.read_all() for r in bucket.query("entry-1", base, base + 2, 30)]
    assert got == [b"a", b"bb"]
    (post,) = [r for r in fake.recorded if r["path"] == "io/bucket/q"]
    assert b'"ttl": 30' in post["body"] or b'"ttl":30' in post["body"]
    assert params(bucket.query)[:4] == [("entry_name", "required"), ("start", None),
                                        ("stop", None), ("ttl", None)]


def test_query_include_keeps_records_with_all_labels(bucket):
    _three_records(bucket)
    got = [r.read_all() for r in bucket.query("entry-1", include={"ok": "1", "kind": "b"})]
    assert got == [b"bb"]


def test_query_exclude_drops_records_with_all_labels(bucket):
    _three_records(bucket)
    got = [r.read_all() for r in bucket.query("entry-1", exclude={"ok": "1", "kind": "a"})]
    assert got == [b"bb", b"ccc"]  # "ccc" has no "ok" label: not excluded


@pytest.mark.parametrize("version", ["1.21", "1.17", "1.12"])
def test_query_include_and_exclude_on_every_server_generation(version):
    fake = FakeReductStore(URL, version=version)
    bucket = Client(URL, session=fake.session(), retries=NO_WAIT).create_bucket("bucket")
    _three_records(bucket)
    assert [r.labels["kind"] for r in bucket.query(
        "entry-1", include={"ok": "1"}, exclude={"kind": "a"})] == ["b"]


def test_query_head_and_limit(bucket):
    _three_records(bucket)
    records = list(bucket.query("entry-1", head=True, limit=2))
    assert [r.size for r in records] == [1, 2]
    with pytest.raises(ValueError):
        records[0].read_all()  # head=True: no data


def test_query_rejects_a_condition_in_the_ttl_place(bucket):
    with pytest.raises(ValueError, match="when="):
        bucket.query("entry-1", None, None, {"&kind": {"$eq": "a"}})


def test_subscribe_reads_existing_then_new_records(bucket):
    _three_records(bucket)
    got = []
    for record in bucket.subscribe("entry-1", poll_interval=0.01, include={"ok": "1"}):
        got.append(record.read_all())
        if len(got) == 2:
            break
    assert got == [b"a", b"bb"]
    assert params(bucket.subscribe)[:3] == [("entry_name", "required"), ("start", None),
                                            ("poll_interval", 1.0)]


def test_subscribes_the_seeds_example_spelling_is_subscribe(bucket):
    _three_records(bucket)
    got = []
    for record in bucket.subscribes("entry-1", poll_interval=0.01):
        data: bytes = record.read_all()
        got.append(data)
        if len(got) == 3:
            break
    assert got == [b"a", b"bb", b"ccc"]
    assert params(bucket.subscribes) == params(bucket.subscribe)


def test_subscribe_exclude_and_head(bucket):
    base = _three_records(bucket)
    records = []
    for record in bucket.subscribe("entry-1", start=base, poll_interval=0.01,
                                   exclude={"kind": "a"}, head=True):
        records.append(record)
        if len(records) == 2:
            break
    assert [r.labels["kind"] for r in records] == ["b", "c"]
