"""Fixtures for the Swift functional tests: the cluster of tools/swift-server."""

import os
import uuid

import pytest

import objclient
from objclient.exceptions import ClientError

AUTH_URL = os.environ.get("SWIFT_AUTH_URL", "http://127.0.0.1:8080/auth/v1.0")
USER = os.environ.get("SWIFT_USER", "test:tester")
KEY = os.environ.get("SWIFT_KEY", "testing")
RESELLER_USER = os.environ.get("SWIFT_RESELLER_USER", "admin:admin")
RESELLER_KEY = os.environ.get("SWIFT_RESELLER_KEY", "admin")
ACCOUNT2 = os.environ.get("SWIFT_ACCOUNT2", "AUTH_test2")


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


@pytest.fixture(scope="module")
def api():
    client = make_api()
    yield client
    client.close()


@pytest.fixture
def container(api):
    name = f"ft-{uuid.uuid4().hex[:10]}"
    api.container_create(None, name)
    yield name
    drop_container(api, None, name + "_segments")
    drop_container(api, None, name)
