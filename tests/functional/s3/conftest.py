"""Real S3 servers for the S3 backend's functional tests.

SeaweedFS's S3 gateway (``tools/seaweedfs-server``) and Swift's s3api
(``tools/swift-server``); a missing server is an error, never a skip.
"""

import uuid

import pytest

import objclient
from objclient.exceptions import ClientError
from tools import server_env

SEAWEED = server_env.SEAWEEDFS_S3_ENDPOINT
SEAWEED_AK = server_env.SEAWEEDFS_S3_ACCESS_KEY
SEAWEED_SK = server_env.SEAWEEDFS_S3_SECRET_KEY
READER_AK = server_env.SEAWEEDFS_S3_READER_ACCESS_KEY
READER_SK = server_env.SEAWEEDFS_S3_READER_SECRET_KEY
SWIFT = server_env.SWIFT_S3_ENDPOINT
SWIFT_AK = server_env.SWIFT_S3_ACCESS_KEY
SWIFT_SK = server_env.SWIFT_S3_SECRET_KEY


def make(endpoint, access_key, secret_key, **options):
    """An API on an S3 server (no check)."""
    return objclient.ObjectStorageApi("s3+" + endpoint, access_key=access_key,
                                      secret_key=secret_key, **options)


def _checked(api, what):
    try:
        api.account_show()
    except ClientError as exc:
        api.close()
        raise RuntimeError(f"{what} is not usable ({exc}); start it with tools/") from exc
    return api


@pytest.fixture(scope="session")
def seaweed():
    api = _checked(make(SEAWEED, SEAWEED_AK, SEAWEED_SK, multipart_threshold=5 << 20,
                        part_size=5 << 20, concurrency=2, path_keys=True),
                   f"SeaweedFS S3 at {SEAWEED}")
    yield api
    api.close()


def server_api(server, **options):
    """A checked API on ``server`` (``"seaweedfs"`` or ``"swift"``), with ``options``."""
    if server == "seaweedfs":
        api = make(SEAWEED, SEAWEED_AK, SEAWEED_SK, path_keys=True, **options)
    else:
        api = make(SWIFT, SWIFT_AK, SWIFT_SK, tagging=False, **options)
    api = _checked(api, f"S3 server {server}")
    api.server = server
    return api


@pytest.fixture(scope="session", params=["seaweedfs", "swift"])
def any_s3(request):
    api = server_api(request.param)
    yield api
    api.close()


def _cleanup(api, bucket):
    try:
        api.blob_client.abort_stale_uploads(bucket, older_than=0)
        api.container_flush(None, bucket)
        api.container_delete(None, bucket)
    except ClientError:
        pass


def new_bucket(api):
    """A new bucket on ``api`` (a generator for fixtures: removed afterwards)."""
    name = f"oc-s3fn-{uuid.uuid4().hex[:10]}"
    api.container_create(None, name)
    yield name
    _cleanup(api, name)


@pytest.fixture
def bucket(seaweed):
    yield from new_bucket(seaweed)


@pytest.fixture
def any_bucket(any_s3):
    for name in new_bucket(any_s3):
        yield any_s3, name
