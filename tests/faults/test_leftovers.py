"""Large uploads leave nothing behind when a request's outcome is in doubt.

Found by the chaos round (``tools/faults --chaos``): each test faults one
kind of request through :class:`~tests.faults.chaos_proxy.ChaosProxy` and
checks the server directly afterwards.
"""

from __future__ import annotations

import os
import uuid

import pytest

import objclient
from objclient.backends.swift.slo import old_segments, segment_container
from objclient.contract import DEFAULT_OPTS
from objclient.exceptions import ClientError, ConnectionFailed

from .chaos_proxy import ChaosProxy
from .matrix import SWIFT_STORAGE, _hostport, swift_api

KiB = 1024
SLO = {"segment_threshold": 200 * KiB, "segment_size": 100 * KiB}


@pytest.fixture
def swift():
    """``(direct api, account, container)`` on a fresh container."""
    direct = swift_api(None, **SLO)
    try:
        account = direct.account_show(None)["id"]
    except ClientError as exc:
        raise RuntimeError(f"swift server not usable ({exc}); run `tools/servers start`"
                           ) from exc
    container = "leftovers-" + uuid.uuid4().hex[:8]
    direct.container_create(account, container)
    yield direct, account, container
    for cont in (container, segment_container(container)):
        try:
            direct.container_flush(account, cont)
            direct.container_delete(account, cont)
        except ClientError:
            pass
    direct.close()


def _through(proxy: ChaosProxy) -> objclient.ObjectStorageApi:
    return swift_api(proxy.port, retries=objclient.RetryPolicy(total=1, backoff_factor=0),
                     timeout=(2.0, 5.0), **SLO)


def _segments(direct, account, container):
    try:
        return [o.name for o in direct.object_list_iter(account, segment_container(container))]
    except objclient.exceptions.NoSuchContainer:
        return []


def test_segments_whose_put_answer_was_lost_are_deleted_when_the_upload_fails(swift):
    direct, account, container = swift
    with ChaosProxy(_hostport(SWIFT_STORAGE), rate=1.0, weights={"reset_response": 1},
                    match=lambda method, target: method == "PUT" and "_segments/" in target
                    ) as proxy:
        api = _through(proxy)
        with pytest.raises(ConnectionFailed):
            api.object_create(account, container, data=os.urandom(300 * KiB), obj_name="big")
        api.close()
        assert proxy.faults_applied >= 1
    assert _segments(direct, account, container) == []
    with pytest.raises(objclient.exceptions.NoSuchObject):
        direct.object_get_properties(account, container, "big")


def test_manifest_stored_though_its_answer_was_lost_keeps_its_segments(swift):
    direct, account, container = swift
    data = os.urandom(300 * KiB)
    with ChaosProxy(_hostport(SWIFT_STORAGE), rate=1.0, weights={"reset_response": 1},
                    match=lambda method, target: "multipart-manifest=put" in target
                    ) as proxy:
        api = _through(proxy)
        try:
            api.object_create(account, container, data=data, obj_name="big")
        except ClientError:
            pass  # in doubt: either way the object must read whole or not exist
        api.close()
        assert proxy.faults_applied >= 1
    _meta, stream = direct.object_fetch(account, container, "big")
    assert b"".join(stream) == data
    used = old_segments(direct.blob_client, account, container, "big", DEFAULT_OPTS)
    assert sorted(_segments(direct, account, container)) == sorted(
        used[segment_container(container)])


def test_small_object_written_over_a_large_one_deletes_its_segments(swift):
    direct, account, container = swift
    direct.object_create(account, container, data=os.urandom(300 * KiB), obj_name="obj")
    assert len(_segments(direct, account, container)) == 3
    other = swift_api(None, **SLO)  # another client, which never wrote a large object
    other.object_create(account, container, data=b"small now", obj_name="obj")
    other.close()
    _meta, stream = direct.object_fetch(account, container, "obj")
    assert b"".join(stream) == b"small now"
    assert _segments(direct, account, container) == []
