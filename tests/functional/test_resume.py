"""Resumed uploads on the real servers: a 512 MiB upload killed (SIGKILL) half
way, then resumed, sends only what is missing and stores the right bytes.

The killed upload runs in a child process; this process watches the parts
(S3, ListParts) or segments (Swift SLO, the segment container's listing)
that the server holds and kills the child once half of the bytes are stored.
The resumed upload's bytes on the wire are the ``bytes_sent`` of its PUT
requests, as the HTTP client records them (``timings=True``).
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

import objclient
from objclient.backends.s3.multipart import list_parts
from objclient.exceptions import ClientError
from tools import server_env

MiB = 1024 * 1024
SIZE = 512 * MiB
KILL_AT = 0.5
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

#: url, options, for each server (JSON, so that the child can build the same API)
TARGETS = {
    "s3-seaweedfs": ("s3+" + server_env.SEAWEEDFS_S3_ENDPOINT,
                     {"access_key": server_env.SEAWEEDFS_S3_ACCESS_KEY,
                      "secret_key": server_env.SEAWEEDFS_S3_SECRET_KEY, "path_keys": True}),
    "s3-swift": ("s3+" + server_env.SWIFT_S3_ENDPOINT,
                 {"access_key": server_env.SWIFT_S3_ACCESS_KEY,
                  "secret_key": server_env.SWIFT_S3_SECRET_KEY, "tagging": False}),
    "swift-slo": ("swift+" + server_env.SWIFT_AUTH_URL,
                  {"user": server_env.SWIFT_USER, "key": server_env.SWIFT_KEY,
                   "segment_threshold": 64 * MiB, "segment_size": 16 * MiB}),
}

_CHILD = """
import json, sys
import objclient
url, options, container, path, name, resume = json.loads(sys.argv[1])
api = objclient.ObjectStorageApi(url, **options)
api.object_create(None, container, file_or_path=path, obj_name=name, resume=resume)
"""


@pytest.fixture(scope="module")
def source():
    """512 MiB, pseudo-random and cheap: one random MiB, each copy stamped
    with its index; written in full (no holes).  Removed afterwards."""
    path = f"/tmp/objclient-resume-{uuid.uuid4().hex[:8]}.bin"
    block = bytearray(os.urandom(MiB))
    md5 = hashlib.md5()
    try:
        with open(path, "wb") as fh:
            for i in range(SIZE // MiB):
                block[:8] = i.to_bytes(8, "big")
                md5.update(block)
                fh.write(block)
        yield path, md5.hexdigest()
    finally:
        os.unlink(path)


@pytest.fixture(params=sorted(TARGETS))
def target(request):
    url, options = TARGETS[request.param]
    api = objclient.ObjectStorageApi(url, timings=True, **options)
    try:
        api.account_show()
    except ClientError as exc:
        api.close()
        raise RuntimeError(f"{request.param} is not usable ({exc}); start tools/servers") \
            from exc
    container = f"oc-resume-{uuid.uuid4().hex[:8]}"
    api.container_create(None, container)
    yield request.param, api, container
    _drop(api, container)
    if request.param == "swift-slo":
        _drop(api, container + "_segments")
    api.close()


def _drop(api, container):
    try:
        if "s3" in api.backend:
            api.blob_client.abort_stale_uploads(container, older_than=0)
        api.container_flush(None, container)
        api.container_delete(None, container)
    except ClientError:
        pass


def _stored_bytes(kind, api, container, name):
    """What the server holds of the unfinished upload of ``name``."""
    if kind == "swift-slo":
        try:
            listing = api.object_list(None, container + "_segments", prefix=name + "/")
        except ClientError:
            return 0
        return sum(o["size"] for o in listing["objects"])
    uploads = [u for u in api.blob_client.list_uploads(container, prefix=name)
               if u["key"] == name]
    return sum(sum(p.size for p in list_parts(api.blob_client.backend, container, name,
                                              u["upload_id"])) for u in uploads)


def _kill_half_way(url, options, container, path, name, stored_bytes, resume=False,
                   poll=0.05):
    """Run the upload in a child, SIGKILL it once ``stored_bytes()`` says
    half the bytes are stored.

    :returns: the fraction stored when it was killed.
    """
    args = json.dumps([url, options, container, path, name, resume])
    child = subprocess.Popen([sys.executable, "-c", _CHILD, args], cwd=ROOT)
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            stored = stored_bytes()
            if stored >= KILL_AT * SIZE:
                os.kill(child.pid, signal.SIGKILL)
                child.wait()
                return stored / SIZE
            assert child.poll() is None, "the upload ended before it could be killed"
            time.sleep(poll)
        raise AssertionError("the upload did not reach half way in 40 s")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def _md5_of(api, container, name):
    md5 = hashlib.md5()
    _meta, stream = api.object_fetch(None, container, name)
    try:
        for chunk in stream:
            md5.update(chunk)
    finally:
        stream.close()
    return md5.hexdigest()


@pytest.mark.slow
def test_an_upload_killed_half_way_resumes_sending_only_the_missing_half(target, source):
    kind, api, container = target
    path, md5 = source
    url, options = TARGETS[kind]
    stored = _kill_half_way(url, options, container, path, "big",
                            lambda: _stored_bytes(kind, api, container, "big"))
    assert 0.5 <= stored < 1.0

    api.http.reset_timings()
    _chunks, size, digest = api.object_create(None, container, file_or_path=path,
                                              obj_name="big", resume=True)
    sent = sum(t.bytes_sent for t in api.http.get_timing_records() if t.method == "PUT")
    print(f"\n{kind}: killed with {stored:.1%} stored; the resumed upload sent "
          f"{sent / SIZE:.1%} of {SIZE // MiB} MiB")
    assert size == SIZE and digest  # the object's ETag; the content is read back below
    assert sent <= 0.55 * SIZE
    assert _md5_of(api, container, "big") == md5
    if kind == "swift-slo":
        segments = api.object_list(None, container + "_segments")["objects"]
        assert len(segments) == SIZE // (16 * MiB)  # the manifest's, nothing left over
    else:
        assert api.blob_client.list_uploads(container) == []


def _bytes_written():
    """Bytes this process passed to write calls so far (``wchar``)."""
    with open("/proc/self/io") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("wchar:"))


@pytest.mark.slow
def test_a_local_upload_killed_half_way_resumes_writing_only_the_missing_half(tmp_path,
                                                                              source):
    path, md5 = source
    url = "file://" + str(tmp_path / "store")
    api = objclient.ObjectStorageApi(url)
    api.container_create(None, "box")
    tmp = os.path.dirname(api.blob_client.backend.store.resume_path(
        api.blob_client.backend.default_account, "box", "big"))

    def stored():
        return sum(e.stat().st_size for e in os.scandir(tmp) if e.name.startswith("resume-"))

    killed = _kill_half_way(url, {}, "box", path, "big", stored, resume=True, poll=0.005)
    assert 0.5 <= killed < 1.0
    before = _bytes_written()
    _chunks, size, digest = api.object_create(None, "box", file_or_path=path, obj_name="big",
                                              resume=True)
    written = _bytes_written() - before
    print(f"\nlocal: killed with {killed:.1%} written; the resumed upload wrote "
          f"{written / SIZE:.1%} of {SIZE // MiB} MiB")
    assert size == SIZE and digest == md5 and written <= 0.55 * SIZE
    assert _md5_of(api, "box", "big") == md5
    assert stored() == 0  # the temporary file became the object's data


@pytest.fixture
def small(request):
    """``(api, container)`` on ``request.param``'s server, with small parts
    (S3: 5 MiB, Swift: 1 MiB segments)."""
    kind = request.param
    url, options = TARGETS[kind]
    options = dict(options, timings=True)
    if kind == "swift-slo":
        options.update(segment_threshold=2 * MiB, segment_size=MiB)
    else:
        options.update(multipart_threshold=5 * MiB, part_size=5 * MiB)
    api = objclient.ObjectStorageApi(url, **options)
    container = f"oc-resume-{uuid.uuid4().hex[:8]}"
    api.container_create(None, container)
    yield api, container
    _drop(api, container)
    if kind == "swift-slo":
        _drop(api, container + "_segments")
    api.close()


def _leftover_s3(api, container, key, parts):
    """An unfinished multipart upload of ``key`` holding ``parts`` (number: bytes)."""
    from objclient.backends.s3.multipart import MultipartUploader
    uploader = MultipartUploader(api.blob_client.backend, container, key, {})
    uploader.start()
    for number, data in parts.items():
        uploader._put_part(number, data)
    return uploader.upload_id


def _leftover_slo(api, container, name, size, segment_size, segments, when=1.0):
    """Segments of an interrupted SLO upload (index: bytes)."""
    from objclient.backends.swift.slo import segment_prefix
    prefix = segment_prefix(name, size, segment_size, when)
    for index, data in segments.items():
        api.object_create(None, container + "_segments", data=data,
                          obj_name=f"{prefix}{index:08d}")
    return prefix


def _resume_and_measure(api, container, data):
    api.http.reset_timings()
    _c, size, digest = api.object_create(None, container, data=data, obj_name="big",
                                         resume=True)
    # the hash is the object's ETag (a multipart or manifest one): the content
    # is checked by reading it back
    assert size == len(data) and digest
    assert _md5_of(api, container, "big") == hashlib.md5(data).hexdigest()
    return sum(t.bytes_sent for t in api.http.get_timing_records() if t.method == "PUT")


@pytest.mark.parametrize("small", ["s3-seaweedfs", "s3-swift"], indirect=True)
def test_s3_resume_resends_a_part_that_differs_and_ignores_other_keys(small):
    api, container = small
    data = os.urandom(12 * MiB)
    p1, p2, p3 = data[:5 * MiB], data[5 * MiB:10 * MiB], data[10 * MiB:]
    _leftover_s3(api, container, "big", {1: p1, 2: b"X" * len(p2)})
    _leftover_s3(api, container, "big2", {3: p3})  # same prefix, another key
    sent = _resume_and_measure(api, container, data)
    assert sent == len(p2) + len(p3)
    assert [u["key"] for u in api.blob_client.list_uploads(container)] == ["big2"]


@pytest.mark.parametrize("small", ["s3-seaweedfs", "s3-swift"], indirect=True)
def test_s3_resume_of_another_part_size_aborts_it_and_starts_over(small):
    api, container = small
    data = os.urandom(12 * MiB)
    _leftover_s3(api, container, "big", {1: data[:6 * MiB]})
    sent = _resume_and_measure(api, container, data)
    assert sent == len(data)
    assert api.blob_client.list_uploads(container) == []


@pytest.mark.parametrize("small", ["swift-slo"], indirect=True)
def test_slo_resume_resends_a_segment_that_differs_and_skips_the_live_manifest(small):
    api, container = small
    data = os.urandom(3 * MiB + 5)
    segs = [data[i:i + MiB] for i in range(0, len(data), MiB)]
    api.object_create(None, container, data=data, obj_name="big")  # the live object
    live = {o["name"] for o in api.object_list(None, container + "_segments")["objects"]}
    _leftover_slo(api, container, "big", len(data), MiB, {0: segs[0], 1: b"Y" * MiB,
                                                          3: segs[3]})
    sent = _resume_and_measure(api, container, data)
    manifest_bytes = sent - 2 * MiB
    assert 0 < manifest_bytes < 4096  # segments 1 and 2, and the manifest
    names = {o["name"] for o in api.object_list(None, container + "_segments")["objects"]}
    assert len(names) == 4 and not names & live  # the replaced object's segments are gone


@pytest.mark.parametrize("small", ["swift-slo"], indirect=True)
def test_slo_resume_of_another_segment_size_deletes_it_and_starts_over(small):
    api, container = small
    data = os.urandom(3 * MiB)
    prefix = _leftover_slo(api, container, "big", len(data), MiB, {0: data[:MiB + 1]})
    sent = _resume_and_measure(api, container, data)
    assert sent >= len(data)
    names = [o["name"] for o in api.object_list(None, container + "_segments")["objects"]]
    assert len(names) == 3 and not any(n.startswith(prefix) for n in names)
