"""How the local store names the failures of its files and index."""

import errno
import os
import sqlite3

import pytest

from objclient.backends.local.store import StoreError, storage_error, write_stream
from objclient.exceptions import InsufficientStorage, ReadOnlyStorage


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_a_full_disk_or_quota_is_insufficient_storage(code):
    error = storage_error(OSError(code, os.strerror(code)), "writing object data")
    assert isinstance(error, InsufficientStorage)
    assert "writing object data" in str(error)


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
def test_a_read_only_or_unwritable_store_is_read_only_storage(code):
    assert isinstance(storage_error(OSError(code, os.strerror(code)), "x"), ReadOnlyStorage)


def test_sqlite_full_and_readonly_codes_are_named_like_the_errnos(tmp_path):
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = 13  # what SQLite sets on Python 3.11+
    readonly = sqlite3.OperationalError("attempt to write a readonly database")
    readonly.sqlite_errorcode = 8 | (1 << 8)  # an extended code: SQLITE_READONLY_RECOVERY
    assert isinstance(storage_error(full, "x"), InsufficientStorage)
    assert isinstance(storage_error(readonly, "x"), ReadOnlyStorage)


def test_other_failures_are_store_errors():
    assert type(storage_error(OSError(errno.EIO, "I/O error"), "x")) is StoreError


def test_an_error_of_the_callers_source_is_not_reported_as_the_stores(tmp_path):
    def source():
        yield b"first"
        raise OSError(errno.EIO, "the caller's disk failed")

    target = tmp_path / "tmpfile"
    with pytest.raises(OSError, match="caller's disk") as caught:
        write_stream(str(target), source(), fsync=False)
    assert not isinstance(caught.value, StoreError)
    assert not target.exists()
