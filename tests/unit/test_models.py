"""Models: frozen attrs classes that also read like OpenIO's dicts."""

from __future__ import annotations

import json

import attrs
import pytest

from objclient.models import (AccountInfo, ChunkInfo, ContainerEntry, ContainerInfo,
                              ContainerListing, ListingEntry, ObjectInfo, ObjectListing,
                              ResultDict, TimingRecord, as_result)


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


def test_object_info_is_made_one_way_and_has_no_hidden_attributes():
    assert "__getattr__" not in vars(ObjectInfo)
    with pytest.raises(AttributeError, match="nmae"):
        _obj().nmae  # noqa: B018


def _entry(calls: list, **fields: object) -> ListingEntry:
    def make_info(name: str, size: int) -> ObjectInfo:
        calls.append(name)
        return ObjectInfo(name=name, size=size, **fields)  # type: ignore[arg-type]

    return ListingEntry("a", make_info, "a", 3)


def test_listing_entry_has_its_name_before_any_conversion():
    calls: list = []
    entry = _entry(calls)
    assert entry.name == "a" and calls == []


def test_listing_entry_works_out_its_fields_once_on_first_read():
    calls: list = []
    entry = _entry(calls, container="c")
    assert entry.size == 3 and entry["length"] == 3 and calls == ["a"]
    assert entry.container == "c" and entry.info().size == 3 and calls == ["a"]
    assert "_pending" not in vars(entry)


def test_listing_entry_reads_as_the_object_info_it_stands_for():
    made = ObjectInfo(name="a", size=3, container="c")
    entry = _entry([], container="c")
    assert entry == made and made == entry and entry == _entry([], container="c")
    assert entry != _entry([], container="d") and entry != "a"
    assert isinstance(entry.info(), ObjectInfo) and entry.info() == made
    assert dict(entry) == dict(made) and entry.keys() == made.keys()
    assert entry.to_dict() == made.to_dict()
    assert "size" in entry and entry.get("etag") is None and entry["mime-type"] == made.mime_type
    assert repr(entry) == f"ListingEntry({made!r})"


def test_listing_entry_gives_its_object_info_where_attrs_needs_one():
    made = ObjectInfo(name="a", size=3, container="c")
    entry = _entry([], container="c")
    assert attrs.asdict(entry.info()) == attrs.asdict(made)
    assert attrs.evolve(entry.info(), size=4) == attrs.evolve(made, size=4)
    with pytest.raises(attrs.exceptions.NotAnAttrsClassError):
        attrs.evolve(entry, size=4)  # type: ignore[misc]


def test_listing_entry_is_frozen_before_and_after_its_first_read():
    entry = _entry([])
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        entry.size = 4  # type: ignore[misc]
    assert entry.size == 3
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        entry.name = "b"  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        del entry.size
    assert entry.size == 3 and entry.name == "a"


def test_a_missing_attribute_of_a_listing_entry_is_missing():
    calls: list = []
    with pytest.raises(AttributeError, match="nmae"):
        _entry(calls).nmae  # noqa: B018
    with pytest.raises(AttributeError):
        _entry(calls).__deepcopy_me__  # noqa: B018
    assert calls == []


def test_listing_entries_copy_and_pickle_before_and_after_their_first_read():
    import copy
    import pickle

    from objclient.backends.s3.container import S3ContainerClient
    entry = S3ContainerClient._listed(("k", "2026-11-25T06:45:05Z",
                                       '"d41d8cd98f00b204e9800998ecf8427e"', "12", "STANDARD"),
                                      "acct", "bucket")
    thawed = pickle.loads(pickle.dumps(entry))
    assert type(thawed) is ListingEntry and thawed.name == "k"
    assert thawed.size == 12 and thawed.hash == "d41d8cd98f00b204e9800998ecf8427e"
    assert entry.mtime == 1795589105.0 and pickle.loads(pickle.dumps(entry)) == entry
    assert copy.deepcopy(entry) == entry and copy.copy(entry) == entry


def test_results_of_listing_entries_are_those_of_their_object_info():
    entry = _entry([], container="c", properties={"k": "v"})
    assert as_result(entry) == as_result(entry.info())
    assert as_result([entry])[0]["length"] == 3
    listing = ObjectListing(objects=[entry], prefixes=["p/"])
    assert as_result(listing)["objects"][0]["properties"] == {"k": "v"}
    assert listing.to_dict()["objects"][0]["container"] == "c"


def test_listing_entries_read_from_many_threads_agree():
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


def test_a_listing_entry_has_every_field_of_object_info():
    from objclient.models import _FromInfo
    deferred = {name for name, value in vars(ListingEntry).items()
                if isinstance(value, _FromInfo)}
    assert deferred | {"name"} == set(attrs.fields_dict(ObjectInfo))


def test_as_result_gives_every_field_then_the_extras_with_fresh_containers():
    props = {"k": "v"}
    info = ObjectInfo(name="o", size=3, properties=props, version={"id": 1},
                      extra={"etag": "x", "name": "not this"})
    out = as_result(info)
    assert type(out) is ResultDict
    assert list(out)[:16] == [f.name for f in attrs.fields(ObjectInfo) if f.name != "extra"]
    assert out["etag"] == "x" and out["name"] == "o"  # an extra never hides a field
    assert out["length"] == 3 and out["properties"] == props
    assert out["properties"] is not info.properties and out["version"] == {"id": 1}
    assert out["version"] is not info.version
    chunk = as_result([ChunkInfo(url="u", size=1)])[0]
    assert chunk == {"url": "u", "pos": "0", "size": 1, "hash": None}
    listing = as_result(ObjectListing(objects=[info], prefixes=["p/"]))
    assert listing["system"] == {} and listing["objects"][0] == out
