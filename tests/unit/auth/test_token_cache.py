"""TokenCache: a 0600 JSON file of tokens keyed by endpoint and user."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

from objclient.auth import TokenCache
from objclient.auth.token_cache import default_cache_path


def test_saved_entry_is_loaded_by_another_instance(tmp_path: Path) -> None:
    path = str(tmp_path / "tokens.json")
    key = TokenCache.key("http://h/auth", "a:u")
    TokenCache(path).save(key, {"token": "t", "endpoint": "http://s", "expires": None})
    assert TokenCache(path).load(key) == {"token": "t", "endpoint": "http://s",
                                          "expires": None}


def test_cache_file_and_its_folder_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "tokens.json"
    TokenCache(str(path)).save("k", {"token": "t"})
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) & 0o077 == 0
    assert [p.name for p in path.parent.iterdir()] == ["tokens.json"]  # no temp file left


def test_key_differs_by_endpoint_and_user() -> None:
    keys = {TokenCache.key("http://a", "u"), TokenCache.key("http://b", "u"),
            TokenCache.key("http://a", "v")}
    assert len(keys) == 3
    assert TokenCache.key("http://a", "u") == TokenCache.key("http://a", "u")
    assert "u" not in TokenCache.key("http://a", "user")  # a hash, not the name


def test_key_differs_by_secret() -> None:
    assert TokenCache.key("http://a", "u", "k1") != TokenCache.key("http://a", "u", "k2")
    assert "k1" not in TokenCache.key("http://a", "u", "k1")


def test_a_path_with_a_tilde_is_under_home(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert TokenCache("~/t.json").path == str(tmp_path / "t.json")


def test_expired_or_nearly_expired_entries_are_not_returned(tmp_path: Path) -> None:
    cache = TokenCache(str(tmp_path / "tokens.json"))
    cache.save("old", {"token": "t", "expires": time.time() + 5})
    cache.save("fresh", {"token": "t2", "expires": time.time() + 3600})
    assert cache.load("old") is None
    assert cache.load("fresh")["token"] == "t2"


def test_saving_prunes_expired_entries(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"gone": {"token": "x", "expires": time.time() - 1}}))
    TokenCache(str(path)).save("new", {"token": "y", "expires": None})
    assert set(json.loads(path.read_text())) == {"new"}


def test_delete_forgets_one_entry(tmp_path: Path) -> None:
    cache = TokenCache(str(tmp_path / "tokens.json"))
    cache.save("a", {"token": "1"})
    cache.save("b", {"token": "2"})
    cache.delete("a")
    cache.delete("missing")
    assert cache.load("a") is None and cache.load("b") == {"token": "2"}


@pytest.mark.parametrize("content", ["not json", "[1, 2]", ""])
def test_a_corrupt_or_missing_file_is_an_empty_cache(tmp_path: Path, content: str) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(content)
    cache = TokenCache(str(path))
    assert cache.load("k") is None
    cache.save("k", {"token": "t"})
    assert cache.load("k") == {"token": "t"}
    assert TokenCache(str(tmp_path / "absent.json")).load("k") is None


def test_default_path_follows_xdg_cache_home(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_path() == str(tmp_path / "objclient" / "tokens.json")
    assert TokenCache().path == default_cache_path()
