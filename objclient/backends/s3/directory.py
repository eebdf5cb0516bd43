"""S3 backend: where things are (the endpoint; S3 hides data placement)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from typing import Any, Dict, List, Optional, Tuple

from ...contract import DEFAULT_OPTS, CallOptions, DirectoryClient
from ...models import ChunkInfo, ObjectInfo

if TYPE_CHECKING:  # pragma: no cover
    from . import S3Backend

__all__ = ["S3DirectoryClient"]


class S3DirectoryClient(DirectoryClient):
    """One "chunk" per object: its URL on the S3 endpoint."""

    backend: "S3Backend"

    def locate(self, account: str, container: str, obj: str, version: Optional[Any] = None,
               opts: CallOptions = DEFAULT_OPTS) -> Tuple[ObjectInfo, List[ChunkInfo]]:
        """The object's metadata and its URL (S3 does not expose placement)."""
        info = self.backend.container.content_show(account, container, obj, version, opts)
        return info, [ChunkInfo(url=self.backend.url(container, obj), pos="0",
                                size=info.size, hash=info.hash)]

    def endpoints(self) -> Dict[str, str]:
        """``{"s3": endpoint}``."""
        return {"s3": self.backend.url()}
