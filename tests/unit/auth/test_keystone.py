"""KeystoneAuth logic without a server: application credentials by name,
endpoint errors, unscoped tokens, the renewal margin of short-lived tokens.
(The HTTP exchanges are in tests/unit/backends/swift/test_swift_keystone.py and,
against a real Keystone, tests/functional/keystone/.)"""

import os
import time

import pytest
import responses

from objclient.auth.keystone import KeystoneAuth, describe_endpoints
from objclient.exceptions import InvalidArgument, NotFound
from objclient.http import HTTPClient

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


def _token_answer(rsps, token):
    now = time.time()
    stamp = lambda t: time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(t))  # noqa: E731
    rsps.add(responses.POST, f"{KS}/auth/tokens", status=201,
             headers={"X-Subject-Token": token},
             json={"token": {"issued_at": stamp(now), "expires_at": stamp(now + 3600),
                             "catalog": _catalog(), "project": {"id": "p"}}})


def _auth(password="pw", **kwargs):
    return KeystoneAuth(KS, user="alice", password=password, project_id="p", **kwargs)


def test_a_second_plugin_takes_the_token_from_the_default_cache():
    with responses.RequestsMock() as rsps:
        _token_answer(rsps, "tok-1")
        HTTPClient(auth=_auth()).authenticate()
    again = _auth()
    with responses.RequestsMock() as rsps:  # no request allowed
        HTTPClient(auth=again).authenticate()
    assert again.token == "tok-1"
    assert again.get_endpoint() == "https://s1/v1/AUTH_p"
    path = os.path.join(os.environ["XDG_CACHE_HOME"], "objclient", "tokens.json")
    assert "pw" not in open(path, encoding="utf-8").read()


def test_another_password_or_no_cache_authenticates_again():
    with responses.RequestsMock() as rsps:
        _token_answer(rsps, "tok-1")
        HTTPClient(auth=_auth()).authenticate()
    for auth in (_auth(password="other"), _auth(token_cache=False)):
        with responses.RequestsMock() as rsps:
            _token_answer(rsps, "tok-2")
            HTTPClient(auth=auth).authenticate()
            assert len(rsps.calls) == 1
        assert auth.token == "tok-2"


def test_a_token_past_its_expires_at_is_not_taken_from_the_cache():
    with responses.RequestsMock() as rsps:
        _token_answer(rsps, "tok-1")
        first = _auth()
        HTTPClient(auth=first).authenticate()
    cache = first.token_cache
    entry = cache.load(first._cache_key)
    cache.save(first._cache_key, dict(entry, expires=time.time() - 1))
    with responses.RequestsMock() as rsps:
        _token_answer(rsps, "tok-2")
        again = _auth()
        HTTPClient(auth=again).authenticate()
    assert again.token == "tok-2"
