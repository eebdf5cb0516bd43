"""Swift auth on a real cluster: token re-auth, storage URL + token, temp URLs."""

import json
import time

import pytest
import requests

import objclient
from objclient.auth import TokenCache
from objclient.exceptions import Unauthorized

from .conftest import AUTH_URL, KEY, USER, make_api


def test_rejected_cached_token_is_replaced_by_a_new_one(tmp_path, container):
    cache_path = tmp_path / "tokens.json"
    cache = TokenCache(str(cache_path))
    cache.save(TokenCache.key(AUTH_URL, USER, KEY), {
        "token": "AUTH_tk00000000000000000000000000000000",
        "endpoint": "http://127.0.0.1:8080/v1/AUTH_test", "expires": time.time() + 3600})
    api = make_api(token_cache=str(cache_path), timings=True)
    try:
        api.object_create(None, container, data=b"after re-auth", obj_name="o")
        statuses = [t.status for t in api.http.get_timing_records()]
        assert 401 in statuses
        assert api.object_fetch(None, container, "o")[1].read() == b"after re-auth"
        saved = json.loads(cache_path.read_text())
        token = next(iter(saved.values()))["token"]
        assert token != "AUTH_tk00000000000000000000000000000000"
    finally:
        api.close()


def test_wrong_key_is_unauthorized():
    api = objclient.ObjectStorageApi("swift+" + AUTH_URL, user=USER, key="not-the-key")
    try:
        with pytest.raises(Unauthorized):
            api.account_show(None)
    finally:
        api.close()


def test_storage_url_and_token(api, container):
    api.object_create(None, container, data=b"tok", obj_name="o")
    token = api.http.auth.token
    storage = api.http.get_endpoint()
    other = objclient.ObjectStorageApi("swift+" + storage, token=token)
    try:
        assert other.object_fetch(None, container, "o")[1].read() == b"tok"
    finally:
        other.close()


def test_temp_url_get_with_plain_requests(api, container):
    api.object_create(None, container, data=b"shared secret-free", obj_name="dir/té st")
    url = api.object_temp_url(None, container, "dir/té st", "GET", 60)
    assert "temp_url_sig=" in url and len(url.split("temp_url_sig=")[1].split("&")[0]) == 64
    resp = requests.get(url, timeout=10)
    assert resp.status_code == 200 and resp.content == b"shared secret-free"
    forged = url.replace("temp_url_sig=", "temp_url_sig=0")
    assert requests.get(forged, timeout=10).status_code == 401


def test_temp_url_put_then_read(api, container):
    url = api.blob_client.temp_url("AUTH_test", container, "uploaded", method="PUT",
                                   expires=60)
    assert requests.put(url, data=b"via temp url", timeout=10).status_code == 201
    assert api.object_fetch(None, container, "uploaded")[1].read() == b"via temp url"


def test_reader_user_cannot_write(container):
    reader = objclient.ObjectStorageApi("swift+" + AUTH_URL, user="test:reader",
                                        key="readerpass")
    try:
        from objclient.exceptions import Forbidden
        with pytest.raises(Forbidden):
            reader.object_create("AUTH_test", container, data=b"x", obj_name="o")
    finally:
        reader.close()


assert KEY
