"""Object versions (OpenIO's ``version=``, ``versions=True``, delete markers,
``container_purge``) on every backend with the ``versioning`` and
``delete_markers`` capabilities; the matrix prints n/s for the others."""

import pytest

from objclient.contract import Capability
from objclient.exceptions import ClientError


@pytest.fixture
def versioned(target):
    target.require(Capability.VERSIONING)
    target.require(Capability.DELETE_MARKERS)
    api, name = target.api, target.new_container_name("ver")
    api.container_create(target.account, name, system={"versioning": "enabled"})
    yield name
    try:
        for info in api.object_list_iter(target.account, name, versions=True, deleted=True):
            api.object_delete(target.account, name, info["name"],
                              version=info["version"] or "null")
        api.container_delete(target.account, name)
    except ClientError:
        target.cleanup_container(name)


def test_old_versions_are_listed_and_read(target, versioned):
    api, acct = target.api, target.account
    first = api.object_create_ext(acct, versioned, data=b"one", obj_name="doc")[3]
    second = api.object_create_ext(acct, versioned, data=b"two!", obj_name="doc")[3]
    listing = api.object_list(acct, versioned, versions=True)["objects"]
    assert [(o["version"], o["is_latest"]) for o in listing] == [
        (second["version"], True), (first["version"], False)]
    assert api.object_fetch(acct, versioned, "doc", version=first["version"])[1].read() \
        == b"one"
    assert api.object_get_properties(acct, versioned, "doc")["version"] == str(second["version"])


def test_delete_leaves_a_marker_and_purge_keeps_the_newest(target, versioned):
    api, acct = target.api, target.account
    for data in (b"1", b"2", b"3"):
        api.object_create(acct, versioned, data=data, obj_name="doc")
    api.object_delete(acct, versioned, "doc")
    assert api.object_head(acct, versioned, "doc") is False
    every = api.object_list(acct, versioned, versions=True, deleted=True)["objects"]
    assert [o["deleted"] for o in every] == [True, False, False, False]
    api.container_purge(acct, versioned, 2)
    kept = api.object_list(acct, versioned, versions=True, deleted=True)["objects"]
    assert [o["deleted"] for o in kept] == [True, False]
