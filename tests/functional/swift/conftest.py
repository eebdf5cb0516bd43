"""Fixtures for the Swift functional tests: the cluster of tools/swift-server."""

import uuid

import pytest

import objclient
from objclient.exceptions import ClientError
from tools import server_env

AUTH_URL = server_env.SWIFT_AUTH_URL
USER = server_env.SWIFT_USER
KEY = server_env.SWIFT_KEY
RESELLER_USER = server_env.SWIFT_RESELLER_USER
RESELLER_KEY = server_env.SWIFT_RESELLER_KEY
ACCOUNT2 = server_env.SWIFT_ACCOUNT2


def make_api(user=USER, key=KEY, **kwargs):
    """An API on the test cluster; raises (never skips) when it is down."""
    api = objclient.ObjectStorageApi("swift+" + AUTH_URL, user=user, key=key, **kwargs)
    try:
        api.http.authenticate()
    except ClientError as exc:
        api.close()
        raise RuntimeError(f"Swift is not reachable at {AUTH_URL} ({exc}); run "
                           "'tools/swift-server start'") from exc
    return api


def drop_container(api, account, name):
    """Delete a container and everything in it (best effort)."""
    try:
        api.container_flush(account, name)
        api.container_delete(account, name)
    except ClientError:
        pass


def drop_versioned(api, name):
    """Delete every version and delete marker of a versioned container, then
    the container and its segment container (best effort)."""
    try:
        rows = api.object_list(None, name, versions=True, deleted=True)["objects"]
        for info in rows:
            api.object_delete(None, name, info["name"], version=info["version"] or "null")
        api.container_set_properties(None, name, system={"versioning": "suspended"})
    except ClientError:
        pass
    drop_container(api, None, name)
    drop_container(api, None, name + "_segments")


@pytest.fixture(scope="module")
def api():
    client = make_api()
    yield client
    client.close()


@pytest.fixture
def versioned(api):
    """A container with object versioning enabled."""
    name = f"ft-ver-{uuid.uuid4().hex[:8]}"
    api.container_create(None, name, system={"versioning": "enabled"})
    yield name
    drop_versioned(api, name)


@pytest.fixture
def container(api):
    name = f"ft-{uuid.uuid4().hex[:10]}"
    api.container_create(None, name)
    yield name
    drop_container(api, None, name + "_segments")
    drop_container(api, None, name)
