"""The S3 backend against SeaweedFS's S3 gateway (``tools/seaweedfs-server``)."""

import objclient
from objclient.exceptions import ClientError
from tools import server_env

NAME = "s3/seaweedfs"
NEEDS_SERVERS = True  # tools/servers; the `servers` tier (tests/conftest.py)


def make_api(tmp_path_factory):
    endpoint = server_env.SEAWEEDFS_S3_ENDPOINT
    api = objclient.ObjectStorageApi(
        "s3+" + endpoint, path_keys=True,
        access_key=server_env.SEAWEEDFS_S3_ACCESS_KEY,
        secret_key=server_env.SEAWEEDFS_S3_SECRET_KEY,
        region=server_env.SEAWEEDFS_S3_REGION)
    try:
        api.account_show()
    except ClientError as exc:
        api.close()
        raise RuntimeError(f"SeaweedFS S3 at {endpoint} is not usable ({exc}); run "
                           "`tools/seaweedfs-server start`") from exc
    return api, api.account_show()["id"]
