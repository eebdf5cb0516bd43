"""How many requests Swift operations send (issue 26: the network bench
counts them), with the semantics they keep: a missing object raises
NoSuchObject, a static large object's segments go with it, a missing
object leaves no delete marker in a versioned container."""

import os
import threading
import uuid
from urllib.parse import urlsplit

import pytest

from objclient.exceptions import NoSuchContainer, NoSuchObject

from .conftest import drop_container, drop_versioned, make_api

MiB = 1024 * 1024


def _counting(api):
    """``api`` with its requests recorded for :func:`_sent`."""
    send, api.sent = api.http.request, []

    def spy(method, url, **kwargs):
        query = "&".join(f"{k}={v}" for k, v in (kwargs.get("params") or {}).items())
        api.sent.append((method, urlsplit(url).path.rsplit("/", 1)[-1], query))
        return send(method, url, **kwargs)

    api.http.request = spy
    return api


@pytest.fixture
def counted():
    api = _counting(make_api(segment_threshold=2 * MiB, segment_size=MiB))
    yield api
    api.close()


def _sent(api):
    """``(method, last path element, query)`` of each request since the last call."""
    out, api.sent[:] = list(api.sent), []
    return out


def _segments(api, container):
    try:
        return [o.name for o in api.object_list_iter(None, container + "_segments")]
    except NoSuchContainer:
        return []


def test_delete_in_a_container_without_segments_is_one_delete(counted, container):
    counted.object_create(None, container, data=b"x", obj_name="a")
    _sent(counted)
    counted.object_delete(None, container, "a")
    assert _sent(counted) == [("DELETE", "a", "")]
    with pytest.raises(NoSuchObject):
        counted.object_delete(None, container, "a")
    assert _sent(counted) == [("DELETE", "a", "")]


def test_a_large_object_is_deleted_with_its_segments_in_one_request(counted, container):
    counted.object_create(None, container, data=os.urandom(3 * MiB), obj_name="big")
    assert _segments(counted, container)
    _sent(counted)
    counted.object_delete(None, container, "big")
    assert _sent(counted) == [("DELETE", "big", "multipart-manifest=delete")]
    assert _segments(counted, container) == []
    _sent(counted)
    with pytest.raises(NoSuchObject):
        counted.object_delete(None, container, "big")
    assert _sent(counted) == [("DELETE", "big", "multipart-manifest=delete")]


def test_a_plain_object_beside_large_ones_takes_a_second_delete(counted, container):
    counted.object_create(None, container, data=os.urandom(3 * MiB), obj_name="big")
    counted.object_create(None, container, data=b"small", obj_name="small")
    _sent(counted)
    counted.object_delete(None, container, "small")
    assert _sent(counted) == [("DELETE", "small", "multipart-manifest=delete"),
                              ("DELETE", "small", "")]
    assert [o.name for o in counted.object_list_iter(None, container)] == ["big"]


def test_a_large_object_seen_in_a_listing_loses_its_segments_without_a_segments_probe(
        container):
    writer = make_api(segment_threshold=2 * MiB, segment_size=MiB)
    deleter = _counting(make_api())
    try:
        writer.object_create(None, container, data=os.urandom(3 * MiB), obj_name="big")
        list(deleter.object_list_iter(None, container))
        _sent(deleter)
        deleter.object_delete(None, container, "big")
        # segments are about to go: is the container versioned? (asked once)
        assert _sent(deleter) == [("HEAD", container, ""),
                                  ("DELETE", "big", "multipart-manifest=delete")]
        assert _segments(writer, container) == []
    finally:
        writer.close()
        deleter.close()


def test_a_missing_object_leaves_no_delete_marker_in_a_versioned_container(counted):
    name = f"ft-{uuid.uuid4().hex[:10]}"
    counted.container_create(None, name, system={"versioning": "enabled"})
    try:
        with pytest.raises(NoSuchObject):
            counted.object_delete(None, name, "never-written")
        assert list(counted.object_list_iter(None, name, versions=True, deleted=True)) == []
    finally:
        drop_container(counted, None, name)


def test_in_a_versioned_container_a_large_object_is_deleted_by_one_plain_delete(counted):
    name = f"ft-{uuid.uuid4().hex[:10]}"
    counted.container_create(None, name, system={"versioning": "enabled"})
    deleter = _counting(make_api())
    try:
        counted.object_create(None, name, data=os.urandom(3 * MiB), obj_name="big")
        counted.object_create(None, name, data=os.urandom(3 * MiB), obj_name="big2")
        deleter.object_delete(None, name, "big")
        assert _sent(deleter) == [("HEAD", name + "_segments", ""), ("HEAD", name, ""),
                                  ("DELETE", "big", "")]
        deleter.object_delete(None, name, "big2")
        assert _sent(deleter) == [("DELETE", "big2", "")]
        assert len(_segments(counted, name)) == 6  # the versions' segments stay
    finally:
        drop_versioned(counted, name)


def test_an_overwrite_in_a_versioned_container_reads_no_old_manifest(counted):
    name = f"ft-{uuid.uuid4().hex[:10]}"
    counted.container_create(None, name, system={"versioning": "enabled"})
    try:
        counted.object_create(None, name, data=os.urandom(3 * MiB), obj_name="big")
        _sent(counted)
        counted.object_create(None, name, data=b"small", obj_name="big")
        assert _sent(counted) == [("PUT", "big", "")]
    finally:
        drop_versioned(counted, name)


def test_concurrent_first_uploads_share_one_segments_probe(counted, container):
    counted.container_show(None, container)
    _sent(counted)
    barrier = threading.Barrier(8)

    def put(i):
        barrier.wait()
        counted.object_create(None, container, data=b"x", obj_name=f"t{i}")

    threads = [threading.Thread(target=put, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = _sent(counted)
    assert [s for s in sent if s[0] == "HEAD"] == [("HEAD", container + "_segments", "")]
    assert len(sent) == 9
