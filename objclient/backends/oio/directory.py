"""OpenIO directory: the proxy's ``reference/*`` routes, container ids and
``content/locate`` (where an object's chunks are)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple

from ...contract import DEFAULT_OPTS, CallOptions, DirectoryClient
from ...exceptions import NotSupported
from ...models import ChunkInfo, ObjectInfo
from .protocol import chunk_of, cid_from_name, content_meta_of

if TYPE_CHECKING:  # pragma: no cover
    from . import OioBackend

__all__ = ["OioDirectoryClient"]


class OioDirectoryClient(DirectoryClient):
    """References (meta1 entries) and object locations."""

    backend: "OioBackend"

    @staticmethod
    def cid(account: str, container: str) -> str:
        """The container id OpenIO derives from the names."""
        return cid_from_name(account, container)

    def _ref(self, action: str, account: str, container: str, opts: CallOptions,
             **kwargs: Any) -> Tuple[Any, Any]:
        params = {"acct": account, "ref": container}
        params.update(kwargs.pop("params", {}) or {})
        return self.backend.proxy(kwargs.pop("method", "POST"), "reference", action, opts,
                                  params=params, kind="container", **kwargs)

    def create(self, account: str, container: str,
               properties: Optional[Mapping[str, str]] = None,
               opts: CallOptions = DEFAULT_OPTS) -> bool:
        """``reference/create``: True if created (201), False if it existed (202)."""
        resp, _ = self._ref("create", account, container, opts,
                            body={"properties": dict(properties or {})})
        return resp.status_code == 201

    def show(self, account: str, container: str, srv_type: Optional[str] = None,
             opts: CallOptions = DEFAULT_OPTS) -> Dict[str, Any]:
        """``GET reference/show``: ``{"dir", "srv", "cid", "account", "name"}``."""
        _resp, doc = self._ref("show", account, container, opts, method="GET",
                               params={"type": srv_type}, retriable=True)
        return doc or {}

    def list(self, account: str, container: str, srv_type: Optional[str] = None,
             opts: CallOptions = DEFAULT_OPTS) -> Dict[str, Any]:
        """Same as :meth:`show` (OpenIO's ``DirectoryClient.list``)."""
        return self.show(account, container, srv_type, opts)

    def link(self, account: str, container: str, srv_type: str, autocreate: bool = True,
             opts: CallOptions = DEFAULT_OPTS) -> List[Dict[str, Any]]:
        """``reference/link?type=``: services of that type, linked on demand."""
        _resp, doc = self._ref("link", account, container, opts, params={"type": srv_type},
                               autocreate=autocreate)
        return list(doc or [])

    def unlink(self, account: str, container: str, srv_type: str,
               opts: CallOptions = DEFAULT_OPTS) -> None:
        """``reference/unlink?type=``."""
        self._ref("unlink", account, container, opts, params={"type": srv_type})

    def force(self, account: str, container: str, service: Mapping[str, Any],
              srv_type: Optional[str] = None, replace: bool = False, autocreate: bool = True,
              opts: CallOptions = DEFAULT_OPTS) -> None:
        """``reference/force``: link exactly ``service`` (a ``{"seq", "type",
        "host", "args"}`` dict)."""
        self._ref("force", account, container, opts,
                  params={"type": srv_type or service.get("type"),
                          "replace": "yes" if replace else None},
                  body=dict(service), autocreate=autocreate)

    def destroy(self, account: str, container: str, force: bool = False,
                opts: CallOptions = DEFAULT_OPTS) -> None:
        """``reference/destroy`` (403 while services are still linked)."""
        self._ref("destroy", account, container, opts,
                  params={"force": "1" if force else None})

    def resolve_cid(self, cid: str, opts: CallOptions = DEFAULT_OPTS) -> Tuple[str, str]:
        """``reference/show?cid=`` -> ``(account, container)``.

        :raises NotSupported: the proxy's reply does not name them (the
            stored dir_actions.c answers only ``{"dir", "srv"}``); two empty
            names would read as a container.
        """
        _resp, doc = self.backend.proxy("GET", "reference", "show", opts,
                                        params={"cid": cid.upper()}, retriable=True,
                                        kind="container")
        doc = doc if isinstance(doc, dict) else {}
        if not doc.get("account") or not doc.get("name"):
            raise NotSupported("this oio-proxy's reference/show does not name the "
                               "account and container of a container id",
                               capability="resolve_cid")
        return str(doc["account"]), str(doc["name"])

    def locate(self, account: str, container: str, obj: str, version: Optional[Any] = None,
               opts: CallOptions = DEFAULT_OPTS, content_id: Optional[str] = None,
               ) -> Tuple[ObjectInfo, List[ChunkInfo]]:
        """``GET content/locate``: metadata (headers) and the chunk list (body),
        chunks sorted by position then score.

        :param content_id: OpenIO's ``content=`` argument (meta2 uses it
            only when no path is given).
        """
        resp, body = self.backend.proxy(
            "GET", "content", "locate", opts, retriable=True, kind="object",
            params={"acct": account, "ref": container, "path": obj, "version": version,
                    "content": content_id})
        meta = content_meta_of(resp.headers, account, container, obj)
        chunks = [chunk_of(c) for c in (body or [])]
        chunks.sort(key=lambda c: (_pos_key(c.pos), -float(c.extra.get("score", 0) or 0)))
        return meta, chunks

    def endpoints(self) -> Dict[str, str]:
        """The proxies, and the account service when known."""
        out = {f"proxy{i}" if i else "proxy": p for i, p in enumerate(self.backend.proxies)}
        if self.backend.account_url:
            out["account"] = self.backend.account_url
        return out


def _pos_key(pos: str) -> Tuple[int, int]:
    main, _, sub = str(pos).partition(".")
    return int(main), int(sub or 0)
