"""Models: frozen attrs classes that also read like OpenIO's dicts."""

from __future__ import annotations

import json

import attrs
import pytest

from objclient.models import (AccountInfo, ChunkInfo, ContainerEntry, ContainerInfo,
                              ContainerListing, ObjectInfo, ObjectListing, TimingRecord)


def _obj(**kwargs: object) -> ObjectInfo:
    base = dict(name="o", size=3, hash="900150983cd24fb0d6963f7d28e17f72",
                mime_type="text/plain", properties={"a": "1"}, extra={"x-custom": "v"})
    base.update(kwargs)
    return ObjectInfo(**base)  # type: ignore[arg-type]


def test_object_info_reads_like_a_dict_with_openio_aliases() -> None:
    info = _obj()
    assert info["size"] == info["length"] == 3
    assert info["mime-type"] == info["mime_type"] == "text/plain"
    assert info["etag"] == info["hash"] and info["hash-method"] == "md5"
    assert info["properties"] == {"a": "1"} and info["x-custom"] == "v"
    assert info.get("nope", 7) == 7 and "length" in info and "nope" not in info
    with pytest.raises(KeyError):
        info["nope"]


def test_keys_are_the_fields_then_the_extras() -> None:
    keys = _obj().keys()
    assert keys[:3] == ["name", "size", "hash"] and keys[-1] == "x-custom"
    assert "extra" not in keys
    assert dict(_obj().items())["name"] == "o"


def test_to_dict_is_plain_and_json_friendly() -> None:
    listing = ObjectListing(objects=[_obj()], prefixes=["p/"], truncated=True,
                            next_marker="o")
    doc = listing.to_dict()
    assert json.loads(json.dumps(doc)) == doc
    assert doc["objects"][0]["size"] == 3 and doc["objects"][0]["x-custom"] == "v"
    assert doc["truncated"] is True and doc["next_marker"] == "o"


def test_models_are_frozen() -> None:
    info = _obj()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        info.size = 4  # type: ignore[misc]
    assert attrs.evolve(info, size=4)["size"] == 4 and info.size == 3


def test_properties_are_copied_not_shared() -> None:
    props = {"a": "1"}
    info = _obj(properties=props)
    props["b"] = "2"
    assert info.properties == {"a": "1"}
    assert ObjectInfo(name="o", properties=None).properties == {}


def test_container_entry_indexes_like_openio_lists() -> None:
    entry = ContainerEntry(name="c", objects=2, bytes=10, is_prefix=True, mtime=5.0)
    assert entry[0] == "c" and entry[1] == 2 and entry[2] == 10 and entry[3] == 1
    assert entry[4] == 5.0 and entry[-1] == 5.0 and len(entry) == 5
    assert list(entry) == ["c", 2, 10, 1, 5.0]
    name, count, size, is_prefix, mtime = entry
    assert (name, count) == ("c", 2)
    assert entry["name"] == "c" and entry["bytes"] == 10


def test_account_info_aliases_properties_and_name() -> None:
    info = AccountInfo(id="AUTH_a", containers=1, metadata={"k": "v"})
    assert info["properties"] == {"k": "v"} and info["name"] == "AUTH_a"
    assert info.to_dict()["metadata"] == {"k": "v"}


def test_other_models_have_their_guaranteed_keys() -> None:
    cont = ContainerInfo(name="c", account="a", objects=1, bytes=2, system={"policy": "x"})
    assert cont["system"] == {"policy": "x"} and cont["objects"] == 1
    chunk = ChunkInfo(url="http://h/c", pos="0.1", size=4, hash="h")
    assert chunk["pos"] == "0.1" and chunk.to_dict()["url"] == "http://h/c"
    page = ContainerListing(listing=[ContainerEntry(name="c")], truncated=False)
    assert page.to_dict()["listing"][0]["name"] == "c"
    rec = TimingRecord(method="GET", url="u", status=200, start=1.0, elapsed=0.5)
    assert rec["bytes_sent"] == 0 and rec["attempt"] == 1


def test_models_compare_by_value_and_print_without_extra() -> None:
    assert _obj() == _obj()
    assert "extra" not in repr(_obj()) and "name='o'" in repr(_obj())


def test_objects_made_the_cheap_way_equal_the_attrs_made_ones():
    from objclient.models import listing_object_info, object_info_from_state
    made = ObjectInfo(name="a", size=3, hash="h", mtime=1.0, container="c", account="x")
    cheap = listing_object_info(name="a", size=3, hash="h", mtime=1.0, container="c",
                                account="x")
    assert cheap == made and repr(cheap) == repr(made) and dict(cheap) == dict(made)
    state = {f: getattr(made, f) for f in attrs.fields_dict(ObjectInfo)}
    direct = object_info_from_state(dict(state, properties={}, extra={}))
    assert direct == made and direct["length"] == 3
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        direct.size = 4
    assert cheap.properties is not listing_object_info(name="b").properties


def _lazy(calls: list, **fields: object) -> ObjectInfo:
    from objclient.models import lazy_object_info, object_state_template

    def convert(name: str, size: int) -> dict:
        calls.append(name)
        return dict(object_state_template(), name=name, size=size, properties={}, extra={},
                    **fields)

    return lazy_object_info("a", convert, "a", 3)


def test_lazy_entries_work_out_their_fields_once_on_first_read():
    calls: list = []
    lazy = _lazy(calls, container="c")
    assert lazy.name == "a" and calls == []  # the name is there from the start
    assert lazy.size == 3 and lazy["length"] == 3 and calls == ["a"]
    assert lazy.container == "c" and calls == ["a"]
    assert "_pending" not in vars(lazy)
    with pytest.raises(AttributeError, match="nmae"):
        lazy.nmae  # noqa: B018  (a missing attribute is still missing)


def test_lazy_entries_behave_as_any_other():
    import copy

    made = ObjectInfo(name="a", size=3, container="c")
    assert _lazy([], container="c") == made
    assert repr(_lazy([], container="c")) == repr(made)
    assert dict(_lazy([], container="c")) == dict(made)
    assert attrs.asdict(_lazy([], container="c")) == attrs.asdict(made)
    assert attrs.evolve(_lazy([], container="c"), size=4) == attrs.evolve(made, size=4)
    assert "size" in _lazy([]) and _lazy([]).get("etag") is None
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        _lazy([]).size = 4
    assert copy.deepcopy(_lazy([], container="c")) == made
    with pytest.raises(AttributeError):
        _lazy([]).__deepcopy_me__  # noqa: B018  (dunders do not fill the entry)


def test_lazy_entries_pickle_before_and_after_their_first_read():
    import pickle

    from objclient.backends.s3.container import S3ContainerClient
    entry = S3ContainerClient._listed(("k", "2026-11-25T06:45:05Z",
                                       '"d41d8cd98f00b204e9800998ecf8427e"', "12", "STANDARD"),
                                      "acct", "bucket")
    thawed = pickle.loads(pickle.dumps(entry))
    assert thawed.size == 12 and thawed.hash == "d41d8cd98f00b204e9800998ecf8427e"
    assert entry.mtime == 1795589105.0 and pickle.loads(pickle.dumps(entry)) == entry


def test_lazy_entries_read_from_many_threads_agree():
    import calendar
    from concurrent.futures import ThreadPoolExecutor

    from objclient.backends.swift.container import SwiftContainerClient
    rows = [{"name": f"o{i}", "bytes": i, "hash": "ab" * 16, "content_type": "text/plain",
             "last_modified": "2026-11-25T06:43:42.170500"} for i in range(200)]
    entries = [SwiftContainerClient._row_info(row, "acct", "cont") for row in rows]
    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(lambda e: (e.size, e.mtime, e.mime_type),
                             entries * 8))
    when = calendar.timegm((2026, 11, 25, 6, 43, 42)) + 0.1705
    assert seen == [(i, pytest.approx(when), "text/plain") for i in range(200)] * 8
