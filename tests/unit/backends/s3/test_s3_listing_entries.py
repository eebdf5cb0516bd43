"""A ListObjectsV2 entry as an ObjectInfo (``listing_entry_info``), and as
the lazy ListingEntry a listing yields."""

from objclient.backends.s3.container import S3ContainerClient, listing_entry_info
from objclient.models import ListingEntry, ObjectInfo

MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def test_an_entry_gives_its_size_md5_storage_class_and_whole_second_times():
    info = listing_entry_info(("k", "2026-11-25T06:45:05.123Z", f'"{MD5}"', "12", "STANDARD"),
                              "acct", "bucket")
    assert info == ObjectInfo(name="k", size=12, hash=MD5, hash_method="md5",
                              ctime=1795589105.0, mtime=1795589105.0, policy="STANDARD",
                              container="bucket", account="acct")


def test_a_multipart_etag_is_not_passed_off_as_an_md5():
    info = listing_entry_info(("k", "2026-11-25T06:45:05Z", f'"{MD5}-3"', "30", None),
                              "acct", "bucket")
    assert info.hash == f"{MD5}-3" and info.hash_method == "etag" and info.policy is None


def test_a_listing_yields_entries_of_that_info():
    raw = ("k", "2026-11-25T06:45:05Z", f'"{MD5}"', "", "STANDARD")
    entry = S3ContainerClient._listed(raw, "acct", "bucket")
    assert isinstance(entry, ListingEntry) and entry.name == "k"
    assert entry.info() == listing_entry_info(raw, "acct", "bucket") and entry.size == 0
