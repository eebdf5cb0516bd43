"""Swift's directory: the storage URL (and Keystone's catalog) is the map."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ...contract import DEFAULT_OPTS, CallOptions, DirectoryClient
from ...models import ChunkInfo, ObjectInfo
from .common import SwiftRequests
from .wire import object_path

__all__ = ["SwiftDirectoryClient"]


class SwiftDirectoryClient(SwiftRequests, DirectoryClient):
    """Where things are: the proxy URL of each object, the service endpoints."""

    def locate(self, account: str, container: str, obj: str, version: Optional[Any] = None,
               opts: CallOptions = DEFAULT_OPTS) -> Tuple[ObjectInfo, List[ChunkInfo]]:
        """The object's metadata and one chunk: its URL on the proxy (Swift
        does not tell clients where replicas are)."""
        info = self.swift.container.content_show(account, container, obj, version, opts)
        url = self.swift.url(object_path(account, container, obj))
        return info, [ChunkInfo(url=url, pos="0", size=info.size, hash=info.hash)]

    def endpoints(self) -> Dict[str, str]:
        """``object-store`` (the storage URL) and ``auth`` when known."""
        out = {"object-store": self.swift.storage_url()}
        auth_url = getattr(self.http.auth, "auth_url", None)
        if auth_url:
            out["auth"] = auth_url
        return out
