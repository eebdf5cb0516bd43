"""Swift-specific object behaviour on a real cluster: ranges, copies, bulk
delete, metadata merging, container system properties."""

import hashlib
import os
import uuid

import pytest

from objclient.exceptions import (ChecksumMismatch, ContainerNotEmpty, InvalidArgument,
                                  NoSuchContainer, NoSuchObject, Timeout)

from .conftest import ACCOUNT2, RESELLER_KEY, RESELLER_USER, drop_container, make_api

BIG = os.urandom(3 * 1024 * 1024 + 17)


def _read(api, *args, **kwargs):
    meta, stream = api.object_fetch(*args, **kwargs)
    try:
        return meta, b"".join(stream)
    finally:
        stream.close()


def test_default_account_is_the_credentials_account(api):
    assert api.account_show(None)["id"] == "AUTH_test"


def test_multi_range_parts_spanning_read_chunks_are_concatenated(api, container):
    api.object_create(None, container, data=BIG, obj_name="big")
    ranges = [(0, 9), (1024 * 1024 - 5, 2 * 1024 * 1024 + 5), (None, 100)]
    _meta, data = _read(api, None, container, "big", ranges=ranges)
    assert data == BIG[:10] + BIG[1024 * 1024 - 5:2 * 1024 * 1024 + 6] + BIG[-100:]


def test_single_range_reports_the_whole_object_size(api, container):
    api.object_create(None, container, data=BIG, obj_name="big")
    meta, data = _read(api, None, container, "big", ranges=[(5, 1004)])
    assert data == BIG[5:1005] and meta["size"] == len(BIG)


def test_stream_read_over_multipart_ranges(api, container):
    api.object_create(None, container, data=BIG, obj_name="big")
    _meta, stream = api.object_fetch(None, container, "big", ranges=[(0, 3), (10, 13)])
    try:
        assert stream.read(5) == BIG[0:4] + BIG[10:11]
        assert stream.read() == BIG[11:14]
    finally:
        stream.close()


def test_full_read_checks_md5_and_size(api, container):
    api.object_create(None, container, data=BIG, obj_name="big")
    meta, data = _read(api, None, container, "big")
    assert meta["hash"] == hashlib.md5(BIG).hexdigest() and meta["hash_method"] == "md5"
    assert data == BIG


def test_link_copies_across_containers_keeping_properties(api, container):
    other = container + "-dst"
    api.container_create(None, other)
    try:
        api.object_create(None, container, data=b"payload", obj_name="src",
                          properties={"colour": "vert"}, mime_type="text/x-demo")
        info = api.object_link(None, container, "src", None, other, "copy")
        assert info["size"] == 7 and info["properties"] == {"colour": "vert"}
        assert info["mime_type"] == "text/x-demo"
        assert _read(api, None, other, "copy")[1] == b"payload"
    finally:
        drop_container(api, None, other)


def test_link_with_replace_sets_fresh_properties(api, container):
    api.object_create(None, container, data=b"x", obj_name="src", properties={"a": "1"})
    info = api.object_link(None, container, "src", None, container, "dst",
                           properties_directive="REPLACE", properties={"b": "2"})
    assert info["properties"] == {"b": "2"}


def test_link_copies_across_accounts():
    admin = make_api(RESELLER_USER, RESELLER_KEY)
    name = f"ft-xacct-{uuid.uuid4().hex[:8]}"
    try:
        admin.container_create("AUTH_test", name)
        admin.container_create(ACCOUNT2, name)
        admin.object_create("AUTH_test", name, data=b"travels", obj_name="o")
        admin.object_link("AUTH_test", name, "o", ACCOUNT2, name, "o2")
        assert _read(admin, ACCOUNT2, name, "o2")[1] == b"travels"
    finally:
        drop_container(admin, "AUTH_test", name)
        drop_container(admin, ACCOUNT2, name)
        admin.close()


def test_delete_many_uses_one_bulk_request(container):
    api = make_api(timings=True)
    try:
        names = [f"obj/{i}?#%+" for i in range(30)]
        for name in names:
            api.object_create(None, container, data=b"1", obj_name=name)
        api.http.reset_timings()
        result = api.object_delete_many(None, container, names)
        assert result == [(n, True) for n in names]
        posts = [t for t in api.http.get_timing_records() if t.method == "POST"]
        assert len(posts) == 1 and posts[0].url.endswith("/v1/AUTH_test")
        assert api.object_list(None, container)["objects"] == []
        missing = api.object_delete_many(None, container, ["gone-1", "gone-2"])
        assert missing == [("gone-1", False), ("gone-2", False)]
    finally:
        api.close()


def test_set_properties_keeps_others_and_expiry(api, container):
    api.object_create(None, container, data=b"x", obj_name="p", properties={"a": "1"},
                      mime_type="text/plain")
    api.object_set_properties(None, container, "p", {"b": "ü"})
    meta = api.object_get_properties(None, container, "p")
    assert meta["properties"] == {"a": "1", "b": "ü"}
    assert meta["mime_type"] == "text/plain"
    api.object_set_properties(None, container, "p", {"c": "3"}, clear=True)
    assert api.object_get_properties(None, container, "p")["properties"] == {"c": "3"}


def test_list_with_properties_fills_them(api, container):
    api.object_create(None, container, data=b"x", obj_name="a", properties={"k": "v"})
    listing = api.object_list(None, container, properties=True)
    assert listing["objects"][0]["properties"] == {"k": "v"}


def test_container_system_properties_policy_and_quota(api):
    name = f"ft-sys-{uuid.uuid4().hex[:8]}"
    try:
        api.container_create(None, name, system={"policy": "silver", "quota_count": "5"},
                             properties={"owner": "me"})
        props = api.container_get_properties(None, name)
        assert props["system"]["policy"] == "silver"
        assert props["system"]["quota_count"] == "5"
        assert props["properties"] == {"owner": "me"}
    finally:
        drop_container(api, None, name)


def test_unknown_system_property_is_refused(api):
    with pytest.raises(InvalidArgument):
        api.container_create(None, "never", system={"colour": "red"})


def test_non_empty_container_delete_is_container_not_empty(api, container):
    api.object_create(None, container, data=b"x", obj_name="o")
    with pytest.raises(ContainerNotEmpty):
        api.container_delete(None, container)


def test_upload_without_autocreate_into_missing_container_fails(api):
    with pytest.raises(NoSuchContainer):
        api.object_create(None, f"ft-none-{uuid.uuid4().hex[:8]}", data=b"x",
                          obj_name="o", autocreate=False)


def test_upload_autocreates_container_for_generators(api):
    name = f"ft-auto-{uuid.uuid4().hex[:8]}"
    try:
        api.object_create(None, name, data=iter([b"a", b"b"]), obj_name="o",
                          container_properties={"made": "auto"})
        assert _read(api, None, name, "o")[1] == b"ab"
        assert api.container_get_properties(None, name)["properties"] == {"made": "auto"}
    finally:
        drop_container(api, None, name)


def test_account_properties_hide_the_temp_url_key(api, container):
    api.object_create(None, container, data=b"x", obj_name="o")
    api.object_temp_url(None, container, "o")
    assert "temp-url-key" not in api.account_get_properties(None)["properties"]


def test_history_location_keeps_overwritten_versions(api):
    name = f"ft-hist-{uuid.uuid4().hex[:8]}"
    archive = name + "_versions"
    try:
        api.container_create(None, archive)
        api.container_create(None, name, system={"history_location": archive})
        assert api.container_show(None, name)["system"]["history_location"] == archive
        api.object_create(None, name, data=b"v1", obj_name="doc")
        api.object_create(None, name, data=b"v2", obj_name="doc")
        assert _read(api, None, name, "doc")[1] == b"v2"
        old = [o["name"] for o in api.object_list(None, archive)["objects"]]
        assert len(old) == 1 and old[0].startswith("003doc/")
        assert _read(api, None, archive, old[0])[1] == b"v1"
    finally:
        # without history, deletes leave no (unlisted) delete markers behind
        api.container_set_properties(None, name, system={"history_location": ""})
        drop_container(api, None, name)
        drop_container(api, None, archive)


def test_dynamic_large_object_reads_as_its_segments(api, container):
    api.object_create(None, container, data=b"hello ", obj_name="parts/1")
    api.object_create(None, container, data=b"world", obj_name="parts/2")
    api.object_create(None, container, data=b"", obj_name="dlo",
                      headers={"X-Object-Manifest": f"{container}/parts/"})
    meta, data = _read(api, None, container, "dlo")
    assert data == b"hello world" and meta["hash_method"] == "etag"
    assert meta["large_object"] == "dlo"


def test_conditional_and_expiring_headers_pass_through(api, container):
    from objclient.exceptions import PreconditionFailed
    api.object_create(None, container, data=b"x", obj_name="c",
                      headers={"X-Delete-After": "60"})
    meta = api.object_get_properties(None, container, "c")
    assert meta["delete_at"] > 0
    with pytest.raises(PreconditionFailed):
        api.object_fetch(None, container, "c", headers={"If-Match": '"' + "0" * 32 + '"'})
    api.object_set_properties(None, container, "c", {"k": "v"})
    assert api.object_get_properties(None, container, "c")["delete_at"] == meta["delete_at"]


def test_locate_and_endpoints_name_the_proxy(api, container):
    api.object_create(None, container, data=b"where", obj_name="a b")
    _meta, chunks = api.object_locate(None, container, "a b")
    assert chunks[0]["url"].endswith(f"/v1/AUTH_test/{container}/a%20b")
    assert api.directory.endpoints()["object-store"].endswith("/v1/AUTH_test")


def test_uploads_up_to_the_upfront_limit_send_their_md5_and_larger_ones_check_after(
        container, monkeypatch):
    import io
    api = make_api(upfront_md5_limit=2 * 1024 * 1024)
    etags = {}
    real = api.http.request

    def spy(method, url, **kwargs):
        if method == "PUT" and "/" + container + "/" in url:
            etags[url.rsplit("/", 1)[1]] = (kwargs.get("headers") or {}).get("ETag")
        return real(method, url, **kwargs)

    monkeypatch.setattr(api.http, "request", spy)
    try:
        for name, size in (("small", 1536 * 1024), ("large", 3 * 1024 * 1024)):
            data = bytes(range(256)) * (size // 256)
            meta = api.object_create_ext(None, container, file_or_path=io.BytesIO(data),
                                         obj_name=name)[2]
            assert meta == hashlib.md5(data).hexdigest()
            assert api.object_fetch(None, container, name)[1].read() == data
        assert etags == {"small": hashlib.md5(bytes(range(256)) * 6144).hexdigest(),
                         "large": None}
    finally:
        api.close()


def test_a_large_upload_whose_etag_differs_is_deleted_and_raises(container, monkeypatch):
    import io
    from objclient.backends.swift import blob as swift_blob
    api = make_api(upfront_md5_limit=1024 * 1024)
    try:
        real = swift_blob.unquote_etag
        monkeypatch.setattr(swift_blob, "unquote_etag", lambda v: "0" * 32 if v else real(v))
        with pytest.raises(ChecksumMismatch):
            api.object_create(None, container, file_or_path=io.BytesIO(b"x" * (2 << 20)),
                              obj_name="bad")
        monkeypatch.undo()
        with pytest.raises(NoSuchObject):
            api.object_get_properties(None, container, "bad")
    finally:
        api.close()


def test_checksum_off_hashes_nothing_and_reports_the_etag_swift_computed(container):
    import io
    from objclient import integrity
    api = make_api(checksum="false", upfront_md5_limit=1024 * 1024)
    made = []
    real_init = integrity.BackgroundHash.__init__

    def counting(self, *args, **kwargs):
        made.append(1)
        real_init(self, *args, **kwargs)

    try:
        integrity.BackgroundHash.__init__ = counting
        for name, data in (("small", b"tiny" * 100), ("large", os.urandom(3 << 20))):
            made.clear()
            _chunks, size, md5 = api.object_create(None, container, obj_name=name,
                                                   file_or_path=io.BytesIO(data))
            meta, stream = api.object_fetch(None, container, name)
            assert stream.read() == data and size == len(data)
            assert md5 == meta["hash"] == hashlib.md5(data).hexdigest()
            # The Source made one hash object and dropped it unused; the
            # download made none.
            assert len(made) <= 1 and stream.expected_md5 is None
        # A caller's etag still goes, and Swift still refuses data that differs.
        with pytest.raises(ChecksumMismatch):
            api.object_create(None, container, data=b"abc", obj_name="wrong",
                              etag="0" * 32)
    finally:
        integrity.BackgroundHash.__init__ = real_init
        api.close()


def test_write_timeout_is_the_wait_for_a_put_reply_not_read_timeout(container):
    """A reply wait far shorter than any PUT takes fails the upload, unless a
    ``write_timeout`` bounds it: the data PUT waits ``write_timeout``."""
    api = make_api(retries=None)
    try:
        api.object_create(None, container, data=b"warm", obj_name="o")  # caches the HEADs
        with pytest.raises(Timeout):
            api.object_create(None, container, data=BIG, obj_name="o", read_timeout=0.001)
        api.object_create(None, container, data=BIG, obj_name="o", read_timeout=0.001,
                          write_timeout=30.0)
        assert _read(api, None, container, "o")[1] == BIG
    finally:
        api.close()
