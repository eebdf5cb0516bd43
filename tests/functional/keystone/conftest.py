"""Fixtures for the Keystone functional tests: the real Keystone of
tools/keystone-server (Debian's python3-keystone, SQLite, fernet tokens).

When Keystone is not reachable every test here fails (never skips), saying
how to start it.
"""

import datetime
import uuid
from typing import Any, Dict, Iterator, Optional

import pytest
import requests

from objclient.auth.keystone import KeystoneAuth
from objclient.exceptions import ClientError
from objclient.http import HTTPClient
from tools import server_env

AUTH_URL = server_env.KEYSTONE_AUTH_URL
ADMIN_USER = server_env.KEYSTONE_ADMIN_USER
ADMIN_PASSWORD = server_env.KEYSTONE_ADMIN_PASSWORD
ADMIN_PROJECT = server_env.KEYSTONE_ADMIN_PROJECT
DOMAIN = server_env.KEYSTONE_DOMAIN
USER = server_env.KEYSTONE_USER
PASSWORD = server_env.KEYSTONE_PASSWORD
PROJECT = server_env.KEYSTONE_PROJECT
PROJECT_B = server_env.KEYSTONE_PROJECT_B
SWIFT_URLS = {
    ("public", "RegionOne"): server_env.KEYSTONE_SWIFT_URL_REGIONONE_PUBLIC,
    ("internal", "RegionOne"): server_env.KEYSTONE_SWIFT_URL_REGIONONE_INTERNAL,
    ("public", "RegionTwo"): server_env.KEYSTONE_SWIFT_URL_REGIONTWO_PUBLIC,
    ("internal", "RegionTwo"): server_env.KEYSTONE_SWIFT_URL_REGIONTWO_INTERNAL,
}


def swift_url(interface: str, region: str, project_id: str) -> str:
    """The object-store URL the catalog gives for a project."""
    return SWIFT_URLS[(interface, region)] % {"project_id": project_id}


def demo_auth(**kwargs: Any) -> KeystoneAuth:
    """A password plugin for the demo user, scoped to the demo project unless
    ``kwargs`` say otherwise."""
    args: Dict[str, Any] = {"user": USER, "password": PASSWORD, "user_domain_name": DOMAIN,
                            "project_name": PROJECT, "project_domain_name": DOMAIN}
    args.update(kwargs)
    return KeystoneAuth(AUTH_URL, **args)


def client(auth: KeystoneAuth, **kwargs: Any) -> HTTPClient:
    """An HTTPClient looking up object-store endpoints through ``auth``."""
    kwargs.setdefault("service_type", "object-store")
    return HTTPClient(auth=auth, **kwargs)


def token_info(http: HTTPClient, token: Optional[str] = None) -> Dict[str, Any]:
    """``GET /v3/auth/tokens``: what Keystone says about ``token`` (default:
    the client's own)."""
    http.authenticate()
    subject = token or http.auth.token
    _resp, doc = http.request_json("GET", AUTH_URL + "/auth/tokens",
                                   headers={"X-Subject-Token": subject}, service="identity")
    return doc["token"]


@pytest.fixture(scope="session", autouse=True)
def keystone_server() -> None:
    """Fail every test at once, clearly, when Keystone is not there."""
    try:
        resp = requests.get(AUTH_URL, timeout=5)
        resp.raise_for_status()
    except requests.RequestException as exc:
        raise RuntimeError(f"Keystone is not reachable at {AUTH_URL} ({exc}); run "
                           "'tools/keystone-server start' (or 'tools/servers start')") from None
    try:
        client(demo_auth()).authenticate()
    except ClientError as exc:
        raise RuntimeError(f"Keystone at {AUTH_URL} answers but the demo user gets no token "
                           f"({exc}); restart it with 'tools/keystone-server stop; "
                           "tools/keystone-server start'") from None


@pytest.fixture(scope="session")
def admin_http() -> Iterator[HTTPClient]:
    """An HTTPClient holding an admin token (for revoking tokens)."""
    http = HTTPClient(auth=KeystoneAuth(AUTH_URL, user=ADMIN_USER, password=ADMIN_PASSWORD,
                                        user_domain_id="default", project_name=ADMIN_PROJECT,
                                        project_domain_id="default"))
    yield http
    http.close()


@pytest.fixture(scope="session")
def demo_http() -> Iterator[HTTPClient]:
    """An HTTPClient of the demo user, scoped to the demo project."""
    http = client(demo_auth())
    http.authenticate()
    yield http
    http.close()


@pytest.fixture(scope="session")
def demo_ids(demo_http: HTTPClient) -> Dict[str, str]:
    """Ids of the demo user, its domain and its two projects."""
    info = token_info(demo_http)
    http_b = client(demo_auth(project_name=PROJECT_B))
    project_b = token_info(http_b)["project"]["id"]
    http_b.close()
    return {"user": info["user"]["id"], "domain": info["user"]["domain"]["id"],
            "project": info["project"]["id"], "project_b": project_b}


def make_app_cred(http: HTTPClient, user_id: str, expires_in: Optional[float] = None,
                  ) -> Dict[str, Any]:
    """Create an application credential of the demo user (for the project of
    ``http``'s token); the answer holds its id, name and secret."""
    body: Dict[str, Any] = {"name": f"objclient-ft-{uuid.uuid4().hex[:10]}",
                            "description": "objclient functional test"}
    if expires_in is not None:
        when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
            seconds=expires_in)
        body["expires_at"] = when.strftime("%Y-%m-%dT%H:%M:%S")
    _resp, doc = http.request_json(
        "POST", f"{AUTH_URL}/users/{user_id}/application_credentials",
        json={"application_credential": body}, service="identity")
    return doc["application_credential"]


def drop_app_cred(http: HTTPClient, user_id: str, cred_id: str) -> None:
    """Delete an application credential (best effort)."""
    try:
        http.request("DELETE", f"{AUTH_URL}/users/{user_id}/application_credentials/{cred_id}",
                     service="identity").close()
    except ClientError:
        pass


@pytest.fixture(scope="session")
def app_cred(demo_http: HTTPClient, demo_ids: Dict[str, str]) -> Iterator[Dict[str, Any]]:
    """An application credential of the demo user on the demo project."""
    cred = make_app_cred(demo_http, demo_ids["user"])
    yield cred
    drop_app_cred(demo_http, demo_ids["user"], cred["id"])
