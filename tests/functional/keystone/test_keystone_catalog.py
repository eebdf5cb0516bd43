"""The service catalog of a real Keystone: endpoint selection by region and
interface, and the Swift backend built on ``swift+keystone://`` URLs.

The Swift proxy of tools/swift-server runs TempAuth, not keystonemiddleware:
it refuses Keystone tokens, so the end-to-end tests check where the requests
go and what they carry, and that the refusal is reported after exactly one
new authentication.
"""

import hashlib
import logging

import pytest

import objclient
from objclient.auth.keystone import KeystoneAuth
from objclient.exceptions import NotFound, Unauthorized

from .conftest import (
    AUTH_URL,
    DOMAIN,
    PASSWORD,
    PROJECT,
    USER,
    client,
    demo_auth,
    swift_url,
)

KEYSTONE_SWIFT_URL = "swift+keystone+" + AUTH_URL


@pytest.fixture(scope="module")
def auth():
    plugin = demo_auth()
    client(plugin).authenticate()
    return plugin


@pytest.mark.parametrize("interface,region", [
    ("public", "RegionOne"), ("internal", "RegionOne"),
    ("public", "RegionTwo"), ("internal", "RegionTwo"),
    ("internalURL", "RegionTwo"), ("publicURL", "RegionOne"),
])
def test_object_store_endpoint_by_interface_and_region(auth, interface, region):
    http = client(auth, endpoint_type=interface, region_name=region)
    wanted = interface.lower().replace("url", "")
    assert http.get_endpoint() == swift_url(wanted, region, auth.project["id"])
    http.close()


def test_without_region_the_first_public_endpoint_is_taken(auth):
    http = client(auth)
    assert http.get_endpoint() in {swift_url("public", region, auth.project["id"])
                                   for region in ("RegionOne", "RegionTwo")}
    http.close()


def test_identity_endpoint_comes_from_the_same_catalog(auth):
    assert auth.get_endpoint("identity", "public", "RegionOne") == AUTH_URL


def test_no_endpoint_in_the_region_is_a_clear_not_found(auth):
    http = client(auth, region_name="Mars")
    with pytest.raises(NotFound) as info:
        http.get_endpoint()
    message = str(info.value)
    assert "public object-store endpoint in region Mars" in message
    assert "public RegionOne" in message and "internal RegionTwo" in message
    http.close()


def test_missing_interface_or_service_type_is_not_found(auth):
    with pytest.raises(NotFound, match="no admin object-store endpoint"):
        client(auth, endpoint_type="admin").get_endpoint()
    with pytest.raises(NotFound, match=r"no public image endpoint .*it has: none"):
        client(auth, service_type="image").get_endpoint()


def test_swift_keystone_url_resolves_the_storage_url_from_the_catalog(auth):
    with objclient.ObjectStorageApi(
            KEYSTONE_SWIFT_URL, user=USER, password=PASSWORD, user_domain_name=DOMAIN,
            project_name=PROJECT, project_domain_name=DOMAIN) as api:
        assert api.directory.endpoints() == {
            "object-store": swift_url("public", "RegionOne", auth.project["id"]),
            "auth": AUTH_URL}
    with objclient.ObjectStorageApi(
            KEYSTONE_SWIFT_URL, user=USER, password=PASSWORD, user_domain_name=DOMAIN,
            project_name=PROJECT, project_domain_name=DOMAIN, interface="internal",
            region="RegionTwo") as api:
        assert api.http.get_endpoint() == swift_url("internal", "RegionTwo",
                                                    auth.project["id"])


def test_swift_backend_with_an_application_credential(app_cred, demo_ids):
    with objclient.ObjectStorageApi(
            KEYSTONE_SWIFT_URL, application_credential_id=app_cred["id"],
            application_credential_secret=app_cred["secret"]) as api:
        assert api.http.get_endpoint() == swift_url("public", "RegionOne",
                                                    demo_ids["project"])


def test_swift_backend_with_a_keystone_plugin_naming_its_application_credential(
        app_cred, demo_ids):
    plugin = KeystoneAuth(AUTH_URL, application_credential_name=app_cred["name"],
                          application_credential_secret=app_cred["secret"],
                          user=USER, user_domain_name=DOMAIN)
    with objclient.ObjectStorageApi(KEYSTONE_SWIFT_URL, auth=plugin,
                                    endpoint_type="internal", region_name="RegionOne") as api:
        assert api.http.get_endpoint() == swift_url("internal", "RegionOne",
                                                    demo_ids["project"])


def test_swift_request_goes_to_the_catalog_url_with_the_keystone_token(auth, caplog):
    # Swift here answers 401 to any Keystone token (TempAuth): the client must
    # send the token to the catalog's URL, authenticate once more, then report it.
    storage = swift_url("public", "RegionOne", auth.project["id"])
    caplog.set_level(logging.DEBUG, logger="objclient.http")
    with objclient.ObjectStorageApi(
            KEYSTONE_SWIFT_URL, user=USER, password=PASSWORD, user_domain_name=DOMAIN,
            project_name=PROJECT, project_domain_name=DOMAIN, region="RegionOne",
            timings=True, debug=True) as api:
        with pytest.raises(Unauthorized) as info:
            api.account_show(None)
        token = api.http.auth.token
        calls = [(t.method, t.url, t.status) for t in api.http.get_timing_records()]
    assert info.value.url.startswith(storage)
    token_url = AUTH_URL + "/auth/tokens"
    assert calls == [("POST", token_url, 201), ("HEAD", storage, 401),
                     ("POST", token_url, 201), ("HEAD", storage, 401)]
    fingerprint = "{SHA256}" + hashlib.sha256(token.encode()).hexdigest()[:16]
    heads = [r.getMessage() for r in caplog.records
             if r.getMessage().startswith("REQ: curl -i -X HEAD ")]
    assert heads and storage in heads[-1] and fingerprint in heads[-1]
    assert PASSWORD not in caplog.text and token not in caplog.text
