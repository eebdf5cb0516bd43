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
    sent = sum(t.bytes_sent for t in api.http.get_timings() if t.method == "PUT")
    print(f"\n{kind}: killed with {stored:.1%} stored; the resumed upload sent "
          f"{sent / SIZE:.1%} of {SIZE // MiB} MiB")
    assert size == SIZE and digest == md5
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
