"""OpenStack-style service clients (troveclient's ``BaseClient``) against the
test servers: the example of doc/parity/troveclient.rst, run as printed, on
Keystone and Swift; then what the shared HTTPClient did on the wire."""

from __future__ import annotations

import os
from typing import Any, Dict

import pytest

from objclient.exceptions import NotFound, Unauthorized
from objclient.http import BaseClient, HTTPClient
from tests.unit.test_docs import DOC, directive_blocks
from tools import server_env

from .conftest import AUTH_URL, PROJECT, PROJECT_B, demo_auth, swift_url

PAGE = os.path.join(DOC, "parity", "troveclient.rst")
ENV = ("KEYSTONE_AUTH_URL", "KEYSTONE_USER", "KEYSTONE_PASSWORD", "KEYSTONE_DOMAIN",
       "KEYSTONE_PROJECT", "SWIFT_AUTH_URL", "SWIFT_USER", "SWIFT_KEY")


@pytest.fixture(scope="module")
def example() -> Dict[str, Any]:
    """The namespace left by the page's example, run against the test servers."""
    with open(PAGE, encoding="utf-8") as fh:
        [code] = [body for name, arg, body, _line in directive_blocks(fh.read())
                  if name == "code-block" and arg == "python"]
    with pytest.MonkeyPatch.context() as env:
        for name in ENV:
            env.setenv(name, getattr(server_env, name))
        namespace: Dict[str, Any] = {"__name__": "troveclient_example"}
        exec(compile(code, PAGE, "exec"), namespace)  # noqa: S102 - our own page
    yield namespace
    namespace["keystone"].close()
    namespace["swift"].close()


def test_the_identity_client_lists_the_users_projects(example: Dict[str, Any]) -> None:
    assert {PROJECT, PROJECT_B} <= set(example["projects"])
    assert example["keystone"].identity.cached_endpoint == AUTH_URL


def test_the_object_store_client_creates_lists_and_deletes_a_container(
        example: Dict[str, Any]) -> None:
    assert example["listed"] is True
    store = example["store"]
    assert example["name"] not in store.container_names()
    assert store.cached_endpoint == server_env.SWIFT_STORAGE_URL


def test_clients_on_one_http_client_share_one_authentication(example: Dict[str, Any]) -> None:
    object_store = example["ObjectStoreClient"]
    http = HTTPClient(demo_auth(), region_name="RegionOne", endpoint_type="internalURL",
                      timings=True)
    identity = example["IdentityClient"](http)
    identity.project_names()
    store = object_store(http)
    # Swift here runs TempAuth and refuses Keystone tokens: what matters is where
    # the request went, with one authentication for both clients.
    with pytest.raises(Unauthorized):
        store.container_names()
    project = http.auth_plugin.project["id"]
    assert store.cached_endpoint == swift_url("internal", "RegionOne", project)
    names = [name for name, _start, _end in http.get_timings()]
    assert [n.split(" ")[0] for n in names].count("POST") == 2  # first token, then one renewal
    assert http.identity is identity and getattr(http, "object-store") is store
    http.close()


def test_a_base_client_without_a_catalog_entry_says_what_the_catalog_has() -> None:
    class ComputeClient(BaseClient):
        service_type = "compute"

    http = HTTPClient(demo_auth())
    with pytest.raises(NotFound, match="no public compute endpoint"):
        ComputeClient(http).get("/servers")
    http.close()
