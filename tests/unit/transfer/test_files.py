"""object_download's single GET: each byte hashed once, a corrupt body refused."""

from __future__ import annotations

import hashlib
import os
from typing import Any, Iterator, List, Tuple

import pytest

import objclient
from objclient.exceptions import ChecksumMismatch
from objclient.http import BodyStream, HTTPClient, RetryPolicy
from objclient.models import ObjectInfo
from objclient.transfer import download
from tests.serverfixture import ScriptedServer, Step, running_server

PAYLOAD = os.urandom(300_000)
_real_md5 = hashlib.md5


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> List[int]:
    """The bytes every MD5 made from now on is fed (one entry per update)."""
    fed: List[int] = []

    class CountingMd5:
        def __init__(self, data: bytes = b"", **kwargs: Any) -> None:
            self._md5 = _real_md5(**kwargs)
            self.update(data)

        def update(self, data: bytes) -> None:
            if data:
                fed.append(len(data))
            self._md5.update(data)

        def digest(self) -> bytes:
            return self._md5.digest()

        def hexdigest(self) -> str:
            return self._md5.hexdigest()

    monkeypatch.setattr(hashlib, "md5", CountingMd5)
    return fed


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    """A scripted HTTP server on 127.0.0.1."""
    with running_server() as srv:
        yield srv


class _OneGetApi:
    """The part of the facade :func:`download` uses for one GET: a
    BodyStream over the scripted server's answer, of an object whose MD5 is
    ``md5``; the stream checks it when ``stream_checks``."""

    capabilities: frozenset = frozenset()

    def __init__(self, server: ScriptedServer, md5: str, stream_checks: bool = True) -> None:
        self._http = HTTPClient(server.url, retries=RetryPolicy.disabled())
        self._md5 = md5
        self._stream_checks = stream_checks

    def object_fetch(self, *_args: Any, **_kwargs: Any) -> Tuple[ObjectInfo, BodyStream]:
        resp = self._http.get("/o", stream=True)
        info = ObjectInfo(name="o", size=len(PAYLOAD), hash=self._md5, hash_method="md5")
        return info, BodyStream(resp, expected_md5=self._md5 if self._stream_checks else None,
                                expected_size=len(PAYLOAD))


def test_a_checked_get_is_hashed_once(server: ScriptedServer, hashed: List[int],
                                      tmp_path: Any) -> None:
    server.script("/o", Step(body=PAYLOAD))
    api = _OneGetApi(server, _real_md5(PAYLOAD).hexdigest())
    download(api, None, "c", "o", str(tmp_path / "o.bin"))
    assert (tmp_path / "o.bin").read_bytes() == PAYLOAD
    assert sum(hashed) == len(PAYLOAD)


def test_a_corrupt_get_leaves_no_file_and_is_hashed_once(
        server: ScriptedServer, hashed: List[int], tmp_path: Any) -> None:
    server.script("/o", Step(body=PAYLOAD))
    api = _OneGetApi(server, "0" * 32)
    with pytest.raises(ChecksumMismatch):
        download(api, None, "c", "o", str(tmp_path / "o.bin"))
    assert os.listdir(tmp_path) == []
    assert sum(hashed) == len(PAYLOAD)


def test_an_unchecked_stream_is_hashed_by_the_download(
        server: ScriptedServer, hashed: List[int], tmp_path: Any) -> None:
    server.script("/o", Step(body=PAYLOAD))
    api = _OneGetApi(server, "0" * 32, stream_checks=False)
    with pytest.raises(ChecksumMismatch):
        download(api, None, "c", "o", str(tmp_path / "o.bin"))
    assert os.listdir(tmp_path) == []
    assert sum(hashed) == len(PAYLOAD)


def test_a_local_download_is_hashed_once(hashed: List[int], tmp_path: Any) -> None:
    api = objclient.ObjectStorageApi(f"file://{tmp_path}/store?fsync=0")
    api.object_create("a", "c", data=PAYLOAD, obj_name="o")
    hashed.clear()
    api.object_download("a", "c", "o", str(tmp_path / "o.bin"))
    assert (tmp_path / "o.bin").read_bytes() == PAYLOAD
    assert sum(hashed) == len(PAYLOAD)
