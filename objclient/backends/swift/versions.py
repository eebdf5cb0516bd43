"""Object versions with Swift's ``object_versioning`` middleware.

A container with ``X-Versions-Enabled: true`` keeps every version of its
objects; a DELETE leaves a delete marker.  Versions are named by Swift's
version ids (strings such as ``"1795561919.88863"``; ``"null"`` for an
object written while versioning was off) and reached with ``?version-id=``
(GET, HEAD, DELETE, and as the source of a copy).  ``GET ?versions`` lists
every version, newest first for each name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional

from ...contract import CallOptions
from ...exceptions import InvalidArgument

if TYPE_CHECKING:  # pragma: no cover
    from .container import SwiftContainerClient

__all__ = ["version_query", "version_of", "is_delete_marker", "versioning_header",
           "versioning_state", "keeps_old_versions", "purge_versions", "DELETE_MARKER_TYPE"]

#: The content type Swift gives delete markers in ``?versions`` listings.
DELETE_MARKER_TYPE = "application/x-deleted;swift_versions_deleted=1"
_PAGE = 1000
_TRUE = ("1", "true", "yes", "on", "enabled")
_FALSE = ("0", "false", "no", "off", "disabled", "suspended")


def version_query(version: Optional[Any]) -> Optional[Dict[str, str]]:
    """Query parameters that select ``version`` (None for the current one)."""
    if version is None:
        return None
    text = str(version)
    if not text or any(c in text for c in "&#\r\n\0"):
        raise InvalidArgument(f"not a Swift version id: {version!r}")
    return {"version-id": text}


def version_of(value: Optional[str]) -> Optional[str]:
    """A version id from a header or listing field (None for ``null``)."""
    if not value or value == "null":
        return None
    return value


def is_delete_marker(content_type: Optional[str]) -> bool:
    """Whether a ``?versions`` listing row is a delete marker."""
    if not content_type or "deleted" not in content_type.lower():
        return False  # the common case, cheaply (listings ask for every row)
    return content_type.replace(" ", "").lower().startswith(
        "application/x-deleted;swift_versions_deleted")


def versioning_header(value: Any) -> str:
    """``X-Versions-Enabled`` for the system property ``versioning``.

    :raises InvalidArgument: the value is neither on nor off.
    """
    text = str(value).lower()
    if text in _TRUE:
        return "true"
    if text in _FALSE:
        return "false"
    raise InvalidArgument(f"versioning is 'enabled' or 'suspended', not {value!r}")


def versioning_state(headers: Mapping[str, str]) -> Optional[str]:
    """``enabled``, ``suspended`` or None (never enabled) from a HEAD."""
    value = headers.get("X-Versions-Enabled")
    if value is None:
        return None
    return "enabled" if value.lower() == "true" else "suspended"


def keeps_old_versions(system: Mapping[str, str]) -> bool:
    """Whether a container may keep older versions of its objects, from
    the system properties of its HEAD (:meth:`SwiftContainerClient.show`).

    True with ``object_versioning`` enabled or suspended (suspended keeps
    the versions written before, and the current object may be one of
    them), and with the legacy ``X-Versions-Location`` or
    ``X-History-Location`` (old versions are copied to another container
    as they are: an SLO's copy is its manifest).  Either way an older
    version of a static large object reads the same segments as the
    current one, so they must not be deleted with it.
    """
    return bool(system.get("versioning") or system.get("versions_location")
                or system.get("history_location"))


def purge_versions(client: "SwiftContainerClient", account: str, container: str,
                   maxvers: Optional[int], opts: CallOptions) -> None:
    """Delete, for each object, the versions past the ``maxvers`` newest
    (delete markers count as versions, as with the local backend).

    Swift has no per-container limit: with ``maxvers`` None (or < 0)
    nothing is deleted.
    """
    if maxvers is None or maxvers < 0:
        return
    keep = max(1, maxvers)
    params: Dict[str, str] = {"format": "json", "versions": "", "limit": str(_PAGE)}
    current: Optional[str] = None
    seen = 0
    while True:
        rows = client.list_rows(account, container, params, opts)
        for row in rows:
            if row.get("name") != current:
                current, seen = row.get("name"), 0
            seen += 1
            if seen > keep and row.get("version_id"):
                client.content_delete(account, container, row["name"], row["version_id"],
                                      opts)
        if len(rows) < _PAGE:
            return
        params["marker"] = rows[-1]["name"]
        params["version_marker"] = rows[-1].get("version_id") or ""
