"""Resume planning: which stored parts a new upload may reuse, with no server."""

import base64
import hashlib
import io
import threading
import zlib

from objclient.transfer import TransferEngine
from objclient.transfer.engine import read_parts
from objclient.transfer.resume import PartCheck, StoredPart, plan_resume


def _md5(data):
    return hashlib.md5(data).hexdigest()


def _stored(index, data, **kwargs):
    return StoredPart(index=index, size=len(data), md5=_md5(data),
                      result=("stored", index), **kwargs)


def test_parts_that_follow_the_plan_are_all_candidates():
    stored = [StoredPart(0, 4, "a"), StoredPart(2, 2, "c")]
    assert plan_resume(10, 4, stored) == {0: stored[0], 2: stored[1]}


def test_nothing_stored_plans_an_empty_reuse():
    assert plan_resume(10, 4, []) == {}


def test_a_part_of_another_size_means_start_over():
    assert plan_resume(10, 4, [StoredPart(0, 5, "a")]) is None
    # the last part is shorter in the plan: a full-size part there does not fit
    assert plan_resume(10, 4, [StoredPart(2, 4, "c")]) is None


def test_a_part_past_the_end_means_start_over():
    assert plan_resume(10, 4, [StoredPart(3, 4, "d")]) is None
    assert plan_resume(10, 4, [StoredPart(-1, 4, "d")]) is None


def test_a_part_listed_twice_means_start_over():
    assert plan_resume(10, 4, [StoredPart(0, 4, "a"), StoredPart(0, 4, "b")]) is None


def test_unknown_size_plans_every_part_at_the_part_size():
    assert plan_resume(None, 4, [StoredPart(5, 4, "x")]) == {5: StoredPart(5, 4, "x")}
    assert plan_resume(None, 4, [StoredPart(5, 3, "x")]) is None


def test_a_part_matches_only_the_same_bytes():
    part = _stored(0, b"abcd")
    assert part.matches(b"abcd")
    assert not part.matches(b"abce")
    assert not part.matches(b"abcde")  # same prefix, other size


def test_a_part_is_checked_by_its_additional_checksum_when_the_server_kept_one():
    crc = base64.b64encode(zlib.crc32(b"abcd").to_bytes(4, "big")).decode()
    part = StoredPart(0, 4, md5=None, checksum=("crc32", crc))
    assert part.matches(b"abcd") and not part.matches(b"abcX")
    # the checksum wins over a (here wrong) MD5
    assert StoredPart(0, 4, md5="0" * 32, checksum=("crc32", crc)).matches(b"abcd")


def test_a_part_with_no_checksum_never_matches():
    assert not StoredPart(0, 4).matches(b"abcd")
    assert not StoredPart(0, 4, md5="not-an-md5").matches(b"abcd")


def test_a_part_check_hashes_blocks_as_they_come():
    check = PartCheck(_stored(0, b"abcdef"))
    for block in (b"ab", b"cd", b"ef"):
        check.update(block)
    assert check.matches()


def _recording_send():
    sent = []
    lock = threading.Lock()

    def send(part, data):
        with lock:
            sent.append(part.index)
        return ("sent", part.index)

    return sent, send


def test_upload_sends_only_the_parts_that_do_not_match():
    data = b"aaaabbbbccccdd"
    reuse = {0: _stored(0, b"aaaa"), 1: _stored(1, b"XXXX"), 3: _stored(3, b"dd")}
    sent, send = _recording_send()
    results = TransferEngine(workers=2).upload(read_parts(io.BytesIO(data), 4), send,
                                               reuse=reuse)
    assert sorted(sent) == [1, 2]
    assert results == [("stored", 0), ("sent", 1), ("sent", 2), ("stored", 3)]


def _streamed_send():
    sent = {}
    lock = threading.Lock()

    def send(body):
        payload = b"".join(body)
        with lock:
            sent[body.index] = payload
        return ("sent", body.index, payload)

    return sent, send


def test_upload_stream_skips_matching_parts_and_resends_the_others_whole():
    data = b"aaaabbbbccccdd"
    reuse = {0: _stored(0, b"aaaa"), 1: _stored(1, b"bbXb"), 2: _stored(2, b"cccc")}
    sent, send = _streamed_send()
    results = TransferEngine(workers=2).upload_stream(io.BytesIO(data), 4, send,
                                                      block_size=3, reuse=reuse)
    assert sent == {1: b"bbbb", 3: b"dd"}
    assert results == [("stored", 0), ("sent", 1, b"bbbb"), ("stored", 2),
                       ("sent", 3, b"dd")]


def test_upload_stream_reuses_every_part_without_sending_anything():
    data = b"aaaabbbbcc"
    reuse = {0: _stored(0, b"aaaa"), 1: _stored(1, b"bbbb"), 2: _stored(2, b"cc")}
    sent, send = _streamed_send()
    results = TransferEngine(workers=2).upload_stream(io.BytesIO(data), 4, send, reuse=reuse)
    assert sent == {} and results == [("stored", 0), ("stored", 1), ("stored", 2)]


def test_upload_stream_resends_many_mismatched_parts_in_order():
    # every part fails its check: the replayed readers must not nest
    parts = [i.to_bytes(4, "big") for i in range(1500)]
    reuse = {i: _stored(i, b"zzzz") for i in range(1500)}
    sent, send = _streamed_send()
    TransferEngine(workers=2).upload_stream(io.BytesIO(b"".join(parts)), 4, send,
                                            reuse=reuse)
    assert [sent[i] for i in range(1500)] == parts


def test_s3_list_parts_entries_become_stored_parts():
    import xml.etree.ElementTree as ET

    from objclient.backends.s3.multipart import _stored_part
    item = ET.fromstring("<Part><PartNumber>3</PartNumber><ETag>\"%s\"</ETag>"
                         "<Size>4</Size><ChecksumCRC32>abc=</ChecksumCRC32></Part>"
                         % _md5(b"abcd"))
    part = _stored_part(item)
    assert (part.index, part.size, part.md5, part.checksum) == \
        (2, 4, _md5(b"abcd"), ("crc32", "abc="))
    assert part.result == (3, _md5(b"abcd"), "abc=")
    # an ETag that is not an MD5 (encrypted, composite) checks nothing
    odd = ET.fromstring("<Part><PartNumber>1</PartNumber><ETag>\"x-1\"</ETag>"
                        "<Size>4</Size></Part>")
    assert _stored_part(odd).md5 is None and not _stored_part(odd).matches(b"abcd")


def test_swift_resume_takes_the_newest_upload_the_manifest_does_not_use():
    from objclient.backends.swift.slo import resumable_segments, upload_root
    root = upload_root("big", 10, 4)
    listed = [(f"{root}1.000000/00000000", 4, "a"), (f"{root}1.000000/00000001", 4, "b"),
              (f"{root}3.000000/00000000", 4, "c"),
              (f"{root}2.000000/00000000", 4, "d"), (f"{root}2.000000/00000002", 2, "e"),
              (f"{root}2.000000/not-an-index", 1, "f")]
    prefix, parts = resumable_segments(root, listed, in_use=[f"{root}3.000000/00000000"])
    assert prefix == f"{root}2.000000/"
    assert [(p.index, p.md5, p.result) for p in parts] == \
        [(0, "d", (f"{root}2.000000/00000000", "d", 4)),
         (2, "e", (f"{root}2.000000/00000002", "e", 2))]
    assert resumable_segments(root, [], in_use=[]) == (None, [])
