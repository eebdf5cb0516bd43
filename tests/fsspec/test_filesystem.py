"""objclient.fsspec's own behaviour, on the local backend (no server)."""

from __future__ import annotations

import configparser
import os
import pickle

import fsspec
import pytest

from objclient.fsspec import ObjectStorageFileSystem


@pytest.fixture
def store(tmp_path):
    return f"file://{tmp_path}/store?fsync=0"


@pytest.fixture
def fs(store):
    fs = ObjectStorageFileSystem(store=store, skip_instance_cache=True)
    fs.mkdir("box")
    return fs


def test_setup_cfg_registers_the_objclient_protocol_entry_point():
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(os.path.dirname(__file__), "..", "..", "setup.cfg"))
    spec = cfg["options.entry_points"]["fsspec.specs"].strip()
    assert spec == "objclient = objclient.fsspec:ObjectStorageFileSystem"


def test_fsspec_open_takes_the_store_as_a_storage_option(store):
    with fsspec.open("objclient://box/a.txt", "wb", store=store) as f:
        f.write(b"hello")
    with fsspec.open("objclient://box/a.txt", "rb", store=store) as f:
        assert f.read() == b"hello"


def test_a_filesystem_pickles_by_its_storage_options(fs):
    fs.pipe("box/k", b"v")
    again = pickle.loads(pickle.dumps(fs))
    assert again.cat("box/k") == b"v"


def test_ls_gives_s3fs_style_details_with_etag_and_mtime(fs):
    fs.pipe("box/dir/f", b"abc")
    fs.pipe("box/top", b"")
    entries = {e["name"]: e for e in fs.ls("box")}
    assert entries["box/dir"] == {"name": "box/dir", "size": 0, "type": "directory"}
    top = entries["box/top"]
    assert (top["type"], top["size"], top["etag"]) == ("file", 0,
                                                       "d41d8cd98f00b204e9800998ecf8427e")
    assert top["mtime"] > 0


def test_the_root_lists_containers_and_a_file_lists_as_itself(fs):
    fs.pipe("box/f", b"x")
    assert "box" in fs.ls("", detail=False)
    assert fs.ls("box/f", detail=False) == ["box/f"]


def test_a_prefix_with_objects_is_a_directory_and_a_missing_path_is_not_found(fs):
    fs.pipe("box/a/b/c", b"x")
    assert fs.isdir("box/a") and fs.isdir("box/a/b") and fs.isfile("box/a/b/c")
    with pytest.raises(FileNotFoundError):
        fs.info("box/nothing")
    with pytest.raises(FileNotFoundError):
        fs.ls("nobox")


def test_a_directory_marker_object_shows_as_an_empty_directory(fs):
    fs.api.object_create(None, "box", data=b"", obj_name="empty/")
    assert fs.ls("box", detail=False) == ["box/empty"]
    assert fs.isdir("box/empty")
    fs.rm("box/empty", recursive=True)
    assert fs.ls("box") == []


def test_find_lists_files_flat_and_with_dirs_their_parents(fs):
    for key in ("s/f1", "s/d/f2", "s/d/e/f3"):
        fs.pipe(f"box/{key}", b"1")
    assert fs.find("box/s") == ["box/s/d/e/f3", "box/s/d/f2", "box/s/f1"]
    assert fs.find("box/s", withdirs=True) == ["box/s", "box/s/d", "box/s/d/e",
                                               "box/s/d/e/f3", "box/s/d/f2", "box/s/f1"]
    assert fs.glob("box/s/*/f*") == ["box/s/d/f2"]


def test_ranged_reads_return_the_slice_asked_for(fs):
    data = bytes(range(256)) * 100
    fs.pipe("box/r", data)
    assert fs.cat_file("box/r", start=1000, end=1100) == data[1000:1100]
    with fs.open("box/r", "rb", block_size=4096) as f:
        f.seek(20000)
        assert f.read(10) == data[20000:20010]


def test_checksum_and_ukey_follow_the_content(fs):
    fs.pipe("box/a", b"one")
    fs.pipe("box/b", b"one")
    fs.pipe("box/c", b"two")
    assert fs.checksum("box/a") == fs.checksum("box/b") != fs.checksum("box/c")
    assert fs.ukey("box/a") == "f97c5d29941bfb1b2fdab0874906ab82:3"


def test_cp_file_copies_server_side_and_the_copy_outlives_the_source(fs):
    fs.pipe("box/src", b"data")
    fs.cp_file("box/src", "box/dst")
    fs.rm("box/src")
    assert fs.cat("box/dst") == b"data"


def test_rm_recursive_of_a_container_deletes_it(fs):
    fs.pipe("box/a/b", b"1")
    fs.rm("box", recursive=True)
    assert "box" not in fs.ls("", detail=False)


def test_mkdir_of_an_existing_container_raises_file_exists(fs):
    with pytest.raises(FileExistsError):
        fs.mkdir("box")
    fs.makedirs("box", exist_ok=True)


def test_open_xb_refuses_an_existing_object_and_ab_is_not_supported(fs):
    fs.pipe("box/x", b"1")
    with pytest.raises(FileExistsError):
        fs.open("box/x", "xb")
    with pytest.raises(NotImplementedError):
        fs.open("box/x", "ab")


def test_a_large_write_is_spooled_and_stored_once_on_close(fs, monkeypatch):
    monkeypatch.setattr("objclient.fsspec.SPOOL_MEMORY", 1024)
    calls = []
    real = fs.api.object_create_ext
    monkeypatch.setattr(fs.api, "object_create_ext",
                        lambda *a, **k: calls.append(k["obj_name"]) or real(*a, **k))
    with fs.open("box/big", "wb", block_size=5 * 2 ** 20) as f:
        for _ in range(3):
            f.write(b"z" * 4 * 2 ** 20)
    assert calls == ["big"]
    assert fs.size("box/big") == 12 * 2 ** 20


def test_put_file_and_get_file_move_whole_files(fs, tmp_path):
    src = tmp_path / "in.bin"
    src.write_bytes(b"payload")
    fs.put_file(str(src), "box/in.bin")
    fs.get_file("box/in.bin", str(tmp_path / "out.bin"))
    assert (tmp_path / "out.bin").read_bytes() == b"payload"


def test_profile_names_a_saved_store(tmp_path, monkeypatch):
    config = tmp_path / "config.ini"
    config.write_text(f"[profile lab]\nurl = file://{tmp_path}/lab?fsync=0\n")
    monkeypatch.setenv("OBJCLIENT_CONFIG", str(config))
    monkeypatch.delenv("OBJCLIENT_URL", raising=False)
    fs = ObjectStorageFileSystem(profile="lab", skip_instance_cache=True)
    fs.mkdir("box")
    fs.pipe("box/k", b"v")
    assert (fs.api.backend, fs.cat("box/k")) == ("local", b"v")
    assert (tmp_path / "lab").is_dir()


def test_a_backend_without_ranges_reads_the_slice_from_the_stream(fs, monkeypatch):
    from objclient.contract import Capability
    data = bytes(range(256)) * 64
    fs.pipe("box/r", data)
    monkeypatch.setattr(type(fs), "_caps", frozenset(fs.api.capabilities) - {Capability.RANGES})
    assert fs.cat_file("box/r", start=300, end=9000) == data[300:9000]
    with fs.open("box/r", "rb", block_size=1000) as f:
        f.seek(15000)
        assert f.read() == data[15000:]


def test_repr_names_the_store_without_its_secrets():
    fs = ObjectStorageFileSystem(store="s3+http://127.0.0.1:1", access_key="AK",
                                 secret_key="s3cr3t-value", skip_instance_cache=True)
    assert "127.0.0.1:1" in repr(fs) and "s3cr3t-value" not in repr(fs)
