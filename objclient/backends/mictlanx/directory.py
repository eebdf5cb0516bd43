"""MictlanX backend: the routers, and where a ball's chunks are."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ...contract import DEFAULT_OPTS, CallOptions, DirectoryClient
from ...models import ChunkInfo, ObjectInfo
from .client import LowLevelAccess
from .container import ball_to_info
from .routers import API_PREFIX

__all__ = ["MictlanXDirectoryClient"]


class MictlanXDirectoryClient(LowLevelAccess, DirectoryClient):
    """Router selection (round robin with health) and chunk locations."""

    def locate(self, account: str, container: str, obj: str, version: Optional[Any] = None,
               opts: CallOptions = DEFAULT_OPTS) -> Tuple[ObjectInfo, List[ChunkInfo]]:
        info = self.backend.ball_info(account, container, obj, opts)
        router = self.routers()[0]
        chunks = [ChunkInfo(url=f"{router}{API_PREFIX}/buckets/{info.bucket_id}/{c.key}",
                            pos=str(i), size=c.size, hash=c.checksum,
                            extra={"hash_method": "sha256", "key": c.key,
                                   "producer_id": c.producer_id})
                  for i, c in enumerate(info.chunks)]
        return ball_to_info(info, obj, account, container), chunks

    def routers(self) -> List[str]:
        """Router URLs in the order the next call would try them."""
        return self.mictlanx.transport.pool.candidates()

    def endpoints(self) -> Dict[str, str]:
        return {f"router{i + 1}": url
                for i, url in enumerate(self.mictlanx.transport.pool.urls)}

    def health(self) -> List[Any]:
        """Each router's health as the client sees it (:class:`RouterState`)."""
        return self.mictlanx.router_health()
