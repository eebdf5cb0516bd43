"""Peak RSS growth of one client doing one workload, in a process of its own.

Usage: ``python -m tools.bench_mem SERVER CLIENT WORKLOAD CONTAINER [--file PATH]
[--count N]`` prints one JSON object: ``baseline_mib`` (RSS once the client is
built and warmed up, where the peak is reset), ``peak_mib`` (peak RSS during the
workload) and ``growth_mib`` (the difference).  Workloads:

* ``big``: PUT the file ``--file`` as one object (streaming), GET it back into
  a file, delete it;
* ``list``: list the whole CONTAINER (which holds ``--count`` objects or more),
  paginated; also timed (``wall_s``, ``cpu_s``, and ``sign_s`` for the S3
  floor): the benchmark's listing figures come from here, each client in a
  process of its own, as a program using one client runs it.

:func:`measure` runs it from the benchmark (``tools/bench_run.py``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Dict, Optional

from tools.bench_clients import Client, make_client


def _status_kib(field: str) -> Optional[float]:
    """A ``VmHWM``/``VmRSS`` line of /proc/self/status, KiB (None off Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak() -> float:
    """Start a new peak: :returns: the resident set size now, MiB.

    On Linux, writing 5 to /proc/self/clear_refs resets ``VmHWM`` (the peak
    RSS) to the current RSS.  ``ru_maxrss`` cannot serve: it survives
    fork + exec, so a child would start at its parent's peak.
    """
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        pass
    now = _status_kib("VmRSS")
    return now / 1024 if now is not None else peak_rss_mib()


def peak_rss_mib() -> float:
    """This process's peak resident set size since :func:`reset_peak`, MiB
    (``ru_maxrss`` where /proc is missing: the peak since the process began)."""
    hwm = _status_kib("VmHWM")
    if hwm is not None:
        return hwm / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def _warm_up(client: Client, tmp: str) -> None:
    """Exercise the client's code paths once (imports, pools, buffers).  Not a
    listing: a listing of the measured container would set the baseline's peak."""
    key = f"warm/{uuid.uuid4().hex}"
    client.put(key, b"x" * 4096)
    client.get(key)
    client.head(key)
    client.cleanup(key)
    small = os.path.join(tmp, "warm.bin")
    with open(small, "wb") as fh:
        fh.write(os.urandom(1 << 20))
    client.put_file(key, small)
    client.get_file(key, os.path.join(tmp, "warm.out"))
    client.cleanup(key)


def run(server: str, name: str, workload: str, container: str,
        path: Optional[str] = None, count: int = 0) -> Dict[str, float]:
    """Build the client, warm it up, run the workload; :returns: the RSS figures."""
    client = make_client(server, name)
    client.setup(container)
    with tempfile.TemporaryDirectory() as tmp:
        _warm_up(client, tmp)
        gc.collect()
        baseline = reset_peak()
        times: Dict[str, float] = {}
        if workload == "big":
            assert path, "--file is needed for the big workload"
            key = f"mem/{uuid.uuid4().hex}"
            client.put_file(key, path)
            client.get_file(key, os.path.join(tmp, "out.bin"))
            client.cleanup(key)
        elif workload == "list":
            sign0 = getattr(client, "sign_cpu", 0.0)
            wall0, cpu0 = time.perf_counter(), time.process_time()
            listed = client.list_all()
            times = {"wall_s": time.perf_counter() - wall0, "cpu_s": time.process_time() - cpu0,
                     "sign_s": getattr(client, "sign_cpu", 0.0) - sign0}
            assert listed >= count, (listed, count)
        else:
            raise SystemExit(f"unknown workload {workload!r} (big or list)")
        peak = peak_rss_mib()
    return {"baseline_mib": round(baseline, 2), "peak_mib": round(peak, 2),
            "growth_mib": round(peak - baseline, 2), **times}


def measure(server: str, name: str, workload: str, container: str,
            path: Optional[str] = None, count: int = 0) -> Optional[float]:
    """Run :func:`run` in a fresh interpreter; :returns: the growth in MiB, or
    None (with a message on stderr) when the child failed."""
    found = measure_all(server, name, workload, container, path, count)
    return None if found is None else found["growth_mib"]


def measure_all(server: str, name: str, workload: str, container: str,
                path: Optional[str] = None, count: int = 0) -> Optional[Dict[str, float]]:
    """Run :func:`run` in a fresh interpreter; :returns: all it reports (the
    listing also ``wall_s``, ``cpu_s`` and ``sign_s``), or None (with a
    message on stderr) when the child failed."""
    cmd = [sys.executable, "-m", "tools.bench_mem", server, name, workload, container,
           "--count", str(count)]
    if path:
        cmd += ["--file", path]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=os.getcwd())
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-3:]
        print(f"  {workload} {name}: failed: {' | '.join(tail)}", file=sys.stderr)
        return None
    return {k: float(v) for k, v in json.loads(proc.stdout.strip().splitlines()[-1]).items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("server", choices=("swift", "s3"))
    parser.add_argument("client")
    parser.add_argument("workload", choices=("big", "list"))
    parser.add_argument("container")
    parser.add_argument("--file")
    parser.add_argument("--count", type=int, default=0)
    args = parser.parse_args()
    print(json.dumps(run(args.server, args.client, args.workload, args.container,
                         args.file, args.count)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
