"""A test-side MictlanX client that follows the official client's rules.

Not the official client (it is asyncio-only and not installable here): the
few steps of ``jub-ecosystem/mictlanx-client`` ``mictlanx/asyncx/__init__.py``
that decide how balls are read and written, done synchronously with
``requests`` against the fake:

* ``get``: chunk 0's record (``GET .../metadata/{key}_0``) gives
  ``num_chunks``; each chunk's record gives its size and its bytes must
  have that size; the chunks are merged in index order and the sha256 of
  the whole must equal chunk 0's ``full_checksum`` (else ``IntegrityError``);
* ``ball_metadata``: ``GET .../metadata/{ball}/chunks`` and the ball's
  checksum and ``fullname`` taken from the first record listed;
* ``put``: every chunk's record carries ``num_chunks``, ``full_checksum``
  and the user tags, no ``updated_at``; the data goes to ``tasks_ids[0]``.
"""

import hashlib
from typing import Dict, List, Optional

import requests

PREFIX = "/api/v4"


class IntegrityError(Exception):
    """The merged chunks do not have chunk 0's ``full_checksum``."""


class OfficialStyleClient:
    """Reads and writes balls the way the official client does.

    :param session: a session that reaches the fake (``FakeMictlanX.session``).
    :param router: the router base URL to use.
    """

    def __init__(self, session: requests.Session, router: str) -> None:
        self.session = session
        self.router = router

    def _get(self, path: str, **kwargs) -> requests.Response:
        resp = self.session.get(self.router + PREFIX + path, **kwargs)
        resp.raise_for_status()
        return resp

    def get(self, bucket: str, key: str) -> bytes:
        """``AsyncClient.get``."""
        first = self._get(f"/buckets/{bucket}/metadata/{key}_0").json()["metadata"]
        count = int(first["tags"]["num_chunks"])
        pieces: List[bytes] = []
        for index in range(count):
            meta = self._get(f"/buckets/{bucket}/metadata/{key}_{index}").json()["metadata"]
            data = self._get(f"/buckets/{bucket}/{key}_{index}",
                             headers={"Accept-Encoding": "identity", "Force-Get": "0"}).content
            if len(data) != int(meta["size"]):
                raise IntegrityError(f"chunk {index} has {len(data)} bytes, not {meta['size']}")
            pieces.append(data)
        whole = b"".join(pieces)
        if hashlib.sha256(whole).hexdigest() != first["tags"].get("full_checksum", ""):
            raise IntegrityError("remote checksum does not match the local one")
        return whole

    def ball_metadata(self, bucket: str, ball: str) -> Dict[str, Optional[str]]:
        """``get_metadata(bucket_id, ball_id)``: the first record listed
        stands for the ball."""
        records = self._get(f"/buckets/{bucket}/metadata/{ball}/chunks").json()
        first = records[0]["tags"] if records else {}
        return {"checksum": first.get("full_checksum"), "fullname": first.get("fullname"),
                "num_chunks": first.get("num_chunks"), "index": first.get("index")}

    def put(self, bucket: str, key: str, value: bytes, chunk_size: int,
            tags: Optional[Dict[str, str]] = None, order: Optional[List[int]] = None) -> None:
        """``AsyncClient.put``: chunks sent in ``order`` (concurrent in the
        official client, so any order)."""
        chunks = [value[i:i + chunk_size] for i in range(0, len(value), chunk_size)]
        full = hashlib.sha256(value).hexdigest()
        for index in order if order is not None else range(len(chunks)):
            data = chunks[index]
            meta = {"bucket_id": bucket, "key": f"{key}_{index}", "ball_id": key,
                    "checksum": hashlib.sha256(data).hexdigest(), "size": len(data),
                    "producer_id": "official", "content_type": "application/octet-stream",
                    "is_disabled": False, "replication_factor": 1,
                    "tags": {"index": str(index), "chunk_size": str(len(data)),
                             "group_id": key, "num_chunks": str(len(chunks)),
                             "full_checksum": full, **(tags or {})}}
            resp = self.session.post(f"{self.router}{PREFIX}/buckets/{bucket}/metadata",
                                     json=meta, headers={"Update": "0"})
            resp.raise_for_status()
            task = resp.json()["tasks_ids"][0]
            self.session.post(f"{self.router}{PREFIX}/buckets/data/{task}/chunked",
                              data=data).raise_for_status()
