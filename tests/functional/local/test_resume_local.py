"""Resumed uploads on the local backend: the temporary file a killed upload
left is found again, checked byte for byte, and completed."""

import fcntl
import hashlib
import os

import pytest

import objclient
from objclient.backends.local.store import LocalStore
from objclient.exceptions import NotSupported

MiB = 1024 * 1024


@pytest.fixture
def api(tmp_path):
    client = objclient.ObjectStorageApi("file://" + str(tmp_path))
    client.container_create(None, "box")
    yield client
    client.close()


def _resume_file(api, obj="big"):
    backend = api.blob_client.backend
    return backend.store.resume_path(backend.default_account, "box", obj)


def _read(api, obj="big"):
    _meta, stream = api.object_fetch(None, "box", obj)
    return b"".join(stream)


def test_a_leftover_that_matches_is_kept_and_completed(api):
    data = os.urandom(3 * MiB + 7)
    with open(_resume_file(api), "wb") as fh:
        fh.write(data[:2 * MiB])
    _c, size, md5 = api.object_create(None, "box", data=data, obj_name="big", resume=True)
    assert size == len(data) and md5 == hashlib.md5(data).hexdigest()
    assert _read(api) == data
    assert not os.path.exists(_resume_file(api))


def test_a_leftover_that_differs_is_rewritten_from_the_first_difference(api):
    data = os.urandom(3 * MiB)
    leftover = bytearray(data[:2 * MiB])
    leftover[MiB + 5] ^= 0xFF
    with open(_resume_file(api), "wb") as fh:
        fh.write(leftover)
    api.object_create(None, "box", data=data, obj_name="big", resume=True)
    assert _read(api) == data


def test_a_leftover_longer_than_the_data_is_cut(api):
    data = b"x" * 1000
    with open(_resume_file(api), "wb") as fh:
        fh.write(data + b"tail of an older, longer upload")
    _c, size, _md5 = api.object_create(None, "box", data=data, obj_name="big", resume=True)
    assert size == 1000 and _read(api) == data


def test_a_leftover_another_upload_holds_is_left_alone(api):
    path = _resume_file(api)
    with open(path, "wb") as fh:
        fh.write(b"in use")
        fh.flush()
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        api.object_create(None, "box", data=b"new data", obj_name="big", resume=True)
        assert _read(api) == b"new data"
        with open(path, "rb") as again:
            assert again.read() == b"in use"


def test_a_plain_upload_neither_uses_nor_removes_the_leftover(api):
    path = _resume_file(api)
    with open(path, "wb") as fh:
        fh.write(b"left by a killed upload")
    api.object_create(None, "box", data=b"plain", obj_name="big")
    assert _read(api) == b"plain"
    with open(path, "rb") as fh:
        assert fh.read() == b"left by a killed upload"


def test_a_new_process_does_not_collect_a_fresh_leftover(api, tmp_path):
    path = _resume_file(api)
    with open(path, "wb") as fh:
        fh.write(b"half")
    store = LocalStore(str(tmp_path))  # a fresh store collects tmp/ again
    store.db(api.blob_client.backend.default_account)
    assert os.path.exists(path)
    old = os.stat(path).st_mtime - 2 * 24 * 3600
    os.utime(path, (old, old))
    LocalStore(str(tmp_path)).db(api.blob_client.backend.default_account)
    assert not os.path.exists(path)


def test_an_append_cannot_be_resumed(api):
    with pytest.raises(objclient.exceptions.InvalidArgument, match="append"):
        api.object_create(None, "box", data=b"x", obj_name="big", append=True, resume=True)


def test_resume_on_a_backend_without_it_is_refused_before_any_request():
    api = objclient.ObjectStorageApi("reduct+http://127.0.0.1:9")
    with pytest.raises(NotSupported, match="resume"):
        api.object_create(None, "box", data=b"x", obj_name="big", resume=True)


def _plant_leftover(url, obj, data):
    api = objclient.ObjectStorageApi(url)
    api.container_create(None, "box")
    backend = api.blob_client.backend
    path = backend.store.resume_path(backend.default_account, "box", obj)
    with open(path, "wb") as fh:
        fh.write(data)
    api.close()
    return path


@pytest.mark.parametrize("command", ["upload", "copy", "sync"])
def test_the_command_line_resumes_with_resume(tmp_path, monkeypatch, capsys, command):
    from objclient.cli import main
    url = f"file://{tmp_path}/store"
    monkeypatch.setenv("OBJCLIENT_URL", url)
    data = os.urandom(2 * MiB + 3)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "big").write_bytes(data)
    leftover = _plant_leftover(url, "big", data[:MiB])
    other = f"file://{tmp_path}/other"
    objclient.ObjectStorageApi(other).object_create(None, "box", data=data, obj_name="big")
    argv = {"upload": ["object", "upload", "box", str(tmp_path / "src" / "big"), "--resume"],
            "copy": ["copy", f"{other}#box/big", f"{url}#box/big", "--resume"],
            "sync": ["sync", str(tmp_path / "src"), f"{url}#box", "--resume"]}[command]
    assert main(argv) == 0, capsys.readouterr().err
    assert not os.path.exists(leftover)  # taken over, then moved into place
    api = objclient.ObjectStorageApi(url)
    assert _read(api) == data
