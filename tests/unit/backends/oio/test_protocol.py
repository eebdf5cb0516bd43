"""Pure OpenIO protocol logic: ids, full paths, chunk methods, header parsing."""

import hashlib
import time

import pytest

from objclient.contract import CallOptions
from objclient.exceptions import (ContainerNotEmpty, NoSuchAccount, NoSuchContainer,
                                  NoSuchObject, NotFound, Conflict)
from objclient.backends.oio.blob import quorum
from objclient.backends.oio.protocol import (
    cid_from_name, compute_chunk_id, content_meta_of, encode_fullpath, nb_copy_of,
    parse_chunk_method, patch_chunk_method, refine_error, request_id, timeout_header,
    unparse_chunk_method)


def test_cid_is_upper_hex_sha256_of_account_nul_container():
    expected = hashlib.sha256(b"ACCT\x00cont").hexdigest().upper()
    assert cid_from_name("ACCT", "cont") == expected
    assert len(expected) == 64


def test_chunk_id_is_upper_sha256_of_cid_path_version_pos_policy():
    cid = cid_from_name("a", "c")
    expected = hashlib.sha256(f"{cid}obj12340SINGLE".encode()).hexdigest().upper()
    assert compute_chunk_id(cid, "obj", 1234, "0", "SINGLE") == expected


def test_fullpath_has_five_percent_encoded_parts():
    path = encode_fullpath("my acct", "c/1", "dir/é?x", 1533286343746147, "AB12")
    assert path == "my%20acct/c%2F1/dir%2F%C3%A9%3Fx/1533286343746147/AB12"
    assert len(path.split("/")) == 5


def test_chunk_method_parses_bare_parameter_as_one():
    assert parse_chunk_method("plain/nb_copy=3,flag") == ("plain", {"nb_copy": "3",
                                                                     "flag": "1"})
    assert parse_chunk_method("ec/algo=liberasurecode_rs_vand,k=6,m=3")[1]["k"] == "6"


def test_unparse_sorts_keys_and_patch_adds_checksum_algorithms():
    assert unparse_chunk_method("plain", {"oca": "md5", "nb_copy": "3"}) == \
        "plain/nb_copy=3,oca=md5"
    assert patch_chunk_method("plain/nb_copy=3") == "plain/cca=md5,nb_copy=3,oca=md5"
    assert patch_chunk_method("plain/nb_copy=1", "blake3") == \
        "plain/cca=blake3,nb_copy=1,oca=md5"


def test_nb_copy_defaults_to_one_and_quorum_is_half_rounded_up():
    assert nb_copy_of("plain/") == 1
    assert nb_copy_of("plain/nb_copy=3") == 3
    assert [quorum(n) for n in (1, 2, 3, 4, 5)] == [1, 1, 2, 2, 3]


def test_request_id_is_callers_cut_to_63_or_generated():
    assert request_id(CallOptions(reqid="x" * 80)) == "x" * 63
    generated = request_id(CallOptions())
    assert 0 < len(generated) <= 63


def test_timeout_header_is_microseconds_minus_one_percent():
    assert timeout_header(30.0, None) == str(int(30.0 * 990000))
    assert int(timeout_header(30.0, time.monotonic() + 2.0)) <= 2 * 990000


def test_content_headers_split_sysmeta_from_escaped_user_properties():
    headers = {
        "x-oio-content-meta-id": "B03A29AA", "x-oio-content-meta-version": "1533286343746147",
        "x-oio-content-meta-length": "180", "x-oio-content-meta-hash": "26CB00FF",
        "x-oio-content-meta-hash-method": "md5", "x-oio-content-meta-policy": "SINGLE",
        "x-oio-content-meta-chunk-method": "plain/nb_copy=1",
        "x-oio-content-meta-mime-type": "text/plain",
        "x-oio-content-meta-name": "a%20b", "x-oio-content-meta-ctime": "1533286343",
        "x-oio-content-meta-mtime": "1533286343", "x-oio-content-meta-deleted": "False",
        "x-oio-content-meta-author": "Zo%C3%AB", "x-oio-ns-chunk-size": "1048576"}
    meta = content_meta_of(headers, "acct", "cont")
    assert meta.name == "a b" and meta.size == 180 and meta["length"] == 180
    assert meta.hash == "26cb00ff" and meta.version == 1533286343746147
    assert meta.policy == "SINGLE" and meta["chunk_method"] == "plain/nb_copy=1"
    assert meta.mime_type == "text/plain" and meta.ctime == 1533286343
    assert meta.properties == {"author": "Zoë"}
    assert meta.extra["chunk_size"] == 1048576


@pytest.mark.parametrize("code,kind,cls", [
    ("431", "object", NoSuchContainer), ("406", "object", NoSuchContainer),
    ("420", "container", NoSuchObject), ("426", "container", NoSuchObject),
    ("409", "container", NoSuchAccount), (None, "account", NoSuchAccount),
])
def test_oio_status_refines_not_found(code, kind, cls):
    err = refine_error(NotFound("not found", status=404, code=code), kind)
    assert type(err) is cls and err.code == code


def test_oio_status_438_is_container_not_empty():
    err = refine_error(Conflict("conflict", status=409, code="438"), "container")
    assert isinstance(err, ContainerNotEmpty)
