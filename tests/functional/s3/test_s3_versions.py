"""The OpenIO seed's versions and counters on S3, against SeaweedFS and Swift's s3api.

Written as the seed's users write code (``oio.ObjectStorageApi``): the
account first (S3 ignores it: the keys decide), positional arguments in
OpenIO's order, results read as dicts.  Versioning is the container system
property ``versioning``, as on the Swift and local backends.
"""

import uuid

import pytest

from objclient.backends.s3.versions import version_stream
from objclient.contract import DEFAULT_OPTS, Capability
from objclient.exceptions import NoSuchObject

from .conftest import SEAWEED, SEAWEED_AK, SEAWEED_SK, make

ACCOUNT = "myaccount"


def _drop_versioned(api, name):
    """Every version and delete marker, then the bucket."""
    for info in api.object_list_iter(ACCOUNT, name, versions=True, deleted=True):
        api.object_delete(ACCOUNT, name, info["name"], version=info["version"] or "null")
    api.container_delete(ACCOUNT, name)


@pytest.fixture
def versioned(any_s3):
    name = f"oc-s3ver-{uuid.uuid4().hex[:10]}"
    assert any_s3.container_create(ACCOUNT, name, system={"versioning": "enabled"}) is True
    yield any_s3, name
    _drop_versioned(any_s3, name)


def _rows(listing):
    return [(o["name"], o["version"], o["is_latest"], o["deleted"]) for o in listing]


def test_versioning_is_a_capability_of_both_servers(any_s3):
    assert {Capability.VERSIONING, Capability.DELETE_MARKERS} <= any_s3.capabilities


def test_container_show_reports_versioning_once_set(versioned):
    api, name = versioned
    assert api.container_show(ACCOUNT, name)["system"]["versioning"] == "enabled"
    # on an existing bucket, create sets it (as a Swift container PUT does)
    assert api.container_create(ACCOUNT, name, system={"versioning": "suspended"}) is False
    assert api.container_get_properties(ACCOUNT, name)["system"]["versioning"] == "suspended"


def test_a_bucket_never_versioned_has_no_versioning_property(any_bucket):
    api, name = any_bucket
    assert "versioning" not in api.container_show(ACCOUNT, name)["system"]


def test_versions_are_listed_latest_first_and_readable(versioned):
    api, name = versioned
    first = api.object_create_ext(ACCOUNT, name, data=b"v1", obj_name="doc")[3]
    second = api.object_create_ext(ACCOUNT, name, data=b"v22", obj_name="doc")[3]
    assert first["version"] and second["version"] and first["version"] != second["version"]
    listing = api.object_list(ACCOUNT, name, versions=True)["objects"]
    assert _rows(listing) == [("doc", second["version"], True, False),
                              ("doc", first["version"], False, False)]
    assert [o["size"] for o in listing] == [3, 2]
    _meta, stream = api.object_fetch(ACCOUNT, name, "doc", version=first["version"])
    assert stream.read() == b"v1"
    assert api.object_get_properties(ACCOUNT, name, "doc",
                                     version=first["version"])["length"] == "2"
    with pytest.warns(DeprecationWarning):
        assert api.object_show(ACCOUNT, name, "doc")["version"] == second["version"]
    assert [o["name"] for o in api.object_list(ACCOUNT, name)["objects"]] == ["doc"]


def test_delete_leaves_a_marker_and_deleting_the_marker_brings_the_object_back(versioned):
    api, name = versioned
    kept = api.object_create_ext(ACCOUNT, name, data=b"keep me", obj_name="doc")[3]
    assert api.object_delete(ACCOUNT, name, "doc") is True
    assert api.object_head(ACCOUNT, name, "doc") is False
    assert api.object_list(ACCOUNT, name)["objects"] == []
    assert _rows(api.object_list(ACCOUNT, name, versions=True)["objects"]) == [
        ("doc", kept["version"], False, False)]
    every = api.object_list(ACCOUNT, name, versions=True, deleted=True)["objects"]
    assert every[0]["deleted"] is True and every[0]["is_latest"] is True
    assert every[0]["hash"] is None and every[0]["version"]
    with pytest.raises(NoSuchObject):
        api.object_delete(ACCOUNT, name, "doc")  # behind a marker: nothing to delete
    assert api.object_delete(ACCOUNT, name, "doc", version=every[0]["version"]) is True
    # S3 (unlike Swift's own API) makes the previous version current again
    assert api.object_fetch(ACCOUNT, name, "doc")[1].read() == b"keep me"


def test_a_deleted_version_is_no_such_object(versioned):
    api, name = versioned
    gone = api.object_create_ext(ACCOUNT, name, data=b"x", obj_name="doc")[3]["version"]
    api.object_create(ACCOUNT, name, data=b"y", obj_name="doc")
    api.object_delete(ACCOUNT, name, "doc", version=gone)
    with pytest.raises(NoSuchObject):
        api.object_get_properties(ACCOUNT, name, "doc", version=gone)
    with pytest.raises(NoSuchObject):
        api.object_fetch(ACCOUNT, name, "doc", version=gone)
    with pytest.raises(NoSuchObject):
        api.object_delete(ACCOUNT, name, "doc", version=gone)
    with pytest.raises(NoSuchObject):
        api.object_delete(ACCOUNT, name, "nothing", version=gone)


def test_link_copies_an_old_version(versioned):
    api, name = versioned
    old = api.object_create_ext(ACCOUNT, name, data=b"old", obj_name="doc")[3]
    api.object_create(ACCOUNT, name, data=b"new", obj_name="doc")
    api.object_link(ACCOUNT, name, "doc", ACCOUNT, name, "restored",
                    target_version=old["version"])
    assert api.object_fetch(ACCOUNT, name, "restored")[1].read() == b"old"


def test_purge_keeps_the_newest_versions_markers_included(versioned):
    api, name = versioned
    for data in (b"1", b"2", b"3"):
        api.object_create(ACCOUNT, name, data=data, obj_name="doc")
    api.object_create(ACCOUNT, name, data=b"a", obj_name="other")
    api.object_delete(ACCOUNT, name, "other")
    api.container_purge(ACCOUNT, name, 2)
    listing = api.object_list(ACCOUNT, name, versions=True, deleted=True)["objects"]
    assert [(o["name"], o["deleted"]) for o in listing] == [
        ("doc", False), ("doc", False), ("other", True), ("other", False)]
    assert api.object_fetch(ACCOUNT, name, "doc")[1].read() == b"3"
    api.container_purge(ACCOUNT, name, None)  # S3 has no bucket limit: nothing goes
    assert len(api.object_list(ACCOUNT, name, versions=True, deleted=True)["objects"]) == 4


def test_a_suspended_bucket_lists_its_null_version_first(versioned):
    api, name = versioned
    api.object_create(ACCOUNT, name, data=b"versioned", obj_name="doc")
    api.container_create(ACCOUNT, name, system={"versioning": "suspended"})
    info = api.object_create_ext(ACCOUNT, name, data=b"null", obj_name="doc")[3]
    assert info["version"] is None
    listing = api.object_list(ACCOUNT, name, versions=True)["objects"]
    assert [(o["version"] is None, o["is_latest"]) for o in listing] == [(True, True),
                                                                          (False, False)]


def test_versions_pages_end_between_keys(versioned):
    api, name = versioned
    for key, count in (("a", 3), ("b", 1), ("c", 2)):
        for n in range(count):
            api.object_create(ACCOUNT, name, data=b"%d" % n, obj_name=key)
    page = api.object_list(ACCOUNT, name, limit=5, versions=True)
    assert [o["name"] for o in page["objects"]] == ["a", "a", "a", "b"]
    assert page["truncated"] is True and page["next_marker"] == "b"
    rest = api.object_list(ACCOUNT, name, marker=page["next_marker"], versions=True)
    assert [o["name"] for o in rest["objects"]] == ["c", "c"] and rest["truncated"] is False
    alone = api.object_list(ACCOUNT, name, limit=2, versions=True)
    assert [o["name"] for o in alone["objects"]] == ["a", "a", "a"]  # one key is not cut
    every = list(api.object_list_iter(ACCOUNT, name, versions=True, page_size=2))
    assert [o["name"] for o in every] == ["a", "a", "a", "b", "c", "c"]
    ends = api.object_list(ACCOUNT, name, versions=True, end_marker="c", prefix="")
    assert [o["name"] for o in ends["objects"]] == ["a", "a", "a", "b"]


def test_server_pages_never_split_one_keys_versions(versioned):
    api, name = versioned
    for n in range(3):
        api.object_create(ACCOUNT, name, data=b"%d" % n, obj_name="dir/x")
    api.object_create(ACCOUNT, name, data=b"y", obj_name="y")
    backend = api._backend
    pages = list(version_stream(backend, name, None, None, None, DEFAULT_OPTS, page_size=2))
    whole = list(version_stream(backend, name, None, None, None, DEFAULT_OPTS))
    assert [e for page in pages for e in page] == [e for page in whole for e in page]
    for page in pages:
        assert not page or page[0][0] != "dir/x" or len(page) >= 3
    prefixed = list(version_stream(backend, name, None, "/", None, DEFAULT_OPTS, page_size=1))
    assert [e if isinstance(e, str) else e[0] for p in prefixed for e in p] == ["dir/", "y"]


def test_multipart_upload_reports_its_version():
    api = make(SEAWEED, SEAWEED_AK, SEAWEED_SK, multipart_threshold=5 << 20,
               part_size=5 << 20, path_keys=True)
    name = f"oc-s3ver-{uuid.uuid4().hex[:10]}"
    api.container_create(ACCOUNT, name, system={"versioning": "enabled"})
    try:
        info = api.object_create_ext(ACCOUNT, name, data=b"m" * (6 << 20), obj_name="big")[3]
        listed = api.object_list(ACCOUNT, name, versions=True)["objects"]
        assert info["version"] and [o["version"] for o in listed] == [info["version"]]
    finally:
        _drop_versioned(api, name)
        api.close()


# -- counters -----------------------------------------------------------------------------
def test_counters_s3_does_not_keep_are_none_not_zero(any_bucket):
    api, name = any_bucket
    for n in range(3):
        api.object_create(ACCOUNT, name, data=b"abc", obj_name=f"o{n}")
    show = api.container_show(ACCOUNT, name)
    assert show["objects"] is None and show["bytes"] is None
    system = api.container_get_properties(ACCOUNT, name)["system"]
    assert "objects" not in system and "bytes" not in system
    account = api.account_show(ACCOUNT)
    assert account["containers"] >= 1
    assert account["objects"] is None and account["bytes"] is None
    row = [r for r in api.container_list(ACCOUNT, prefix=name) if r[0] == name][0]
    assert row[1] is None and row[2] is None and row["objects"] is None
