"""The local backend's own promises: atomic writes, versions, several
processes at once, crash safety, no path traversal."""

import hashlib
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import objclient
from objclient.exceptions import ChecksumMismatch, Conflict, InvalidArgument, NoSuchObject


@pytest.fixture
def store(tmp_path):
    return tmp_path / "store"


@pytest.fixture
def api(store):
    api = objclient.ObjectStorageApi(f"file://{store}")
    yield api
    api.close()


def _read(api, *args, **kw):
    _meta, stream = api.object_fetch(*args, **kw)
    return b"".join(stream)


def _files_under(path):
    return sorted(os.path.relpath(os.path.join(d, f), path)
                  for d, _s, fs in os.walk(path) for f in fs)


def test_object_names_never_become_paths(api, store):
    evil = ["../../../../etc/passwd", "/abs/olute", "a/../../b", "..", "x\\..\\y"]
    for name in evil:
        api.object_create("acct", "c", data=name.encode(), obj_name=name)
    for name in evil:
        assert _read(api, "acct", "c", name) == name.encode()
    for path in _files_under(store):
        assert ".." not in path.split(os.sep)
    assert not (store.parent / "etc").exists()


def test_account_names_cannot_escape_the_store(api, store):
    for name in ("..", "."):
        with pytest.raises(InvalidArgument):
            api.container_create(name, "c")
    api.container_create("..hidden_.._x", "c")
    assert all(not p.startswith(".") for p in os.listdir(store))
    assert {"id": "..hidden_.._x"} in api.account_list()


def test_overwrite_frees_the_old_data_file(api, store):
    api.object_create("acct", "c", data=b"1" * 1000, obj_name="o")
    api.object_create("acct", "c", data=b"2" * 10, obj_name="o")
    data_files = [p for p in _files_under(store) if p.split(os.sep)[1] == "data"]
    assert len(data_files) == 1
    assert _read(api, "acct", "c", "o") == b"2" * 10


def test_versioning_keeps_old_versions_and_delete_markers(api):
    api.container_create("acct", "v", system={"versioning": "enabled"})
    api.object_create("acct", "v", data=b"one", obj_name="doc")
    api.object_create("acct", "v", data=b"two", obj_name="doc")
    listing = api.object_list("acct", "v", versions=True)
    assert [o["name"] for o in listing["objects"]] == ["doc", "doc"]
    old = listing["objects"][1]
    assert _read(api, "acct", "v", "doc", version=old["version"]) == b"one"
    assert api.object_delete("acct", "v", "doc") is True
    with pytest.raises(NoSuchObject):
        api.object_get_properties("acct", "v", "doc")
    deleted = api.object_list("acct", "v", versions=True, deleted=True)["objects"]
    assert deleted[0]["deleted"] is True
    api.container_purge("acct", "v", maxvers=1)
    assert len(api.object_list("acct", "v", versions=True, deleted=True)["objects"]) == 1


def test_openio_version_policy_limits_versions(api):
    api.container_create("acct", "v3", system={"sys.m2.policy.version": "2"})
    for i in range(4):
        api.object_create("acct", "v3", data=str(i).encode(), obj_name="k")
    versions = api.object_list("acct", "v3", versions=True)["objects"]
    assert len(versions) == 2
    assert _read(api, "acct", "v3", "k") == b"3"


def test_link_is_a_hard_link_and_survives_target_deletion(api, store):
    api.object_create("acct", "c", data=b"shared", obj_name="a", properties={"p": "1"})
    api.container_create("acct", "d")
    api.object_link("acct", "c", "a", "acct", "d", "b")
    _meta, chunks = api.object_locate("acct", "d", "b")
    assert os.stat(chunks[0]["url"][len("file://"):]).st_nlink == 2
    api.object_delete("acct", "c", "a")
    assert _read(api, "acct", "d", "b") == b"shared"
    assert api.object_get_properties("acct", "d", "b")["properties"] == {"p": "1"}


def test_truncate_and_append(api):
    api.object_create("acct", "c", data=b"0123456789", obj_name="t")
    api.object_truncate("acct", "c", "t", size=4)
    assert _read(api, "acct", "c", "t") == b"0123"
    api.object_create("acct", "c", data=b"45", obj_name="t", append=True)
    meta = api.object_get_properties("acct", "c", "t")
    assert meta["size"] == "6" and meta["hash"] == hashlib.md5(b"012345").hexdigest().upper()


def test_snapshot_copies_current_objects(api):
    for i in range(3):
        api.object_create("acct", "src", data=bytes([i]), obj_name=f"o{i}")
    api.container_snapshot("acct", "src", "acct", "snap")
    assert [o["name"] for o in api.object_list("acct", "snap")["objects"]] == \
        ["o0", "o1", "o2"]


def test_corrupt_data_on_disk_is_detected_on_read(api):
    api.object_create("acct", "c", data=b"precious data", obj_name="p")
    _meta, chunks = api.object_locate("acct", "c", "p")
    path = chunks[0]["url"][len("file://"):]
    with open(path, "r+b") as fh:
        fh.write(b"X")
    with pytest.raises(ChecksumMismatch):
        _read(api, "acct", "c", "p")


def test_account_delete_refuses_an_account_with_containers(api):
    api.container_create("acct", "c")
    with pytest.raises(Conflict):
        api.account_delete("acct")
    api.container_delete("acct", "c")
    api.account_delete("acct")
    assert {"id": "acct"} not in api.account_list()


def _writer(url, worker, count):
    api = objclient.ObjectStorageApi(url)
    for i in range(count):
        api.object_create("acct", "shared", data=f"{worker}-{i}".encode() * 100,
                          obj_name=f"w{worker}-{i}")
        api.object_create("acct", "shared", data=f"{worker}-{i}".encode(), obj_name="hot")


def test_concurrent_writers_from_several_processes(store):
    url = f"file://{store}"
    objclient.ObjectStorageApi(url).container_create("acct", "shared")
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(url, w, 25)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    api = objclient.ObjectStorageApi(url)
    names = [o["name"] for o in api.object_list_iter("acct", "shared")]
    assert len(names) == 4 * 25 + 1
    info = api.container_show("acct", "shared")
    assert info["objects"] == 101
    hot = _read(api, "acct", "shared", "hot")
    assert hot.decode().split("-")[1] == "24"
    data = [p for p in _files_under(store) if p.split(os.sep)[1] == "data"]
    assert len(data) == 101


def test_sigkill_mid_write_leaves_old_version_and_no_temp_files(store):
    url = f"file://{store}"
    api = objclient.ObjectStorageApi(url)
    api.object_create("acct", "c", data=b"old version", obj_name="victim")
    script = textwrap.dedent(f"""
        import sys, time, objclient
        api = objclient.ObjectStorageApi({url!r})
        def slow():
            yield b"new" * 1000
            sys.stdout.write("writing\\n"); sys.stdout.flush()
            time.sleep(60)
            yield b"never"
        api.object_create("acct", "c", data=slow(), obj_name="victim")
    """)
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=env)
    assert proc.stdout.readline() == b"writing\n"
    tmpdir = [d for d, _s, _f in os.walk(store) if d.endswith("tmp")][0]
    assert os.listdir(tmpdir), "the upload should be in progress in tmp/"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    fresh = objclient.ObjectStorageApi(url)
    assert _read(fresh, "acct", "c", "victim") == b"old version"
    assert os.listdir(tmpdir) == []


def test_deadline_stops_a_slow_upload_and_stores_nothing(api):
    def slow():
        yield b"a"
        time.sleep(0.3)
        yield b"b"
    from objclient.exceptions import DeadlineReached
    with pytest.raises(DeadlineReached):
        api.object_create("acct", "c", data=slow(), obj_name="late",
                          deadline=time.monotonic() + 0.1)
    assert api.object_head("acct", "c", "late") is False
