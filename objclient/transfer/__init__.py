"""Transfers that scale: the part engine, verified downloads, copy and sync."""

from .engine import DEFAULT_PART_SIZE, Part, PartBody, TransferEngine, plan_parts, read_parts
from .files import PARALLEL_THRESHOLD, download
from .folder import FolderStore
from .sync import Filter, Location, StoreRef, SyncReport, copy, sync

__all__ = ["TransferEngine", "Part", "PartBody", "plan_parts", "read_parts", "DEFAULT_PART_SIZE",
           "download", "PARALLEL_THRESHOLD", "FolderStore", "Location", "StoreRef", "Filter",
           "SyncReport", "copy", "sync"]
