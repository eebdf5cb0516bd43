"""The S3 backend against SeaweedFS's S3 gateway (``tools/seaweedfs-server``)."""

import os

import objclient
from objclient.exceptions import ClientError

NAME = "s3/seaweedfs"


def make_api(tmp_path_factory):
    endpoint = os.environ.get("SEAWEEDFS_S3_ENDPOINT", "http://127.0.0.1:8333")
    api = objclient.ObjectStorageApi(
        "s3+" + endpoint, path_keys=True,
        access_key=os.environ.get("SEAWEEDFS_S3_ACCESS_KEY", "AKIDOBJCLIENTADMIN"),
        secret_key=os.environ.get("SEAWEEDFS_S3_SECRET_KEY", "objclient-admin-secret"),
        region=os.environ.get("SEAWEEDFS_S3_REGION", "us-east-1"))
    try:
        api.account_show()
    except ClientError as exc:
        api.close()
        raise RuntimeError(f"SeaweedFS S3 at {endpoint} is not usable ({exc}); run "
                           "`tools/seaweedfs-server start`") from exc
    return api, api.account_show()["id"]
