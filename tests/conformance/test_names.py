"""Tricky names round-trip; impossible ones are refused before any request."""

import pytest

from objclient.exceptions import InvalidName

TRICKY = [
    "with space", "per%cent", "plus+sign", "question?mark", "hash#tag", "/a//b",
    "a/../../etc/passwd", "..", ".", "ünïcödé/名前", "semi;colon=eq&amp", "tab\tname",
    "quote'\"", "star*", "tilde~", "emoji 🎉",
]


def _refused_up_front(api, name):
    """True when the backend's rules refuse the name before any request
    (a server that cannot store it exactly, e.g. SeaweedFS's S3 gateway with
    '..' segments): refusing clearly is allowed, changing it silently is not."""
    try:
        api.names.check_object(name)
    except InvalidName:
        return True
    return False


@pytest.mark.parametrize("name", TRICKY, ids=range(len(TRICKY)))
def test_tricky_object_names_round_trip_or_are_refused_up_front(target, container, name):
    api = target.api
    if _refused_up_front(api, name):
        with pytest.raises(InvalidName):
            api.object_create(target.account, container, data=b"x", obj_name=name)
        return
    api.object_create(target.account, container, data=name.encode(), obj_name=name)
    _meta, stream = api.object_fetch(target.account, container, name)
    assert b"".join(stream) == name.encode()
    listed = [o["name"] for o in api.object_list(target.account, container,
                                                 prefix=name)["objects"]]
    assert name in listed
    api.object_delete(target.account, container, name)
    assert api.object_head(target.account, container, name) is False


def test_long_object_name_round_trips_or_is_refused_up_front(target, container):
    name = "n/" + "x" * 998  # 1,000 bytes
    if _refused_up_front(target.api, name):
        return
    target.api.object_create(target.account, container, data=b"long", obj_name=name)
    assert target.api.object_get_properties(target.account, container, name)["name"] == name


@pytest.mark.parametrize("bad", ["", "nul\0byte", "x" * 5000], ids=["empty", "nul", "long"])
def test_impossible_object_names_are_refused(target, container, bad):
    with pytest.raises(InvalidName):
        target.api.object_create(target.account, container, data=b"x", obj_name=bad)
