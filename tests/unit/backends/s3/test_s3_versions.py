"""S3 versions without a server: the XML, the ordering, and NotSupported
raised before any request when the backend is built with versioning=False."""

import pytest
import responses

import objclient
from objclient.backends.s3.versions import (delete_versions_body, doomed_versions,
                                            latest_first, parse_versions, version_of,
                                            versioning_body, versioning_state,
                                            versioning_status)
from objclient.contract import Capability
from objclient.exceptions import InvalidArgument, NotSupported, ServerError

HOST = "http://127.0.0.1:9"
NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'

# As SeaweedFS 4.48 wrote it: quotes escaped, the null version listed last
# although it is the latest (the bucket's versioning was suspended).
SEAWEED_PAGE = (
    f'<?xml version="1.0" encoding="UTF-8"?>\n<ListVersionsResult {NS}><Name>b</Name>'
    "<NextKeyMarker>doc</NextKeyMarker><NextVersionIdMarker>null</NextVersionIdMarker>"
    "<MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>"
    "<Version><Key>doc</Key><VersionId>67122e4e</VersionId><IsLatest>false</IsLatest>"
    "<ETag>&#34;43a03299a3c3fed3d8ce7b820f3aca81&#34;</ETag><Size>2</Size>"
    "<StorageClass>STANDARD</StorageClass><LastModified>2026-12-03T18:26:25Z</LastModified>"
    "</Version><Version><Key>doc</Key><VersionId>null</VersionId><IsLatest>true</IsLatest>"
    "<ETag>&#34;5ed3a3ff8e5c29979502b9030e8518e0&#34;</ETag><Size>2</Size>"
    "<LastModified>2026-12-03T18:26:26Z</LastModified></Version></ListVersionsResult>")

# As Swift 2.30's s3api wrote it: a delete marker, then the version behind it.
SWIFT_PAGE = (
    f"<?xml version='1.0' encoding='UTF-8'?>\n<ListVersionsResult {NS}><Name>b</Name>"
    "<Prefix/><KeyMarker/><VersionIdMarker/><MaxKeys>1000</MaxKeys>"
    "<IsTruncated>false</IsTruncated><DeleteMarker><Key>doc</Key>"
    "<VersionId>1796322388.33320</VersionId><IsLatest>true</IsLatest>"
    "<LastModified>2026-12-03T18:26:29.000Z</LastModified></DeleteMarker>"
    "<Version><Key>doc</Key><VersionId>1796322387.43290</VersionId><IsLatest>false</IsLatest>"
    "<LastModified>2026-12-03T18:26:28.000Z</LastModified>"
    '<ETag>"6654c734ccab8f440ff0825eb443dc7f"</ETag><Size>2</Size>'
    "<StorageClass>STANDARD</StorageClass></Version>"
    "<CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes></ListVersionsResult>")


def test_versions_page_is_read_in_document_order_with_markers():
    entries, prefixes, key_marker, version_marker = parse_versions(SEAWEED_PAGE.encode())
    assert [(e[0], e[1], e[2]) for e in entries] == [("doc", "67122e4e", False),
                                                     ("doc", "null", True)]
    assert entries[0][5] == '"43a03299a3c3fed3d8ce7b820f3aca81"' and entries[0][6] == 2
    # a page ending on a null version continues after its key
    assert (prefixes, key_marker, version_marker) == ([], "doc", None)


def test_next_version_marker_is_the_last_entry_not_what_swift_names():
    page = SWIFT_PAGE.replace("<IsTruncated>false", "<NextKeyMarker>doc</NextKeyMarker>"
                              "<NextVersionIdMarker>null</NextVersionIdMarker>"
                              "<IsTruncated>true").replace("<CommonPrefixes><Prefix>dir/"
                                                           "</Prefix></CommonPrefixes>", "")
    assert parse_versions(page.encode())[2:] == ("doc", "1796322387.43290")


def test_delete_markers_are_entries_without_hash_and_the_last_page_has_no_marker():
    entries, prefixes, key_marker, _ = parse_versions(SWIFT_PAGE.encode())
    assert [(e[1], e[3], e[5]) for e in entries] == [("1796322388.33320", True, None),
                                                     ("1796322387.43290", False,
                                                      '"6654c734ccab8f440ff0825eb443dc7f"')]
    assert prefixes == ["dir/"] and key_marker is None


def test_a_listing_of_another_kind_is_a_server_error():
    with pytest.raises(ServerError):
        parse_versions(f"<ListBucketResult {NS}></ListBucketResult>".encode())


def test_the_latest_version_comes_first_whatever_the_server_order():
    entries = parse_versions(SEAWEED_PAGE.encode())[0]
    assert [e[1] for e in latest_first(entries)] == ["null", "67122e4e"]
    ordered = parse_versions(SWIFT_PAGE.encode())[0]
    assert latest_first(ordered) is ordered


def test_purge_keeps_the_newest_and_at_least_one():
    versions = [("k", str(n), n == 0, False, None, None, 1, None) for n in range(4)]
    assert [v[1] for v in doomed_versions(versions, 2)] == ["2", "3"]
    assert [v[1] for v in doomed_versions(versions, 0)] == ["1", "2", "3"]


def test_delete_body_names_each_version_escaped():
    body = delete_versions_body([("a&b", "v<1", False, False, None, None, 0, None)])
    assert b"<Key>a&amp;b</Key><VersionId>v&lt;1</VersionId>" in body


@pytest.mark.parametrize("value, status", [("enabled", "Enabled"), (True, "Enabled"),
                                           ("suspended", "Suspended"), ("off", "Suspended")])
def test_versioning_property_maps_to_the_s3_status(value, status):
    assert versioning_status(value) == status
    assert versioning_state(versioning_body(status)) == status.lower()


def test_unknown_versioning_value_is_invalid_and_a_fresh_bucket_has_no_state():
    with pytest.raises(InvalidArgument):
        versioning_status("sometimes")
    assert versioning_state(f"<VersioningConfiguration {NS}/>".encode()) is None


def test_null_version_reads_as_none():
    assert version_of("null") is None and version_of("") is None and version_of("v") == "v"


@pytest.fixture
def unversioned():
    with objclient.ObjectStorageApi(f"s3+{HOST}", access_key="a", secret_key="s",
                                    versioning=False, retries=None) as api:
        yield api


@responses.activate  # no route registered: a request would raise ConnectionError
@pytest.mark.parametrize("call", [
    lambda api: api.object_fetch("myaccount", "bkt", "o", version="v1"),
    lambda api: api.object_get_properties("myaccount", "bkt", "o", version="v1"),
    lambda api: api.object_delete("myaccount", "bkt", "o", version="v1"),
    lambda api: api.object_list("myaccount", "bkt", versions=True),
    lambda api: api.container_purge("myaccount", "bkt", 1),
    lambda api: api.container_create("myaccount", "bkt", system={"versioning": "enabled"}),
    lambda api: api.object_link("myaccount", "bkt", "o", "myaccount", "bkt", "p",
                                target_version="v1"),
])
def test_without_versioning_each_call_raises_before_any_request(unversioned, call):
    assert Capability.VERSIONING not in unversioned.capabilities
    with pytest.raises(NotSupported) as err:
        call(unversioned)
    assert err.value.capability == "versioning" and "s3" in str(err.value)
    assert len(responses.calls) == 0


def test_versioning_is_on_by_default_and_a_url_can_turn_it_off():
    with objclient.ObjectStorageApi(f"s3+{HOST}", access_key="a", secret_key="s") as api:
        assert {Capability.VERSIONING, Capability.DELETE_MARKERS} <= api.capabilities
    with objclient.ObjectStorageApi(f"s3+{HOST}?versioning=no", access_key="a",
                                    secret_key="s") as api:
        assert Capability.DELETE_MARKERS not in api.capabilities
