"""Listings: prefix, delimiter, marker, end_marker, limit, pagination."""

import pytest

from objclient.contract import Capability
from objclient.models import as_result

NAMES = ["a", "a/1", "a/2", "a/b/c", "b", "b/x", "c.txt", "d/", "d/e", "z", "é"]


@pytest.fixture(scope="module")
def listed(target):
    name = target.new_container_name("list")
    api = target.api
    api.container_create(target.account, name)
    for obj in NAMES:
        # a name ending in the delimiter is a folder marker: stored empty
        data = b"" if obj.endswith("/") else obj.encode()
        api.object_create(target.account, name, data=data, obj_name=obj)
    yield name
    target.cleanup_container(name)


def _names(listing):
    return [o["name"] for o in listing["objects"]]


def test_full_listing_is_in_utf8_byte_order(target, listed):
    listing = target.api.object_list(target.account, listed)
    assert _names(listing) == NAMES
    assert listing["truncated"] is False
    obj = listing["objects"][0]
    assert obj["size"] == 1 and obj["hash"]


def test_prefix(target, listed):
    assert _names(target.api.object_list(target.account, listed, prefix="a/")) == \
        ["a/1", "a/2", "a/b/c"]


def test_delimiter_folds_common_prefixes(target, listed):
    target.require(Capability.DELIMITER)
    listing = target.api.object_list(target.account, listed, delimiter="/")
    assert _names(listing) == ["a", "b", "c.txt", "z", "é"]
    assert listing["prefixes"] == ["a/", "b/", "d/"]


def test_prefix_and_delimiter(target, listed):
    target.require(Capability.DELIMITER)
    listing = target.api.object_list(target.account, listed, prefix="a/", delimiter="/")
    assert _names(listing) == ["a/1", "a/2"]
    assert listing["prefixes"] == ["a/b/"]


def test_marker_and_end_marker(target, listed):
    assert _names(target.api.object_list(target.account, listed, marker="b")) == \
        ["b/x", "c.txt", "d/", "d/e", "z", "é"]
    target.require(Capability.END_MARKER)
    assert _names(target.api.object_list(target.account, listed, marker="a/2",
                                         end_marker="c.txt")) == ["a/b/c", "b", "b/x"]


def test_limit_truncates_and_next_marker_continues(target, listed):
    page = target.api.object_list(target.account, listed, limit=3)
    assert _names(page) == ["a", "a/1", "a/2"]
    assert page["truncated"] is True
    assert page["next_marker"] == "a/2"
    page2 = target.api.object_list(target.account, listed, limit=3,
                                   marker=page["next_marker"])
    assert _names(page2) == ["a/b/c", "b", "b/x"]


def test_iterator_with_delimiter_pages_through_prefixes(target, listed):
    target.require(Capability.DELIMITER)
    items = list(target.api.object_list_iter(target.account, listed, delimiter="/",
                                             page_size=2))
    flat = [i if isinstance(i, str) else i["name"] for i in items]
    assert flat == ["a", "a/", "b", "b/", "c.txt", "d/", "z", "é"]


def test_iterator_gives_what_the_listing_gives(target, listed):
    api = target.api
    whole = api.object_list(target.account, listed)["objects"]
    # the iterator yields models (made lazily), the listing OpenIO's dicts
    assert [as_result(o) for o in api.object_list_iter(target.account, listed, page_size=4)] \
        == whole
    assert [o["name"] for o in api.object_list_iter(target.account, listed, marker="b")] == \
        ["b/x", "c.txt", "d/", "d/e", "z", "é"]
    assert [o["name"] for o in api.object_list_iter(target.account, listed, prefix="a/",
                                                    page_size=1)] == ["a/1", "a/2", "a/b/c"]
    target.require(Capability.END_MARKER)
    assert [o["name"] for o in api.object_list_iter(target.account, listed, marker="a/2",
                                                    end_marker="c.txt", page_size=2)] == \
        ["a/b/c", "b", "b/x"]


def test_an_abandoned_iterator_leaves_the_client_usable(target, listed):
    api = target.api
    items = api.object_list_iter(target.account, listed, page_size=2)
    assert next(items)["name"] == "a"
    items.close()
    assert _names(api.object_list(target.account, listed, limit=2)) == ["a", "a/1"]


def test_pagination_over_1001_objects(target):
    api = target.api
    name = target.new_container_name("many")
    api.container_create(target.account, name)
    try:
        expected = sorted(f"obj-{i:05d}" for i in range(1001))
        if Capability.MULTIPART in api.capabilities or True:
            _bulk_create(api, target.account, name, expected)
        seen = [o["name"] for o in api.object_list_iter(target.account, name, page_size=250)]
        assert seen == expected
        first = api.object_list(target.account, name)
        assert len(first["objects"]) == 1000 and first["truncated"] is True
        rest = api.object_list(target.account, name, marker=first["next_marker"])
        assert _names(rest) == expected[1000:] and rest["truncated"] is False
    finally:
        target.cleanup_container(name)


def _bulk_create(api, account, container, names):
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: api.object_create(account, container, data=b"",
                                                  obj_name=n), names))
