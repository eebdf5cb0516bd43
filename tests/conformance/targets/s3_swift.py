"""The S3 backend against Swift's s3api middleware (``tools/swift-server``).

Swift's s3api has no PutBucketTagging, so bucket tags (container
properties) are turned off for this target.
"""

import objclient
from objclient.exceptions import ClientError
from tools import server_env

NAME = "s3/swift"
NEEDS_SERVERS = True  # tools/servers; the `servers` tier (tests/conftest.py)


def make_api(tmp_path_factory):
    endpoint = server_env.SWIFT_S3_ENDPOINT
    api = objclient.ObjectStorageApi(
        "s3+" + endpoint, access_key=server_env.SWIFT_S3_ACCESS_KEY,
        secret_key=server_env.SWIFT_S3_SECRET_KEY, tagging=False)
    try:
        api.account_show()
    except ClientError as exc:
        api.close()
        raise RuntimeError(f"Swift s3api at {endpoint} is not usable ({exc}); run "
                           "`tools/swift-server start`") from exc
    return api, api.account_show()["id"]
