"""Mixed-operation workloads on one shared api: threads and pre-fork.

Each worker owns the object names ``w<id>-...`` and remembers what it
stored, so any byte it reads back that is not its own is cross-talk.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import threading
import time
import traceback
import uuid
from typing import Dict, List, Optional, Sequence

import attrs

import objclient
from objclient.exceptions import NoSuchObject

from tests.faults.matrix import s3_api, swift_api

__all__ = ["Result", "worker", "run_threads", "run_forked", "open_load_target",
           "report_load", "load_ops"]

THREADS = 32
CHILDREN = 4


def load_ops(default: int) -> int:
    """Operations per thread: ``$OBJCLIENT_LOAD_OPS`` or ``default``."""
    return int(os.environ.get("OBJCLIENT_LOAD_OPS") or default)


@attrs.define
class Result:
    """What one worker (or a whole run) did."""

    ops: int = 0
    errors: List[str] = attrs.Factory(list)
    mismatches: List[str] = attrs.Factory(list)
    stale_listings: int = 0
    counts: Dict[str, int] = attrs.Factory(dict)
    elapsed: float = 0.0

    def merge(self, other: "Result") -> None:
        """Add ``other``'s figures to this one."""
        self.ops += other.ops
        self.errors.extend(other.errors)
        self.mismatches.extend(other.mismatches)
        self.stale_listings += other.stale_listings
        for key, value in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + value

    @property
    def ops_per_s(self) -> float:
        """Operations per second over the run's wall time."""
        return self.ops / self.elapsed if self.elapsed else 0.0


def worker(api: objclient.ObjectStorageApi, account: Optional[str], container: str,
           wid: str, ops: int, seed: int) -> Result:
    """``ops`` mixed put/get/head/list/delete calls on the worker's own names.

    :returns: a :class:`Result`; any exception is an error, any byte or
        size not the worker's own a mismatch.
    """
    rng = random.Random(seed)
    mine: Dict[str, bytes] = {}
    res = Result()
    prefix = f"w{wid}-"
    for i in range(ops):
        if not mine:
            op = "put"
        else:
            op = rng.choice(("put", "put", "get", "get", "head", "list", "delete"))
        res.counts[op] = res.counts.get(op, 0) + 1
        try:
            if op == "put":
                name = prefix + str(rng.randrange(8))
                data = (wid.encode() + b":" + os.urandom(rng.randrange(1, 16384)))
                api.object_create(account, container, data=data, obj_name=name)
                mine[name] = data
            elif op == "get":
                name = rng.choice(sorted(mine))
                _meta, stream = api.object_fetch(account, container, name)
                got = b"".join(stream)
                if got != mine[name]:
                    res.mismatches.append(f"{name}: read {len(got)} bytes {got[:12]!r}, "
                                          f"wrote {len(mine[name])}")
            elif op == "head":
                name = rng.choice(sorted(mine))
                meta = api.object_get_properties(account, container, name)
                if int(meta.size) != len(mine[name]):
                    res.mismatches.append(f"{name}: size {meta.size} != {len(mine[name])}")
            elif op == "list":
                listing = api.object_list(account, container, prefix=prefix)
                names = {o.name for o in listing.objects}
                foreign = [n for n in names if not n.startswith(prefix)]
                if foreign:
                    res.mismatches.append(f"listing of {prefix} holds {foreign}")
                elif names != set(mine):
                    res.stale_listings += 1
            else:
                name = rng.choice(sorted(mine))
                api.object_delete(account, container, name)
                del mine[name]
                try:
                    api.object_get_properties(account, container, name)
                    res.mismatches.append(f"{name}: still there after delete")
                except NoSuchObject:
                    pass
        except Exception as exc:  # noqa: BLE001 - counted, the run goes on
            res.errors.append(f"{op} #{i}: {exc!r}")
        res.ops += 1
    return res


def run_threads(api: objclient.ObjectStorageApi, account: Optional[str], container: str,
                threads: int, ops: int) -> Result:
    """``threads`` workers at once on the one shared ``api``."""
    results: List[Result] = [Result() for _ in range(threads)]

    def run(k: int) -> None:
        try:
            results[k] = worker(api, account, container, f"t{k}", ops, seed=k)
        except BaseException:  # noqa: BLE001
            results[k].errors.append(traceback.format_exc())

    pool = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    start = time.monotonic()
    for t in pool:
        t.start()
    for t in pool:
        t.join(600)
    total = Result()
    for r in results:
        total.merge(r)
    total.elapsed = time.monotonic() - start
    if any(t.is_alive() for t in pool):
        total.errors.append("a thread did not finish in 600 s")
    return total


def run_forked(api: objclient.ObjectStorageApi, account: Optional[str], container: str,
               children: int, ops: int, timeout: float = 300.0) -> Result:
    """Fork ``children`` processes that each run a worker on the parent's
    ``api`` (already used once by the caller) and report through a pipe."""
    procs = []
    start = time.monotonic()
    for k in range(children):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            code = 0
            try:
                os.close(read_fd)
                res = worker(api, account, container, f"f{k}", ops, seed=1000 + k)
                doc = attrs.asdict(res)
            except BaseException:  # noqa: BLE001
                doc = attrs.asdict(Result(errors=[traceback.format_exc()]))
                code = 1
            try:
                os.write(write_fd, json.dumps(doc).encode())
            finally:
                os._exit(code)
        os.close(write_fd)
        procs.append((pid, read_fd))
    total = Result()
    for pid, read_fd in procs:
        buf = b""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            ready, _w, _x = select.select([read_fd], [], [], max(0.0, end - time.monotonic()))
            if not ready:
                break
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            buf += chunk
        os.close(read_fd)
        if time.monotonic() >= end:
            os.kill(pid, signal.SIGKILL)
        _pid, status = os.waitpid(pid, 0)
        try:
            total.merge(Result(**json.loads(buf.decode())))
        except ValueError:
            total.errors.append(f"child {pid} reported nothing (status {status})")
        if status != 0:
            total.errors.append(f"child {pid} exit status {status}")
    total.elapsed = time.monotonic() - start
    return total


def open_load_target(backend: str) -> tuple:
    """``(api, account, container)``: one shared api sized for 32 threads."""
    factory = swift_api if backend == "swift" else s3_api
    api = factory(None, pool_maxsize=THREADS)
    account = api.account_show(None)["id"]
    container = "load-" + uuid.uuid4().hex[:10]
    api.container_create(account, container)
    return api, account, container


def drop_load_target(api: objclient.ObjectStorageApi, account: Optional[str],
                     container: str) -> None:
    """Empty and delete the load container, then close the api."""
    try:
        api.container_flush(account, container)
        api.container_delete(account, container)
    finally:
        api.close()


def report_load(backends: Sequence[str], ops: int, fork_ops: int) -> List[str]:
    """Run both workloads on each backend, print figures, return problems."""
    bad: List[str] = []
    print("\n| backend | run | ops | errors | mismatches | stale listings | s | ops/s |")
    print("|---|---|---|---|---|---|---|---|")
    for backend in backends:
        api, account, container = open_load_target(backend)
        try:
            for label, res in (
                    (f"{THREADS} threads x {ops}",
                     run_threads(api, account, container, THREADS, ops)),
                    (f"{CHILDREN} forks x {fork_ops}",
                     run_forked(api, account, container, CHILDREN, fork_ops))):
                print(f"| {backend} | {label} | {res.ops} | {len(res.errors)} | "
                      f"{len(res.mismatches)} | {res.stale_listings} | {res.elapsed:.1f} | "
                      f"{res.ops_per_s:.0f} |")
                bad.extend(f"{backend} {label}: {e}" for e in res.errors + res.mismatches)
        finally:
            drop_load_target(api, account, container)
    for line in bad[:20]:
        print("PROBLEM", line)
    return bad
