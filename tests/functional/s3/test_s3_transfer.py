"""Multipart uploads on a real S3 server: content, memory, cleanup."""

import hashlib
import tracemalloc

import pytest

from ..ranged import check_ranged_download

MiB = 1 << 20


class Pattern:
    """A file-like source of ``size`` bytes made on the fly from one fixed
    period (so the source itself holds 5 MiB, whatever ``size`` is)."""

    PERIOD = bytes(i % 251 for i in range(251)) * (5 * MiB // 251 + 1)

    def __init__(self, size, fail_after=None):
        self.size = size
        self.pos = 0
        self.fail_after = fail_after
        self.md5 = hashlib.md5()

    def read(self, n=-1):
        if self.fail_after is not None and self.pos >= self.fail_after:
            raise OSError("the source broke")
        left = self.size - self.pos
        n = left if n is None or n < 0 else min(n, left, 5 * MiB)
        start = self.pos % 251
        data = self.PERIOD[start:start + n]
        self.pos += len(data)
        self.md5.update(data)
        return data


def test_multipart_round_trip_in_bounded_memory(seaweed, bucket):
    size = 40 * MiB  # 8 parts of 5 MiB, 2 in flight
    source = Pattern(size)
    tracemalloc.start()
    try:
        _chunks, stored, md5 = seaweed.object_create(None, bucket, data=source, obj_name="big")
        _cur, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The hash is the multipart ETag, checked against the parts' MD5s (no
    # second pass over the bytes for a whole-object MD5 the server never confirms).
    assert stored == size and md5.endswith("-8")
    # Python-allocated peak (tracemalloc): about (concurrency + 2) parts, not the object.
    assert peak < 26 * MiB, f"peak {peak / MiB:.1f} MiB"
    print(f"multipart 40 MiB: tracemalloc peak {peak / MiB:.1f} MiB")
    meta = seaweed.object_get_properties(None, bucket, "big")
    assert int(meta["size"]) == size and meta["hash_method"] == "etag"
    assert meta["hash"] == md5
    _meta, stream = seaweed.object_fetch(None, bucket, "big")
    digest = hashlib.md5()
    for chunk in stream:
        digest.update(chunk)
    assert digest.hexdigest() == source.md5.hexdigest()
    assert seaweed.blob_client.list_uploads(bucket) == []


def test_interrupted_multipart_leaves_no_upload_behind(seaweed, bucket):
    with pytest.raises(OSError):
        seaweed.object_create(None, bucket, data=Pattern(30 * MiB, fail_after=12 * MiB),
                              obj_name="broken")
    assert seaweed.blob_client.list_uploads(bucket) == []
    assert seaweed.object_head(None, bucket, "broken") is False


def test_stale_uploads_are_listed_and_aborted(seaweed, bucket):
    from objclient.backends.s3.multipart import MultipartUploader
    from objclient.contract import CallOptions
    uploader = MultipartUploader(seaweed._backend, bucket, "left/over", {}, CallOptions())
    uploader.start()
    listed = seaweed.blob_client.list_uploads(bucket)
    assert [u["key"] for u in listed] == ["left/over"]
    assert seaweed.blob_client.abort_stale_uploads(bucket, older_than=3600) == []
    aborted = seaweed.blob_client.abort_stale_uploads(bucket, older_than=0)
    assert [u["upload_id"] for u in aborted] == [uploader.upload_id]
    assert seaweed.blob_client.list_uploads(bucket) == []


def test_wrong_etag_on_multipart_removes_the_object(seaweed, bucket):
    from objclient.exceptions import ChecksumMismatch
    with pytest.raises(ChecksumMismatch):
        seaweed.object_create(None, bucket, data=Pattern(11 * MiB), obj_name="bad",
                              etag="0" * 32)
    assert seaweed.object_head(None, bucket, "bad") is False


def test_mid_size_upload_is_streamed_once_and_verified(any_bucket, tmp_path):
    import io

    from objclient.exceptions import ChecksumMismatch
    api, bucket = any_bucket
    data = bytes(range(256)) * (9 * MiB // 256)  # above the in-memory limit, below multipart
    path = tmp_path / "mid.bin"
    path.write_bytes(data)
    _chunks, size, md5 = api.object_create(None, bucket, file_or_path=str(path),
                                           obj_name="mid")
    assert size == len(data) and md5 == hashlib.md5(data).hexdigest()
    meta = api.object_get_properties(None, bucket, "mid")
    assert meta["hash"] == md5.upper() and meta["hash_method"] == "md5"
    _meta, stream = api.object_fetch(None, bucket, "mid", ranges=[(9 * MiB - 10, None)])
    assert b"".join(stream) == data[-10:]
    with pytest.raises(ChecksumMismatch):
        api.object_create(None, bucket, data=io.BytesIO(data), obj_name="mid-bad",
                          etag="0" * 32)
    assert api.object_head(None, bucket, "mid-bad") is False


def test_a_download_in_ranges_is_checked_against_the_multipart_object(
        seaweed, bucket, tmp_path, monkeypatch):
    source = Pattern(12 * MiB + 5)  # 3 parts of 5 MiB; fetched in 4 MiB ranges
    seaweed.object_create(None, bucket, data=source, obj_name="ranged")
    check = check_ranged_download(seaweed, bucket, "ranged", source.md5.hexdigest(), tmp_path,
                                  monkeypatch, 8 * MiB, workers=3, part_size=4 * MiB,
                                  parallel_threshold=1)
    assert check is not None and check.expected.endswith("-3")
