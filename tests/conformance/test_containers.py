"""Accounts and containers: create, show, properties, list, delete."""

import pytest

from objclient.contract import Capability
from objclient.exceptions import Conflict, ContainerNotEmpty, InvalidName, NotFound


def test_account_show_reports_counters(target, container):
    target.api.object_create(target.account, container, data=b"12345", obj_name="o")
    info = target.api.account_show(target.account)
    assert info["id"] == target.account or info["id"]
    assert isinstance(info["containers"], int) and info["containers"] >= 0
    assert "metadata" in info and "bytes" in info


def test_account_create_and_delete(target):
    target.require(Capability.ACCOUNT_CREATE)
    target.require(Capability.ACCOUNT_DELETE)
    name = target.new_container_name("acct")
    assert target.api.account_create(name) is True
    assert target.api.account_create(name) is False
    target.api.account_delete(name)
    with pytest.raises(NotFound):
        target.api.account_show(name)


def test_account_properties_round_trip(target):
    target.require(Capability.ACCOUNT_PROPERTIES)
    api = target.api
    api.account_set_properties(target.account, {"colour": "blé", "k-2": "v 2"})
    props = api.account_get_properties(target.account)["properties"]
    assert props["colour"] == "blé" and props["k-2"] == "v 2"
    api.account_del_properties(target.account, ["colour", "k-2"])
    props = api.account_get_properties(target.account)["properties"]
    assert "colour" not in props and "k-2" not in props


def test_container_create_twice_reports_existing(target):
    name = target.new_container_name()
    try:
        assert target.api.container_create(target.account, name) is True
        assert target.api.container_create(target.account, name) is False
    finally:
        target.cleanup_container(name)


def test_container_show_counts_objects(target, container):
    api = target.api
    api.object_create(target.account, container, data=b"abc", obj_name="a")
    api.object_create(target.account, container, data=b"defg", obj_name="b")
    info = api.container_show(target.account, container)
    assert info["name"] == container
    # Some servers update counters asynchronously; they must not over-count.
    # A backend that keeps no counter says None (unknown), never a wrong 0.
    assert info["objects"] in (None, 0, 1, 2)
    assert info["bytes"] in (None, 0, 3, 4, 7)
    assert (info["objects"] is None) == (info["bytes"] is None)


def test_container_properties_round_trip_utf8(target, container):
    target.require(Capability.CONTAINER_PROPERTIES)
    api = target.api
    api.container_set_properties(target.account, container, {"owner": "Zoë", "tier": "gold"})
    props = api.container_get_properties(target.account, container)["properties"]
    assert props.get("owner") == "Zoë" and props.get("tier") == "gold"
    api.container_del_properties(target.account, container, ["tier"])
    props = api.container_get_properties(target.account, container)["properties"]
    assert "tier" not in props and props.get("owner") == "Zoë"


def test_container_list_finds_created_container(target, container):
    names = [e["name"] for e in target.api.container_list_iter(target.account,
                                                               prefix=container)]
    assert names == [container]
    page = target.api.container_list(target.account, prefix=container)
    assert page[0][0] == container


def test_container_delete_missing_is_not_found(target):
    with pytest.raises(NotFound):
        target.api.container_delete(target.account, target.new_container_name("gone"))


def test_container_show_missing_is_not_found(target):
    with pytest.raises(NotFound):
        target.api.container_show(target.account, target.new_container_name("gone"))


def test_container_delete_non_empty_is_conflict(target, container):
    target.api.object_create(target.account, container, data=b"x", obj_name="keep")
    with pytest.raises(Conflict) as err:
        target.api.container_delete(target.account, container)
    assert isinstance(err.value, (ContainerNotEmpty, Conflict))
    assert target.api.object_head(target.account, container, "keep")


def test_container_delete_then_gone(target):
    name = target.new_container_name()
    target.api.container_create(target.account, name)
    target.api.container_delete(target.account, name)
    with pytest.raises(NotFound):
        target.api.container_show(target.account, name)


def test_container_flush_removes_all_objects(target, container):
    api = target.api
    for i in range(5):
        api.object_create(target.account, container, data=b"x", obj_name=f"f{i}")
    api.container_flush(target.account, container)
    assert api.object_list(target.account, container)["objects"] == []


@pytest.mark.parametrize("bad", ["", "a\0b", "x" * 2000], ids=["empty", "nul", "long"])
def test_invalid_container_name_is_refused_before_any_request(target, bad):
    with pytest.raises(InvalidName):
        target.api.container_create(target.account, bad)
