"""Instructions per 4 KiB operation, counted by callgrind: a repeatable CPU figure.

Client CPU time per small request moves by tens of percent from run to run on
a shared 2-core machine (the loopback network stack and the servers run on
the same cores).  Instruction counts move far less: ``valgrind --tool=callgrind``
counts what the client process executes, whatever else runs.  They still move
by 1-2% between runs (a response read in more pieces when the server is late,
a garbage collection inside the window), always upwards, so ``--repeat N``
keeps the least of N measures.

Usage: ``python -m tools.bench_instructions [--server swift,s3] [--ops PUT,GET,HEAD,DELETE]
[--repeat N]``
(through ``tools/bench --instructions``).  For each client and operation, a
child process under callgrind does N, another N + 100 operations on objects
made beforehand; the difference over 100 is the cost of one operation, the
imports and set-up cancelling out.  Prints a table with ratios to the floor.
About 80 seconds per client and operation.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Tuple

from tools.bench_clients import Client, s3_clients, swift_clients

OPS = ("PUT", "GET", "HEAD", "DELETE")
BASE, EXTRA = 20, 100
_COLLECTED = re.compile(r"Collected : (\d+)")


def _clients(server: str) -> List[Client]:
    """The clients that run the 4 KiB workload (see ``Client.phases``)."""
    found = swift_clients() if server == "swift" else s3_clients()
    return [c for c in found if c.phases is None]


def _keys(index: int) -> List[str]:
    return [f"cg/{index}/{i:04d}" for i in range(BASE + EXTRA + 5)]


def worker(server: str, index: int, op: str, count: int, populate: bool) -> None:
    """The measured process: ``count`` operations ``op`` with client ``index``."""
    client = _clients(server)[index]
    client.setup(f"bench-cg-{server}")
    data = b"y" * 4096
    keys = _keys(index)
    if populate:
        for key in keys:
            client.put(key, data)
        return
    for key in keys[-5:]:  # warm the pool and the code paths
        client.put(key, data) if op == "PUT" else client.get(key)
    if op == "PUT":
        targets = [f"cg/new/{uuid.uuid4().hex}/{i}" for i in range(count)]
    else:
        targets = keys[:count]
    call = {"PUT": lambda k: client.put(k, data), "GET": client.get, "HEAD": client.head,
            "DELETE": client.delete}[op]
    for key in targets:
        call(key)


def _count(server: str, index: int, op: str, count: int) -> int:
    cmd = [sys.executable, "-m", "tools.bench_instructions", "--worker",
           f"{server}:{index}:{op}:{count}"]
    if op != "PUT":
        subprocess.run(cmd + ["--populate"], check=True)
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
                          + cmd, capture_output=True, text=True)
    found = _COLLECTED.search(proc.stderr)
    if proc.returncode != 0 or not found:
        raise RuntimeError(f"callgrind failed for {server} client {index} {op}: "
                           f"{proc.stderr[-500:]}")
    return int(found.group(1))


def per_operation(server: str, index: int, op: str, repeat: int = 1) -> int:
    """Instructions of one ``op`` by client ``index`` on ``server``: the least
    of ``repeat`` measures.  The noise is one-sided: a response that arrives
    in more pieces than usual, or a garbage collection that lands inside the
    window, adds instructions and never takes any away."""
    return min((_count(server, index, op, BASE + EXTRA) - _count(server, index, op, BASE))
               // EXTRA for _ in range(repeat))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", default="swift,s3")
    parser.add_argument("--ops", default=",".join(OPS))
    parser.add_argument("--clients", default="0,1", help="client indexes (0: the floor)")
    parser.add_argument("--json", default="build/bench-instructions.json")
    parser.add_argument("--repeat", type=int, default=1,
                        help="measure each count this many times and keep the least")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--populate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        server, index, op, count = args.worker.split(":")
        worker(server, int(index), op, int(count), args.populate)
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian package valgrind)", file=sys.stderr)
        return 2
    results: Dict[str, Dict[str, Dict[str, int]]] = {}
    lines = ["| server | operation | client | instructions/op | x floor |",
             "|---|---|---|---:|---:|"]
    for server in args.server.split(","):
        names = [c.name for c in _clients(server)]
        indexes = [int(i) for i in args.clients.split(",")]
        for op in args.ops.split(","):
            with ThreadPoolExecutor(2) as pool:  # one child per core
                counts: List[Tuple[int, int]] = list(zip(indexes, pool.map(
                    per_operation, [server] * len(indexes), indexes, [op] * len(indexes),
                    [args.repeat] * len(indexes))))
            floor = dict(counts).get(0)
            for index, count in counts:
                results.setdefault(server, {}).setdefault(op, {})[names[index]] = count
                ratio = f"{count / floor:.2f}" if floor else "-"
                lines.append(f"| {server} | {op} | {names[index]} | {count:,} | {ratio} |")
            print("\n".join(lines[-len(counts):]), flush=True)
    print("\n".join(lines))
    os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
    with open(args.json, "w") as fh:
        json.dump(results, fh, indent=2)
    print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
