"""The fake rawx answers as rawx/handler_chunk.go and rawx/chunk_info.go do
(the stored OpenIO 2020 line): statuses, headers and range handling, each
pinned with plain ``requests`` calls against the fake."""

import hashlib

import pytest
import requests

from tests.fakes.openio import RAWX, cid_of, start_fake

CHUNK = "0123456789ABCDEF01234567" * 2  # 48 hex digits
DATA = b"0123456789" * 10
META = "X-oio-Chunk-Meta-"


@pytest.fixture
def fake():
    fake, mock = start_fake()
    yield fake
    mock.stop()
    mock.reset()


def _headers(**extra):
    headers = {META + "Content-Storage-Policy": "SINGLE",
               META + "Content-Chunk-Method": "plain/nb_copy=1",
               META + "Chunk-Pos": "0",
               META + "Full-Path": "acct/cont/dir%2Fobj/1700000000000000/ab12"}
    headers.update({META + k.replace("_", "-"): v for k, v in extra.items()})
    return {k: v for k, v in headers.items() if v is not None}


def _put(chunk=CHUNK, data=DATA, host=RAWX[0], **extra):
    return requests.put(f"{host}/{chunk}", data=data, headers=_headers(**extra))


def test_put_answers_201_with_the_computed_hash_size_and_oio_version(fake):
    resp = _put()
    assert resp.status_code == 201
    assert resp.headers[META + "Chunk-Hash"] == hashlib.md5(DATA).hexdigest().upper()
    assert resp.headers[META + "Chunk-Size"] == str(len(DATA))
    assert resp.headers[META + "Oio-Version"] == "4.2"
    assert resp.content == b""


@pytest.mark.parametrize("missing", ["Content-Storage-Policy", "Content-Chunk-Method",
                                     "Chunk-Pos", "Full-Path"])
def test_put_without_a_mandatory_header_is_a_bare_400(fake, missing):
    resp = _put(**{missing.replace("-", "_"): None})
    assert (resp.status_code, resp.content) == (400, b"")
    assert fake.rawx[RAWX[0]] == {}


@pytest.mark.parametrize("extra", [
    {"Full_Path": "acct/cont/obj/1"},                      # four parts
    {"Full_Path": "/cont/obj/1/ab12"},                      # empty account
    {"Full_Path": "acct/cont/obj/v1/ab12"},                 # version not an integer
    {"Full_Path": "acct/cont/obj/1/xyz"},                   # content id not hex
    {"Full_Path": "acct/cont/obj%zz/1/ab12"},               # bad escape
    {"Container_Id": "00" * 32},                            # another container
    {"Content_Path": "other"},
    {"Content_Version": "2"},
    {"Content_Id": "CD34"},
    {"Chunk_Id": "F" * 48},                                 # not the URL's chunk
    {"Chunk_Hash": "not-hex"},
    {"Chunk_Size": "ten"},
    {"Metachunk_Hash": "0" * 65},
])
def test_put_with_an_invalid_header_is_400(fake, extra):
    assert _put(**extra).status_code == 400


def test_put_headers_that_agree_with_the_full_path_are_accepted(fake):
    resp = _put(Container_Id=cid_of("acct", "cont").lower(), Content_Path="dir%2Fobj",
                Content_Version="1700000000000000", Content_Id="AB12",
                Chunk_Id=CHUNK.lower())
    assert resp.status_code == 201


def test_put_of_an_existing_chunk_is_409_and_keeps_the_first(fake):
    assert _put().status_code == 201
    assert _put(data=b"other").status_code == 409
    assert requests.get(f"{RAWX[0]}/{CHUNK}").content == DATA


def test_put_whose_announced_hash_or_size_differs_from_the_body_is_400(fake):
    assert _put(Chunk_Hash="0" * 32).status_code == 400
    assert _put(Chunk_Size=str(len(DATA) + 1)).status_code == 400
    assert fake.rawx[RAWX[0]] == {}
    good = hashlib.md5(DATA).hexdigest()
    assert _put(Chunk_Hash=good, Chunk_Size=str(len(DATA))).status_code == 201


def test_put_hash_is_md5_whatever_the_chunk_method_names(fake):
    resp = _put(Content_Chunk_Method="plain/nb_copy=1,cca=blake3")
    assert resp.headers[META + "Chunk-Hash"] == hashlib.md5(DATA).hexdigest().upper()


def test_ec_chunk_without_metachunk_hash_and_size_is_400(fake):
    method = "ec/algo=liberasurecode_rs_vand,k=6,m=3"
    assert _put(Content_Chunk_Method=method).status_code == 400
    assert _put(Content_Chunk_Method=method, Metachunk_Hash="ab" * 16,
                Metachunk_Size="600").status_code == 201


@pytest.mark.parametrize("path", ["ABC", "G" * 24, "A" * 65, CHUNK + "/"])
def test_a_path_that_is_not_24_to_64_hex_digits_is_400(fake, path):
    assert requests.get(f"{RAWX[0]}/{path}").status_code == 400


def test_get_and_head_answer_the_attributes_from_the_full_path(fake):
    _put()
    for resp in (requests.get(f"{RAWX[0]}/{CHUNK}"), requests.head(f"{RAWX[0]}/{CHUNK}")):
        assert resp.status_code == 200
        h = resp.headers
        assert h[META + "Full-Path"] == "acct/cont/dir%2Fobj/1700000000000000/AB12"
        assert h[META + "Container-Id"] == cid_of("acct", "cont")
        assert h[META + "Content-Path"] == "dir%2Fobj"
        assert h[META + "Content-Id"] == "AB12"
        assert h[META + "Chunk-Id"] == CHUNK
        assert h["Content-Length"] == str(len(DATA))
        assert "Last-Modified" in h
    assert "Accept-Ranges" not in requests.get(f"{RAWX[0]}/{CHUNK}").headers
    assert requests.head(f"{RAWX[0]}/{CHUNK}").headers["Accept-Ranges"] == "bytes"


def test_request_id_is_echoed_only_when_sent(fake):
    _put()
    assert "X-oio-req-id" not in requests.get(f"{RAWX[0]}/{CHUNK}").headers
    resp = requests.get(f"{RAWX[0]}/{CHUNK}", headers={"X-oio-req-id": "r" * 80})
    assert resp.headers["X-oio-req-id"] == "r" * 63


@pytest.mark.parametrize("value, status, body, content_range", [
    ("bytes=10-19", 206, DATA[10:20], "bytes 10-19/100"),
    ("bytes=90-500", 206, DATA[90:], "bytes 90-99/100"),     # last byte clamped
    ("bytes=100-120", 416, b"", None),                       # first byte past the end
    ("bytes=-10", 200, DATA, None),                          # suffix: ignored
    ("bytes=10-", 200, DATA, None),                          # open-ended: ignored
    ("bytes=20-10", 200, DATA, None),                        # reversed: ignored
    ("items=0-1", 200, DATA, None),
])
def test_get_range_follows_get_range(fake, value, status, body, content_range):
    _put()
    resp = requests.get(f"{RAWX[0]}/{CHUNK}", headers={"Range": value})
    assert (resp.status_code, resp.content) == (status, body)
    assert resp.headers.get("Content-Range") == content_range


def test_missing_chunk_is_404_for_get_head_and_delete(fake):
    for method in ("GET", "HEAD", "DELETE"):
        assert requests.request(method, f"{RAWX[0]}/{CHUNK}").status_code == 404


def test_delete_is_204_then_404(fake):
    _put()
    assert requests.delete(f"{RAWX[0]}/{CHUNK}").status_code == 204
    assert requests.delete(f"{RAWX[0]}/{CHUNK}").status_code == 404


def test_head_with_check_hash_compares_the_data_md5(fake):
    _put()
    url = f"{RAWX[0]}/{CHUNK}"
    assert requests.head(url, headers={"X-oio-check-hash": "true"}).status_code == 200
    bad = {"X-oio-check-hash": "true", META + "Chunk-Hash": "0" * 32}
    assert requests.head(url, headers=bad).status_code == 412
    fake.corrupt.add(CHUNK)
    assert requests.head(url, headers={"X-oio-check-hash": "1"}).status_code == 412


def _copy(dest, **extra):
    headers = {"Destination": dest} if dest is not None else {}
    headers.update({META + "Full-Path": "acct/cont/link/1700000000000001/CD34"})
    headers.update({META + k: v for k, v in extra.items()})
    return requests.request("COPY", f"{RAWX[0]}/{CHUNK}", headers=headers)


def test_copy_links_the_chunk_under_the_new_full_path(fake):
    _put()
    new = "A" * 48
    assert _copy(f"{RAWX[0]}/{new}").status_code == 201
    resp = requests.get(f"{RAWX[0]}/{new}")
    assert resp.content == DATA
    assert resp.headers[META + "Full-Path"] == "acct/cont/link/1700000000000001/CD34"
    assert resp.headers[META + "Chunk-Id"] == new
    assert resp.headers[META + "Chunk-Hash"] == hashlib.md5(DATA).hexdigest().upper()


def test_copy_refusals_follow_copy_chunk(fake):
    _put()
    new = "A" * 48
    assert _copy(None).status_code == 400                        # no Destination
    assert _copy(f"{RAWX[1]}/{new}").status_code == 403          # another rawx
    assert _copy(f"{RAWX[0]}/{CHUNK}").status_code == 403        # the same chunk
    assert _copy(f"{RAWX[0]}/xyz").status_code == 400            # not a chunk id
    assert _copy(f"{RAWX[0]}/{new}", **{"Full-Path": "a/b"}).status_code == 400
    assert _copy(f"{RAWX[0]}/{new}").status_code == 201
    assert _copy(f"{RAWX[0]}/{new}").status_code == 409          # target exists
    requests.delete(f"{RAWX[0]}/{CHUNK}")
    assert _copy(f"{RAWX[0]}/{'B' * 48}").status_code == 404     # no source
