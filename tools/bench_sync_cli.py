"""objclient's command line, with Swift credentials for SRC and DST URLs.

``objclient sync SRC DST`` builds each side's API from its URL alone: S3
credentials come from ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, but a
``swift+`` URL has no way to get a user and key (no per-side profile, no
environment variable).  For the benchmark this entry point runs the real
CLI (``objclient.cli.main``) after making every ``swift+`` API it builds
take ``user``, ``key`` and ``storage_url`` from ``BENCH_SWIFT_USER``,
``BENCH_SWIFT_KEY`` and ``BENCH_SWIFT_STORAGE_URL`` (the storage URL must
be given: TempAuth would answer the server's own, bypassing the counting
proxy).  Nothing else changes: same parser, same sync, same output.

Usage: ``python -m tools.bench_sync_cli [objclient arguments]``.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Optional

import objclient
import objclient.api
import objclient.cli.commands as commands
from objclient.cli import main

_Base = objclient.api.ObjectStorageApi


class _SwiftCredentialsApi(_Base):  # type: ignore[misc, valid-type]
    """``ObjectStorageApi`` that fills in Swift credentials from the environment."""

    def __init__(self, url: Optional[str] = None, *args: Any, **kwargs: Any) -> None:
        if url and url.startswith("swift+") and "user" not in kwargs \
                and os.environ.get("BENCH_SWIFT_USER"):
            kwargs.update(user=os.environ["BENCH_SWIFT_USER"],
                          key=os.environ.get("BENCH_SWIFT_KEY", ""),
                          storage_url=os.environ.get("BENCH_SWIFT_STORAGE_URL"))
        super().__init__(url, *args, **kwargs)


def _install() -> None:
    """Make every way the CLI reaches ``ObjectStorageApi`` build the subclass."""
    for module in (objclient.api, objclient, commands):
        if getattr(module, "ObjectStorageApi", None) is _Base:
            module.ObjectStorageApi = _SwiftCredentialsApi  # type: ignore[attr-defined]


if __name__ == "__main__":
    _install()
    sys.exit(main(sys.argv[1:]))
