"""KeystoneAuth against a real Keystone (tools/keystone-server): password and
application-credential methods, scoping, refusals, expiry and revocation."""

import time

import pytest

from objclient.auth import TokenCache
from objclient.auth.keystone import KeystoneAuth
from objclient.exceptions import InvalidArgument, Unauthorized

from .conftest import (
    AUTH_URL,
    DOMAIN,
    PASSWORD,
    PROJECT,
    PROJECT_B,
    USER,
    client,
    demo_auth,
    drop_app_cred,
    make_app_cred,
    swift_url,
    token_info,
)


def _assert_no_secret(exc: BaseException, *secrets: str) -> None:
    for text in (str(exc), repr(exc), str(getattr(exc, "server_message", "")),
                 str(getattr(exc, "url", ""))):
        for secret in secrets:
            assert secret not in text


def test_password_scoped_by_project_name_and_domain_gets_a_fernet_token_and_catalog():
    auth = demo_auth()
    http = client(auth)
    http.authenticate()
    assert auth.token.startswith("gAAAA")  # a fernet token
    assert auth.project["name"] == PROJECT and auth.project["domain"]["name"] == DOMAIN
    assert auth.expires > time.time() + 60
    assert http.get_endpoint() == swift_url("public", "RegionOne", auth.project["id"])
    http.close()


def test_password_scoped_by_project_id_gets_that_projects_storage_url(demo_ids):
    auth = demo_auth(project_name=None, project_domain_name=None,
                     project_id=demo_ids["project_b"])
    http = client(auth)
    assert http.get_endpoint() == swift_url("public", "RegionOne", demo_ids["project_b"])
    assert auth.project["name"] == PROJECT_B
    http.close()


def test_password_with_user_id_and_project_domain_id(demo_ids):
    auth = KeystoneAuth(AUTH_URL, user_id=demo_ids["user"], password=PASSWORD,
                        project_name=PROJECT, project_domain_id=demo_ids["domain"])
    http = client(auth)
    http.authenticate()
    assert auth.project["id"] == demo_ids["project"]
    http.close()


def test_application_credential_by_id_is_scoped_to_its_project(app_cred, demo_ids):
    auth = KeystoneAuth(AUTH_URL, application_credential_id=app_cred["id"],
                        application_credential_secret=app_cred["secret"])
    http = client(auth)
    assert http.get_endpoint() == swift_url("public", "RegionOne", demo_ids["project"])
    assert token_info(http)["methods"] == ["application_credential"]
    assert app_cred["secret"] not in repr(auth)
    http.close()


def test_application_credential_by_name_and_user(app_cred, demo_ids):
    auth = KeystoneAuth(AUTH_URL, application_credential_name=app_cred["name"],
                        application_credential_secret=app_cred["secret"],
                        user=USER, user_domain_name=DOMAIN)
    http = client(auth)
    http.authenticate()
    assert auth.project["id"] == demo_ids["project"]
    by_id = client(KeystoneAuth(AUTH_URL, application_credential_name=app_cred["name"],
                                application_credential_secret=app_cred["secret"],
                                user_id=demo_ids["user"]))
    by_id.authenticate()
    assert by_id.auth.project["id"] == demo_ids["project"]
    http.close()
    by_id.close()


def test_wrong_password_is_unauthorized_and_the_error_holds_no_secret():
    wrong = "not-the-Password-42"
    http = client(demo_auth(password=wrong))
    with pytest.raises(Unauthorized) as info:
        http.authenticate()
    assert info.value.status == 401 and info.value.method == "POST"
    _assert_no_secret(info.value, wrong, PASSWORD)
    http.close()


def test_unknown_user_and_project_without_role_are_unauthorized():
    for auth in (demo_auth(user="nobody-here"),
                 demo_auth(project_name="admin", project_domain_name=None,
                           project_domain_id="default")):
        http = client(auth)
        with pytest.raises(Unauthorized) as info:
            http.authenticate()
        _assert_no_secret(info.value, PASSWORD)
        http.close()


def test_wrong_application_credential_secret_is_unauthorized(app_cred):
    wrong = "wrong-app-cred-secret-7"
    http = client(KeystoneAuth(AUTH_URL, application_credential_id=app_cred["id"],
                               application_credential_secret=wrong))
    with pytest.raises(Unauthorized) as info:
        http.authenticate()
    _assert_no_secret(info.value, wrong, app_cred["secret"])
    http.close()


def test_unscoped_token_says_a_project_is_needed():
    auth = demo_auth(project_name=None, project_domain_name=None)
    http = client(auth)
    http.authenticate()  # Keystone gives an unscoped token: no project, no catalog
    assert auth.token and not auth.project
    with pytest.raises(InvalidArgument, match="unscoped"):
        http.get_endpoint()
    http.close()


def test_revoked_token_gets_one_401_then_the_client_authenticates_again(admin_http):
    auth = demo_auth()
    http = client(auth, timings=True)
    http.authenticate()
    first = auth.token
    admin_http.request("DELETE", AUTH_URL + "/auth/tokens", headers={"X-Subject-Token": first},
                       service="identity").close()
    http.reset_timings()
    _resp, doc = http.request_json("GET", AUTH_URL + "/auth/projects", service="identity")
    assert PROJECT in {p["name"] for p in doc["projects"]}
    assert auth.token != first
    assert [(t.method, t.status) for t in http.get_timing_records()] == [
        ("GET", 401), ("POST", 201), ("GET", 200)]
    http.close()


def test_revoked_token_from_the_token_cache_is_dropped_and_replaced(tmp_path, admin_http):
    cache = TokenCache(str(tmp_path / "tokens.json"))
    http = client(demo_auth(token_cache=cache))
    http.authenticate()
    cached = http.auth.token
    http.close()
    admin_http.request("DELETE", AUTH_URL + "/auth/tokens",
                       headers={"X-Subject-Token": cached}, service="identity").close()

    auth = demo_auth(token_cache=cache)
    http = client(auth, timings=True)
    http.authenticate()
    assert auth.token == cached  # taken from the cache: no request
    assert http.get_timing_records() == []
    http.request_json("GET", AUTH_URL + "/auth/projects", service="identity")
    assert auth.token != cached
    assert cache.load(auth._cache_key)["token"] == auth.token
    assert PASSWORD not in (tmp_path / "tokens.json").read_text()
    http.close()


def test_token_capped_by_an_expiring_credential_is_renewed_then_refused(demo_http, demo_ids):
    # Keystone caps a token's life at its application credential's expiry: a
    # real short-lived token without waiting for the server's token life.
    cred = make_app_cred(demo_http, demo_ids["user"], expires_in=10)
    try:
        auth = KeystoneAuth(AUTH_URL, application_credential_id=cred["id"],
                            application_credential_secret=cred["secret"])
        http = client(auth, timings=True)
        http.authenticate()
        first = auth.token
        assert auth.expires - time.time() < 11
        assert auth.valid  # a 10 s token is not stale at once (no auth per request)
        http.request_json("GET", AUTH_URL + "/auth/projects", service="identity")
        assert auth.token == first
        deadline = time.time() + 10
        while auth.valid and time.time() < deadline:
            time.sleep(0.2)
        assert not auth.valid  # past half its life: renewed before the next use
        http.reset_timings()
        http.request_json("GET", AUTH_URL + "/auth/projects", service="identity")
        assert auth.token != first
        assert [(t.method, t.status) for t in http.get_timing_records()] == [
            ("POST", 201), ("GET", 200)]
        time.sleep(max(0.0, auth.expires - time.time()) + 1.0)
        with pytest.raises(Unauthorized) as info:  # the credential has expired too
            http.request_json("GET", AUTH_URL + "/auth/projects", service="identity")
        _assert_no_secret(info.value, cred["secret"])
        http.close()
    finally:
        drop_app_cred(demo_http, demo_ids["user"], cred["id"])
