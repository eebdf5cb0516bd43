"""Downloads in ranges of multipart and large objects, checked as a whole:
the same steps on every server."""

import hashlib
import io

import pytest

from objclient.exceptions import ChecksumMismatch


def damaging_fetch(api, offset):
    """``api.object_fetch`` whose range starting at ``offset`` comes back with
    one bit flipped (what a faulty link or disk would give)."""
    real = api.object_fetch

    def fetch(*args, **kwargs):
        meta, stream = real(*args, **kwargs)
        data = bytearray(b"".join(stream))
        stream.close()
        if (kwargs.get("ranges") or [(None,)])[0][0] == offset:
            data[7] ^= 1
        return meta, io.BytesIO(bytes(data))
    return fetch


def check_ranged_download(api, container, obj, md5, tmp_path, monkeypatch, damaged_at,
                          **ranged):
    """Download ``obj`` in ranges (``ranged``: object_download's options): the
    file has MD5 ``md5``; then with the range at ``damaged_at`` damaged: the
    download is refused and leaves no file.  :returns: the blob client's
    check of the first download."""
    checks = []
    real_check = api.blob_client.ranged_check

    def record(*args, **kwargs):
        checks.append(real_check(*args, **kwargs))
        return checks[-1]

    monkeypatch.setattr(api.blob_client, "ranged_check", record)
    out = tmp_path / "ranged.bin"
    api.object_download(None, container, obj, str(out), **ranged)
    assert hashlib.md5(out.read_bytes()).hexdigest() == md5
    monkeypatch.setattr(api, "object_fetch", damaging_fetch(api, damaged_at))
    with pytest.raises(ChecksumMismatch):
        api.object_download(None, container, obj, str(tmp_path / "bad.bin"), **ranged)
    assert not (tmp_path / "bad.bin").exists()
    return checks[0]
