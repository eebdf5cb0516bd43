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
from typing import Callable, Dict, List, Optional, Tuple

from tools.bench_clients import Client, s3_clients, swift_clients

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
    """n x 4 KiB PUT, GET, HEAD, DELETE per client, sequential."""
    data = os.urandom(4096)
    per_round = max(1, n // rounds)
    samples: Dict[str, Dict[str, List[Tuple[float, float, float]]]] = {
        c.name: {op: [] for op in ("PUT", "GET", "HEAD", "DELETE")} for c in clients}
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
            s["DELETE"].append(_timed(lambda: [client.delete(k) for k in keys], per_round,
                                      client))
    return {name: {op: (statistics.median(v[0] for v in vals),
                        statistics.median(v[1] for v in vals),
                        statistics.median(v[2] for v in vals)) for op, vals in ops.items()}
            for name, ops in samples.items()}


def listing(clients: List[Client], n: int, populate: Client) -> Result:
    """Fully paginated listing of a container of n objects (shared data set)."""
    keys = [f"list/{i:06d}" for i in range(n)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: populate.put(k, b""), keys))
    out: Result = {}
    for client in clients:
        counts: List[int] = []
        timing = _timed(lambda: counts.append(client.list_all()), 1, client)
        assert counts[0] >= n, (client.name, counts[0], n)
        out[client.name] = {f"LIST {n}": timing}
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
            put = _timed(lambda: client.put_file(key, src), 1, client)
            get = _timed(lambda: client.get_file(key, dst), 1, client)
            assert os.path.getsize(dst) == size_mb << 20
            client.delete(key)
            out[client.name] = {f"PUT {size_mb} MiB (MiB/s)": (size_mb * put[0], put[1], put[2]),
                                f"GET {size_mb} MiB (MiB/s)": (size_mb * get[0], get[1], get[2])}
    return out


def parallel_objects(clients: List[Client], count: int, threads: int) -> Result:
    """count x 1 MiB objects PUT then GET with a pool of threads."""
    data = os.urandom(1 << 20)
    out: Result = {}
    for client in clients:
        keys = [f"par/{uuid.uuid4().hex}/{i}" for i in range(count)]
        with ThreadPoolExecutor(threads) as pool:
            put = _timed(lambda: list(pool.map(lambda k: client.put(k, data), keys)), count,
                         client)
            get = _timed(lambda: list(pool.map(client.get, keys)), count, client)
            list(pool.map(client.delete, keys))
        out[client.name] = {f"PUT {count}x1MiB/{threads}t": put,
                            f"GET {count}x1MiB/{threads}t": get}
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
    """Markdown: one row per operation and client, with ratios to the floor.

    ``x floor`` of the CPU compares with the floor's CPU including signing
    (S3); ``x unsigned floor`` with the floor's CPU minus its signing.
    """
    ops = list(next(iter(result.values())).keys())
    lines = [f"### {server}", "",
             "| operation | client | ops/s (MiB/s for one object) | x floor | "
             "client CPU ms/op | x floor | x unsigned floor |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for op in ops:
        frate, fcpu, fsign = result.get(floor, {}).get(op, (0.0, 0.0, 0.0))
        for client, vals in result.items():
            rate, cpu, sign = vals.get(op, (0.0, 0.0, 0.0))
            rr = f"{rate / frate:.2f}" if frate else "-"
            cr = f"{cpu / fcpu:.2f}" if fcpu else "-"
            ur = f"{cpu / (fcpu - fsign):.2f}" if fcpu - fsign > 0 else "-"
            label = client
            if client == floor and sign:
                label += f" (signing {sign:.3f} ms/op = {100 * sign / cpu:.0f}%)"
            lines.append(f"| {op} | {label} | {rate:.1f} | {rr} | {cpu:.3f} | {cr} | {ur} |")
    return lines + [""]


def _check(lines: List[str], what: str, ok: Optional[bool], detail: str) -> None:
    if ok is not None:
        lines.append(f"- {'PASS' if ok else 'FAIL'}: {what} ({detail})")


def targets(server: str, result: Result, floor: str) -> List[str]:
    """PASS/FAIL lines for issue 12's targets that this server's results can decide."""
    lines = [f"Targets on {server}:", ""]
    obj = result.get("objclient")
    if not obj:
        return []
    small = ("PUT", "GET", "HEAD", "DELETE")
    for op in small:
        cpu = obj[op][1]
        _check(lines, f"{op} 4 KiB CPU <= 1.3 x floor", cpu <= 1.3 * result[floor][op][1],
               f"{cpu / result[floor][op][1]:.2f} x")
        for peer, limit in (("boto3", 0.5), ("python-swiftclient", 1.0)):
            if peer in result:
                ratio = cpu / result[peer][op][1]
                _check(lines, f"{op} 4 KiB CPU <= {limit} x {peer}", ratio <= limit,
                       f"{ratio:.2f} x")
    for op, vals in obj.items():
        if "MiB (MiB/s)" in op:
            ratio = vals[0] / result[floor][op][0]
            _check(lines, f"{op} throughput >= 0.9 x floor", ratio >= 0.9, f"{ratio:.2f} x")
        elif "x1MiB" in op:
            for peer in ("boto3", "python-swiftclient"):
                if peer in result:
                    ratio = vals[0] / result[peer][op][0]
                    _check(lines, f"{op} throughput >= {peer}", ratio >= 1.0, f"{ratio:.2f} x")
        elif op.startswith("LIST"):
            ratio = result[floor][op][0] / vals[0]  # time ratio = inverse rate ratio
            _check(lines, f"{op} time <= 1.2 x floor", ratio <= 1.2, f"{ratio:.2f} x")
    return lines + [""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller counts (a smoke run)")
    parser.add_argument("--server", default="swift,s3")
    parser.add_argument("--out", default="build/bench.md")
    parser.add_argument("--small", type=int, help="4 KiB objects per op (1000)")
    parser.add_argument("--list", type=int, help="objects in the listed container (10000)")
    parser.add_argument("--big", type=int, help="MiB of the single large object (256)")
    parser.add_argument("--par", type=int, help="1 MiB objects with 8 threads (64)")
    args = parser.parse_args()
    n_small = args.small or (200 if args.quick else 1000)
    n_list = args.list or (1000 if args.quick else 10000)
    big = args.big or (16 if args.quick else 256)
    par = args.par or (16 if args.quick else 64)
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
        lines = table(server, result, clients[0].name) + targets(server, result,
                                                                  clients[0].name)
        print("\n".join(lines), flush=True)
        report += lines
    imports = import_times()
    report += ["### import time (fresh interpreter, median ms)", "",
               "| package | ms |", "|---|---|"]
    report += [f"| {k} | {v:.0f} |" for k, v in imports.items()] + [""]
    if "objclient" in imports:
        tail: List[str] = []
        _check(tail, "import objclient < 150 ms", imports["objclient"] < 150,
               f"{imports['objclient']:.0f} ms")
        if "boto3" in imports:
            ratio = imports["objclient"] / imports["boto3"]
            _check(tail, "import objclient <= 0.5 x import boto3", ratio <= 0.5,
                   f"{ratio:.2f} x")
        report += tail + [""]
    print("\n".join(report[-len(imports) - 8:]))
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as fh:
        fh.write("\n".join(report) + "\n")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
