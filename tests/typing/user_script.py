"""A user's script, written the way the README shows objclient, for ``mypy --strict``.

tests/unit/test_user_typing.py type-checks it against objclient as an
installed package (found on the path with its ``py.typed``), then runs it.
It is typed as a careful user types a script: every function annotated,
nothing cast to ``Any``.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, List

import objclient
from objclient.exceptions import NoSuchObject


def upload(api: objclient.ObjectStorageApi, container: str) -> str:
    """Create the container, store one object, return its MD5."""
    api.container_create("myaccount", container, connection_timeout=5.0)
    chunks, size, md5 = api.object_create("myaccount", container, data=b"hello",
                                          obj_name="greeting.txt", properties={"lang": "en"})
    assert size == 5 and len(chunks) >= 0
    return md5 or ""


def names(api: objclient.ObjectStorageApi, container: str, prefix: str) -> List[str]:
    """The names under ``prefix``, as ``object_list_iter`` gives them."""
    found: List[str] = []
    for obj in api.object_list_iter("myaccount", container, prefix=prefix):
        found.append(str(obj["name"]))
    return found


def download(api: objclient.ObjectStorageApi, container: str, name: str) -> bytes:
    """The object's bytes, read from ``object_fetch``'s stream."""
    timings: Dict[str, Any] = {}
    meta, stream = api.object_fetch("myaccount", container, name, read_timeout=30.0,
                                    headers={"X-Trace": "readme"}, perfdata=timings)
    body = b"".join(stream)
    assert int(meta["size"]) == len(body)
    return body


def properties(api: objclient.ObjectStorageApi, container: str, name: str) -> Dict[str, str]:
    """The object's user properties."""
    meta = api.object_get_properties("myaccount", container, name)
    return {str(k): str(v) for k, v in meta["properties"].items()}


def delete(api: objclient.ObjectStorageApi, container: str, name: str) -> bool:
    """Delete the object, then the empty container; whether the object is gone."""
    api.object_delete("myaccount", container, name)
    try:
        api.object_get_properties("myaccount", container, name)
    except NoSuchObject:
        api.container_delete("myaccount", container)
        return True
    return False


def main(url: str) -> None:
    """The README's round trip against ``url``."""
    with objclient.ObjectStorageApi(url) as api:
        md5 = upload(api, "photos")
        assert names(api, "photos", "greet") == ["greeting.txt"]
        assert download(api, "photos", "greeting.txt") == b"hello"
        assert properties(api, "photos", "greeting.txt") == {"lang": "en"}
        assert delete(api, "photos", "greeting.txt")
        print(f"round trip ok, md5 {md5}")


if __name__ == "__main__":
    main(sys.argv[1])
