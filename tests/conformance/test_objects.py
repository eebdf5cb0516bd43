"""Objects: write from every kind of source, read, ranges, properties, errors."""

import hashlib
import io

import pytest

from objclient.contract import Capability
from objclient.exceptions import ChecksumMismatch, InvalidArgument, NotFound

PAYLOAD = bytes(range(256)) * 64 + b"tail"


def _read(api, account, container, name, **kw):
    meta, stream = api.object_fetch(account, container, name, **kw)
    try:
        return meta, b"".join(stream)
    finally:
        close = getattr(stream, "close", None)
        if close:
            close()


def test_write_bytes_and_read_back(target, container):
    chunks, size, md5 = target.api.object_create(target.account, container, data=PAYLOAD,
                                                 obj_name="bytes")
    assert size == len(PAYLOAD)
    assert md5.lower() == hashlib.md5(PAYLOAD).hexdigest()
    meta, data = _read(target.api, target.account, container, "bytes")
    assert data == PAYLOAD
    assert meta["size"] == len(PAYLOAD) and meta["length"] == len(PAYLOAD)


def test_write_str_is_utf8(target, container):
    target.api.object_create(target.account, container, data="héllo ✓", obj_name="str")
    assert _read(target.api, target.account, container, "str")[1] == "héllo ✓".encode()


def test_write_generator_of_unknown_length(target, container):
    def gen():
        for i in range(10):
            yield bytes([i]) * 1000
    _c, size, md5 = target.api.object_create(target.account, container, data=gen(),
                                              obj_name="gen")
    expected = b"".join(bytes([i]) * 1000 for i in range(10))
    assert size == len(expected)
    assert md5.lower() == hashlib.md5(expected).hexdigest()
    assert _read(target.api, target.account, container, "gen")[1] == expected


def test_write_file_object_and_path(target, container, tmp_path):
    target.api.object_create(target.account, container, data=io.BytesIO(PAYLOAD),
                             obj_name="fileobj")
    path = tmp_path / "upload.bin"
    path.write_bytes(PAYLOAD[:1000])
    target.api.object_create(target.account, container, file_or_path=str(path))
    assert _read(target.api, target.account, container, "fileobj")[1] == PAYLOAD
    assert _read(target.api, target.account, container, "upload.bin")[1] == PAYLOAD[:1000]


def test_empty_object(target, container):
    _c, size, md5 = target.api.object_create(target.account, container, data=b"",
                                              obj_name="empty")
    assert size == 0 and md5.lower() == hashlib.md5(b"").hexdigest()
    meta, data = _read(target.api, target.account, container, "empty")
    assert data == b"" and meta["size"] == 0


def test_read_ranges(target, container):
    target.require(Capability.RANGES)
    target.api.object_create(target.account, container, data=PAYLOAD, obj_name="r")
    assert _read(target.api, target.account, container, "r", ranges=[(10, 19)])[1] \
        == PAYLOAD[10:20]
    assert _read(target.api, target.account, container, "r", ranges=[(100, None)])[1] \
        == PAYLOAD[100:]
    assert _read(target.api, target.account, container, "r", ranges=[(None, 4)])[1] == b"tail"


def test_read_several_ranges(target, container):
    target.require(Capability.MULTI_RANGES)
    target.api.object_create(target.account, container, data=PAYLOAD, obj_name="mr")
    data = _read(target.api, target.account, container, "mr", ranges=[(0, 1), (5, 6)])[1]
    assert data == PAYLOAD[0:2] + PAYLOAD[5:7]


def test_stream_read_method(target, container):
    target.api.object_create(target.account, container, data=PAYLOAD, obj_name="rd")
    _meta, stream = target.api.object_fetch(target.account, container, "rd")
    try:
        first = stream.read(10)
        rest = stream.read()
    finally:
        stream.close()
    assert first + rest == PAYLOAD


def test_properties_round_trip_utf8(target, container):
    target.require(Capability.OBJECT_PROPERTIES)
    api = target.api
    api.object_create(target.account, container, data=b"x", obj_name="p",
                      properties={"author": "Zoë", "n": "1"})
    props = api.object_get_properties(target.account, container, "p")["properties"]
    assert props == {"author": "Zoë", "n": "1"}
    api.object_set_properties(target.account, container, "p", {"extra": "é"})
    props = api.object_get_properties(target.account, container, "p")["properties"]
    assert props == {"author": "Zoë", "n": "1", "extra": "é"}
    api.object_del_properties(target.account, container, "p", ["n"])
    props = api.object_get_properties(target.account, container, "p")["properties"]
    assert props == {"author": "Zoë", "extra": "é"}
    assert _read(api, target.account, container, "p")[1] == b"x"


def test_mime_type_is_kept(target, container):
    target.api.object_create(target.account, container, data=b"{}", obj_name="m.json",
                             mime_type="application/json")
    meta = target.api.object_get_properties(target.account, container, "m.json")
    assert meta["mime_type"] == "application/json"


def test_overwrite_replaces_content(target, container):
    api = target.api
    api.object_create(target.account, container, data=b"old content", obj_name="o")
    api.object_create(target.account, container, data=b"new", obj_name="o")
    meta, data = _read(api, target.account, container, "o")
    assert data == b"new" and meta["size"] == 3


def test_delete_then_not_found(target, container):
    api = target.api
    api.object_create(target.account, container, data=b"x", obj_name="d")
    assert api.object_head(target.account, container, "d") is True
    api.object_delete(target.account, container, "d")
    assert api.object_head(target.account, container, "d") is False
    with pytest.raises(NotFound):
        api.object_get_properties(target.account, container, "d")
    with pytest.raises(NotFound):
        api.object_fetch(target.account, container, "d")


def test_delete_missing_object_is_not_found(target, container):
    with pytest.raises(NotFound):
        target.api.object_delete(target.account, container, "never-was")


def test_missing_object_and_container_are_not_found(target, container):
    with pytest.raises(NotFound):
        target.api.object_fetch(target.account, container, "nope")
    with pytest.raises(NotFound):
        target.api.object_get_properties(target.account, target.new_container_name("gone"), "nope")


def test_delete_many(target, container):
    api = target.api
    for name in ("a", "b", "c"):
        api.object_create(target.account, container, data=b"1", obj_name=name)
    result = dict(api.object_delete_many(target.account, container, ["a", "b", "zz"]))
    assert result["a"] is True and result["b"] is True
    names = [o["name"] for o in api.object_list(target.account, container)["objects"]]
    assert names == ["c"]


def test_wrong_etag_stores_nothing(target, container):
    with pytest.raises(ChecksumMismatch):
        target.api.object_create(target.account, container, data=b"payload", obj_name="bad",
                                 etag="0" * 32)
    assert target.api.object_head(target.account, container, "bad") is False


def test_right_etag_is_accepted(target, container):
    data = b"payload"
    target.api.object_create(target.account, container, data=data, obj_name="good",
                             etag=hashlib.md5(data).hexdigest())
    assert _read(target.api, target.account, container, "good")[1] == data


def test_locate_returns_meta_and_chunks(target, container):
    target.api.object_create(target.account, container, data=b"where", obj_name="loc")
    meta, chunks = target.api.object_locate(target.account, container, "loc")
    assert meta["name"] == "loc" and meta["size"] == 5
    assert isinstance(chunks, list)


def test_link_copies_server_side(target, container):
    target.require(Capability.LINK)
    api = target.api
    api.object_create(target.account, container, data=b"shared", obj_name="src",
                      properties={"k": "v"})
    api.object_link(target.account, container, "src", target.account, container, "dst")
    meta, data = _read(api, target.account, container, "dst")
    assert data == b"shared"
    if Capability.OBJECT_PROPERTIES in api.capabilities:
        assert meta["properties"].get("k") == "v" or api.object_get_properties(
            target.account, container, "dst")["properties"].get("k") == "v"


def test_append_adds_to_the_end(target, container):
    target.require(Capability.APPEND)
    api = target.api
    api.object_create(target.account, container, data=b"abc", obj_name="log")
    api.object_create(target.account, container, data=b"def", obj_name="log", append=True)
    assert _read(api, target.account, container, "log")[1] == b"abcdef"


def test_bad_sources_are_refused(target, container):
    with pytest.raises(InvalidArgument):
        target.api.object_create(target.account, container, data=12345, obj_name="n")
    with pytest.raises(InvalidArgument):
        target.api.object_create(target.account, container, data=b"x")
    with pytest.raises(InvalidArgument):
        target.api.object_create(target.account, container, data=b"x", obj_name="h",
                                 properties={"bad": "line\r\nX-Injected: 1"})
