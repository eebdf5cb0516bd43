"""Master, location cache, leader following and replica fail-over (mocked HTTP)."""

import time

import pytest
import requests
import responses

import objclient
from objclient.backends.seaweedfs import parse_url
from objclient.backends.seaweedfs.directory import VolumeLocation, leader_url, volume_of
from objclient.exceptions import ConnectionFailed, InvalidArgument, NoSuchObject

M1 = "http://m1:9333"
M2 = "http://m2:9333"
LOOKUP = {"volumeOrFileId": "3", "locations": [
    {"url": "v1:8080", "publicUrl": "v1:8080"}, {"url": "v2:8080", "publicUrl": "v2:8080"}]}


def make_api(url="seaweedfs+http://m1:9333", **kw):
    return objclient.ObjectStorageApi(url, filer="http://f:8888", retries=None, **kw)


def test_url_with_several_masters_and_options():
    transport, masters, query = parse_url(
        "seaweedfs+https://m1:9333,m2:9333?filer=http://f:8888&replication=001")
    assert transport == "https" and masters == ["https://m1:9333", "https://m2:9333"]
    assert query == {"filer": "http://f:8888", "replication": "001"}


def test_bad_urls_and_options_are_refused():
    with pytest.raises(InvalidArgument):
        parse_url("seaweedfs+ftp://m:1")
    with pytest.raises(InvalidArgument):
        make_api("seaweedfs+http://m1:9333?replication=1")
    with pytest.raises(InvalidArgument):
        make_api(bogus_option=1)


def test_file_ids_and_leader_addresses():
    assert volume_of("3,01637037d6") == "3"
    with pytest.raises(InvalidArgument):
        volume_of("../etc")
    assert leader_url("127.0.0.1:9333.19333") == "http://127.0.0.1:9333"
    assert leader_url("") is None


@responses.activate
def test_assign_passes_placement():
    responses.post(f"{M1}/dir/assign", json={"fid": "3,01ab", "url": "v1:8080",
                                             "publicUrl": "v1:8080", "count": 2})
    api = make_api("seaweedfs+http://m1:9333?replication=001&collection=c")
    got = api.directory.assign(count=2, ttl="3m")
    assert got.fids() == ["3,01ab", "3,01ab_1"]
    query = responses.calls[0].request.url
    assert "replication=001" in query and "collection=c" in query and "ttl=3m" in query


@responses.activate
def test_lookup_is_cached_until_it_expires_or_is_invalidated():
    responses.get(f"{M1}/dir/lookup", json=LOOKUP)
    api = make_api(location_ttl=0.2)
    first = api.directory.lookup("3")
    assert [loc.url for loc in first] == ["v1:8080", "v2:8080"]
    api.directory.lookup("3,01ab")
    assert len(responses.calls) == 1
    api.directory.invalidate("3")
    api.directory.lookup("3")
    assert len(responses.calls) == 2
    time.sleep(0.25)
    api.directory.lookup("3")
    assert len(responses.calls) == 3


@responses.activate
def test_follows_the_leader_when_a_master_is_down():
    responses.get(f"{M1}/cluster/status", body=requests.ConnectionError("down"))
    responses.post(f"{M1}/dir/assign", body=requests.ConnectionError("down"))
    responses.get(f"{M2}/cluster/status", json={"IsLeader": True, "Leader": "m2:9333.19333"})
    responses.post(f"{M2}/dir/assign", json={"fid": "1,02cd", "url": "v1:8080"})
    api = make_api("seaweedfs+http://m1:9333,m2:9333")
    assert api.directory.assign().fid == "1,02cd"
    assert api.directory.leader() == M2
    assert api.directory.endpoints()["master"] == M2


@responses.activate
def test_read_fails_over_to_the_next_replica():
    responses.get(f"{M1}/dir/lookup", json=LOOKUP)
    responses.get("http://v1:8080/3,01ab", body=requests.ConnectionError("down"))
    responses.get("http://v2:8080/3,01ab", body=b"hello world",
                  headers={"ETag": '"c99465aa"'})
    api = make_api()
    info, stream = api.blob_client.read_fid("3,01ab")
    assert stream.read() == b"hello world"
    assert info.url == "http://v2:8080" and info.etag == "c99465aa"


@responses.activate
def test_stale_locations_are_looked_up_again_after_404():
    responses.get(f"{M1}/dir/lookup", json={"locations": [{"url": "v3:8080"}]})
    responses.get("http://old:8080/3,01ab", status=404)
    responses.get("http://v3:8080/3,01ab", body=b"hello world",
                  headers={"ETag": '"c99465aa"'})
    api = make_api()
    api.directory.cache_locations("3", [VolumeLocation("old:8080", "old:8080")])
    info, stream = api.blob_client.read_fid("3,01ab")
    assert stream.read() == b"hello world" and info.url == "http://v3:8080"
    assert [loc.url for loc in api.directory.lookup("3")] == ["v3:8080"]


@responses.activate
def test_a_corrupt_blob_fails_its_crc_check():
    responses.get(f"{M1}/dir/lookup", json=LOOKUP)
    responses.get("http://v1:8080/3,01ab", body=b"hello w0rld",
                  headers={"ETag": '"c99465aa"', "Content-Length": "11"})
    api = make_api()
    _info, stream = api.blob_client.read_fid("3,01ab")
    with pytest.raises(objclient.exceptions.ChecksumMismatch):
        stream.read()


@responses.activate
def test_missing_everywhere_is_no_such_object():
    responses.get(f"{M1}/dir/lookup", json=LOOKUP)
    responses.head("http://v1:8080/3,01ab", status=404)
    responses.head("http://v2:8080/3,01ab", status=404)
    with pytest.raises(NoSuchObject):
        make_api().blob_client.head_fid("3,01ab")


@responses.activate
def test_all_replicas_down_raises_the_transport_error():
    responses.get(f"{M1}/dir/lookup", json=LOOKUP)
    responses.head("http://v1:8080/3,01ab", body=requests.ConnectionError("down"))
    responses.head("http://v2:8080/3,01ab", body=requests.ConnectionError("down"))
    with pytest.raises(ConnectionFailed):
        make_api().blob_client.head_fid("3,01ab")


@responses.activate
def test_upload_fid_sends_content_md5_for_data_that_can_be_read_twice():
    responses.post("http://v1:8080/3,01ab", json={"size": 11, "eTag": "c99465aa"})
    info = make_api().blob_client.upload_fid("3,01ab", b"hello world", url="v1:8080")
    request = responses.calls[0].request
    assert request.headers["Content-MD5"] == "XrY7u+Ae7tCTyyK7j1rNww=="
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert info.size == 11 and info.etag == "c99465aa"


@responses.activate
def test_upload_fid_of_a_stream_checks_the_crc():
    responses.post("http://v1:8080/3,01ab", json={"size": 11, "eTag": "c99465aa"})
    info = make_api().blob_client.upload_fid("3,01ab", iter([b"hello ", b"world"]),
                                             url="v1:8080")
    assert "Content-MD5" not in responses.calls[0].request.headers
    assert info.etag == "c99465aa"


def test_whole_blob_reads_are_all_verified_when_crc32c_runs_in_c():
    from objclient import integrity
    from objclient.backends.seaweedfs import DEFAULT_VERIFY_LIMIT
    limit = make_api()._backend.verify_limit
    assert limit == DEFAULT_VERIFY_LIMIT
    # pure Python (~6 MB/s) checks up to 8 MiB; the crc32c package, every size
    assert limit == ((1 << 62) if integrity.CRC32C_FAST else 8 * 1024 * 1024)
    assert make_api(verify_limit=0)._backend.verify_limit == 0
