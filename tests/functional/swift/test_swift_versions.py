"""Object versions through Swift's object_versioning (X-Versions-Enabled)."""


import pytest

from objclient.contract import Capability
from objclient.exceptions import NoSuchObject


def test_capabilities_come_from_info(api):
    assert {Capability.VERSIONING, Capability.DELETE_MARKERS,
            Capability.TEMP_URL, Capability.MULTIPART} <= api.capabilities
    assert Capability.APPEND not in api.capabilities


def test_versions_are_listed_newest_first_and_readable(api, versioned):
    assert api.container_show(None, versioned)["system"]["versioning"] == "enabled"
    first = api.object_create_ext(None, versioned, data=b"v1", obj_name="doc")[3]
    second = api.object_create_ext(None, versioned, data=b"v2", obj_name="doc")[3]
    assert first["version"] and second["version"] and first["version"] != second["version"]
    listing = api.object_list(None, versioned, versions=True)["objects"]
    assert [(o["name"], o["version"], o["is_latest"]) for o in listing] == [
        ("doc", second["version"], True), ("doc", first["version"], False)]
    _meta, stream = api.object_fetch(None, versioned, "doc", version=first["version"])
    assert stream.read() == b"v1"
    old = api.object_get_properties(None, versioned, "doc", version=first["version"])
    assert old["size"] == "2"
    assert api.object_get_properties(None, versioned, "doc")["version"] == second["version"]


def test_delete_leaves_a_marker_and_the_old_version_can_be_restored(api, versioned):
    kept = api.object_create_ext(None, versioned, data=b"keep me", obj_name="doc")[3]
    assert api.object_delete(None, versioned, "doc") is True
    assert api.object_head(None, versioned, "doc") is False
    assert [o["deleted"] for o in api.object_list(None, versioned, versions=True)["objects"]] \
        == [False]
    every = api.object_list(None, versioned, versions=True, deleted=True)["objects"]
    assert every[0]["deleted"] is True and every[0]["version"]
    marker = every[0]["version"]
    api.object_delete(None, versioned, "doc", version=marker)
    # Swift does not promote the previous version when the latest is deleted
    assert api.object_head(None, versioned, "doc") is False
    api.object_link(None, versioned, "doc", None, versioned, "doc",
                    target_version=kept["version"])
    assert api.object_fetch(None, versioned, "doc")[1].read() == b"keep me"


def test_missing_version_is_no_such_object(api, versioned):
    api.object_create(None, versioned, data=b"x", obj_name="doc")
    with pytest.raises(NoSuchObject):
        api.object_get_properties(None, versioned, "doc", version="1234.56789")
    with pytest.raises(NoSuchObject):
        api.object_delete(None, versioned, "nothing")
    assert api.object_list(None, versioned, versions=True, deleted=True,
                           prefix="nothing")["objects"] == []


def test_link_copies_an_old_version(api, versioned):
    old = api.object_create_ext(None, versioned, data=b"old", obj_name="doc")[3]
    api.object_create(None, versioned, data=b"new", obj_name="doc")
    api.object_link(None, versioned, "doc", None, versioned, "restored",
                    target_version=old["version"])
    assert api.object_fetch(None, versioned, "restored")[1].read() == b"old"


def test_purge_keeps_the_newest_versions(api, versioned):
    for data in (b"1", b"2", b"3"):
        api.object_create(None, versioned, data=data, obj_name="doc")
    api.container_purge(None, versioned, maxvers=2)
    listing = api.object_list(None, versioned, versions=True, deleted=True)["objects"]
    assert len(listing) == 2
    assert api.object_fetch(None, versioned, "doc")[1].read() == b"3"
