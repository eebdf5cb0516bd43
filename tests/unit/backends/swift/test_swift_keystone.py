"""Keystone v3 auth against responses shaped like the Identity v3 API
reference (POST /v3/auth/tokens); no real Keystone runs here."""

import datetime
import json
import time

import pytest
import responses

import objclient
from objclient.auth.keystone import KeystoneAuth, find_endpoint, parse_expires_at
from objclient.auth.token_cache import default_cache_path
from objclient.exceptions import InvalidArgument, NotFound, Unauthorized
from objclient.http import HTTPClient

KS = "https://keystone.example/v3"
PROJECT_ID = "263fd9"


def _catalog():
    def ep(interface, region, url):
        return {"id": f"{interface}-{region}", "interface": interface, "region": region,
                "region_id": region, "url": url}
    return [
        {"type": "identity", "name": "keystone", "id": "1",
         "endpoints": [ep("public", "RegionOne", KS)]},
        {"type": "object-store", "name": "swift", "id": "2", "endpoints": [
            ep("public", "RegionOne", f"https://swift1.example/v1/AUTH_{PROJECT_ID}"),
            ep("internal", "RegionOne", f"http://10.0.0.1:8080/v1/AUTH_{PROJECT_ID}"),
            ep("public", "RegionTwo", f"https://swift2.example/v1/AUTH_{PROJECT_ID}")]},
    ]


def _token_body(expires_in=3600):
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
        seconds=expires_in)
    return {"token": {
        "methods": ["password"], "expires_at": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "issued_at": "2026-01-01T00:00:00.000000Z",
        "project": {"domain": {"id": "default", "name": "Default"}, "id": PROJECT_ID,
                    "name": "demo"},
        "user": {"domain": {"id": "default", "name": "Default"}, "id": "u1", "name": "alice"},
        "catalog": _catalog()}}


def _add_token(rsps, token="tok-1", expires_in=3600):
    rsps.add(responses.POST, f"{KS}/auth/tokens", json=_token_body(expires_in), status=201,
             headers={"X-Subject-Token": token})


def test_password_body_scopes_project_by_name_and_domain():
    auth = KeystoneAuth(KS, user="alice", password="s3cret", user_domain_name="Users",
                        project_name="demo", project_domain_id="default")
    body = auth.request_body()["auth"]
    assert body["identity"] == {"methods": ["password"], "password": {"user": {
        "name": "alice", "password": "s3cret", "domain": {"name": "Users"}}}}
    assert body["scope"] == {"project": {"name": "demo", "domain": {"id": "default"}}}


def test_password_body_scopes_project_by_id():
    auth = KeystoneAuth(KS, user="alice", password="pw", project_id=PROJECT_ID)
    assert auth.request_body()["auth"]["scope"] == {"project": {"id": PROJECT_ID}}


def test_application_credential_body_has_no_scope():
    auth = KeystoneAuth(KS, application_credential_id="ac1",
                        application_credential_secret="acs")
    assert auth.request_body() == {"auth": {"identity": {
        "methods": ["application_credential"],
        "application_credential": {"id": "ac1", "secret": "acs"}}}}


def test_incomplete_credentials_are_refused_at_once():
    with pytest.raises(InvalidArgument):
        KeystoneAuth(KS, user="alice")
    with pytest.raises(InvalidArgument):
        KeystoneAuth(KS, application_credential_id="ac1")


def test_catalog_endpoint_by_interface_and_region():
    cat = _catalog()
    assert find_endpoint(cat, "object-store") == f"https://swift1.example/v1/AUTH_{PROJECT_ID}"
    assert find_endpoint(cat, "object-store", "internalURL").startswith("http://10.0.0.1")
    assert find_endpoint(cat, "object-store", "public", "RegionTwo").startswith(
        "https://swift2")
    assert find_endpoint(cat, "object-store", "admin") is None


def test_expires_at_is_parsed_as_utc():
    assert parse_expires_at("2015-11-06T15:32:17.893769Z") == pytest.approx(
        1446823937.893769)
    assert parse_expires_at("garbage") is None


@responses.activate
def test_authenticate_keeps_token_expiry_and_catalog():
    _add_token(responses, "tok-A")
    auth = KeystoneAuth(KS, user="alice", password="pw", project_name="demo")
    http = HTTPClient(auth=auth, service_type="object-store", region_name="RegionTwo")
    assert http.get_endpoint() == f"https://swift2.example/v1/AUTH_{PROJECT_ID}"
    assert auth.get_headers() == {"X-Auth-Token": "tok-A"}
    assert auth.expires == pytest.approx(time.time() + 3600, abs=5)
    sent = json.loads(responses.calls[0].request.body)
    assert sent["auth"]["scope"]["project"]["name"] == "demo"


@responses.activate
def test_token_about_to_expire_is_renewed_before_use():
    _add_token(responses, "tok-old", expires_in=5)
    _add_token(responses, "tok-new")
    auth = KeystoneAuth(KS, user="alice", password="pw", project_id=PROJECT_ID)
    http = HTTPClient(auth=auth, service_type="object-store")
    http.authenticate()
    assert auth.token == "tok-old" and not auth.valid
    http.authenticate()
    assert auth.token == "tok-new" and auth.valid


@responses.activate
def test_missing_region_endpoint_is_not_found():
    _add_token(responses)
    auth = KeystoneAuth(KS, user="alice", password="pw", project_id=PROJECT_ID)
    http = HTTPClient(auth=auth, service_type="object-store", region_name="Mars")
    with pytest.raises(NotFound):
        http.get_endpoint()


@responses.activate
def test_wrong_password_is_unauthorized():
    responses.add(responses.POST, f"{KS}/auth/tokens", status=401,
                  json={"error": {"code": 401, "message": "The request you have made "
                                  "requires authentication.", "title": "Unauthorized"}})
    auth = KeystoneAuth(KS, user="alice", password="bad", project_id=PROJECT_ID)
    with pytest.raises(Unauthorized):
        HTTPClient(auth=auth).authenticate()


@responses.activate
def test_swift_api_over_keystone_reauthenticates_after_401():
    _add_token(responses, "tok-1")
    _add_token(responses, "tok-2")
    storage = f"http://10.0.0.1:8080/v1/AUTH_{PROJECT_ID}"
    responses.add(responses.HEAD, storage, status=401)
    responses.add(responses.HEAD, storage, status=204, headers={
        "X-Account-Container-Count": "3", "X-Account-Object-Count": "7",
        "X-Account-Bytes-Used": "99", "X-Account-Meta-Colour": "bl\xc3\xa9"})
    api = objclient.ObjectStorageApi(
        "swift+keystone+https://keystone.example/v3", user="alice", password="pw",
        project_name="demo", project_domain_name="Default", interface="internal",
        region="RegionOne")
    try:
        info = api.account_show(None)
    finally:
        api.close()
    assert info["id"] == f"AUTH_{PROJECT_ID}" and info["containers"] == 3
    assert info["metadata"] == {"colour": "blé"}
    tokens = [c.request.headers.get("X-Auth-Token") for c in responses.calls
              if c.request.method == "HEAD"]
    assert tokens == ["tok-1", "tok-2"]


def test_repr_hides_the_password():
    auth = KeystoneAuth(KS, user="alice", password="hunter2-long-secret",
                        project_id=PROJECT_ID)
    assert "hunter2-long-secret" not in repr(auth)


@pytest.mark.parametrize("value, kept", [
    (None, True), (True, True), ("yes", True), ("on", True),
    (False, False), ("off", False), ("0", False), ("false", False)])
def test_token_cache_option_turns_the_default_file_on_or_off(value, kept):
    api = objclient.ObjectStorageApi(f"swift+{KS}", user="alice", password="pw",
                                     project_id=PROJECT_ID, token_cache=value)
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, f"{KS}/auth/tokens", status=201,
                 headers={"X-Subject-Token": "tok"}, json=_token_body())
        api.http.authenticate()
    cache = api.http.auth.token_cache
    if kept:
        assert cache.path == default_cache_path()
    else:
        assert cache is None


def test_token_cache_option_as_a_path(tmp_path):
    api = objclient.ObjectStorageApi(f"swift+{KS}", user="alice", password="pw",
                                     project_id=PROJECT_ID,
                                     token_cache=str(tmp_path / "t.json"))
    assert api.http.auth.token_cache.path == str(tmp_path / "t.json")
