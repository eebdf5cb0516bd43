"""object_download's single GET: each byte hashed once, a corrupt body refused."""

from __future__ import annotations

import hashlib
import os
import threading
from typing import Any, Iterator, List, Optional, Tuple

import pytest

import objclient
from objclient.exceptions import ChecksumMismatch
from objclient.http import BodyStream, HTTPClient, RetryPolicy
from objclient.contract import Capability
from objclient.integrity import INLINE_LIMIT, PartsCheck, combined_etag
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


def test_a_large_parallel_download_is_hashed_beside_and_refused_when_corrupt(
        tmp_path: Any) -> None:
    data = os.urandom(INLINE_LIMIT + 1_000_000)  # hashed on the hashing thread
    api = objclient.ObjectStorageApi(f"file://{tmp_path}/store?fsync=0")
    api.object_create("a", "c", data=data, obj_name="o")
    ranged = dict(workers=4, part_size=1 << 20, parallel_threshold=1 << 20)
    api.object_download("a", "c", "o", str(tmp_path / "o.bin"), **ranged)
    assert (tmp_path / "o.bin").read_bytes() == data
    _meta, chunks = api.object_locate("a", "c", "o")
    with open(chunks[0]["url"][len("file://"):], "r+b") as fh:
        fh.seek(INLINE_LIMIT + 10)
        fh.write(b"\0" if data[INLINE_LIMIT + 10] else b"\1")
    with pytest.raises(ChecksumMismatch):
        api.object_download("a", "c", "o", str(tmp_path / "bad.bin"), **ranged)
    assert not (tmp_path / "bad.bin").exists()
    assert not [t.name for t in threading.enumerate() if t.name == "objclient-hash"]


class _RangesApi:
    """The part of the facade a download in ranges uses, over ``data`` held
    in memory, stored as parts of ``part`` bytes (an S3 multipart object);
    ``flip`` damages one byte of what the ranges return."""

    capabilities = frozenset({Capability.RANGES})

    def __init__(self, data: bytes, part: int, flip: Optional[int] = None) -> None:
        self.data = data
        self.sizes = [len(data[i:i + part]) for i in range(0, len(data), part)]
        self.etag = combined_etag([_real_md5(data[i:i + part]).digest()
                                   for i in range(0, len(data), part)], "s3")
        self.flip = flip
        self.checks: List[PartsCheck] = []

    def _object_info(self, *_args: Any, **_kwargs: Any) -> ObjectInfo:
        return ObjectInfo(name="o", size=len(self.data), hash=self.etag, hash_method="etag")

    def _ranged_check(self, *_args: Any, **_kwargs: Any) -> PartsCheck:
        self.checks.append(PartsCheck(self.sizes, self.etag, "s3"))
        return self.checks[-1]

    def object_fetch(self, *_args: Any, ranges: List[Tuple[int, int]],
                     **_kwargs: Any) -> Tuple[ObjectInfo, Any]:
        first, last = ranges[0]
        piece = self.data[first:last + 1]
        if self.flip is not None and first <= self.flip <= last:
            at = self.flip - first
            piece = piece[:at] + bytes([piece[at] ^ 1]) + piece[at + 1:]
        return self._object_info(), _Chunks([piece])


class _Chunks(list):  # type: ignore[type-arg]
    def close(self) -> None:
        pass


RANGED = dict(workers=3, part_size=100_000, parallel_threshold=1)


def test_a_multipart_object_in_ranges_is_checked_against_its_etag(tmp_path: Any) -> None:
    data = os.urandom(1_000_003)
    api = _RangesApi(data, part=300_000)
    download(api, None, "c", "o", str(tmp_path / "o.bin"), **RANGED)  # type: ignore[arg-type]
    assert (tmp_path / "o.bin").read_bytes() == data and len(api.checks) == 1


def test_a_damaged_range_of_a_multipart_object_leaves_no_file(tmp_path: Any) -> None:
    api = _RangesApi(os.urandom(1_000_003), part=300_000, flip=654_321)
    with pytest.raises(ChecksumMismatch):
        download(api, None, "c", "o", str(tmp_path / "o.bin"), **RANGED)  # type: ignore[arg-type]
    assert os.listdir(tmp_path) == []


def test_without_verify_nothing_is_asked_or_checked(tmp_path: Any) -> None:
    api = _RangesApi(os.urandom(500_000), part=300_000, flip=1)
    download(api, None, "c", "o", str(tmp_path / "o.bin"), verify=False,
             **RANGED)  # type: ignore[arg-type]
    assert api.checks == []


def test_ranges_into_a_path_are_written_in_place_and_into_a_file_object_in_order(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from objclient.transfer import engine as engine_module
    held: List[type] = []
    real = engine_module.TransferEngine.download

    def watched(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        for item in real(self, *args, **kwargs):
            held.append(type(item))
            yield item

    monkeypatch.setattr(engine_module.TransferEngine, "download", watched)
    data = os.urandom(1_000_003)
    api = _RangesApi(data, part=300_000)
    download(api, None, "c", "o", str(tmp_path / "o.bin"), **RANGED)  # type: ignore[arg-type]
    assert (tmp_path / "o.bin").read_bytes() == data
    assert held and bytes not in held  # no part was held whole: each was written in place
    held.clear()
    with open(tmp_path / "f.bin", "wb") as fh:  # a caller's file: written in order
        download(api, None, "c", "o", fh, **RANGED)  # type: ignore[arg-type]
    assert (tmp_path / "f.bin").read_bytes() == data and set(held) == {bytes}
