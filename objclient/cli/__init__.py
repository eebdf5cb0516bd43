"""The ``objclient`` command line (entry point :func:`main`)."""

from .commands import EXIT_CODES, build_parser, main

__all__ = ["main", "build_parser", "EXIT_CODES"]
