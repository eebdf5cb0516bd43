"""A cold start, for the network benchmark: what a short-lived script does.

``python -m tools.bench_cold SERVER CLIENT CONTAINER`` imports one client's
package, builds the client, authenticates (Swift: TempAuth; S3 has no
authentication round trip), lists the first 100 objects of ``CONTAINER``
and prints how many it got.  :mod:`tools.bench_net` times the whole process,
from its start to its exit.  The endpoints and the CA bundle come from the
environment that :mod:`tools.bench_net` sets (``SWIFT_AUTH_URL``,
``SEAWEEDFS_S3_ENDPOINT``, ``OBJCLIENT_BENCH_CACERT``...).  Each client is
written the way its documentation shows a script using it, and imports
nothing the others do not need.
"""

from __future__ import annotations

import os
import sys
from typing import Callable, Dict, Tuple

LIMIT = 100


def _env(name: str) -> str:
    return os.environ[name]


def _cacert() -> str:
    return _env("OBJCLIENT_BENCH_CACERT")


def swift_floor(container: str) -> int:
    """urllib3: GET the token, then one listing page."""
    import json

    import urllib3
    http = urllib3.PoolManager(ca_certs=_cacert())
    auth = http.request("GET", _env("SWIFT_AUTH_URL"),
                        headers={"X-Auth-User": _env("SWIFT_USER"),
                                 "X-Auth-Key": _env("SWIFT_KEY")})
    r = http.request("GET", f"{auth.headers['X-Storage-Url']}/{container}",
                     headers={"X-Auth-Token": auth.headers["X-Auth-Token"]},
                     fields={"format": "json", "limit": str(LIMIT)})
    return len(json.loads(r.data))


def swift_objclient(container: str) -> int:
    import objclient
    api = objclient.ObjectStorageApi("swift+" + _env("SWIFT_AUTH_URL"), user=_env("SWIFT_USER"),
                                     key=_env("SWIFT_KEY"), verify=_cacert())
    return len(api.object_list(None, container, limit=LIMIT)["objects"])


def swift_swiftclient(container: str) -> int:
    import swiftclient.client
    conn = swiftclient.client.Connection(authurl=_env("SWIFT_AUTH_URL"), user=_env("SWIFT_USER"),
                                         key=_env("SWIFT_KEY"), cacert=_cacert())
    return len(conn.get_container(container, limit=LIMIT)[1])


def s3_floor(container: str) -> int:
    from tools.bench_s3floor import RawS3
    client = RawS3(_env("SEAWEEDFS_S3_ENDPOINT"), _env("SEAWEEDFS_S3_ACCESS_KEY"),
                   _env("SEAWEEDFS_S3_SECRET_KEY"), _env("SEAWEEDFS_S3_REGION"))
    client.bucket = container
    r = client._request("GET", query=[("list-type", "2"), ("max-keys", str(LIMIT))])
    return r.data.count(b"<Key>")  # type: ignore[no-any-return]


def s3_objclient(container: str) -> int:
    import objclient
    api = objclient.ObjectStorageApi(
        "s3+" + _env("SEAWEEDFS_S3_ENDPOINT"), access_key=_env("SEAWEEDFS_S3_ACCESS_KEY"),
        secret_key=_env("SEAWEEDFS_S3_SECRET_KEY"), region=_env("SEAWEEDFS_S3_REGION"),
        verify=_cacert())
    return len(api.object_list(None, container, limit=LIMIT)["objects"])


def s3_boto3(container: str) -> int:
    import boto3
    from botocore.config import Config
    s3 = boto3.client("s3", endpoint_url=_env("SEAWEEDFS_S3_ENDPOINT"),
                      aws_access_key_id=_env("SEAWEEDFS_S3_ACCESS_KEY"),
                      aws_secret_access_key=_env("SEAWEEDFS_S3_SECRET_KEY"),
                      region_name=_env("SEAWEEDFS_S3_REGION"), verify=_cacert(),
                      config=Config(s3={"addressing_style": "path"}))
    return len(s3.list_objects_v2(Bucket=container, MaxKeys=LIMIT).get("Contents", []))


def s3_obstore(container: str) -> int:
    import obstore
    from obstore.store import S3Store
    with open(_cacert(), encoding="ascii") as fh:
        ca = fh.read()
    store = S3Store(container, endpoint=_env("SEAWEEDFS_S3_ENDPOINT"),
                    access_key_id=_env("SEAWEEDFS_S3_ACCESS_KEY"),
                    secret_access_key=_env("SEAWEEDFS_S3_SECRET_KEY"),
                    region=_env("SEAWEEDFS_S3_REGION"), virtual_hosted_style_request=False,
                    client_options={"root_certificate": ca})  # type: ignore[typeddict-item]
    return len(next(iter(obstore.list(store, chunk_size=LIMIT))))


#: (server, client name) -> the cold start
COLD: Dict[Tuple[str, str], Callable[[str], int]] = {
    ("swift", "urllib3 (floor)"): swift_floor,
    ("swift", "objclient"): swift_objclient,
    ("swift", "python-swiftclient"): swift_swiftclient,
    ("s3", "urllib3 (floor)"): s3_floor,
    ("s3", "objclient"): s3_objclient,
    ("s3", "boto3"): s3_boto3,
    ("s3", "obstore"): s3_obstore,
}


def main() -> int:
    server, client, container = sys.argv[1:4]
    print(COLD[(server, client)](container))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
