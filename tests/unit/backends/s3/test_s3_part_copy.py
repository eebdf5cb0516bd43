"""Server-side copies against a mocked S3: CopyObject below
``copy_part_threshold``, UploadPartCopy parts from it up (exact ranges,
conditional on the source's ETag, aborted on any failure)."""

import hashlib
import re

import pytest
import responses

import objclient
from objclient.exceptions import ChecksumMismatch, Forbidden, InvalidArgument, PreconditionFailed
from objclient.integrity import combined_etag

MiB = 1 << 20
HOST = "http://127.0.0.1:9"
SRC = HOST + "/bkt/src"
DST = HOST + "/bkt/dst"
SRC_ETAG = '"' + "5" * 32 + '"'
INIT = ("<InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>dst</Key>"
        "<UploadId>up-1</UploadId></InitiateMultipartUploadResult>")
SIZE = 12 * MiB + 123  # parts of 5 MiB: 5, 5 and 2 MiB + 123 bytes


def _api(**options):
    settings = dict(copy_part_threshold=5 * MiB, copy_part_size=5 * MiB, concurrency=2)
    settings.update(options)
    return objclient.ObjectStorageApi("s3+" + HOST, access_key="a", secret_key="s",
                                      retries=None, **settings)


def _part_etag(number):
    return hashlib.md5(f"part {number}".encode()).hexdigest()


def _copy_part(etags=_part_etag, status=200):
    """An UploadPartCopy answer: the part's ETag in a CopyPartResult."""
    def answer(request):
        number = int(re.search(r"partNumber=(\d+)", request.url).group(1))
        if status != 200:
            return status, {}, f"<Error><Code>X{status}</Code></Error>"
        return 200, {}, (f"<CopyPartResult><ETag>\"{etags(number)}\"</ETag>"
                         "</CopyPartResult>")
    return answer


def _mock(part=None, final=None, size=SIZE, dst=DST):
    """HEAD of the source, then a multipart upload of ``dst`` whose parts are copies."""
    responses.add(responses.HEAD, SRC, headers={
        "Content-Length": str(size), "ETag": SRC_ETAG, "Content-Type": "image/png",
        "x-amz-meta-colour": "blue"})
    if dst != SRC:
        responses.add(responses.HEAD, dst, headers={"Content-Length": str(size),
                                                    "ETag": '"' + "e" * 32 + '-3"'})
    responses.add(responses.POST, re.compile(re.escape(dst) + r"\?uploads"), body=INIT)
    responses.add_callback(responses.PUT, re.compile(re.escape(dst) + r"\?partNumber=\d+"),
                           callback=part or _copy_part())
    want = final or combined_etag([bytes.fromhex(_part_etag(n)) for n in (1, 2, 3)], "s3")
    responses.add(responses.POST, re.compile(re.escape(dst) + r"\?uploadId=up-1"),
                  body=f"<CompleteMultipartUploadResult><ETag>\"{want}\"</ETag>"
                       "</CompleteMultipartUploadResult>")
    responses.add(responses.DELETE, re.compile(re.escape(dst) + r"\?uploadId=up-1"),
                  status=204)


def _calls(method, fragment=""):
    return [c.request for c in responses.calls
            if c.request.method == method and fragment in c.request.url]


def _link(api, **kwargs):
    return api.object_link(None, "bkt", "src", None, "bkt", "dst", **kwargs)


@responses.activate
def test_a_copy_below_the_threshold_is_one_copyobject_and_one_head():
    responses.add(responses.PUT, DST, body="<CopyObjectResult/>")
    responses.add(responses.HEAD, DST, headers={"Content-Length": "1000"})
    _link(_api(), target_size=1000)
    assert [c.request.method for c in responses.calls] == ["PUT", "HEAD"]
    put = _calls("PUT")[0]
    assert put.headers["x-amz-copy-source"] == "/bkt/src"
    assert put.headers["x-amz-metadata-directive"] == "COPY"


@responses.activate
def test_a_copy_at_the_threshold_is_made_of_parts_with_exact_ranges():
    _mock()
    _link(_api(), target_size=SIZE)
    parts = sorted(_calls("PUT", "partNumber="), key=lambda r: r.url)
    assert [p.headers["x-amz-copy-source-range"] for p in parts] == [
        "bytes=0-5242879", "bytes=5242880-10485759", f"bytes=10485760-{SIZE - 1}"]
    assert {p.headers["x-amz-copy-source"] for p in parts} == {"/bkt/src"}
    assert {p.headers["x-amz-copy-source-if-match"] for p in parts} == {SRC_ETAG}
    init = _calls("POST", "?uploads")[0]
    # parts carry no metadata: the upload starts with the source's (CopyObject's COPY)
    assert init.headers["Content-Type"] == "image/png"
    assert init.headers["x-amz-meta-colour"] == "blue"
    complete = _calls("POST", "uploadId=up-1")[0]
    assert complete.body.count(b"<Part>") == 3 and not _calls("DELETE")


@responses.activate
def test_the_default_threshold_tries_copyobject_and_turns_to_parts_when_refused():
    responses.add(responses.PUT, DST, status=400, body=(
        "<Error><Code>InvalidRequest</Code><Message>The specified copy source is larger "
        "than the maximum allowable size for a copy source: 5368709120</Message></Error>"))
    _mock()
    _link(_api(copy_part_threshold=None))  # no size given: no HEAD before the CopyObject
    assert responses.calls[0].request.method == "PUT"
    assert len(_calls("PUT", "partNumber=")) == 3


@responses.activate
def test_a_lower_threshold_without_a_size_heads_the_source_first():
    _mock()
    _link(_api())
    assert [c.request.method for c in responses.calls][:2] == ["HEAD", "POST"]


@responses.activate
def test_properties_of_a_large_object_are_set_by_a_copy_onto_itself_in_parts():
    _mock(dst=SRC)
    _api().object_set_properties(None, "bkt", "src", {"size": "big"})
    init = _calls("POST", "?uploads")[0]
    assert init.headers["x-amz-meta-colour"] == "blue" and init.headers["x-amz-meta-size"] == "big"
    puts = _calls("PUT")
    assert len(puts) == 3 and all("partNumber=" in r.url for r in puts)  # no CopyObject


@responses.activate
def test_clearing_properties_keeps_the_mark_of_an_underived_etag():
    responses.add(responses.HEAD, SRC, headers={
        "Content-Length": "10", "ETag": SRC_ETAG, "x-amz-meta-colour": "blue",
        "x-amz-meta-objclient-etag": "copied-parts"})
    responses.add(responses.PUT, SRC, body="<CopyObjectResult/>")
    _api().object_set_properties(None, "bkt", "src", {}, clear=True)
    put = _calls("PUT")[0]
    assert put.headers["x-amz-meta-objclient-etag"] == "copied-parts"
    assert "x-amz-meta-colour" not in put.headers


@responses.activate
def test_a_failed_part_aborts_the_upload_and_nothing_is_completed():
    _mock(part=_copy_part(status=403))
    with pytest.raises(Forbidden):
        _link(_api(), target_size=SIZE)
    assert len(_calls("DELETE", "uploadId=up-1")) == 1
    assert not _calls("POST", "uploadId=up-1")


@responses.activate
def test_a_source_changed_mid_copy_raises_and_leaves_no_object():
    def changed_after_the_first(request):
        if "partNumber=1&" in request.url:
            return _copy_part()(request)
        return 412, {}, "<Error><Code>PreconditionFailed</Code></Error>"
    _mock(part=changed_after_the_first)
    with pytest.raises(PreconditionFailed, match="changed while it was copied"):
        _link(_api(), target_size=SIZE)
    assert len(_calls("DELETE", "uploadId=up-1")) == 1
    assert not _calls("POST", "uploadId=up-1")


@responses.activate
def test_a_completed_etag_that_the_parts_etags_do_not_make_is_refused():
    _mock(final="f" * 32 + "-3")
    with pytest.raises(ChecksumMismatch):
        _link(_api(), target_size=SIZE)
    assert len(_calls("DELETE", "uploadId=up-1")) == 1


@responses.activate
def test_part_etags_that_are_not_md5s_mark_the_copy_which_starts_again_once():
    chunky = _copy_part(etags=lambda n: _part_etag(n) + "-2")  # SeaweedFS: its chunks' ETag
    _mock(part=chunky, final="c" * 32 + "-3")
    api = _api()
    _link(api, target_size=SIZE)
    first, second = _calls("POST", "?uploads")
    assert "x-amz-meta-objclient-etag" not in first.headers
    assert second.headers["x-amz-meta-objclient-etag"] == "copied-parts"
    # the first attempt stopped after its first part; the second copied all three
    assert len(_calls("PUT", "partNumber=")) == 1 + 3
    assert len(_calls("DELETE", "uploadId=up-1")) == 1
    responses.calls.reset()  # the backend has learnt: the next copy is marked from the start
    _link(api, target_size=SIZE)
    assert len(_calls("POST", "?uploads")) == 1 and not _calls("DELETE")


@responses.activate
def test_a_later_part_whose_etag_is_not_an_md5_also_restarts_the_copy_marked():
    # SeaweedFS gives a part within one of its chunks the part's MD5
    _mock(part=_copy_part(etags=lambda n: _part_etag(n) + ("-2" if n == 3 else "")),
          final="c" * 32 + "-3")
    _link(_api(), target_size=SIZE)
    first, second = _calls("POST", "?uploads")
    assert second.headers["x-amz-meta-objclient-etag"] == "copied-parts"
    assert len(_calls("PUT", "partNumber=")) == 3 + 3


@pytest.mark.parametrize("marked", [False, True])
@responses.activate
def test_a_download_checks_a_multipart_etag_unless_the_copy_marked_it(marked):
    body = b"a" * 7 + b"b" * 7 + b"c" * 3
    headers = {"ETag": '"' + "0" * 32 + '-3"', "Content-Length": str(len(body))}
    if marked:
        headers["x-amz-meta-objclient-etag"] = "copied-parts"
    responses.add(responses.GET, DST, body=body, headers=headers)
    responses.add(responses.HEAD, DST + "?partNumber=1", status=206,
                  headers={"ETag": headers["ETag"], "Content-Length": "7"})
    _meta, stream = _api().object_fetch(None, "bkt", "dst")
    if marked:
        assert stream.read() == body and not _calls("HEAD")
    else:
        with pytest.raises(ChecksumMismatch):
            stream.read()


@pytest.mark.parametrize("option, value", [("copy_part_size", 6 * 1024 ** 3),
                                           ("copy_part_size", MiB),
                                           ("copy_part_threshold", MiB)])
def test_copy_part_options_are_checked(option, value):
    with pytest.raises(InvalidArgument, match=option):
        _api(**{option: value})
