"""OpenStack Swift 2.30 on loopback (tools/swift-server), TempAuth user test:tester."""

import objclient
from objclient.exceptions import ClientError
from tools import server_env

NAME = "swift"
NEEDS_SERVERS = True  # tools/servers; the `servers` tier (tests/conftest.py)

AUTH_URL = server_env.SWIFT_AUTH_URL
USER = server_env.SWIFT_USER
KEY = server_env.SWIFT_KEY


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
