"""A whole GET of a large object is checked against its ETag, part by part.

Found by the chaos round: the ETag of an S3 multipart object or a Swift
static large object is not the MD5 of its content, so a byte flipped on the
way used to reach the caller unnoticed.  Here every GET of the object has
one body byte flipped by :class:`~tests.faults.chaos_proxy.ChaosProxy`.
"""

from __future__ import annotations

import os
import uuid

import pytest

import objclient
from objclient.backends.swift.slo import segment_container
from objclient.exceptions import ChecksumMismatch, ClientError

from .chaos_proxy import ChaosProxy
from .matrix import BACKENDS, _hostport

KiB = 1024
MiB = 1024 * KiB
LARGE = {"swift": ({"segment_threshold": 200 * KiB, "segment_size": 100 * KiB}, 300 * KiB),
         "s3": ({"multipart_threshold": 5 * MiB, "part_size": 5 * MiB}, 6 * MiB + 7)}


def _get_object(name):
    return lambda method, target: method == "GET" and target.split("?")[0].endswith(
        "/" + name) and "multipart-manifest" not in target


@pytest.mark.parametrize("backend", ["swift", "s3"])
def test_flipped_byte_in_a_large_object_read_is_a_checksum_mismatch(backend):
    factory, url, _large = BACKENDS[backend]
    options, size = LARGE[backend]
    direct = factory(None, **options)
    try:
        account = direct.account_show(None)["id"]
    except ClientError as exc:
        raise RuntimeError(f"{backend} server not usable ({exc}); run `tools/servers start`"
                           ) from exc
    container = "reads-" + uuid.uuid4().hex[:8]
    direct.container_create(account, container)
    data = os.urandom(size)
    try:
        direct.object_create(account, container, data=data, obj_name="big")
        _meta, stream = direct.object_fetch(account, container, "big")
        assert b"".join(stream) == data  # unfaulted, the check passes
        with ChaosProxy(_hostport(url), rate=1.0, weights={"flip": 1}, seed=5,
                        match=_get_object("big")) as proxy:
            api = factory(proxy.port, retries=objclient.RetryPolicy(total=0), **options)
            with pytest.raises(ChecksumMismatch):
                _meta, stream = api.object_fetch(account, container, "big")
                b"".join(stream)
            api.close()
            assert proxy.faults_applied == 1
    finally:
        for cont in (container, segment_container(container)):
            try:
                direct.container_flush(account, cont)
                direct.container_delete(account, cont)
            except ClientError:
                pass
        direct.close()


@pytest.mark.parametrize("garbled", ["b4049830\udcff3ef1041cc6964ccf1be52c3f", "not hex", None])
def test_manifest_with_a_garbled_hash_is_not_used_to_check_a_read(garbled, monkeypatch):
    """A byte flipped in the manifest's JSON must not end the read with an
    untyped error (the chaos round met a UnicodeEncodeError): no check, then."""
    api = objclient.ObjectStorageApi("swift+http://127.0.0.1:9/auth/v1.0", user="u", key="k",
                                     storage_url="http://127.0.0.1:9/v1/AUTH_x")
    good = "0" * 32
    doc = [{"name": "/c_segments/a", "hash": good, "bytes": 3},
           {"name": "/c_segments/b", "hash": garbled, "bytes": 3}]
    asked = []
    monkeypatch.setattr(type(api.blob_client.swift), "url",
                        lambda self, path: "http://127.0.0.1:9/v1" + path)
    api.blob_client.http.request_json = lambda *args, **kwargs: asked.append(args) or (None, doc)
    assert api.blob_client._segments_check("/AUTH_x/c/o", None, '"' + "1" * 32 + '"', 6,
                                           objclient.contract.DEFAULT_OPTS) is None
    assert len(asked) == 1
    api.close()
