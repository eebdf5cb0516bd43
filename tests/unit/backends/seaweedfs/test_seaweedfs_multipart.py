"""The streaming multipart body for volume server uploads."""

import io

import pytest

from objclient.backends.seaweedfs.multipart import MultipartBody
from objclient.source import open_source


def test_body_is_a_valid_form_with_known_length():
    body = MultipartBody(open_source(data=b"payload"), filename='we"ird\r\n',
                         boundary="BOUND")
    data = body.read()
    assert body.len is not None
    assert data.startswith(b"--BOUND\r\nContent-Disposition: form-data; name=\"file\"; "
                           b"filename=\"we_ird__\"\r\n")
    assert data.endswith(b"\r\n\r\npayload\r\n--BOUND--\r\n")
    assert len(data) == MultipartBody(open_source(data=b"payload"), filename='we"ird\r\n',
                                      boundary="BOUND").len


def test_small_reads_stream_the_source_without_reading_it_all():
    source = open_source(data=io.BytesIO(b"x" * 100000))
    body = MultipartBody(source, boundary="B")
    first = body.read(10)
    assert len(first) == 10 and source.bytes_read == 0
    rest = b"".join(iter(lambda: body.read(4096), b""))
    assert (first + rest).count(b"x") == 100000


def test_unknown_length_and_one_pass_source_cannot_rewind():
    body = MultipartBody(open_source(data=iter([b"a", b"b"])), boundary="B")
    assert body.len is None
    body.read(5)
    with pytest.raises(io.UnsupportedOperation):
        body.seek(0)


def test_rewind_restarts_body_and_crc():
    body = MultipartBody(open_source(data=b"hello world"), boundary="B", crc=True)
    once = body.read()
    assert body.crc.hexdigest() == "c99465aa"
    body.seek(0)
    assert body.read() == once and body.crc.hexdigest() == "c99465aa"
