"""KeystoneAuth logic without a server: application credentials by name,
endpoint errors, unscoped tokens, the renewal margin of short-lived tokens.
(The HTTP exchanges are in tests/unit/backends/swift/test_swift_keystone.py and,
against a real Keystone, tests/functional/keystone/.)"""

import time

import pytest

from objclient.auth.keystone import KeystoneAuth, describe_endpoints
from objclient.exceptions import InvalidArgument, NotFound

KS = "https://keystone.example/v3"


def _catalog():
    def ep(interface, region, url):
        return {"interface": interface, "region_id": region, "region": region, "url": url}
    return [{"type": "object-store", "endpoints": [
        ep("public", "RegionOne", "https://s1/v1/AUTH_p"),
        ep("internal", "RegionOne", "http://10.0.0.1/v1/AUTH_p"),
        ep("public", "RegionTwo", "https://s2/v1/AUTH_p")]}]


def _scoped(auth, expires_in=3600.0, lifetime=None):
    now = time.time()
    auth._token = "tok"
    auth._expires = now + expires_in
    auth._issued = None if lifetime is None else auth._expires - lifetime
    auth._catalog = _catalog()
    auth.project = {"id": "p", "name": "demo"}
    return auth


def test_application_credential_by_name_names_its_user_and_domain():
    auth = KeystoneAuth(KS, application_credential_name="backup",
                        application_credential_secret="s3", user="alice",
                        user_domain_name="Users")
    assert auth.request_body() == {"auth": {"identity": {
        "methods": ["application_credential"], "application_credential": {
            "secret": "s3", "name": "backup",
            "user": {"name": "alice", "domain": {"name": "Users"}}}}}}


def test_application_credential_by_name_with_user_id():
    auth = KeystoneAuth(KS, application_credential_name="backup",
                        application_credential_secret="s3", user_id="u1")
    cred = auth.request_body()["auth"]["identity"]["application_credential"]
    assert cred == {"secret": "s3", "name": "backup", "user": {"id": "u1"}}


def test_application_credential_by_name_needs_a_user_and_a_secret():
    with pytest.raises(InvalidArgument, match="user"):
        KeystoneAuth(KS, application_credential_name="backup",
                     application_credential_secret="s3")
    with pytest.raises(InvalidArgument, match="secret"):
        KeystoneAuth(KS, application_credential_name="backup", user="alice")


def test_cache_keys_differ_by_credential_and_scope():
    keys = {
        KeystoneAuth(KS, user="alice", password="p", project_name="a")._cache_key,
        KeystoneAuth(KS, user="alice", password="p", project_name="b")._cache_key,
        KeystoneAuth(KS, user="alice", password="p", user_domain_name="D",
                     project_name="a")._cache_key,
        KeystoneAuth(KS, application_credential_id="c1",
                     application_credential_secret="s")._cache_key,
        KeystoneAuth(KS, application_credential_name="c1", user="alice",
                     application_credential_secret="s")._cache_key,
    }
    assert len(keys) == 5


def test_describe_endpoints_lists_interfaces_and_regions_without_urls():
    text = describe_endpoints(_catalog(), "object-store")
    assert text == "public RegionOne, internal RegionOne, public RegionTwo"
    assert describe_endpoints(_catalog(), "image") == ""


def test_missing_endpoint_message_says_what_the_catalog_has():
    auth = _scoped(KeystoneAuth(KS, user="alice", password="p", project_id="p"))
    with pytest.raises(NotFound) as info:
        auth.get_endpoint("object-store", "internalURL", "RegionTwo")
    assert str(info.value) == (
        "the Keystone catalog has no internal object-store endpoint in region RegionTwo "
        "(it has: public RegionOne, internal RegionOne, public RegionTwo)")


def test_unscoped_token_asks_for_a_project():
    auth = KeystoneAuth(KS, user="alice", password="p")
    auth._token = "tok"
    with pytest.raises(InvalidArgument, match="unscoped.*project_name"):
        auth.get_endpoint()


def test_long_lived_token_is_renewed_thirty_seconds_before_expiry():
    auth = _scoped(KeystoneAuth(KS, user="alice", password="p", project_id="p"),
                   expires_in=40, lifetime=3600)
    assert auth.valid
    auth._expires = time.time() + 20
    assert not auth.valid


def test_short_lived_token_is_used_for_half_its_life():
    # an application credential about to expire caps its tokens' life
    auth = _scoped(KeystoneAuth(KS, user="alice", password="p", project_id="p"),
                   expires_in=8, lifetime=10)
    assert auth.valid  # 8 s left of 10: more than half
    auth._expires = time.time() + 4
    auth._issued = auth._expires - 10
    assert not auth.valid


def test_token_without_issue_time_keeps_the_default_margin():
    auth = _scoped(KeystoneAuth(KS, user="alice", password="p", project_id="p"),
                   expires_in=10)
    assert not auth.valid
