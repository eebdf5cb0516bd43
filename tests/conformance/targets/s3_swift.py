"""The S3 backend against Swift's s3api middleware (``tools/swift-server``).

Swift's s3api has no PutBucketTagging, so bucket tags (container
properties) are turned off for this target.
"""

import os

import objclient
from objclient.exceptions import ClientError

NAME = "s3/swift"


def make_api(tmp_path_factory):
    endpoint = os.environ.get("SWIFT_S3_ENDPOINT", "http://127.0.0.1:8080")
    api = objclient.ObjectStorageApi(
        "s3+" + endpoint, access_key=os.environ.get("SWIFT_S3_ACCESS_KEY", "test:tester"),
        secret_key=os.environ.get("SWIFT_S3_SECRET_KEY", "testing"), tagging=False)
    try:
        api.account_show()
    except ClientError as exc:
        api.close()
        raise RuntimeError(f"Swift s3api at {endpoint} is not usable ({exc}); run "
                           "`tools/swift-server start`") from exc
    return api, api.account_show()["id"]
