"""The durable engine under the local backend.

Layout of a store rooted at ``ROOT``::

    ROOT/<account dir>/index.sqlite3   containers, objects and properties
    ROOT/<account dir>/data/<xx>/<id>  object data files, never modified
    ROOT/<account dir>/tmp/<pid>-<id>  uploads in progress

An account directory's name is the account name with every byte outside
``[A-Za-z0-9_-]`` percent-encoded (so ``.``, ``..`` and ``/`` cannot appear),
or ``=`` and a SHA-256 when that would be too long.  Object names never
become file names: data files are named by random ids, so no object name can
reach outside the store, whatever it holds.

A write streams into ``tmp/``, is fsync'ed, moved into ``data/`` and only then
recorded in the index in one SQLite transaction: a reader sees the old
object or the new one, never a part.  SQLite's own locks make concurrent
writers from several processes safe; its rollback journal (not WAL) keeps
working on network file systems that honour POSIX locks.

A full disk or a read-only store never shows as a raw ``OSError`` or
``sqlite3`` error: every write goes through :func:`storage_errors`, which
raises :class:`~objclient.exceptions.InsufficientStorage` or
:class:`~objclient.exceptions.ReadOnlyStorage` after the half-written
temporary file is gone and the index transaction rolled back, so the
previous version stays as it was.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import sqlite3
import threading
import time
import uuid
from typing import Any, Dict, Iterator, Optional, Tuple
from urllib.parse import unquote

from ...exceptions import ClientError, InsufficientStorage, NoSuchAccount, ReadOnlyStorage

__all__ = ["LocalStore", "encode_dir_name", "decode_dir_name", "storage_errors",
           "storage_error", "StoreError"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS containers (
    name BLOB PRIMARY KEY, ctime REAL NOT NULL, mtime REAL NOT NULL,
    properties TEXT NOT NULL DEFAULT '{}', system TEXT NOT NULL DEFAULT '{}',
    objects INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS objects (
    container BLOB NOT NULL, name BLOB NOT NULL, version INTEGER NOT NULL,
    size INTEGER NOT NULL, hash TEXT, mime TEXT NOT NULL, ctime REAL NOT NULL,
    mtime REAL NOT NULL, properties TEXT NOT NULL DEFAULT '{}', data TEXT,
    deleted INTEGER NOT NULL DEFAULT 0, latest INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (container, name, version));
CREATE INDEX IF NOT EXISTS objects_current ON objects (container, name)
    WHERE latest = 1 AND deleted = 0;
CREATE INDEX IF NOT EXISTS objects_latest ON objects (container, latest, name);
"""

_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_MAX_DIR_NAME = 200
_TMP_NAME = re.compile(r"^(\d+)-[0-9a-f]{32}$")
#: The temporary file of a resumable upload (kept for a resume, see resume.py).
_RESUMABLE_PREFIX = "resume-"
_TMP_MAX_AGE = 24 * 3600


def encode_dir_name(name: str) -> str:
    """A file-system-safe, reversible directory name for an account name."""
    encoded = "".join(chr(b) if chr(b) in _SAFE else f"%{b:02X}" for b in name.encode("utf-8"))
    if len(encoded) > _MAX_DIR_NAME or not encoded:
        # Long names are hashed; the real name is kept in the index.
        return "=" + hashlib.sha256(name.encode("utf-8")).hexdigest()
    return encoded


def decode_dir_name(dirname: str) -> Optional[str]:
    """The account name of a directory, or None when it is hashed."""
    if dirname.startswith("=") or any(c not in _SAFE and c != "%" for c in dirname):
        return None
    return unquote(dirname, encoding="utf-8", errors="strict")


_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_READ_ONLY_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_READONLY = 8
_SQLITE_FULL = 13


class StoreError(ClientError):
    """The local store's files are damaged or unreachable."""


def storage_error(exc: BaseException, what: str) -> ClientError:
    """The typed error for a failure of the store's files or index.

    :param exc: an :class:`OSError` or :class:`sqlite3.Error`.
    :param what: what the store was doing (``"writing object data"`` ...).
    :returns: :class:`InsufficientStorage` for a full disk or quota,
        :class:`ReadOnlyStorage` for a read-only file system or a store this
        process may not write, :class:`StoreError` for anything else.
    """
    code = getattr(exc, "errno", None)
    sqlite_code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code in _FULL_ERRNOS or sqlite_code == _SQLITE_FULL:
        return InsufficientStorage(f"the local store is full while {what}: nothing was "
                                   f"changed ({exc})")
    if code in _READ_ONLY_ERRNOS or sqlite_code == _SQLITE_READONLY:
        return ReadOnlyStorage(f"the local store is read-only (or not writable by this "
                               f"process) while {what}: nothing was changed ({exc})")
    return StoreError(f"the local store failed while {what}: {exc}")


@contextlib.contextmanager
def storage_errors(what: str) -> Iterator[None]:
    """Raise :func:`storage_error`'s typed error for an ``OSError`` or
    ``sqlite3.Error`` in the block; other exceptions pass unchanged."""
    try:
        yield
    except (OSError, sqlite3.Error) as exc:
        raise storage_error(exc, what) from exc


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class LocalStore:
    """Files and indexes of a local object store.

    :param root: the store's directory; created if missing.
    :param fsync: flush data to disk before a write is acknowledged.
    """

    def __init__(self, root: str, fsync: bool = True) -> None:
        self.root = os.path.abspath(root)
        self.fsync = fsync
        os.makedirs(self.root, exist_ok=True)
        self._local = threading.local()
        self._gc_done: Dict[str, bool] = {}
        self._lock = threading.Lock()

    # -- paths -------------------------------------------------------------------
    def account_dir(self, account: str) -> str:
        """The directory of an account (existing or not)."""
        return os.path.join(self.root, encode_dir_name(account))

    def account_exists(self, account: str) -> bool:
        """Whether the account has been created."""
        return os.path.exists(os.path.join(self.account_dir(account), "index.sqlite3"))

    def iter_accounts(self) -> Iterator[str]:
        """Names of all accounts, unsorted."""
        with os.scandir(self.root) as entries:
            for entry in entries:
                if not entry.is_dir() or not os.path.exists(
                        os.path.join(entry.path, "index.sqlite3")):
                    continue
                name = decode_dir_name(entry.name)
                if name is None:
                    name = self._stored_name(entry.path)
                if name is not None:
                    yield name

    def _stored_name(self, path: str) -> Optional[str]:
        try:
            conn = sqlite3.connect(os.path.join(path, "index.sqlite3"), timeout=30)
            try:
                row = conn.execute("SELECT value FROM meta WHERE key='name'").fetchone()
            finally:
                conn.close()
        except sqlite3.Error:
            return None
        return row[0] if row else None

    # -- connections ----------------------------------------------------------------
    def _connections(self) -> Dict[str, sqlite3.Connection]:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            # Never use a SQLite connection across fork().
            local.pid = os.getpid()
            local.conns = {}
        return local.conns  # type: ignore[no-any-return]

    def db(self, account: str, create: bool = False) -> sqlite3.Connection:
        """This thread's connection to an account's index.

        :raises NoSuchAccount: the account does not exist and ``create`` is False.
        """
        folder = self.account_dir(account)
        conns = self._connections()
        conn = conns.get(folder)
        if conn is not None:
            if os.path.exists(os.path.join(folder, "index.sqlite3")):
                return conn
            conn.close()
            del conns[folder]
        path = os.path.join(folder, "index.sqlite3")
        if not os.path.exists(path):
            if not create:
                raise NoSuchAccount(f"account {account!r} does not exist")
            with storage_errors(f"creating account {account!r}"):
                self._create_account(account, folder)
        with storage_errors(f"opening the index of account {account!r}"):
            conn = sqlite3.connect(path, timeout=60, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA synchronous=FULL" if self.fsync else "PRAGMA synchronous=OFF")
        conns[folder] = conn
        self._collect_tmp(folder)
        return conn

    def _create_account(self, account: str, folder: str) -> None:
        os.makedirs(os.path.join(folder, "data"), exist_ok=True)
        os.makedirs(os.path.join(folder, "tmp"), exist_ok=True)
        path = os.path.join(folder, "index.sqlite3")
        # Build the index under a temporary name so a half-made one is never seen.
        tmp = os.path.join(folder, "tmp", f"{os.getpid()}-{uuid.uuid4().hex}")
        try:
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                conn.executescript(_SCHEMA)
                now = repr(time.time())
                conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                                 [("name", account), ("ctime", now), ("mtime", now),
                                  ("properties", "{}")])
            finally:
                conn.close()
            # link() fails if another process created the index meanwhile.
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def close(self) -> None:
        """Close this thread's connections."""
        for conn in self._connections().values():
            conn.close()
        self._local.conns = {}

    @contextlib.contextmanager
    def write(self, account: str, create: bool = False) -> Iterator[sqlite3.Connection]:
        """A write transaction on an account's index (exclusive across processes).

        :raises InsufficientStorage: the disk filled up; rolled back.
        :raises ReadOnlyStorage: the index cannot be written.
        """
        conn = self.db(account, create=create)
        with storage_errors(f"updating the index of account {account!r}"):
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                # SQLite rolls back by itself after some errors (a full disk):
                # a second ROLLBACK would hide the first error.
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise

    # -- data files ----------------------------------------------------------------------
    def tmp_path(self, account: str) -> str:
        """A fresh temporary file name in the account's ``tmp/``."""
        return os.path.join(self.account_dir(account), "tmp",
                            f"{os.getpid()}-{uuid.uuid4().hex}")

    def resume_path(self, account: str, container: str, obj: str) -> str:
        """The temporary file of a resumable upload of ``obj`` (always the same)."""
        key = hashlib.sha256(f"{container}\0{obj}".encode("utf-8", "surrogatepass"))
        return os.path.join(self.account_dir(account), "tmp",
                            _RESUMABLE_PREFIX + key.hexdigest()[:32])

    def data_path(self, account: str, data_id: str) -> str:
        """Where a data file with this id lives."""
        return os.path.join(self.account_dir(account), "data", data_id[:2], data_id)

    def commit_file(self, account: str, tmp: str) -> str:
        """Move a finished temporary file into ``data/``; on failure it is
        removed. :returns: its id."""
        data_id = uuid.uuid4().hex
        final = self.data_path(account, data_id)
        try:
            with storage_errors("moving object data into place"):
                os.makedirs(os.path.dirname(final), exist_ok=True)
                os.rename(tmp, final)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        if self.fsync:
            _fsync_dir(os.path.dirname(final))
        return data_id

    def link_file(self, src_account: str, data_id: str, dst_account: str) -> str:
        """A new data id with the same content (hard link, else a copy)."""
        new_id = uuid.uuid4().hex
        src = self.data_path(src_account, data_id)
        dst = self.data_path(dst_account, new_id)
        with storage_errors("linking object data"):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            try:
                os.link(src, dst)
            except OSError:
                tmp = self.tmp_path(dst_account)
                try:
                    import shutil  # rare path; shutil loads bz2, lzma
                    shutil.copyfile(src, tmp)
                    os.rename(tmp, dst)
                except BaseException:
                    with contextlib.suppress(OSError):
                        os.unlink(tmp)
                    raise
        return new_id

    def remove_file(self, account: str, data_id: Optional[str]) -> None:
        """Delete a data file (already unreferenced)."""
        if not data_id:
            return
        try:
            os.unlink(self.data_path(account, data_id))
        except FileNotFoundError:
            pass

    def _collect_tmp(self, folder: str) -> None:
        """Remove temporary files left by dead processes (once per process)."""
        key = f"{os.getpid()}:{folder}"
        with self._lock:
            if self._gc_done.get(key):
                return
            self._gc_done[key] = True
        tmpdir = os.path.join(folder, "tmp")
        try:
            entries = list(os.scandir(tmpdir))
        except FileNotFoundError:
            return
        now = time.time()
        for entry in entries:
            match = _TMP_NAME.match(entry.name)
            kept = entry.name.startswith(_RESUMABLE_PREFIX)  # waits for a resume
            try:
                stale = (not kept and (match is None or not _pid_alive(int(match.group(1))))
                         or now - entry.stat().st_mtime > _TMP_MAX_AGE)
                if stale and int(match.group(1) if match else -1) != os.getpid():
                    os.unlink(entry.path)
            except OSError:
                continue

    def collect_orphans(self, account: str) -> int:
        """Remove data files no index row refers to. :returns: how many."""
        conn = self.db(account)
        used = {row[0] for row in conn.execute(
            "SELECT data FROM objects WHERE data IS NOT NULL")}
        removed = 0
        datadir = os.path.join(self.account_dir(account), "data")
        cutoff = time.time() - 3600
        for sub in os.scandir(datadir):
            if not sub.is_dir():
                continue
            for entry in os.scandir(sub.path):
                if entry.name not in used and entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed += 1
        return removed

    def delete_account_files(self, account: str) -> None:
        """Remove an account's directory."""
        folder = self.account_dir(account)
        conns = self._connections()
        conn = conns.pop(folder, None)
        if conn is not None:
            conn.close()
        # Rename first so a concurrent reader never sees a half-deleted tree.
        doomed = os.path.join(self.root, f".deleted-{uuid.uuid4().hex}")
        with storage_errors(f"deleting account {account!r}"):
            os.rename(folder, doomed)
        import shutil  # rare path; shutil loads bz2, lzma
        shutil.rmtree(doomed, ignore_errors=True)

    # -- meta helpers ------------------------------------------------------------------------
    @staticmethod
    def get_meta(conn: sqlite3.Connection) -> Dict[str, str]:
        """The account's meta table as a dict."""
        return dict(conn.execute("SELECT key, value FROM meta").fetchall())

    @staticmethod
    def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
        """Set one meta value (inside a write transaction)."""
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


def write_stream(path: str, chunks: Any, fsync: bool, prefix: Optional[str] = None,
                 ) -> Tuple[int, str]:
    """Write ``prefix`` file content then ``chunks`` to a new file at ``path``.

    :returns: ``(size, hex md5)`` of everything written.
    :raises InsufficientStorage: the disk filled up; ``path`` is removed.
    :raises ReadOnlyStorage: ``path`` cannot be created.
    """
    md5 = hashlib.md5()
    size = 0
    with storage_errors("writing object data"):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            if prefix is not None:
                with open(prefix, "rb") as old:
                    for block in iter(lambda: old.read(1 << 20), b""):
                        md5.update(block)
                        size += len(block)
                        _put(fd, block)
            for block in chunks:
                md5.update(block)
                size += len(block)
                _put(fd, block)
            if fsync:
                with storage_errors("writing object data"):
                    os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    return size, md5.hexdigest()


def _put(fd: int, block: bytes) -> None:
    """Write all of one block, unbuffered: a full disk shows here, never
    later in a close() (errors of the caller's source are not this one's)."""
    view = memoryview(block)
    with storage_errors("writing object data"):
        while view:
            view = view[os.write(fd, view):]


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def loads(text: Optional[str]) -> Dict[str, Any]:
    """Decode a JSON column (``{}`` for NULL)."""
    return json.loads(text) if text else {}


def dumps(value: Dict[str, Any]) -> str:
    """Encode a JSON column."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
