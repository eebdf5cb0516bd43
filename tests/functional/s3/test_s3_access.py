"""Credentials, presigned URLs and awkward keys on real S3 servers."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from objclient.exceptions import Forbidden, InvalidName, Unauthorized

from .conftest import READER_AK, READER_SK, SEAWEED, SEAWEED_AK, make

AWKWARD = "".join(chr(c) for c in range(0x20, 0x7f) if chr(c) not in "/") + "é名🎉\t"


def test_read_only_key_cannot_put(seaweed, bucket):
    seaweed.object_create(None, bucket, data=b"visible", obj_name="r")
    reader = make(SEAWEED, READER_AK, READER_SK, retries=None)
    try:
        _meta, stream = reader.object_fetch(None, bucket, "r")
        assert b"".join(stream) == b"visible"
        with pytest.raises(Forbidden):
            reader.object_create(None, bucket, data=b"nope", obj_name="w")
    finally:
        reader.close()
    assert seaweed.object_head(None, bucket, "w") is False


def test_wrong_secret_is_refused(seaweed):
    api = make(SEAWEED, SEAWEED_AK, "not-the-secret")
    try:
        with pytest.raises((Unauthorized, Forbidden)) as err:
            api.account_show()
        assert "not-the-secret" not in str(err.value)
        assert err.value.code
    finally:
        api.close()


def test_presigned_get_and_put_work_with_plain_requests(any_bucket):
    api, bucket = any_bucket
    put_url = api.object_temp_url(None, bucket, "pre signed/é+x", method="PUT", expires=300)
    resp = requests.put(put_url, data=b"uploaded without credentials", timeout=10)
    assert resp.status_code == 200, resp.text
    get_url = api.object_temp_url(None, bucket, "pre signed/é+x", expires=300)
    resp = requests.get(get_url, timeout=10)
    assert resp.status_code == 200 and resp.content == b"uploaded without credentials"
    tampered = get_url.replace("X-Amz-Expires=300", "X-Amz-Expires=301")
    assert requests.get(tampered, timeout=10).status_code == 403


def test_keys_with_every_awkward_character_round_trip(any_bucket):
    api, bucket = any_bucket
    chars = AWKWARD
    if api.server == "seaweedfs":
        # SeaweedFS would store a backslash as "/": refused before any request.
        with pytest.raises(InvalidName):
            api.object_create(None, bucket, data=b"x", obj_name="back\\slash")
        chars = AWKWARD.replace("\\", "")
    names = [f"k{i:03d}-{ch}-end" for i, ch in enumerate(chars)]
    names += ["dir/sub dir/file?.txt", "trailing space ", "percent%2Fslash", "a+b=c&d"]
    def prop(name):
        return name.replace("\t", " ").strip()[:64]

    def create(name):
        api.object_create(None, bucket, data=name.encode(), obj_name=name,
                          properties={"orig": prop(name)})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(create, names))
    listed = [o["name"] for o in api.object_list_iter(None, bucket, page_size=37)]
    assert sorted(listed, key=lambda n: n.encode()) == sorted(names, key=lambda n: n.encode())
    for name in names[::7] + names[-4:]:
        meta, stream = api.object_fetch(None, bucket, name)
        assert b"".join(stream) == name.encode()
        assert meta["properties"]["orig"] == prop(name)


def test_bucket_names_are_checked_before_any_request(seaweed):
    for bad in ("ab", "Upper", "under_score", "-start", "192.168.1.1", "a..b"):
        with pytest.raises(InvalidName):
            seaweed.container_create(None, bad)
