"""The chaos round: a mixed workload under random faults, then an audit.

32 threads share one :class:`objclient.ObjectStorageApi` in this process and
4 forked children run threads of their own on the api they inherited; all of
them talk to the server through one :class:`~tests.faults.chaos_proxy.ChaosProxy`
that faults a share of the requests at random.  Each worker owns a few keys
and keeps, per key, a model of what the server may hold:

* an acknowledged PUT or DELETE fixes the state;
* a failed one (a typed error) is *in doubt*: the server may or may not have
  applied it, so its effect joins the states allowed (a PUT whose check
  failed may also have been removed by the client);
* an operation that timed out may still land later, whatever comes next.

During the round every successful read is checked against the model; at the
end every key is read directly (not through the proxy) and must hold one of
the allowed states, and the bucket must hold no multipart upload, the
segment container no segment that no manifest references.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import select
import signal
import threading
import time
import traceback
import uuid
from typing import Any, Dict, List, Optional, Set, Tuple

import attrs

import objclient
from objclient.contract import DEFAULT_OPTS
from objclient.exceptions import (ChecksumMismatch, ClientError, NoSuchContainer,
                                  NoSuchObject, Timeout)

from .chaos_proxy import ChaosProxy
from .matrix import BACKENDS, _hostport

__all__ = ["ChaosReport", "run_chaos", "chaos_seconds", "THREADS", "CHILDREN"]

THREADS = 32
CHILDREN = 4
#: threads in each forked child (on the child's one inherited api).
CHILD_THREADS = 4
#: keys each worker owns.
KEYS = 6
#: the share of requests that get a fault.
DEFAULT_RATE = 0.05
#: seconds any one operation may take, retries included.
OP_DEADLINE = 30.0
#: the client's (connect, read) timeouts, and how long a stalled request is
#: held (longer than the read timeout).  A request that times out on the
#: client while the server still works on it may land after the client has
#: cleaned up (a segment, an upload left behind); with a 5 s read timeout
#: on a loaded machine that happened about once in 10 minutes per backend.
TIMEOUTS = (2.0, 10.0)
STALL = 12.0
ABSENT = "-"
KiB = 1024
MiB = 1024 * KiB

#: per backend: api options for the round and the size of a "large" object
#: (Swift takes small SLO segments; S3 parts are 5 MiB at least).
LARGE: Dict[str, Tuple[Dict[str, Any], Tuple[int, int]]] = {
    "swift": ({"segment_threshold": 256 * KiB, "segment_size": 128 * KiB,
               "segment_workers": 2}, (256 * KiB + 1, 640 * KiB)),
    "s3": ({"multipart_threshold": 5 * MiB, "part_size": 5 * MiB, "concurrency": 2},
           (5 * MiB + 1, 6 * MiB)),
}


def chaos_seconds(default: float = 60.0) -> float:
    """Seconds of a chaos round: ``$OBJCLIENT_CHAOS_SECONDS`` or ``default``."""
    return float(os.environ.get("OBJCLIENT_CHAOS_SECONDS") or default)


def _digest(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@attrs.define
class KeyModel:
    """What the server may hold for one key (states: MD5 hex or ``"-"``)."""

    allowed: Set[str] = attrs.Factory(lambda: {ABSENT})
    late: Set[str] = attrs.Factory(set)
    written: Set[str] = attrs.Factory(set)
    sizes: Dict[str, int] = attrs.Factory(dict)

    def acknowledged(self, state: str) -> None:
        """The server confirmed ``state``."""
        self.allowed = {state}

    def in_doubt(self, states: Set[str], timed_out: bool) -> None:
        """A failed operation may have left any of ``states``."""
        self.allowed |= states
        if timed_out:
            self.late |= states

    def possible(self) -> Set[str]:
        """Every state the server may hold now."""
        return self.allowed | self.late

    def to_json(self) -> Dict[str, Any]:
        return {k: sorted(v) if isinstance(v, set) else v
                for k, v in attrs.asdict(self).items()}

    @classmethod
    def from_json(cls, doc: Dict[str, Any]) -> "KeyModel":
        return cls(allowed=set(doc["allowed"]), late=set(doc["late"]),
                   written=set(doc["written"]), sizes=dict(doc["sizes"]))


@attrs.define
class Tally:
    """Counts of one worker, one process, or the whole round."""

    ops: int = 0
    survived: int = 0
    typed: int = 0
    untyped: int = 0
    lost: int = 0
    corrupt: int = 0
    by_op: Dict[str, int] = attrs.Factory(dict)
    by_error: Dict[str, int] = attrs.Factory(dict)
    #: the first message of each error class (what the rarer ones were)
    examples: Dict[str, str] = attrs.Factory(dict)
    problems: List[str] = attrs.Factory(list)

    def merge(self, other: "Tally") -> None:
        """Add ``other``'s figures."""
        for name in ("ops", "survived", "typed", "untyped", "lost", "corrupt"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in ((self.by_op, other.by_op), (self.by_error, other.by_error)):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value
        for key, text in other.examples.items():
            self.examples.setdefault(key, text)
        self.problems.extend(other.problems[:50])

    def problem(self, kind: str, text: str) -> None:
        """Count one lost/corrupt/untyped finding and keep its description."""
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.problems) < 50:
            self.problems.append(f"{kind}: {text}")


class Worker:
    """One thread's share of the workload: its own keys and their models."""

    def __init__(self, api: objclient.ObjectStorageApi, account: Optional[str],
                 container: str, wid: str, seed: int, large: Tuple[int, int]) -> None:
        self.api = api
        self.account = account
        self.container = container
        self.rng = random.Random(seed)
        self.keys = [f"c{wid}-{k}" for k in range(KEYS)]
        self.models = {key: KeyModel() for key in self.keys}
        self.large = large
        self.tally = Tally()

    def run(self, until: float, max_ops: int = 1_000_000) -> None:
        """Random operations until the monotonic time ``until``."""
        ops = ("put", "put", "put", "get", "get", "get", "head", "delete", "list")
        for _ in range(max_ops):
            if time.monotonic() >= until:
                return
            op = self.rng.choice(ops)
            self.tally.ops += 1
            self.tally.by_op[op] = self.tally.by_op.get(op, 0) + 1
            key = self.rng.choice(self.keys)
            getattr(self, "_" + op)(key, time.monotonic() + OP_DEADLINE)

    def _call(self, key: str, op: str, *args: Any, **kwargs: Any) -> Tuple[Any, Any]:
        """``(result, None)`` or ``(None, error)``, counted as survived (a
        NoSuchObject where the model allows no object counts as right),
        typed or untyped."""
        method = getattr(self.api, op)
        try:
            result = method(self.account, self.container, *args, **kwargs)
            if op == "object_fetch":
                meta, stream = result
                result = (meta, b"".join(stream))
        except ClientError as exc:
            if isinstance(exc, NoSuchObject) and ABSENT in self.models[key].possible():
                self.tally.survived += 1  # the right answer: there is no such object
                return None, exc
            self.tally.typed += 1
            name = type(exc).__name__
            self.tally.by_error[name] = self.tally.by_error.get(name, 0) + 1
            self.tally.examples.setdefault(name, f"{op} {key}: {str(exc)[:300]}")
            return None, exc
        except Exception as exc:  # noqa: BLE001 - that is what is being looked for
            self.tally.problem("untyped", f"{op} {key}: {exc!r} "
                               f"{traceback.format_exc(limit=-3)!r}")
            return None, exc
        self.tally.survived += 1
        return result, None

    def _put(self, key: str, deadline: float) -> None:
        model = self.models[key]
        size = (self.rng.randint(*self.large) if self.rng.random() < 0.06
                else self.rng.choice((0, 1, self.rng.randrange(2, 64 * KiB))))
        data = self.rng.randbytes(size)
        state = _digest(data)
        model.written.add(state)
        model.sizes[state] = size
        _result, error = self._call(key, "object_create", data=data, obj_name=key,
                                    deadline=deadline)
        if error is None:
            model.acknowledged(state)
        else:
            states = {state, ABSENT} if isinstance(error, ChecksumMismatch) else {state}
            model.in_doubt(states, isinstance(error, Timeout))

    def _delete(self, key: str, deadline: float) -> None:
        model = self.models[key]
        _result, error = self._call(key, "object_delete", key, deadline=deadline)
        if error is None or isinstance(error, NoSuchObject):
            model.acknowledged(ABSENT)
        else:
            model.in_doubt({ABSENT}, isinstance(error, Timeout))

    def _get(self, key: str, deadline: float) -> None:
        result, error = self._call(key, "object_fetch", key, deadline=deadline)
        if error is None:
            self._check_state(key, _digest(result[1]), f"GET read {len(result[1])} bytes")
        elif isinstance(error, NoSuchObject):
            self._check_state(key, ABSENT, "GET found no object")

    def _head(self, key: str, deadline: float) -> None:
        result, error = self._call(key, "object_get_properties", key, deadline=deadline)
        model = self.models[key]
        if error is None:
            sizes = {model.sizes[s] for s in model.possible() if s != ABSENT}
            if int(result.size) not in sizes:
                self.tally.problem("corrupt", f"HEAD {key}: size {result.size}, "
                                   f"expected one of {sorted(sizes)}")
        elif isinstance(error, NoSuchObject):
            self._check_state(key, ABSENT, "HEAD found no object")

    def _list(self, key: str, deadline: float) -> None:
        prefix = key.rsplit("-", 1)[0] + "-"
        result, error = self._call(key, "object_list", prefix=prefix, deadline=deadline)
        if error is None:
            foreign = [o.name for o in result.objects if o.name not in self.models]
            if foreign:
                self.tally.problem("corrupt", f"listing of {prefix} holds {foreign[:5]}")

    def _check_state(self, key: str, state: str, what: str) -> None:
        model = self.models[key]
        if state in model.possible():
            return
        kind = "corrupt" if state != ABSENT and state not in model.written else "lost"
        self.tally.problem(kind, f"{key}: {what} (state {state}), the model allows "
                           f"{sorted(model.possible())}")


@attrs.define
class ChaosReport:
    """The figures of one round on one backend."""

    backend: str
    seconds: float
    rate: float
    tally: Tally
    faults: Dict[str, int]
    requests: int
    keys: int = 0
    final_lost: int = 0
    final_corrupt: int = 0
    leaked: int = 0
    audit: List[str] = attrs.Factory(list)
    #: wall seconds of each phase (the round, the wait for its workers, the audit)
    phases: Dict[str, float] = attrs.Factory(dict)

    @property
    def lost(self) -> int:
        """Acknowledged states not found (during the round or at the end)."""
        return self.tally.lost + self.final_lost

    @property
    def corrupt(self) -> int:
        """Bytes that were never written, read during the round or found at the end."""
        return self.tally.corrupt + self.final_corrupt

    def ok(self) -> bool:
        """No loss, corruption, leak or untyped error."""
        return not (self.lost or self.corrupt or self.leaked or self.tally.untyped)

    def lines(self) -> List[str]:
        """The figures, as text."""
        t = self.tally
        out = [f"== chaos on {self.backend}: {self.seconds:.0f} s, fault rate {self.rate}, "
               f"{THREADS} threads + {CHILDREN} forks x {CHILD_THREADS} threads",
               f"requests through the proxy {self.requests}, faults " + ", ".join(
                   f"{k} {v}" for k, v in self.faults.items()),
               "operations " + ", ".join(f"{k} {v}" for k, v in sorted(t.by_op.items())),
               "typed errors " + (", ".join(f"{k} {v}" for k, v in sorted(
                   t.by_error.items(), key=lambda kv: -kv[1])) or "none"),
               f"untyped errors {t.untyped}; audited keys {self.keys}: lost "
               f"{self.final_lost}, corrupt {self.final_corrupt}, leaked {self.leaked}; "
               f"in-round lost reads {t.lost}, corrupt reads {t.corrupt}",
               "phases " + ", ".join(f"{k} {v:.1f} s" for k, v in self.phases.items())]
        out.extend(f"  e.g. {name}: {text}" for name, text in sorted(t.examples.items()))
        out.extend("PROBLEM " + p for p in (t.problems + self.audit)[:40])
        return out


def _run_workers(api: objclient.ObjectStorageApi, account: Optional[str], container: str,
                 prefix: str, count: int, until: float, large: Tuple[int, int],
                 seed: int) -> Tuple[Tally, Dict[str, KeyModel]]:
    workers = [Worker(api, account, container, f"{prefix}{k}", seed + k, large)
               for k in range(count)]

    def run(worker: Worker) -> None:
        try:
            worker.run(until)
        except BaseException:  # noqa: BLE001 - reported, the round goes on
            worker.tally.problem("untyped", traceback.format_exc(limit=-3))

    threads = [threading.Thread(target=run, args=(w,), daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, until - time.monotonic()) + 4 * OP_DEADLINE)
    total = Tally()
    models: Dict[str, KeyModel] = {}
    for worker, thread in zip(workers, threads):
        if thread.is_alive():
            total.problem("untyped", f"worker {worker.keys[0]} did not finish")
            continue
        total.merge(worker.tally)
        models.update(worker.models)
    return total, models


def _fork_children(api: objclient.ObjectStorageApi, account: Optional[str], container: str,
                   until: float, large: Tuple[int, int], seed: int) -> List[Tuple[int, int]]:
    """Start the children; :returns: ``(pid, read fd)`` of each."""
    children = []
    for k in range(CHILDREN):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: run, report through the pipe, never return
            code = 0
            try:
                os.close(read_fd)
                tally, models = _run_workers(api, account, container, f"f{k}t", CHILD_THREADS,
                                             until, large, seed + 1000 * (k + 1))
                doc = {"tally": attrs.asdict(tally),
                       "models": {key: m.to_json() for key, m in models.items()}}
            except BaseException:  # noqa: BLE001
                doc = {"tally": attrs.asdict(Tally(untyped=1, problems=[
                    traceback.format_exc()])), "models": {}}
                code = 1
            try:
                data = json.dumps(doc).encode()
                view = memoryview(data)
                while view:
                    view = view[os.write(write_fd, view):]
            finally:
                os._exit(code)
        os.close(write_fd)
        children.append((pid, read_fd))
    return children


def _collect(children: List[Tuple[int, int]], until: float,
             total: Tally, models: Dict[str, KeyModel]) -> None:
    """Read every child's report (bounded in time) and reap it."""
    end = until + 4 * OP_DEADLINE + 60
    for pid, read_fd in children:
        buf = b""
        while time.monotonic() < end:
            ready, _w, _x = select.select([read_fd], [], [], max(0.0, end - time.monotonic()))
            if not ready:
                break
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            buf += chunk
        os.close(read_fd)
        if time.monotonic() >= end:
            os.kill(pid, signal.SIGKILL)
        _pid, status = os.waitpid(pid, 0)
        try:
            doc = json.loads(buf.decode())
        except ValueError:
            total.problem("untyped", f"child {pid} reported nothing (status {status})")
            continue
        total.merge(Tally(**doc["tally"]))
        models.update({key: KeyModel.from_json(m) for key, m in doc["models"].items()})


def _audit(report: ChaosReport, direct: objclient.ObjectStorageApi, account: Optional[str],
           container: str, models: Dict[str, KeyModel]) -> None:
    """Read every key directly and look for leftover uploads and segments."""
    report.keys = len(models)
    live = []
    for key, model in sorted(models.items()):
        try:
            _meta, stream = direct.object_fetch(account, container, key)
            state = _digest(b"".join(stream))
            live.append(key)
        except NoSuchObject:
            state = ABSENT
        if state in model.possible():
            continue
        if state != ABSENT and state not in model.written:
            report.final_corrupt += 1
            what = "corrupt"
        else:
            report.final_lost += 1
            what = "lost"
        report.audit.append(f"final {what}: {key} holds {state}, the model allows "
                            f"{sorted(model.possible())}")
    leftovers = _leftovers(report.backend, direct, account, container, live)
    report.leaked = len(leftovers)
    for name in leftovers[:20]:
        key = name.split(" ", 1)[1].split("/", 1)[-1].split("/", 1)[0].split(" ")[0]
        model = models.get(key)
        history = f"; {key} allowed {sorted(model.possible())}" if model else ""
        report.audit.append(f"leaked: {name}{history}")


def _leftovers(backend: str, direct: objclient.ObjectStorageApi, account: Optional[str],
               container: str, live: List[str]) -> List[str]:
    """Multipart uploads in progress (S3), or segments no manifest uses (Swift)."""
    if backend == "s3":
        return [f"upload {u['key']} {u['upload_id']}"
                for u in direct.blob_client.list_uploads(container)]
    from objclient.backends.swift.slo import old_segments, segment_container
    seg_cont = segment_container(container)
    try:
        names = [o.name for o in direct.object_list_iter(account, seg_cont)]
    except NoSuchContainer:
        return []
    used: Set[str] = set()
    for key in live:
        used.update(old_segments(direct.blob_client, account or "", container, key,
                                 DEFAULT_OPTS).get(seg_cont, []))
    return [f"segment {seg_cont}/{name}" for name in names if name not in used]


def _drop(backend: str, direct: objclient.ObjectStorageApi, account: Optional[str],
          container: str) -> None:
    """Remove the round's container, segments and uploads (best effort)."""
    if backend == "s3":
        try:
            direct.blob_client.abort_stale_uploads(container, older_than=0)
        except ClientError:
            pass
    for cont in (container, container + "_segments"):
        try:
            direct.container_flush(account, cont)
            direct.container_delete(account, cont)
        except ClientError:
            pass
    direct.close()


def run_chaos(backend: str, seconds: float, rate: float = DEFAULT_RATE,
              seed: Optional[int] = None) -> ChaosReport:
    """One chaos round on ``backend`` (``"swift"`` or ``"s3"``)."""
    factory, url, _large = BACKENDS[backend]
    options, large = LARGE[backend]
    seed = seed if seed is not None else random.randrange(1 << 30)
    direct = factory(None, **options)
    account = direct.account_show(None)["id"]
    container = "chaos-" + uuid.uuid4().hex[:10]
    direct.container_create(account, container)
    proxy = ChaosProxy(_hostport(url), rate=0.0, seed=seed, stall=STALL)
    try:
        api = factory(proxy.port, pool_maxsize=THREADS, timeout=TIMEOUTS,
                      retries=objclient.RetryPolicy(total=3, backoff_factor=0.05),
                      **options)
        api.container_show(account, container)  # auth, /info: before the faults
        if backend == "swift":
            api.capabilities  # noqa: B018
        proxy.set_rate(rate)
        start = time.monotonic()
        until = start + seconds
        children = _fork_children(api, account, container, until, large, seed)
        total, models = _run_workers(api, account, container, "p", THREADS, until, large,
                                     seed)
        _collect(children, until, total, models)
        proxy.set_rate(0.0)
        api.close()
        report = ChaosReport(backend=backend, seconds=seconds, rate=rate, tally=total,
                             faults=dict(proxy.faults), requests=proxy.requests)
        report.phases["round"] = seconds
        report.phases["last operations"] = time.monotonic() - until
        audit_start = time.monotonic()
        _audit(report, direct, account, container, models)
        report.phases["audit"] = time.monotonic() - audit_start
        return report
    finally:
        proxy.close()
        _drop(backend, direct, account, container)


def summary(reports: List[ChaosReport]) -> str:
    """The last line: ``chaos: N ops, F faults, S survived, T typed errors,
    L lost, C corrupt, K leaked`` over all ``reports``."""
    ops = sum(r.tally.ops for r in reports)
    faults = sum(sum(r.faults.values()) for r in reports)
    return (f"chaos: {ops} ops, {faults} faults, {sum(r.tally.survived for r in reports)} "
            f"survived, {sum(r.tally.typed for r in reports)} typed errors, "
            f"{sum(r.lost for r in reports)} lost, {sum(r.corrupt for r in reports)} corrupt, "
            f"{sum(r.leaked for r in reports)} leaked")

