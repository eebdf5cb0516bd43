"""The local store on a disk that fills up and on a read-only mount.

Real file systems, not mocks: a 2 MiB tmpfs mounted for the test gives a
real ENOSPC (from ``write()`` for object data, from SQLite for the index
that holds properties), and a read-only bind mount gives a real EROFS.  Both
need root (``mount``), as CI has; without it these tests fail, saying so.
"""

import os
import subprocess
import uuid

import pytest

import objclient
from objclient.exceptions import InsufficientStorage, ReadOnlyStorage


def _mount(*args):
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"'mount {' '.join(args)}' failed ({done.stderr.strip()}): these "
                           "tests need root, as in CI")


def _umount(path):
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs, unmounted afterwards."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    _mount("-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt))
    yield mnt
    _umount(mnt)


@pytest.fixture
def api_on_small_disk(small_disk):
    api = objclient.ObjectStorageApi(f"file://{small_disk}/store")
    yield api
    api.close()


def _read(api, *args, **kw):
    _meta, stream = api.object_fetch(*args, **kw)
    return b"".join(stream)


def _files(path):
    return sorted(os.path.relpath(os.path.join(d, f), path)
                  for d, _s, fs in os.walk(path) for f in fs)


def _fill(disk):
    """Take every free byte of ``disk``; :returns: the filler's path."""
    path = disk / f"filler-{uuid.uuid4().hex}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    block = b"\0" * 65536
    try:
        while True:
            try:
                os.write(fd, block)
            except OSError:
                if len(block) == 1:
                    break
                block = block[:len(block) // 2]
    finally:
        os.close(fd)
    return path


def test_a_write_that_fills_the_disk_raises_insufficient_storage_and_keeps_the_old_version(
        api_on_small_disk, small_disk):
    api = api_on_small_disk
    api.object_create("acct", "c", data=b"1" * 300_000, obj_name="o")
    with pytest.raises(InsufficientStorage, match="full"):
        api.object_create("acct", "c", data=(b"2" * 65536 for _ in range(64)), obj_name="o")
    assert _read(api, "acct", "c", "o") == b"1" * 300_000
    assert api.object_get_properties("acct", "c", "o")["size"] == "300000"
    files = _files(small_disk / "store")
    assert not [f for f in files if f.split(os.sep)[1] == "tmp"]
    assert len([f for f in files if f.split(os.sep)[1] == "data"]) == 1
    # The same client writes again once there is room.
    api.object_create("acct", "c", data=b"3" * 1000, obj_name="o")
    assert _read(api, "acct", "c", "o") == b"3" * 1000


def test_insufficient_storage_is_a_server_error_with_status_507(api_on_small_disk):
    with pytest.raises(objclient.exceptions.ServerError) as caught:
        api_on_small_disk.object_create("acct", "c", data=b"x" * (3 << 20), obj_name="big")
    assert isinstance(caught.value, InsufficientStorage)
    assert caught.value.status == 507
    assert caught.value.backend == "local"
    assert caught.value.operation.startswith("object_create")


def test_properties_on_a_full_disk_raise_insufficient_storage_and_stay_as_they_were(
        api_on_small_disk, small_disk):
    api = api_on_small_disk
    api.object_create("acct", "c", data=b"data", obj_name="o", properties={"k": "v"})
    api.container_set_properties("acct", "c", {"ck": "cv"})
    filler = _fill(small_disk)
    big = {f"key{i}": "v" * 60_000 for i in range(4)}
    with pytest.raises(InsufficientStorage):
        api.object_set_properties("acct", "c", "o", big)
    with pytest.raises(InsufficientStorage):
        api.container_set_properties("acct", "c", big)
    with pytest.raises(InsufficientStorage):
        api.account_set_properties("acct", big)
    with pytest.raises(InsufficientStorage):
        api.container_create("acct", "c2")
    with pytest.raises(InsufficientStorage):
        api.object_create("acct", "c", data=b"new", obj_name="o")
    assert api.object_get_properties("acct", "c", "o")["properties"] == {"k": "v"}
    assert api.container_get_properties("acct", "c")["properties"] == {"ck": "cv"}
    assert _read(api, "acct", "c", "o") == b"data"
    assert [c[0] for c in api.container_list("acct")] == ["c"]
    os.unlink(filler)
    api.object_set_properties("acct", "c", "o", {"k2": "v2"})
    assert api.object_get_properties("acct", "c", "o")["properties"] == {"k": "v", "k2": "v2"}


def test_a_new_account_on_a_full_disk_is_refused_and_not_half_made(
        api_on_small_disk, small_disk):
    api = api_on_small_disk
    api.container_create("acct", "c")
    _fill(small_disk)
    with pytest.raises(InsufficientStorage):
        api.container_create("other", "c")
    assert [a["id"] for a in api.account_list()] == ["acct"]
    assert not [f for f in _files(small_disk / "store") if f.split(os.sep)[1] == "tmp"]


@pytest.fixture
def read_only_pair(tmp_path):
    """``(writable store path, the same store mounted read-only)``."""
    src = tmp_path / "store"
    src.mkdir()
    ro = tmp_path / "store-ro"
    ro.mkdir()
    _mount("--bind", str(src), str(ro))
    try:
        _mount("-o", "remount,bind,ro", str(ro))
    except RuntimeError:
        _umount(ro)
        raise
    yield src, ro
    _umount(ro)


def test_a_read_only_store_serves_reads_and_refuses_every_write(read_only_pair):
    src, ro = read_only_pair
    writer = objclient.ObjectStorageApi(f"file://{src}")
    writer.object_create("acct", "c", data=b"hello", obj_name="o", properties={"k": "v"})
    reader = objclient.ObjectStorageApi(f"file://{ro}")
    try:
        assert _read(reader, "acct", "c", "o") == b"hello"
        assert reader.object_get_properties("acct", "c", "o")["properties"] == {"k": "v"}
        assert [o["name"] for o in reader.object_list("acct", "c")["objects"]] == ["o"]
        assert [a["id"] for a in reader.account_list()] == ["acct"]
        writes = {
            "object_create": lambda: reader.object_create("acct", "c", data=b"x",
                                                          obj_name="o"),
            "object_set_properties": lambda: reader.object_set_properties(
                "acct", "c", "o", {"k": "w"}),
            "object_delete": lambda: reader.object_delete("acct", "c", "o"),
            "container_create": lambda: reader.container_create("acct", "c2"),
            "container_set_properties": lambda: reader.container_set_properties(
                "acct", "c", {"k": "w"}),
            "account_create": lambda: reader.account_create("new"),
        }
        for name, call in writes.items():
            with pytest.raises(ReadOnlyStorage, match="read-only") as caught:
                call()
            assert caught.value.operation.startswith(name)
        # The writer's later changes show through the read-only mount.
        writer.object_create("acct", "c", data=b"second", obj_name="p")
        assert _read(reader, "acct", "c", "p") == b"second"
        assert _read(reader, "acct", "c", "o") == b"hello"
    finally:
        reader.close()
        writer.close()
