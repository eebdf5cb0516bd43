"""pandas writes and reads Parquet through ``objclient://`` URLs, with only
``storage_options`` saying which store: locally, on S3 (SeaweedFS) and Swift."""

from __future__ import annotations

import uuid

import pandas as pd  # the `test` extra installs pandas and pyarrow
import pytest


def _local(tmp_path):
    return {"store": f"file://{tmp_path}/store?fsync=0"}


def _s3(tmp_path):
    from tools import server_env
    return {"store": "s3+" + server_env.SEAWEEDFS_S3_ENDPOINT, "path_keys": True,
            "access_key": server_env.SEAWEEDFS_S3_ACCESS_KEY,
            "secret_key": server_env.SEAWEEDFS_S3_SECRET_KEY,
            "region": server_env.SEAWEEDFS_S3_REGION}


def _swift(tmp_path):
    from tools import server_env
    return {"store": "swift+" + server_env.SWIFT_AUTH_URL, "user": server_env.SWIFT_USER,
            "key": server_env.SWIFT_KEY}


STORES = [pytest.param(_local, id="local"),
          pytest.param(_s3, id="s3_seaweedfs", marks=pytest.mark.servers),
          pytest.param(_swift, id="swift", marks=pytest.mark.servers)]


@pytest.mark.parametrize("options", STORES)
def test_pandas_parquet_round_trip_through_objclient_urls(options, tmp_path):
    import fsspec
    storage_options = options(tmp_path)
    container = f"pq-{uuid.uuid4().hex[:10]}"
    fs, _ = fsspec.core.url_to_fs(f"objclient://{container}",
                                  skip_instance_cache=True, **storage_options)
    fs.mkdir(container)
    frame = pd.DataFrame({"n": range(1000), "s": [f"row {i}" for i in range(1000)]})
    url = f"objclient://{container}/tables/t.parquet"
    try:
        frame.to_parquet(url, storage_options=storage_options)
        back = pd.read_parquet(url, storage_options=storage_options)
        assert fs.ls(f"{container}/tables", detail=False) == [f"{container}/tables/t.parquet"]
    finally:
        fs.rm(container, recursive=True)
    pd.testing.assert_frame_equal(back, frame)
