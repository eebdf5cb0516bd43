"""The benchmark's results: tables, issue 12's targets, the JSON file, doc/ copies.

Pure functions over the numbers :mod:`tools.bench_run` measures, so the unit
tests check them without a server.  The shapes:

* ``Result``: client -> operation -> ``(rate, CPU ms/op, signing ms/op)``;
  the rate is operations per second, or MiB/s for the operations whose name
  ends in ``(MiB/s)``.
* ``Memory``: workload -> client -> peak RSS growth in MiB (measured in a
  child process per client by :mod:`tools.bench_mem`).
"""

from __future__ import annotations

import importlib.util
import os
import platform
import shutil
from typing import Any, Dict, List, Optional

Result = Dict[str, Dict[str, tuple]]
Memory = Dict[str, Dict[str, float]]

#: the 4 KiB operations, in order
DELETE_OP = "DELETE"
SMALL_OPS = ("PUT", "GET", "HEAD", DELETE_OP)
DELETE_NOTE = ("`DELETE`: objclient's `object_delete` reports a missing object (OpenIO "
               "semantics: NoSuchObject) and removes a static large object's segments.  On Swift "
               "it sends one DELETE (with `?multipart-manifest=delete` in a container that "
               "has a segment container; a plain object there takes a second, plain DELETE); "
               "on S3 one DELETE with "
               "`If-Match: *`, which the server answers with 412 for a missing key.  Each "
               "floor sends the same requests as objclient; the peers send one DELETE.")
#: the growth of peak RSS that still counts as "constant memory" for the listing ...
LIST_MEMORY_BOUND_MIB = 16.0
#: ... or the floor's growth plus this: one Swift page holds up to 10,000 names, so
#: at 10,000 objects even the floor holds them all at once (one page)
LIST_PAGE_MARGIN_MIB = 8.0
#: the growth of peak RSS allowed for the large object PUT + GET
BIG_MEMORY_BOUND_MIB = 64.0
OBJCLIENT = "objclient"
#: objclient with its client-side MD5 off (run on the data-moving workloads only)
UNCHECKED = "objclient (checksum=False)"
PEER_CPU_LIMITS = (("boto3", 0.5), ("python-swiftclient", 1.0))
#: whether a compared client checks the data it moves, as the benchmark runs it:
#: boto3 sends a CRC32 with each upload (botocore's default since 1.36) and
#: checks one a server returns; python-swiftclient's Connection and the floor
#: check nothing.  A throughput target is judged like for like: against a
#: client that checks nothing, objclient runs with checksum=False too.
CHECKS_DATA = {"boto3": True, "python-swiftclient": False}
LIKE_FOR_LIKE_NOTE = (
    f"`{UNCHECKED}`: the same objclient with its client-side MD5 turned off (the "
    "`checksum` option), on the workloads that move data.  The throughput targets "
    "compare like with like: against the floor and python-swiftclient's Connection, "
    "which check nothing, this row is judged; against boto3, which sends a CRC32 with "
    "every upload, objclient as it comes (MD5 on) is.  Each target line gives both.")


def list_memory_bound(floor_mib: Optional[float]) -> float:
    """The listing's "constant memory" bound: 16 MiB, or the floor's growth
    (one page, parsed) + 8 MiB when that is more."""
    return max(LIST_MEMORY_BOUND_MIB, (floor_mib or 0.0) + LIST_PAGE_MARGIN_MIB)


def unit(op: str) -> str:
    """``MiB/s`` for a one-object streaming operation, else ``ops/s``."""
    return "MiB/s" if op.endswith("(MiB/s)") else "ops/s"


def machine() -> str:
    """Cores, processor model and Python: the machine line of the report."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{os.cpu_count()} cores ({model}), {platform.system()}, "
            f"Python {platform.python_version()}")


# -- tables ---------------------------------------------------------------------------
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
            if op not in vals:
                continue  # a client that runs some workloads only
            rate, cpu, sign = vals[op]
            rr = f"{rate / frate:.2f}" if frate else "-"
            cr = f"{cpu / fcpu:.2f}" if fcpu else "-"
            ur = f"{cpu / (fcpu - fsign):.2f}" if fcpu - fsign > 0 else "-"
            label = client
            if client == floor and sign and cpu:
                label += f" (signing {sign:.3f} ms/op = {100 * sign / cpu:.0f}%)"
            lines.append(f"| {op} | {label} | {rate:.1f} | {rr} | {cpu:.3f} | {cr} | {ur} |")
    if DELETE_OP in ops:
        lines += ["", DELETE_NOTE]
    if UNCHECKED in result:
        lines += ["", LIKE_FOR_LIKE_NOTE]
    return lines + [""]


def memory_table(server: str, memory: Memory, floor: str) -> List[str]:
    """Markdown: peak RSS growth per workload and client (child process each)."""
    if not memory:
        return []
    lines = [f"Peak RSS growth on {server} (MiB, one child process per client: peak after "
             "the workload minus the RSS once the client is built and warmed up)", "",
             "| workload | client | peak RSS growth MiB | x floor |", "|---|---|---:|---:|"]
    for workload, per_client in memory.items():
        base = per_client.get(floor)
        for client, mib in per_client.items():
            ratio = f"{mib / base:.2f}" if base else "-"
            lines.append(f"| {workload} | {client} | {mib:.1f} | {ratio} |")
    return lines + [""]


# -- targets --------------------------------------------------------------------------
def _target(out: List[Dict[str, Any]], server: str, what: str, ok: bool, value: float,
            kind: str = "ratio", note: str = "") -> None:
    detail = (f"{value:.3f} x" if kind == "ratio" else
              f"{value:.1f} {'ms' if kind == 'ms' else 'MiB'}")
    out.append({"server": server, "target": what, "pass": bool(ok), kind: round(value, 4),
                "detail": f"{detail}; {note}" if note else detail})


def _throughput(out: List[Dict[str, Any]], server: str, result: Result, op: str,
                other: str, checks: bool, limit: float, what: str) -> None:
    """A throughput target against ``other``: judged on objclient as it comes
    when ``other`` checks data (``checks``), else on the unchecked row."""
    base = result[other][op][0]
    default = result[OBJCLIENT][op][0] / base
    unchecked = result.get(UNCHECKED, {}).get(op)
    if checks or unchecked is None:
        _target(out, server, what, default >= limit, default)
        return
    ratio = unchecked[0] / base
    _target(out, server, f"{what}, like for like ({UNCHECKED}: {other} checks nothing)",
            ratio >= limit, ratio, note=f"objclient as it comes, MD5 on: {default:.3f} x")


def targets(server: str, result: Result, floor: str,
            memory: Optional[Memory] = None) -> List[Dict[str, Any]]:
    """Issue 12's targets that one server's results decide, each with PASS/FAIL.

    :returns: dicts with ``server``, ``target`` (its wording), ``pass`` and
        ``ratio`` (or ``mib`` for memory bounds) and ``detail``.
    """
    out: List[Dict[str, Any]] = []
    obj = result.get(OBJCLIENT)
    if not obj or floor not in result:
        return out
    for op in SMALL_OPS:
        if op not in obj:
            continue
        cpu = obj[op][1]
        if result[floor][op][1]:
            _target(out, server, f"{op} 4 KiB CPU <= 1.3 x floor",
                    cpu <= 1.3 * result[floor][op][1], cpu / result[floor][op][1])
        for peer, limit in PEER_CPU_LIMITS:
            if peer in result and result[peer].get(op, (0, 0))[1]:
                ratio = cpu / result[peer][op][1]
                _target(out, server, f"{op} 4 KiB CPU <= {limit} x {peer}", ratio <= limit,
                        ratio)
    for op, vals in obj.items():
        if op.endswith("(MiB/s)") and result[floor].get(op, (0,))[0]:
            _throughput(out, server, result, op, floor, False, 0.9,
                        f"{op} throughput >= 0.9 x floor")
            # issue 26: with integrity on (MD5), as fast as the floor that checks nothing
            _throughput(out, server, result, op, floor, True, 0.9,
                        f"{op} with integrity on >= 0.9 x the unverified floor")
        elif "x1MiB" in op:
            for peer, checks in CHECKS_DATA.items():
                if peer in result and result[peer].get(op, (0,))[0]:
                    _throughput(out, server, result, op, peer, checks, 1.0,
                                f"{op} throughput >= {peer}")
        elif op.startswith("LIST") and vals[0]:
            ratio = result[floor][op][0] / vals[0]  # time ratio = inverse rate ratio
            _target(out, server, f"{op} time <= 1.2 x floor", ratio <= 1.2, ratio)
    for workload, per_client in (memory or {}).items():
        if OBJCLIENT not in per_client:
            continue
        mib = per_client[OBJCLIENT]
        if workload.startswith("LIST"):
            bound = list_memory_bound(per_client.get(floor))
            _target(out, server, f"{workload}: constant memory (peak RSS growth <= max("
                    f"{LIST_MEMORY_BOUND_MIB:.0f} MiB, floor's + {LIST_PAGE_MARGIN_MIB:.0f} MiB)"
                    f" = {bound:.1f} MiB)", mib <= bound, mib, "mib")
        else:
            _target(out, server, f"{workload} peak RSS growth <= {BIG_MEMORY_BOUND_MIB:.0f} MiB",
                    mib <= BIG_MEMORY_BOUND_MIB, mib, "mib")
    return out


def import_targets(imports: Dict[str, float]) -> List[Dict[str, Any]]:
    """The import-time targets: under 150 ms and <= 0.5 x ``import boto3``."""
    out: List[Dict[str, Any]] = []
    if OBJCLIENT not in imports:
        return out
    _target(out, "-", "import objclient < 150 ms", imports[OBJCLIENT] < 150,
            imports[OBJCLIENT], "ms")
    if imports.get("boto3"):
        ratio = imports[OBJCLIENT] / imports["boto3"]
        _target(out, "-", "import objclient <= 0.5 x import boto3", ratio <= 0.5, ratio)
    return out


def target_lines(found: List[Dict[str, Any]]) -> List[str]:
    """``- PASS: what (detail)`` lines."""
    return [f"- {'PASS' if t['pass'] else 'FAIL'}: {t['target']} ({t['detail']})"
            for t in found]


# -- JSON -----------------------------------------------------------------------------
def server_json(result: Result, floor: str, memory: Optional[Memory] = None) -> Dict[str, Any]:
    """One server's results as JSON-ready data: operation -> client -> numbers."""
    ops: Dict[str, Dict[str, Any]] = {}
    for client, per_op in result.items():
        for op, (rate, cpu, sign) in per_op.items():
            ops.setdefault(op, {})[client] = {
                "rate": round(rate, 3), "unit": unit(op), "cpu_ms_per_op": round(cpu, 4),
                "signing_ms_per_op": round(sign, 4)}
    return {"floor": floor, "clients": list(result), "operations": ops,
            "peak_rss_growth_mib": {w: {c: round(v, 2) for c, v in per.items()}
                                    for w, per in (memory or {}).items()}}


def results_json(meta: Dict[str, Any], servers: Dict[str, Dict[str, Any]],
                 imports: Dict[str, float], found: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The whole run: ``meta``, ``servers`` (from :func:`server_json`),
    ``import_ms``, ``targets`` and ``all_pass``."""
    return {"meta": meta, "servers": servers,
            "import_ms": {k: round(v, 2) for k, v in imports.items()},
            "targets": found, "all_pass": bool(found) and all(t["pass"] for t in found)}


# -- doc/ -----------------------------------------------------------------------------
#: where :func:`publish` puts the report and the chart, relative to the repository
PUBLISHED_MD = "doc/benchmark-results.md"
PUBLISHED_PNG = "doc/_static/bench.png"


def publish(root: str, report_md: str, chart: Optional[str]) -> List[str]:
    """Copy the report (Markdown) and the chart into the committed doc/ files.

    :param root: the repository.
    :param report_md: the report's text.
    :param chart: the PNG to copy, or None (a stale published chart is removed).
    :returns: the files written.
    """
    md_path = os.path.join(root, PUBLISHED_MD)
    png_path = os.path.join(root, PUBLISHED_PNG)
    os.makedirs(os.path.dirname(png_path), exist_ok=True)
    with open(md_path, "w", encoding="utf-8") as fh:
        fh.write(report_md)
    written = [PUBLISHED_MD]
    if chart and os.path.isfile(chart):
        shutil.copyfile(chart, png_path)
        written.append(PUBLISHED_PNG)
    elif os.path.exists(png_path):
        os.remove(png_path)
    return written


def check_markdown_converts(root: str, text: str) -> str:
    """The report as the docs will show it (doc/_ext/generated.py's converter):
    fails here, before publishing, rather than in the docs build."""
    path = os.path.join(root, "doc", "_ext", "generated.py")
    spec = importlib.util.spec_from_file_location("_bench_doc_generated", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.markdown_table_to_rst(text)  # type: ignore[no-any-return]
