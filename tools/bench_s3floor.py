"""The S3 floor of the benchmark: raw urllib3 doing the S3 requests objclient does.

:class:`RawS3` sends path-style requests to the SeaweedFS S3 gateway with one
``urllib3.PoolManager`` and signs each of them with objclient's own SigV4
functions (:func:`objclient.auth.sigv4.sign_headers`), so the floor pays the
same signing cost as objclient.  The CPU spent signing (payload SHA-256 plus
the signature) is measured apart, with :func:`time.thread_time`, in
:attr:`RawS3.sign_cpu`: the benchmark reports the floor with and without it.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import xml.etree.ElementTree as ET
from typing import Dict, Iterable, Optional, Sequence, Tuple
from urllib.parse import urlsplit

import urllib3

from objclient.auth.sigv4 import (EMPTY_SHA256, UNSIGNED_PAYLOAD, amz_date, canonical_query,
                                  sign_headers, uri_encode)
from tools.bench_clients import CACERT, S3_ENDPOINT, S3_KEY, S3_REGION, S3_SECRET, Client

_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


class RawS3(Client):
    """urllib3 + objclient's SigV4 signer: the fewest steps an S3 request can take.

    :param endpoint: ``http://HOST:PORT`` of the S3 API (path-style addressing).
    """

    name = "urllib3 (floor)"

    def __init__(self, endpoint: str = S3_ENDPOINT, access_key: str = S3_KEY,
                 secret_key: str = S3_SECRET, region: str = S3_REGION) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.host = urlsplit(self.endpoint).netloc
        self.access_key, self.secret_key, self.region = access_key, secret_key, region
        self.pool = urllib3.PoolManager(maxsize=16, ca_certs=CACERT)
        #: CPU seconds (all threads) spent hashing payloads and signing.
        self.sign_cpu = 0.0
        self._lock = threading.Lock()
        self.bucket = ""

    # -- signing ------------------------------------------------------------------------
    def _signed(self, method: str, path: str, query: Iterable[Tuple[str, str]] = (),
                body: Optional[bytes] = None, streamed: bool = False,
                extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
        """The headers of one request, signed; the CPU it took goes to :attr:`sign_cpu`."""
        t0 = time.thread_time()
        if streamed:
            payload = UNSIGNED_PAYLOAD
        elif body:
            payload = hashlib.sha256(body).hexdigest()
        else:
            payload = EMPTY_SHA256
        amzdate = amz_date()
        headers = {"host": self.host, "x-amz-date": amzdate, "x-amz-content-sha256": payload}
        if extra:
            headers.update(extra)
        headers["Authorization"] = sign_headers(
            method=method, path=path, query=list(query), headers=list(headers.items()),
            payload_hash=payload, access_key=self.access_key, secret_key=self.secret_key,
            region=self.region, service="s3", amzdate=amzdate,
            signed=["host", "x-amz-content-sha256", "x-amz-date"])
        spent = time.thread_time() - t0
        with self._lock:
            self.sign_cpu += spent
        return headers

    def _request(self, method: str, key: str = "", query: Sequence[Tuple[str, str]] = (),
                 body: Optional[bytes] = None, extra: Optional[Dict[str, str]] = None,
                 **kwargs: object) -> urllib3.BaseHTTPResponse:
        path = f"/{self.bucket}/{key}" if key else f"/{self.bucket}"
        headers = self._signed(method, path, query, body, extra=extra)
        url = self.endpoint + uri_encode(path, encode_slash=False)
        if query:
            url += "?" + canonical_query(query)
        return self.pool.urlopen(method, url, body=body, headers=headers,
                                 **kwargs)  # type: ignore[arg-type]

    # -- the Client interface -----------------------------------------------------------
    def setup(self, container: str) -> None:
        """Create the bucket (an existing one of ours is fine)."""
        self.bucket = container
        r = self._request("PUT")
        assert r.status in (200, 409), (r.status, r.data[:200])

    def put(self, key: str, data: bytes) -> None:
        r = self._request("PUT", key, body=data)
        assert r.status == 200, r.status

    def get(self, key: str) -> bytes:
        r = self._request("GET", key)
        assert r.status == 200, r.status
        return r.data  # type: ignore[no-any-return]

    def head(self, key: str) -> None:
        assert self._request("HEAD", key).status == 200

    def delete(self, key: str) -> None:
        """One DELETE with ``If-Match: *``: what objclient's object_delete sends."""
        assert self._request("DELETE", key, extra={"If-Match": "*"}).status == 204

    def cleanup(self, key: str) -> None:
        assert self._request("DELETE", key).status == 204

    def list_all(self, prefix: str = "", delimiter: str = "") -> int:
        """ListObjectsV2, 1,000 keys a page, following continuation tokens."""
        count, token = 0, None
        while True:
            query = [("list-type", "2"), ("max-keys", "1000")]
            query += [(k, v) for k, v in (("prefix", prefix), ("delimiter", delimiter)) if v]
            if token:
                query.append(("continuation-token", token))
            r = self._request("GET", query=query)
            assert r.status == 200, r.status
            root = ET.fromstring(r.data)
            count += sum(1 for _ in root.iter(_NS + "Contents"))
            count += sum(1 for _ in root.iter(_NS + "CommonPrefixes"))
            if root.findtext(_NS + "IsTruncated") != "true":
                return count
            token = root.findtext(_NS + "NextContinuationToken")

    def put_file(self, key: str, path: str) -> None:
        """One streamed PUT (UNSIGNED-PAYLOAD), 1 MiB reads."""
        rpath = f"/{self.bucket}/{key}"
        size = os.path.getsize(path)
        headers = self._signed("PUT", rpath, streamed=True,
                               extra={"content-length": str(size)})
        with open(path, "rb") as fh:
            r = self.pool.urlopen("PUT", self.endpoint + uri_encode(rpath, encode_slash=False),
                                  body=iter(lambda: fh.read(1 << 20), b""), headers=headers,
                                  chunked=False)
        assert r.status == 200, r.status

    def get_file(self, key: str, path: str) -> None:
        """One streamed GET into a file, 1 MiB chunks."""
        r = self._request("GET", key, preload_content=False)
        assert r.status == 200, r.status
        with open(path, "wb") as fh:
            for chunk in r.stream(1 << 20):
                fh.write(chunk)
        r.release_conn()
