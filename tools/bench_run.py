"""Run the benchmark workloads for every client, interleaved, and print ratios.

Usage: ``python -m tools.bench_run [--quick] [--server swift,s3] [--out build/bench.md]
[--json build/bench.json] [--plot build/bench.png] [--publish]`` (normally through
``tools/bench``).  For each server the clients run the same
workloads in rounds (A B C, then C B A, ...) so that machine drift hits all alike.
Reported per client: operations per second (wall) and client CPU per
operation (``time.process_time``, this process only: the server's CPU is
not counted), and each as a ratio to the raw urllib3 floor; peak RSS growth
of the large object and of the listing, per client in a child process
(:mod:`tools.bench_mem`); import times.  Tables and targets:
:mod:`tools.bench_report`; chart: :mod:`tools.bench_plot`.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Dict, List, Optional, Tuple

from tools import bench_mem, bench_plot, bench_report
from tools.bench_clients import Client, make_clients
from tools.bench_report import DELETE_OP, SMALL_OPS, Memory

#: Rounds of the 4 KiB workload: short ones (50 objects each of 1,000), taken
#: by every client in turn, so that the servers' background work (Swift's
#: updaters and replicators wake every few seconds) falls on all alike; the
#: median round counts.
SMALL_ROUNDS = 20

#: Rounds of the listing (A B C, C B A, ...); the median counts.
LIST_ROUNDS = 7

#: client -> op -> (ops/s, cpu ms/op, of which signing ms/op)
Result = Dict[str, Dict[str, Tuple[float, float, float]]]


def _timed(func: Callable[[], object], count: int,
           client: Optional[Client] = None) -> Tuple[float, float, float]:
    """(ops/s, CPU ms/op, signing CPU ms/op) of ``func`` doing ``count`` operations.

    The signing share is known for clients that measure it (the S3 floor's
    ``sign_cpu``); it is 0 for the others.
    """
    gc.collect()
    sign0 = getattr(client, "sign_cpu", 0.0)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    func()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    sign = getattr(client, "sign_cpu", 0.0) - sign0
    return count / wall if wall else 0.0, cpu * 1000 / count, sign * 1000 / count


def small_objects(clients: List[Client], n: int, rounds: int) -> Result:
    """n x 4 KiB PUT, GET, HEAD, DELETE per client, sequential (see
    :data:`tools.bench_report.DELETE_NOTE` for what DELETE sends)."""
    data = os.urandom(4096)
    per_round = max(1, n // rounds)
    samples: Dict[str, Dict[str, List[Tuple[float, float, float]]]] = {
        c.name: {op: [] for op in SMALL_OPS} for c in clients}
    for r in range(rounds):
        order = clients if r % 2 == 0 else list(reversed(clients))
        for client in order:
            keys = [f"small/{r}/{i:06d}" for i in range(per_round)]
            s = samples[client.name]
            s["PUT"].append(_timed(lambda: [client.put(k, data) for k in keys], per_round,
                                   client))
            s["GET"].append(_timed(lambda: [client.get(k) for k in keys], per_round, client))
            s["HEAD"].append(_timed(lambda: [client.head(k) for k in keys], per_round,
                                    client))
            s[DELETE_OP].append(_timed(lambda: [client.delete(k) for k in keys], per_round,
                                      client))
    return {name: {op: (statistics.median(v[0] for v in vals),
                        statistics.median(v[1] for v in vals),
                        statistics.median(v[2] for v in vals)) for op, vals in ops.items()}
            for name, ops in samples.items()}


def listing(clients: List[Client], n: int, populate: Client, server: str = "",
            container: str = "", memory: Optional[Memory] = None) -> Result:
    """Fully paginated listing of a container of n objects, in
    :data:`LIST_ROUNDS` interleaved rounds (A B C, C B A, ...); the medians count.

    Each listing runs in a child process of its own (:mod:`tools.bench_mem`),
    which reports its time, CPU and peak RSS growth: a listing keeps
    thousands of objects alive, and in one process shared by every client
    the cyclic GC's full collections would walk the other clients' objects
    too (boto3's models alone are 50,000), a cost none of them has in a
    program of its own.  The data set lives in its own container,
    ``bench-list-<n>``, kept on the server and reused by the next run (filled
    once: 10,000 PUTs take minutes on the test Swift).  With ``memory``, the
    median growth is stored there.  The clients go back to ``container``
    afterwards.
    """
    list_container = f"bench-list-{n}"
    for client in clients:
        client.setup(list_container)
    try:
        if populate.list_all() < n:
            keys = [f"list/{i:06d}" for i in range(n)]
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda k: populate.put(k, b""), keys))
        samples: Dict[str, List[Tuple[float, float, float]]] = {c.name: [] for c in clients}
        growth: Dict[str, List[float]] = {c.name: [] for c in clients}
        for r in range(LIST_ROUNDS):
            for client in (clients if r % 2 == 0 else list(reversed(clients))):
                found = bench_mem.measure_all(server, client.name, "list", list_container,
                                              count=n)
                if found is None:
                    continue
                samples[client.name].append((1 / found["wall_s"], found["cpu_s"] * 1000,
                                             found["sign_s"] * 1000))
                growth[client.name].append(found["growth_mib"])
        out: Result = {name: {f"LIST {n}": _median3(vals)}
                       for name, vals in samples.items() if vals}
        if memory is not None:
            for name, vals in growth.items():
                if vals:
                    memory.setdefault(f"LIST {n}", {})[name] = statistics.median(vals)
    finally:
        for client in clients:
            client.setup(container)
    return out


def _median3(samples: List[Tuple[float, float, float]]) -> Tuple[float, float, float]:
    return (statistics.median(v[0] for v in samples), statistics.median(v[1] for v in samples),
            statistics.median(v[2] for v in samples))


def large_object(clients: List[Client], size_mb: int, server: str = "", container: str = "",
                 memory: Optional[Memory] = None, rounds: int = 3) -> Result:
    """One size_mb object PUT and GET (single stream) per client, through files,
    in ``rounds`` interleaved rounds (A B C, C B A, ...); the medians count.

    With ``memory``, each client's peak RSS growth for the PUT + GET is
    measured in a child process (:mod:`tools.bench_mem`) and stored there.
    """
    samples: Dict[str, Dict[str, List[Tuple[float, float, float]]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src.bin")
        with open(src, "wb") as fh:
            for _ in range(size_mb):
                fh.write(os.urandom(1 << 20))
        for r in range(rounds):
            for client in (clients if r % 2 == 0 else list(reversed(clients))):
                key = f"large/{uuid.uuid4().hex}"
                dst = os.path.join(tmp, "dst.bin")
                put = _timed(lambda: client.put_file(key, src), 1, client)
                get = _timed(lambda: client.get_file(key, dst), 1, client)
                assert os.path.getsize(dst) == size_mb << 20
                client.cleanup(key)
                os.remove(dst)
                mine = samples.setdefault(client.name, {})
                mine.setdefault(f"PUT {size_mb} MiB (MiB/s)", []).append(
                    (size_mb * put[0], put[1], put[2]))
                mine.setdefault(f"GET {size_mb} MiB (MiB/s)", []).append(
                    (size_mb * get[0], get[1], get[2]))
        if memory is not None:
            for client in clients:
                mib = bench_mem.measure(server, client.name, "big", container, path=src)
                if mib is not None:
                    memory.setdefault(f"{size_mb} MiB PUT+GET", {})[client.name] = mib
    return {name: {op: _median3(vals) for op, vals in ops.items()}
            for name, ops in samples.items()}


def parallel_objects(clients: List[Client], count: int, threads: int,
                     rounds: int = 5) -> Result:
    """count x 1 MiB objects PUT then GET with a pool of threads, in ``rounds``
    interleaved rounds; the medians count."""
    data = os.urandom(1 << 20)
    samples: Dict[str, Dict[str, List[Tuple[float, float, float]]]] = {}
    for r in range(rounds):
        for client in (clients if r % 2 == 0 else list(reversed(clients))):
            keys = [f"par/{uuid.uuid4().hex}/{i}" for i in range(count)]
            with ThreadPoolExecutor(threads) as pool:
                put = _timed(lambda: list(pool.map(lambda k: client.put(k, data), keys)),
                             count, client)
                get = _timed(lambda: list(pool.map(client.get, keys)), count, client)
                list(pool.map(client.cleanup, keys))
            mine = samples.setdefault(client.name, {})
            mine.setdefault(f"PUT {count}x1MiB/{threads}t", []).append(put)
            mine.setdefault(f"GET {count}x1MiB/{threads}t", []).append(get)
    return {name: {op: _median3(vals) for op, vals in ops.items()}
            for name, ops in samples.items()}


IMPORTS = {"objclient": "import objclient; objclient.ObjectStorageApi",
           "boto3": "import boto3; boto3.client",
           "python-swiftclient": "import swiftclient.client",
           "obstore": "import obstore.store"}


def import_times(runs: int = 11) -> Dict[str, float]:
    """Median milliseconds of the import in a fresh interpreter, the
    packages taking turns (A B C, C B A, ...) so that the servers' work
    after the last workload weighs on all alike."""
    times: Dict[str, List[float]] = {name: [] for name in IMPORTS}
    missing = set()
    for r in range(runs):
        names = list(IMPORTS) if r % 2 == 0 else list(reversed(IMPORTS))
        for name in names:
            if name in missing:
                continue
            code = (f"import time; t=time.perf_counter(); {IMPORTS[name]}; "
                    "print(time.perf_counter()-t)")
            proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  cwd=os.getcwd())
            if proc.returncode != 0:
                missing.add(name)  # not installed
                continue
            times[name].append(float(proc.stdout.strip()) * 1000)
    return {name: statistics.median(vals) for name, vals in times.items() if vals}


def _merge(into: Result, more: Result) -> None:
    for client, ops in more.items():
        into.setdefault(client, {}).update(ops)


def run_server(server: str, sizes: Dict[str, int], memory_check: bool = True
               ) -> Tuple[Result, Memory, str]:
    """Every workload on one server; :returns: the results, the memory figures
    and the floor's name."""
    clients = make_clients(server)
    container = f"bench-{uuid.uuid4().hex[:8]}"
    for client in clients:
        client.setup(container)
    print(f"== {server}: {', '.join(c.name for c in clients)}", flush=True)
    result: Result = {}
    memory: Optional[Memory] = {} if memory_check else None
    def running(phase: str) -> List[Client]:
        return [c for c in clients if c.phases is None or phase in c.phases]

    phases: List[Tuple[str, Callable[[], Result]]] = [
        ("4 KiB objects", lambda: small_objects(running("small"), sizes["small"],
                                                rounds=SMALL_ROUNDS)),
        ("listing", lambda: listing(running("list"), sizes["list"], clients[0], server,
                                    container, memory)),
        ("large object", lambda: large_object(running("large"), sizes["big"], server,
                                              container, memory)),
        ("1 MiB objects, 8 threads", lambda: parallel_objects(running("parallel"),
                                                              sizes["par"], 8))]
    for phase, func in phases:
        t0 = time.perf_counter()
        _merge(result, func())
        print(f"   {phase}: {time.perf_counter() - t0:.0f} s", flush=True)
    return result, memory or {}, clients[0].name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller counts (a smoke run)")
    parser.add_argument("--server", default="swift,s3")
    parser.add_argument("--out", default="build/bench.md", help="the Markdown report")
    parser.add_argument("--json", default="build/bench.json", metavar="PATH",
                        help="all results and targets as JSON (default %(default)s)")
    parser.add_argument("--plot", metavar="PATH",
                        help="PNG bar chart (default build/bench.png; needs matplotlib, "
                        "the bench extra: without it the chart is skipped unless --plot "
                        "is given, which then fails)")
    parser.add_argument("--publish", action=argparse.BooleanOptionalAction, default=None,
                        help=f"copy the report and chart to {bench_report.PUBLISHED_MD} and "
                        f"{bench_report.PUBLISHED_PNG} (default: only a full run with the "
                        "default sizes and servers)")
    parser.add_argument("--no-memory", action="store_true",
                        help="skip the peak RSS measurements (child processes)")
    parser.add_argument("--small", type=int, help="4 KiB objects per op (1000)")
    parser.add_argument("--list", type=int, help="objects in the listed container (10000)")
    parser.add_argument("--big", type=int, help="MiB of the single large object (256)")
    parser.add_argument("--par", type=int, help="1 MiB objects with 8 threads (64)")
    args = parser.parse_args()
    plot_path = args.plot or "build/bench.png"
    if args.plot:
        try:
            bench_plot.require_matplotlib()
        except bench_plot.PlotUnavailable as exc:
            parser.error(str(exc))
    default_run = not (args.quick or args.small or args.list or args.big or args.par
                       or args.no_memory or args.server != "swift,s3")
    publish = default_run if args.publish is None else args.publish
    sizes = {"small": args.small or (200 if args.quick else 1000),
             "list": args.list or (1000 if args.quick else 10000),
             "big": args.big or (16 if args.quick else 256),
             "par": args.par or (16 if args.quick else 64)}
    started = time.time()
    meta = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "machine": bench_report.machine(),
            "cores": os.cpu_count(), "run": "quick" if args.quick else "full", "sizes": sizes}
    report = [f"# objclient benchmark ({meta['date']}, {meta['run']} run)", "",
              f"Machine: {meta['machine']}.", ""]
    servers: Dict[str, dict] = {}
    found: List[dict] = []
    for server in args.server.split(","):
        result, memory, floor = run_server(server, sizes, not args.no_memory)
        server_targets = bench_report.targets(server, result, floor, memory)
        found += server_targets
        servers[server] = bench_report.server_json(result, floor, memory)
        lines = (bench_report.table(server, result, floor)
                 + bench_report.memory_table(server, memory, floor)
                 + [f"Targets on {server}:", ""]
                 + bench_report.target_lines(server_targets) + [""])
        print("\n".join(lines), flush=True)
        report += lines
    imports = import_times()
    tail = ["### import time (fresh interpreter, median ms)", "",
            "| package | ms |", "|---|---|"]
    tail += [f"| {k} | {v:.0f} |" for k, v in imports.items()] + [""]
    import_found = bench_report.import_targets(imports)
    found += import_found
    tail += bench_report.target_lines(import_found) + [""]
    passed = sum(1 for t in found if t["pass"])
    tail += [f"Summary: {passed} of {len(found)} targets PASS "
             f"(run took {(time.time() - started) / 60:.1f} min).", ""]
    print("\n".join(tail))
    report += tail
    text = "\n".join(report) + "\n"
    doc = bench_report.results_json(meta, servers, imports, found)
    for path in (args.out, args.json, plot_path):
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(args.out, "w") as fh:
        fh.write(text)
    with open(args.json, "w") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    print(f"written to {args.out} and {args.json}")
    chart: Optional[str] = None
    try:
        chart = bench_plot.plot(doc, plot_path)
        print(f"chart written to {chart}")
    except bench_plot.PlotUnavailable as exc:
        print(f"no chart: {exc}", file=sys.stderr)
    if publish:
        bench_report.check_markdown_converts(os.getcwd(), text)
        written = bench_report.publish(os.getcwd(), text, chart)
        print(f"published to {', '.join(written)} (commit them)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
