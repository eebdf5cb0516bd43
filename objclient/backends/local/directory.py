"""Local backend: where an object's data file is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from typing import Any, Dict, List, Optional, Tuple

from ...contract import DEFAULT_OPTS, CallOptions, DirectoryClient
from ...models import ChunkInfo, ObjectInfo
from .container import row_to_info

if TYPE_CHECKING:  # pragma: no cover
    from . import LocalBackend

__all__ = ["LocalDirectoryClient"]


class LocalDirectoryClient(DirectoryClient):
    """The "directory" of a local store is its index."""

    backend: "LocalBackend"

    def locate(self, account: str, container: str, obj: str, version: Optional[Any] = None,
               opts: CallOptions = DEFAULT_OPTS) -> Tuple[ObjectInfo, List[ChunkInfo]]:
        store = self.backend.store
        conn = store.db(account)
        row = self.backend.container.object_row(conn, account, container, obj, version)
        info = row_to_info(row, account, container)
        if not row[8]:
            return info, []
        url = "file://" + store.data_path(account, row[8])
        return info, [ChunkInfo(url=url, pos="0", size=info.size, hash=info.hash)]

    def endpoints(self) -> Dict[str, str]:
        return {"store": "file://" + self.backend.store.root}
