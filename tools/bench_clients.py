"""The clients the benchmark compares, each behind the same small interface.

Every client stores and reads objects on the same local server: raw urllib3
(the floor: the fewest Python steps one HTTP request can take), objclient,
and the peers (python-swiftclient, boto3, obstore).  A client is built by a
factory that returns None when its package is not installed.

The endpoints come from :mod:`tools.server_env`; with https endpoints (the
network benchmark, :mod:`tools.bench_net`), every client trusts the CA
certificate named by ``OBJCLIENT_BENCH_CACERT``, each through its own option.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Optional, Tuple

import urllib3
from tools import server_env

SWIFT_AUTH = server_env.SWIFT_AUTH_URL
SWIFT_USER = server_env.SWIFT_USER
SWIFT_KEY = server_env.SWIFT_KEY
S3_ENDPOINT = server_env.SEAWEEDFS_S3_ENDPOINT
S3_KEY = server_env.SEAWEEDFS_S3_ACCESS_KEY
S3_SECRET = server_env.SEAWEEDFS_S3_SECRET_KEY
S3_REGION = server_env.SEAWEEDFS_S3_REGION
#: a CA bundle (PEM) the clients trust for https endpoints, or None
CACERT: Optional[str] = os.environ.get("OBJCLIENT_BENCH_CACERT") or None


class Client:
    """What a benchmarked client can do on one container/bucket."""

    name = "client"
    #: the workloads this client runs (None: all of them); see :mod:`tools.bench_run`
    phases: Optional[Tuple[str, ...]] = None

    def setup(self, container: str) -> None:
        """Create the container if needed."""

    def put(self, key: str, data: bytes) -> None:
        raise NotImplementedError

    def get(self, key: str) -> bytes:
        raise NotImplementedError

    def head(self, key: str) -> None:
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError

    def cleanup(self, key: str) -> None:
        """Remove an object left by a workload (not timed): one DELETE if possible."""
        self.delete(key)

    def list_all(self, prefix: str = "", delimiter: str = "") -> int:
        """List the whole container (or ``prefix``, grouping names at
        ``delimiter``), paginated; :returns: how many entries (objects and
        common prefixes)."""
        raise NotImplementedError

    def put_file(self, key: str, path: str) -> None:
        """Upload a (large) file, streaming."""
        raise NotImplementedError

    def get_file(self, key: str, path: str) -> None:
        """Download to a file, streaming."""
        raise NotImplementedError


def _swift_token() -> Dict[str, str]:
    http = urllib3.PoolManager(ca_certs=CACERT)
    resp = http.request("GET", SWIFT_AUTH, headers={"X-Auth-User": SWIFT_USER,
                                                    "X-Auth-Key": SWIFT_KEY})
    return {"token": resp.headers["X-Auth-Token"], "url": resp.headers["X-Storage-Url"]}


# -- Swift -----------------------------------------------------------------------------
class RawSwift(Client):
    name = "urllib3 (floor)"

    def __init__(self) -> None:
        auth = _swift_token()
        self.url = auth["url"]
        self.headers = {"X-Auth-Token": auth["token"]}
        self.pool = urllib3.PoolManager(maxsize=16, ca_certs=CACERT)

    def setup(self, container: str) -> None:
        self.base = f"{self.url}/{container}"
        self.pool.request("PUT", self.base, headers=self.headers)

    def put(self, key: str, data: bytes) -> None:
        r = self.pool.request("PUT", f"{self.base}/{key}", body=data, headers=self.headers)
        assert r.status == 201, r.status

    def get(self, key: str) -> bytes:
        r = self.pool.request("GET", f"{self.base}/{key}", headers=self.headers)
        assert r.status == 200
        return r.data  # type: ignore[no-any-return]

    def head(self, key: str) -> None:
        assert self.pool.request("HEAD", f"{self.base}/{key}",
                                 headers=self.headers).status == 200

    def delete(self, key: str) -> None:
        """One DELETE (404 raises), as objclient's object_delete sends in a
        container without a segment container."""
        self.cleanup(key)

    def cleanup(self, key: str) -> None:
        assert self.pool.request("DELETE", f"{self.base}/{key}",
                                 headers=self.headers).status == 204

    def list_all(self, prefix: str = "", delimiter: str = "") -> int:
        import json
        count, marker = 0, ""
        extra = {k: v for k, v in (("prefix", prefix), ("delimiter", delimiter)) if v}
        while True:
            r = self.pool.request("GET", self.base, headers=self.headers,
                                  fields={"format": "json", "marker": marker,
                                          "limit": "10000", **extra})
            page = json.loads(r.data)
            if not page:
                return count
            count += len(page)
            marker = page[-1].get("name") or page[-1]["subdir"]

    def put_file(self, key: str, path: str) -> None:
        with open(path, "rb") as fh:
            r = self.pool.urlopen("PUT", f"{self.base}/{key}", body=fh,
                                  headers=dict(self.headers,
                                               **{"Content-Length": str(os.path.getsize(path))}))
        assert r.status == 201

    def get_file(self, key: str, path: str) -> None:
        r = self.pool.request("GET", f"{self.base}/{key}", headers=self.headers,
                              preload_content=False)
        with open(path, "wb") as fh:
            for chunk in r.stream(1 << 20):
                fh.write(chunk)
        r.release_conn()


class ObjclientClient(Client):
    """objclient on any backend, through the facade.

    :param download_workers: parallel ranged GETs of :meth:`get_file`, like
        the peer's download to a file: 1 against python-swiftclient (one
        streamed GET, ``object_fetch``), 10 against boto3 (``download_file``:
        ``max_concurrency`` 10, 8 MiB ranges; ``object_download``).
    """

    def __init__(self, url: str, account: Optional[str], name: str,
                 phases: Optional[Tuple[str, ...]] = None, download_workers: int = 1,
                 **options: Any) -> None:
        import objclient
        self.name = name
        self.phases = phases
        self.download_workers = download_workers
        self.api = objclient.ObjectStorageApi(url, **options)
        self.account = account

    def setup(self, container: str) -> None:
        self.container = container
        self.api.container_create(self.account, container)

    def put(self, key: str, data: bytes) -> None:
        self.api.object_create(self.account, self.container, data=data, obj_name=key)

    def get(self, key: str) -> bytes:
        _meta, stream = self.api.object_fetch(self.account, self.container, key)
        return b"".join(stream)

    def head(self, key: str) -> None:
        self.api.object_get_properties(self.account, self.container, key)

    def delete(self, key: str) -> None:
        self.api.object_delete(self.account, self.container, key)

    def list_all(self, prefix: str = "", delimiter: str = "") -> int:
        return sum(1 for _ in self.api.object_list_iter(
            self.account, self.container, prefix=prefix or None,
            delimiter=delimiter or None, page_size=10000))

    def put_file(self, key: str, path: str) -> None:
        self.api.object_create(self.account, self.container, file_or_path=path, obj_name=key)

    def get_file(self, key: str, path: str) -> None:
        if self.download_workers > 1:
            self.api.object_download(self.account, self.container, key, path,
                                     workers=self.download_workers, part_size=BOTO3_PART_SIZE)
            return
        _meta, stream = self.api.object_fetch(self.account, self.container, key)
        with open(path, "wb") as fh:
            for chunk in stream:
                fh.write(chunk)


class SwiftclientClient(Client):
    name = "python-swiftclient"

    def __init__(self) -> None:
        import swiftclient
        auth = _swift_token()
        self.conn = swiftclient.Connection(preauthurl=auth["url"], preauthtoken=auth["token"],
                                           cacert=CACERT)

    def setup(self, container: str) -> None:
        self.container = container
        self.conn.put_container(container)

    def put(self, key: str, data: bytes) -> None:
        self.conn.put_object(self.container, key, data)

    def get(self, key: str) -> bytes:
        return self.conn.get_object(self.container, key)[1]  # type: ignore[no-any-return]

    def head(self, key: str) -> None:
        self.conn.head_object(self.container, key)

    def delete(self, key: str) -> None:
        self.conn.delete_object(self.container, key)

    def list_all(self, prefix: str = "", delimiter: str = "") -> int:
        return len(self.conn.get_container(self.container, full_listing=True, limit=10000,
                                           prefix=prefix or None,
                                           delimiter=delimiter or None)[1])

    def put_file(self, key: str, path: str) -> None:
        with open(path, "rb") as fh:
            self.conn.put_object(self.container, key, fh,
                                 content_length=os.path.getsize(path), chunk_size=1 << 20)

    def get_file(self, key: str, path: str) -> None:
        _h, body = self.conn.get_object(self.container, key, resp_chunk_size=1 << 20)
        with open(path, "wb") as fh:
            for chunk in body:
                fh.write(chunk)


# -- S3 ---------------------------------------------------------------------------------
class Boto3Client(Client):
    name = "boto3"

    def __init__(self) -> None:
        import boto3
        from botocore.config import Config
        self.s3 = boto3.client("s3", endpoint_url=S3_ENDPOINT, aws_access_key_id=S3_KEY,
                               aws_secret_access_key=S3_SECRET, region_name=S3_REGION,
                               verify=CACERT, config=Config(s3={"addressing_style": "path"},
                                             max_pool_connections=16))

    def setup(self, container: str) -> None:
        self.bucket = container
        try:
            self.s3.create_bucket(Bucket=container)
        except self.s3.exceptions.BucketAlreadyOwnedByYou:
            pass

    def put(self, key: str, data: bytes) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)

    def get(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()  # type: ignore

    def head(self, key: str) -> None:
        self.s3.head_object(Bucket=self.bucket, Key=key)

    def delete(self, key: str) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=key)

    def list_all(self, prefix: str = "", delimiter: str = "") -> int:
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix, Delimiter=delimiter)
        return sum(len(p.get("Contents", [])) + len(p.get("CommonPrefixes", []))
                   for p in pages)

    def put_file(self, key: str, path: str) -> None:
        self.s3.upload_file(path, self.bucket, key)

    def get_file(self, key: str, path: str) -> None:
        self.s3.download_file(self.bucket, key, path)


class ObstoreClient(Client):
    name = "obstore"

    def __init__(self) -> None:
        import obstore
        from obstore.store import S3Store
        self.obstore = obstore
        self.S3Store = S3Store

    def setup(self, container: str) -> None:
        options: Dict[str, Any] = {"allow_http": True}
        if CACERT:
            with open(CACERT, encoding="ascii") as fh:
                options["root_certificate"] = fh.read()
        self.store = self.S3Store(container, endpoint=S3_ENDPOINT, access_key_id=S3_KEY,
                                  secret_access_key=S3_SECRET, region=S3_REGION,
                                  client_options=options,  # type: ignore[arg-type]
                                  virtual_hosted_style_request=False)

    def put(self, key: str, data: bytes) -> None:
        self.obstore.put(self.store, key, data)

    def get(self, key: str) -> bytes:
        return bytes(self.obstore.get(self.store, key).bytes())

    def head(self, key: str) -> None:
        self.obstore.head(self.store, key)

    def delete(self, key: str) -> None:
        self.obstore.delete(self.store, key)

    def list_all(self, prefix: str = "", delimiter: str = "") -> int:
        """Without a delimiter, a paginated stream; with one ("/" only, as
        object_store knows no other), one call that follows every page."""
        if delimiter:
            found = self.obstore.list_with_delimiter(self.store, prefix or None)
            return len(found["objects"]) + len(found["common_prefixes"])
        return sum(len(batch) for batch in self.obstore.list(self.store, prefix or None,
                                                             chunk_size=1000))

    def put_file(self, key: str, path: str) -> None:
        with open(path, "rb") as fh:
            self.obstore.put(self.store, key, fh)

    def get_file(self, key: str, path: str) -> None:
        result = self.obstore.get(self.store, key)
        with open(path, "wb") as fh:
            for chunk in result.stream(min_chunk_size=1 << 20):
                fh.write(chunk)


def _maybe(factory: Callable[[], Client]) -> Optional[Client]:
    try:
        return factory()
    except ImportError:
        return None


#: objclient with its client-side MD5 off: what it costs to move the bytes
#: alone, compared with the clients that check nothing (the floor,
#: python-swiftclient's Connection).  Only the data-moving workloads: the
#: 4 KiB and listing ones hash (next to) nothing.
UNCHECKED = "objclient (checksum=False)"
UNCHECKED_PHASES = ("large", "parallel")


def _tls(extra: Dict[str, Any]) -> Dict[str, Any]:
    """objclient's options plus the pool size and ``verify``: the bench CA when
    there is one."""
    extra = dict(extra, pool_maxsize=POOL_MAXSIZE)
    return dict(extra, verify=CACERT) if CACERT else extra


#: objclient's connection pool, sized like the floor's and boto3's (16: the
#: threads of the network benchmark; objclient's default keeps 10)
POOL_MAXSIZE = 16


def _objclient_swift(name: str = "objclient", **extra: Any) -> Client:
    return ObjclientClient("swift+" + SWIFT_AUTH, None, name,
                           user=SWIFT_USER, key=SWIFT_KEY, **_tls(extra))


#: boto3's TransferConfig defaults: download_file's ranges and threads
BOTO3_PART_SIZE = 8 * 1024 * 1024
BOTO3_WORKERS = 10


def _objclient_s3(name: str = "objclient", **extra: Any) -> Client:
    return ObjclientClient("s3+" + S3_ENDPOINT, None, name, download_workers=BOTO3_WORKERS,
                           access_key=S3_KEY, secret_key=S3_SECRET, region=S3_REGION,
                           **_tls(extra))


def _unchecked(factory: Callable[..., Client]) -> Callable[[], Client]:
    return lambda: factory(UNCHECKED, phases=UNCHECKED_PHASES, checksum=False)


def _raw_s3() -> Client:
    from tools.bench_s3floor import RawS3
    return RawS3()


#: server -> [(client name, factory)], the floor first, then objclient (as it
#: comes, then with checksum=False), then the peers.
FACTORIES: Dict[str, List[Tuple[str, Callable[[], Client]]]] = {
    "swift": [(RawSwift.name, RawSwift), ("objclient", _objclient_swift),
              (UNCHECKED, _unchecked(_objclient_swift)),
              (SwiftclientClient.name, SwiftclientClient)],
    "s3": [("urllib3 (floor)", _raw_s3), ("objclient", _objclient_s3),
           (UNCHECKED, _unchecked(_objclient_s3)),
           (Boto3Client.name, Boto3Client), (ObstoreClient.name, ObstoreClient)],
}


def make_clients(server: str) -> List[Client]:
    """The clients compared on ``server`` ("swift" or "s3") whose package is installed."""
    found = [_maybe(factory) for _name, factory in FACTORIES[server]]
    return [c for c in found if c is not None]


def make_client(server: str, name: str) -> Client:
    """One client of ``server`` by its name (:raises KeyError: unknown name)."""
    return dict(FACTORIES[server])[name]()


def swift_clients() -> List[Client]:
    """The clients compared on Swift's native API."""
    return make_clients("swift")


def s3_clients() -> List[Client]:
    """The clients compared on SeaweedFS's S3 API."""
    return make_clients("s3")
