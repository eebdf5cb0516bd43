"""SLO uploads through the transfer engine, against a mocked Swift proxy."""

import hashlib
import json
import re

import pytest
import responses

import objclient
from objclient.exceptions import ChecksumMismatch, InvalidArgument

ROOT = "http://127.0.0.1:9"
STORAGE = ROOT + "/v1/AUTH_t"
SEGMENTS = re.compile(re.escape(STORAGE) + r"/box_segments/big/slo/.*")


def _api(**options):
    return objclient.ObjectStorageApi(f"swift+{STORAGE}", token="tok", retries=None,
                                      segment_threshold=10, segment_size=100,
                                      segment_workers=2, **options)


def _mock(max_segments=1000, bad_index=None):
    """Mock the proxy; :returns: the list of segment URLs it stored."""
    stored = []
    responses.add(responses.GET, ROOT + "/info",
                  json={"slo": {"max_manifest_segments": max_segments}})
    responses.add(responses.HEAD, STORAGE + "/box", status=204)
    responses.add(responses.PUT, STORAGE + "/box_segments", status=201)
    responses.add(responses.HEAD, STORAGE + "/box/big", status=404)

    def segment(request):
        body = b"".join(request.body) if not isinstance(request.body, bytes) else request.body
        index = int(request.url.rsplit("/", 1)[-1])
        md5 = "0" * 32 if index == bad_index else hashlib.md5(body).hexdigest()
        stored.append(request.url)
        return 201, {"Etag": md5}, b""

    responses.add_callback(responses.PUT, SEGMENTS, callback=segment)
    responses.add(responses.HEAD, SEGMENTS, status=200)
    responses.add(responses.HEAD, STORAGE + "/box_segments_segments", status=404)
    responses.add(responses.DELETE, SEGMENTS, status=204)

    def manifest(request):
        doc = json.loads(request.body)
        etag = hashlib.md5("".join(s["etag"] for s in doc).encode()).hexdigest()
        return 201, {"Etag": f'"{etag}"'}, b""

    responses.add_callback(responses.PUT, STORAGE + "/box/big", callback=manifest)
    return stored


def _calls(method, pattern):
    return [c for c in responses.calls
            if c.request.method == method and re.match(pattern, c.request.url)]


@responses.activate
def test_segments_are_sent_in_order_and_described_by_the_manifest():
    _mock()
    data = bytes(range(250))
    _c, size, md5 = _api().object_create(None, "box", data=data, obj_name="big")
    # No caller's etag: the hash is the manifest's ETag, made of the segments' MD5s.
    segment_md5s = "".join(hashlib.md5(data[i:i + 100]).hexdigest() for i in (0, 100, 200))
    assert size == 250 and md5 == hashlib.md5(segment_md5s.encode()).hexdigest()
    manifest = json.loads(_calls("PUT", re.escape(STORAGE + "/box/big"))[0].request.body)
    assert [s["size_bytes"] for s in manifest] == [100, 100, 50]
    assert [s["path"][-8:] for s in manifest] == ["00000000", "00000001", "00000002"]
    assert not _calls("DELETE", SEGMENTS.pattern)


@responses.activate
def test_callers_etag_is_checked_against_the_contents_md5():
    _mock()
    data = bytes(range(250))
    _c, _size, md5 = _api().object_create(None, "box", data=data, obj_name="big",
                                          etag=hashlib.md5(data).hexdigest())
    assert md5 == hashlib.md5(data).hexdigest()
    with pytest.raises(ChecksumMismatch, match="caller expected"):
        _api().object_create(None, "box", data=data, obj_name="big", etag="0" * 32)


@responses.activate
def test_a_segment_stored_with_another_etag_fails_and_every_segment_is_deleted():
    stored = _mock(bad_index=1)
    with pytest.raises(ChecksumMismatch, match="segment 1"):
        _api().object_create(None, "box", data=bytes(250), obj_name="big")
    deleted = {c.request.url for c in _calls("DELETE", SEGMENTS.pattern)}
    sent = {c.request.url for c in _calls("PUT", SEGMENTS.pattern)}
    # A segment whose PUT had started when the refusal aborted the upload is
    # deleted too, though this mock may not have stored it yet.
    assert set(stored) <= deleted <= sent and any(u.endswith("00000001") for u in deleted)
    assert not _calls("PUT", re.escape(STORAGE + "/box/big") + "$")


@responses.activate
def test_more_segments_than_the_cluster_allows_is_refused_and_cleaned_up():
    stored = _mock(max_segments=2)
    with pytest.raises(InvalidArgument, match="more than 2 parts"):
        _api().object_create(None, "box", data=bytes(250), obj_name="big")
    deleted = {c.request.url for c in _calls("DELETE", SEGMENTS.pattern)}
    # Every stored segment goes; so may one whose PUT was under way when the
    # refusal came (its answer is in doubt, so the clean-up deletes it too).
    assert set(stored) <= deleted
    assert not _calls("PUT", re.escape(STORAGE + "/box/big") + "$")
