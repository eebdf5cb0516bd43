"""A JSON listing row as an ObjectInfo: plain objects, static large objects,
versions and delete markers, each read by ``listing_row_info``."""

import calendar

import pytest

from objclient.backends.swift.container import SwiftContainerClient, listing_row_info
from objclient.models import ListingEntry, ObjectInfo

WHEN = "2026-11-25T06:43:42.170500"
EPOCH = calendar.timegm((2026, 11, 25, 6, 43, 42)) + 0.1705


def test_a_plain_row_gives_its_size_md5_type_and_times():
    info = listing_row_info({"name": "o", "bytes": 5, "hash": "ab" * 16,
                             "content_type": "text/plain", "last_modified": WHEN},
                            "AUTH_a", "c")
    assert info == ObjectInfo(name="o", size=5, hash="ab" * 16, hash_method="md5",
                              mime_type="text/plain", ctime=pytest.approx(EPOCH),
                              mtime=pytest.approx(EPOCH), container="c", account="AUTH_a")


def test_a_static_large_object_row_gives_its_manifest_etag_not_an_md5():
    info = listing_row_info({"name": "big", "bytes": 9, "hash": "cd" * 16,
                             "slo_etag": '"' + "ef" * 16 + '"', "last_modified": WHEN},
                            "AUTH_a", "c")
    assert info.hash == "ef" * 16 and info.hash_method == "etag"
    assert info.chunk_method == "slo" and info.mime_type == "application/octet-stream"


def test_a_delete_marker_row_has_no_hash_and_is_deleted():
    info = listing_row_info({"name": "gone", "bytes": 0, "hash": "d4" * 16,
                             "content_type": "application/x-deleted;swift_versions_deleted=1",
                             "version_id": "1764052000.00000", "is_latest": False,
                             "last_modified": WHEN}, "AUTH_a", "c")
    assert info.deleted and info.hash is None and not info.is_latest
    assert info.version == "1764052000.00000"


def test_a_version_row_keeps_its_version_and_null_is_no_version():
    row = {"name": "o", "bytes": 1, "hash": "ab" * 16, "last_modified": WHEN,
           "is_latest": True}
    assert listing_row_info(dict(row, version_id="17.5"), "a", "c").version == "17.5"
    assert listing_row_info(dict(row, version_id="null"), "a", "c").version is None


def test_every_object_row_is_listed_as_an_entry_of_that_info():
    for row in ({"name": "o", "bytes": 1, "hash": "ab" * 16},
                {"name": "big", "bytes": 9, "slo_etag": "ef" * 16},
                {"name": "gone", "content_type": "application/x-deleted;"
                                                 "swift_versions_deleted=1"}):
        entry = SwiftContainerClient._row_info(row, "a", "c")
        assert isinstance(entry, ListingEntry) and entry.name == row["name"]
        assert entry.info() == listing_row_info(row, "a", "c")
