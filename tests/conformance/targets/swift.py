"""OpenStack Swift 2.30 on loopback (tools/swift-server), TempAuth user test:tester."""

import os

import objclient
from objclient.exceptions import ClientError

NAME = "swift"

AUTH_URL = os.environ.get("SWIFT_AUTH_URL", "http://127.0.0.1:8080/auth/v1.0")
USER = os.environ.get("SWIFT_USER", "test:tester")
KEY = os.environ.get("SWIFT_KEY", "testing")


def make_api(tmp_path_factory):
    url = "swift+" + AUTH_URL
    api = objclient.ObjectStorageApi(url, user=USER, key=KEY)
    try:
        account = api.account_show(None)["id"]
    except ClientError as exc:
        api.close()
        raise RuntimeError(f"Swift is not reachable at {AUTH_URL} ({exc}); start it with "
                           "'tools/swift-server start'") from exc
    return api, account
