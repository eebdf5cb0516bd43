"""Run the benchmark workloads for every client, interleaved, and print ratios.

Usage: ``python -m tools.bench_run [--quick] [--server swift,s3] [--out build/bench.md]``
(normally through ``tools/bench``).  For each server the clients run the same
workloads in rounds (A B C A B C ...) so that machine drift hits all alike.
Reported per client: operations per second (wall) and client CPU per
operation (``time.process_time``, this process only: the server's CPU is
not counted), and each as a ratio to the raw urllib3 floor.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Dict, List, Tuple

from tools.bench_clients import Client, s3_clients, swift_clients

Result = Dict[str, Dict[str, Tuple[float, float]]]  # client -> op -> (ops/s, cpu ms/op)


def _timed(func: Callable[[], None], count: int) -> Tuple[float, float]:
    gc.collect()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    func()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return count / wall if wall else 0.0, cpu * 1000 / count


def small_objects(clients: List[Client], n: int, rounds: int) -> Result:
    """n x 4 KiB PUT, GET, HEAD, DELETE per client, sequential."""
    data = os.urandom(4096)
    per_round = max(1, n // rounds)
    samples: Dict[str, Dict[str, List[Tuple[float, float]]]] = {
        c.name: {op: [] for op in ("PUT", "GET", "HEAD", "DELETE")} for c in clients}
    for r in range(rounds):
        order = clients if r % 2 == 0 else list(reversed(clients))
        for client in order:
            keys = [f"small/{r}/{i:06d}" for i in range(per_round)]
            s = samples[client.name]
            s["PUT"].append(_timed(lambda: [client.put(k, data) for k in keys], per_round))
            s["GET"].append(_timed(lambda: [client.get(k) for k in keys], per_round))
            s["HEAD"].append(_timed(lambda: [client.head(k) for k in keys], per_round))
            s["DELETE"].append(_timed(lambda: [client.delete(k) for k in keys], per_round))
    return {name: {op: (statistics.median(v[0] for v in vals),
                        statistics.median(v[1] for v in vals)) for op, vals in ops.items()}
            for name, ops in samples.items()}


def listing(clients: List[Client], n: int, populate: Client) -> Result:
    """Fully paginated listing of a container of n objects (shared data set)."""
    keys = [f"list/{i:06d}" for i in range(n)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: populate.put(k, b""), keys))
    out: Result = {}
    for client in clients:
        counts: List[int] = []
        rate, cpu = _timed(lambda: counts.append(client.list_all()), 1)
        assert counts[0] >= n, (client.name, counts[0], n)
        out[client.name] = {"LIST": (rate, cpu)}
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(populate.delete, keys))
    return out


def large_object(clients: List[Client], size_mb: int) -> Result:
    """One size_mb object PUT and GET (single stream) per client, through files."""
    out: Result = {}
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src.bin")
        with open(src, "wb") as fh:
            for _ in range(size_mb):
                fh.write(os.urandom(1 << 20))
        for client in clients:
            key = f"large/{uuid.uuid4().hex}"
            dst = os.path.join(tmp, "dst.bin")
            put = _timed(lambda: client.put_file(key, src), 1)
            get = _timed(lambda: client.get_file(key, dst), 1)
            assert os.path.getsize(dst) == size_mb << 20
            client.delete(key)
            out[client.name] = {f"PUT {size_mb} MiB": (size_mb * put[0], put[1]),
                                f"GET {size_mb} MiB": (size_mb * get[0], get[1])}
    return out


def parallel_objects(clients: List[Client], count: int, threads: int) -> Result:
    """count x 1 MiB objects PUT then GET with a pool of threads."""
    data = os.urandom(1 << 20)
    out: Result = {}
    for client in clients:
        keys = [f"par/{uuid.uuid4().hex}/{i}" for i in range(count)]
        with ThreadPoolExecutor(threads) as pool:
            put = _timed(lambda: list(pool.map(lambda k: client.put(k, data), keys)), count)
            get = _timed(lambda: list(pool.map(client.get, keys)), count)
            list(pool.map(client.delete, keys))
        out[client.name] = {f"PUT {count}x1MiB/{threads}t": (put[0], put[1]),
                            f"GET {count}x1MiB/{threads}t": (get[0], get[1])}
    return out


IMPORTS = {"objclient": "import objclient; objclient.ObjectStorageApi",
           "boto3": "import boto3; boto3.client",
           "python-swiftclient": "import swiftclient.client",
           "obstore": "import obstore.store"}


def import_times(runs: int = 5) -> Dict[str, float]:
    """Median milliseconds of the import in a fresh interpreter."""
    out = {}
    for name, stmt in IMPORTS.items():
        times = []
        for _ in range(runs):
            code = f"import time; t=time.perf_counter(); {stmt}; print(time.perf_counter()-t)"
            proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  cwd=os.getcwd())
            if proc.returncode != 0:
                break
            times.append(float(proc.stdout.strip()) * 1000)
        if times:
            out[name] = statistics.median(times)
    return out


def _merge(into: Result, more: Result) -> None:
    for client, ops in more.items():
        into.setdefault(client, {}).update(ops)


def table(server: str, result: Result, floor: str) -> List[str]:
    ops = list(next(iter(result.values())).keys())
    lines = [f"### {server}", "",
             "| client | " + " | ".join(f"{op} ops/s (x floor) | {op} CPU ms/op (x floor)"
                                       for op in ops) + " |",
             "|---" * (1 + 2 * len(ops)) + "|"]
    for client, vals in result.items():
        cells = []
        for op in ops:
            rate, cpu = vals.get(op, (0.0, 0.0))
            frate, fcpu = result.get(floor, {}).get(op, (0.0, 0.0))
            rr = f"{rate / frate:.2f}" if frate else "-"
            cr = f"{cpu / fcpu:.2f}" if fcpu else "-"
            cells.append(f"{rate:.1f} ({rr}) | {cpu:.3f} ({cr})")
        lines.append(f"| {client} | " + " | ".join(cells) + " |")
    return lines + [""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller counts (a smoke run)")
    parser.add_argument("--server", default="swift,s3")
    parser.add_argument("--out", default="build/bench.md")
    args = parser.parse_args()
    n_small = 200 if args.quick else 1000
    n_list = 1000 if args.quick else 10000
    big = 16 if args.quick else 256
    par = 16 if args.quick else 64
    report = [f"# objclient benchmark ({time.strftime('%Y-%m-%d %H:%M')}, "
              f"{os.cpu_count()} cores, {'quick' if args.quick else 'full'} run)", ""]
    for server in args.server.split(","):
        clients = swift_clients() if server == "swift" else s3_clients()
        container = f"bench-{uuid.uuid4().hex[:8]}"
        for client in clients:
            client.setup(container)
        print(f"== {server}: {', '.join(c.name for c in clients)}", flush=True)
        result: Result = {}
        _merge(result, small_objects(clients, n_small, rounds=4))
        _merge(result, listing(clients, n_list, populate=clients[0]))
        _merge(result, large_object(clients, big))
        _merge(result, parallel_objects(clients, par, threads=8))
        lines = table(server, result, clients[0].name)
        print("\n".join(lines), flush=True)
        report += lines
    imports = import_times()
    report += ["### import time (fresh interpreter, median ms)", "",
               "| package | ms |", "|---|---|"]
    report += [f"| {k} | {v:.0f} |" for k, v in imports.items()] + [""]
    print("\n".join(report[-len(imports) - 4:]))
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as fh:
        fh.write("\n".join(report) + "\n")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
