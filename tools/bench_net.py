"""The network benchmark: every client over TLS, through a link with latency.

Usage: ``python -m tools.bench_net [--quick] [--delay-ms 10] [--server swift,s3]
[--workload small,...] [--client objclient,...] [--out build/bench-network.md]
[--json build/bench-network.json] [--publish]`` (normally ``tools/bench
--network``).  ``--workload`` runs only some of :data:`WORKLOADS` and
``--client`` only some clients (by name): a partial run, never published.

The path of every request: client -> :mod:`tools.netproxy` (a delaying TCP
proxy in a child process: ``--delay-ms`` each way, so twice that per round
trip, and one more round trip before a new connection's first bytes) ->
:mod:`tools.tls_front` (nginx terminating TLS with a throwaway CA, keepalive
towards the server) -> the test server (Swift's proxy or SeaweedFS's S3 API).
The clients of :mod:`tools.bench_clients` trust the CA through their own
options.  Each workload runs for each client in turn (the order alternating
from one workload to the next), and for each run the benchmark records the
wall time, the requests nginx logged, the TCP connections the delay proxy
accepted and the TLS handshakes (connections whose first request nginx
logged, of which those that resumed a session).  Tables and targets:
:mod:`tools.bench_net_report`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from tools import bench_net_report, netproxy, server_env
from tools.bench_net_report import COLD, Rows, Segment
from tools.tls_front import TLSFront

#: where :func:`main` publishes a full run
PUBLISHED_MD = "doc/benchmark-network.md"
#: the clients' endpoint variables and the server each reaches
ENDPOINTS = {"swift": "SWIFT_AUTH_URL", "s3": "SEAWEEDFS_S3_ENDPOINT"}
FULL = {"small": 20, "list_small": 10, "threaded": 1000, "list": 10000, "big": 256,
        "cold": 5}
QUICK = {"small": 2, "list_small": 1, "threaded": 32, "list": 100, "big": 2, "cold": 1}


class Meter:
    """Times a stretch of one client's work and counts what it sent.

    :param front: the TLS front (requests and handshakes, from its log).
    :param proxy: the delay proxy of the server (TCP connections).
    """

    def __init__(self, front: TLSFront, proxy: netproxy.ProxyProcess) -> None:
        self.front, self.proxy = front, proxy

    def measure(self, func: Callable[[], object], ops: int = 1, mib: float = 0.0) -> Segment:
        """Run ``func`` once; :returns: its wall time and counts."""
        mark, opened = self.front.mark(), self.proxy.connections
        t0 = time.perf_counter()
        func()
        wall = time.perf_counter() - t0
        counts = self.front.counts(mark)
        return Segment(wall, ops, counts.requests, self.proxy.connections - opened,
                       counts.handshakes, counts.resumed, mib, counts.methods)


def _turns(clients: List[Any], turn: int) -> List[Any]:
    """The clients in order on even turns, reversed on odd ones."""
    return list(clients) if turn % 2 == 0 else list(reversed(clients))


def _runs(client: Any, phase: str) -> bool:
    return client.phases is None or phase in client.phases


def small_ops(clients: List[Any], meter: Meter, n: int, rows: Rows) -> None:
    """n x 4 KiB PUT, GET, HEAD then DELETE per client, one at a time, after
    one unmeasured operation of each kind: the steady state of a client in
    use (what a client does once only, cold start measures)."""
    data = os.urandom(4096)
    for client in [c for c in clients if _runs(c, "small")]:
        warm = f"net/{uuid.uuid4().hex}/warm"
        client.put(warm, data)
        client.get(warm)
        client.head(warm)
        client.delete(warm)
        keys = [f"net/{uuid.uuid4().hex}/{i}" for i in range(n)]
        for op, func in (("PUT", lambda k: client.put(k, data)), ("GET", client.get),
                         ("HEAD", client.head), ("DELETE", client.delete)):
            rows.setdefault(f"{op} 4 KiB", {})[client.name] = meter.measure(
                lambda: [func(k) for k in keys], n)


def list_small(clients: List[Any], meter: Meter, n: int, container: str, home: str,
               rows: Rows) -> None:
    """LIST of a 100-object container, n times per client after one unmeasured one."""
    for client in _turns([c for c in clients if _runs(c, "small")], 1):
        client.setup(container)
        assert client.list_all() == 100
        rows.setdefault("LIST 100 objects", {})[client.name] = meter.measure(
            lambda: [client.list_all() for _ in range(n)], n)
        client.setup(home)


def threaded(clients: List[Any], meter: Meter, count: int, rows: Rows,
             threads: int = 16) -> None:
    """count x 4 KiB PUT then GET on a pool of threads, per client (not
    objclient with checksum=False: 4 KiB hash in no time)."""
    data = os.urandom(4096)
    for client in _turns([c for c in clients if _runs(c, "threaded")], 0):
        keys = [f"net16/{uuid.uuid4().hex}/{i}" for i in range(count)]
        with ThreadPoolExecutor(threads) as pool:
            put = meter.measure(lambda: list(pool.map(lambda k: client.put(k, data), keys)),
                                count)
            get = meter.measure(lambda: list(pool.map(client.get, keys)), count)
            list(pool.map(client.cleanup, keys))
        rows.setdefault(f"16 threads: PUT {count} x 4 KiB", {})[client.name] = put
        rows.setdefault(f"16 threads: GET {count} x 4 KiB", {})[client.name] = get


def fill(client: Any, container: str, n: int) -> None:
    """Make sure ``container`` holds the n objects ``list/000000``... (kept on
    the server for the next run: filling 10,000 takes minutes)."""
    client.setup(container)
    if client.list_all() >= n:
        return
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: client.put(k, b""), [f"list/{i:06d}" for i in range(n)]))


def listing(clients: List[Any], meter: Meter, n: int, container: str, home: str,
            rows: Rows) -> None:
    """The whole n-object container, paginated: without a delimiter, then
    with ``prefix="list/"`` and ``delimiter="/"`` (the same n names, grouped
    by the server)."""
    for turn, (label, args) in enumerate(((f"LIST {n}", ()),
                                          (f"LIST {n}, delimiter", ("list/", "/")))):
        for client in _turns([c for c in clients if _runs(c, "list")], turn):
            client.setup(container)
            found: List[int] = []
            rows.setdefault(label, {})[client.name] = meter.measure(
                lambda: found.append(client.list_all(*args)))
            assert found == [n], (client.name, label, found)
            client.setup(home)


def large(clients: List[Any], meter: Meter, size_mb: int, rows: Rows) -> None:
    """One size_mb object PUT then GET per client, from and to a file."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "src.bin"), os.path.join(tmp, "dst.bin")
        with open(src, "wb") as fh:
            for _ in range(size_mb):
                fh.write(os.urandom(1 << 20))
        for client in _turns([c for c in clients if _runs(c, "large")], 1):
            key = f"netbig/{uuid.uuid4().hex}"
            rows.setdefault(f"PUT {size_mb} MiB", {})[client.name] = meter.measure(
                lambda: client.put_file(key, src), mib=size_mb)
            rows.setdefault(f"GET {size_mb} MiB", {})[client.name] = meter.measure(
                lambda: client.get_file(key, dst), mib=size_mb)
            assert os.path.getsize(dst) == size_mb << 20
            client.cleanup(key)
            os.remove(dst)


def cold_starts(server: str, names: List[str], meter: Meter, container: str, runs: int,
                rows: Rows) -> None:
    """``runs`` fresh processes per client (:mod:`tools.bench_cold`), taking
    turns; the median wall counts, the counts are per process.  The children
    share one empty ``$XDG_CACHE_HOME``: objclient's first process
    authenticates and keeps the token there, as on a user's machine, and the
    real ``~/.cache`` is neither read nor written."""
    from tools.bench_cold import COLD as SNIPPETS
    names = [n for n in names if (server, n) in SNIPPETS]
    found: Dict[str, List[Segment]] = {n: [] for n in names}
    with tempfile.TemporaryDirectory(prefix="bench-cold-cache-") as cache:
        env = dict(os.environ, XDG_CACHE_HOME=cache)
        for turn in range(runs):
            for name in _turns(names, turn):
                cmd = [sys.executable, "-m", "tools.bench_cold", server, name, container]
                out: List[str] = []
                found[name].append(meter.measure(lambda: out.append(subprocess.run(
                    cmd, check=True, capture_output=True, text=True, env=env).stdout)))
                assert out[0].strip() == "100", (name, out)
    for name, segs in found.items():
        methods: Dict[str, float] = {}
        for seg in segs:
            for method, count in seg.methods.items():
                methods[method] = methods.get(method, 0) + count / len(segs)
        rows.setdefault(COLD, {})[name] = Segment(
            statistics.median(s.wall_s for s in segs), 1,
            *(statistics.mean(getattr(s, f) for s in segs)
              for f in ("requests", "connections", "handshakes", "resumed")),
            methods=methods)


#: the workloads, by the name ``--workload`` takes, in the order they run
WORKLOADS = ("small", "list100", "threaded", "listing", "large", "cold")


def run_server(server: str, meter: Meter, sizes: Dict[str, int],
               workloads: Tuple[str, ...] = WORKLOADS,
               names: Optional[List[str]] = None) -> Rows:
    """The workloads on one server, through the network, for the clients
    named in ``names`` (default: all)."""
    from tools.bench_clients import make_client, make_clients
    clients = [c for c in make_clients(server) if names is None or c.name in names]
    home = f"bench-net-{uuid.uuid4().hex[:8]}"
    print(f"== {server}: {', '.join(c.name for c in clients)}", flush=True)
    for client in clients:
        client.setup(home)
    filler = make_client(server, clients[0].name)  # not one of the measured clients
    if {"list100", "cold"} & set(workloads):
        fill(filler, "bench-list-100", 100)
    if "listing" in workloads:
        fill(filler, f"bench-list-{sizes['list']}", sizes["list"])
    rows: Rows = {}
    phases: List[Tuple[str, str, Callable[[], None]]] = [
        ("small", "small operations", lambda: small_ops(clients, meter, sizes["small"], rows)),
        ("list100", "LIST 100", lambda: list_small(clients, meter, sizes["list_small"],
                                                   "bench-list-100", home, rows)),
        ("threaded", "16 threads", lambda: threaded(clients, meter, sizes["threaded"], rows)),
        ("listing", "listing", lambda: listing(clients, meter, sizes["list"],
                                               f"bench-list-{sizes['list']}", home, rows)),
        ("large", "large object", lambda: large(clients, meter, sizes["big"], rows)),
        ("cold", "cold start", lambda: cold_starts(server, [c.name for c in clients], meter,
                                                   "bench-list-100", sizes["cold"], rows))]
    for key, phase, func in phases:
        if key not in workloads:
            continue
        t0 = time.perf_counter()
        func()
        print(f"   {phase}: {time.perf_counter() - t0:.0f} s", flush=True)
    return rows


def _point_clients_at(server_ports: Dict[str, int], cacert: str) -> None:
    """Send the clients (this process's and the cold-start children's) through
    the network: https endpoints on the delay proxies, trusting ``cacert``."""
    for server, var in ENDPOINTS.items():
        if server in server_ports:
            url = urlsplit(getattr(server_env, var))
            os.environ[var] = url._replace(scheme="https",
                                           netloc=f"127.0.0.1:{server_ports[server]}").geturl()
    os.environ["OBJCLIENT_BENCH_CACERT"] = cacert
    for var in ("SWIFT_USER", "SWIFT_KEY", "SEAWEEDFS_S3_ACCESS_KEY",
                "SEAWEEDFS_S3_SECRET_KEY", "SEAWEEDFS_S3_REGION"):
        os.environ[var] = getattr(server_env, var)
    for name in ("tools.server_env", "tools.bench_clients", "tools.bench_s3floor"):
        if name in sys.modules:
            importlib.reload(sys.modules[name])


def _upstream_port(server: str) -> int:
    return urlsplit(getattr(server_env, ENDPOINTS[server])).port or 80


def report(meta: Dict[str, Any], per_server: Dict[str, Rows]) -> Tuple[str, Dict[str, Any]]:
    """The Markdown report and the JSON document of a run."""
    lines = [f"# objclient network benchmark ({meta['date']}, {meta['run']} run)", "",
             f"Machine: {meta['machine']}.  Every request goes through TLS (nginx, "
             f"TLS 1.3) and a delaying proxy: {meta['delay_ms']:g} ms each way, so "
             f"{2 * meta['delay_ms']:g} ms per round trip (one more before a new "
             "connection's first bytes).  Counts: requests as nginx logged them, TCP "
             "connections as the proxy accepted them, TLS handshakes = connections "
             "whose first request nginx logged (in brackets: of which resumed a session).",
             ""]
    if meta.get("load"):
        lines += [f"Load average (1 min) at the start and the end: {meta['load'][0]:.1f}, "
                  f"{meta['load'][1]:.1f}: walls vary with what else the machine runs.", ""]
    found: List[Dict[str, Any]] = []
    for server, rows in per_server.items():
        mine = bench_net_report.targets(server, rows)
        found += mine
        lines += bench_net_report.table(server, rows)
        lines += [f"Targets on {server}:", ""] + bench_net_report.target_lines(mine) + [""]
    lines += [bench_net_report.summary(found, meta.get("minutes")), ""]
    doc = {"meta": meta, "servers": {s: bench_net_report.rows_json(r)
                                     for s, r in per_server.items()},
           "targets": found, "all_pass": bool(found) and all(t["pass"] for t in found)}
    return "\n".join(lines), doc


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small counts (a smoke run)")
    parser.add_argument("--delay-ms", type=float, default=10.0,
                        help="one-way delay per direction (default %(default)s)")
    parser.add_argument("--server", default="swift,s3")
    parser.add_argument("--workload", default=",".join(WORKLOADS),
                        help="comma-separated, of: %(default)s")
    parser.add_argument("--client", default=None,
                        help="comma-separated client names (default: every client)")
    parser.add_argument("--out", default="build/bench-network.md")
    parser.add_argument("--json", default="build/bench-network.json")
    parser.add_argument("--publish", action=argparse.BooleanOptionalAction, default=None,
                        help=f"copy the report to {PUBLISHED_MD} (default: a full run "
                        "with the default delay and servers)")
    args = parser.parse_args(argv)
    servers = args.server.split(",")
    workloads = tuple(args.workload.split(","))
    unknown = set(workloads) - set(WORKLOADS)
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(sorted(unknown))}; "
                     f"known: {', '.join(WORKLOADS)}")
    names = args.client.split(",") if args.client else None
    sizes = QUICK if args.quick else FULL
    partial = workloads != WORKLOADS or names is not None
    publish = args.publish if args.publish is not None else (
        not args.quick and not partial and args.delay_ms == 10.0
        and args.server == "swift,s3")
    from tools.bench_report import check_markdown_converts, machine
    meta: Dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "machine": machine(),
                            "run": ("quick" if args.quick else "full")
                            + (" partial" if partial else ""),
                            "delay_ms": args.delay_ms, "sizes": sizes}
    started = time.time()
    load0 = os.getloadavg()[0]
    per_server: Dict[str, Rows] = {}
    with TLSFront({s: _upstream_port(s) for s in servers}) as front:
        proxies = {s: netproxy.spawn(front.ports[s], args.delay_ms / 1000) for s in servers}
        try:
            _point_clients_at({s: p.port for s, p in proxies.items()}, front.cacert)
            for server in servers:
                per_server[server] = run_server(server, Meter(front, proxies[server]), sizes,
                                                workloads, names)
        finally:
            for proxy in proxies.values():
                proxy.close()
    meta["minutes"] = round((time.time() - started) / 60, 1)
    meta["load"] = [round(load0, 2), round(os.getloadavg()[0], 2)]
    text, doc = report(meta, per_server)
    print(text, flush=True)
    for path in (args.out, args.json):
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
    with open(args.json, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    print(f"written to {args.out} and {args.json}")
    if publish:
        check_markdown_converts(os.getcwd(), text)
        with open(PUBLISHED_MD, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        print(f"published to {PUBLISHED_MD} (commit it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
