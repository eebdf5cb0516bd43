"""The network benchmark's results: the table and issue 26's targets.

Pure functions over what :mod:`tools.bench_net` measures, so the unit tests
check them without a server.  The shape, ``Rows``: workload -> client ->
:class:`Segment` (a stretch of one client's work, with the counts taken
between its two ends).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import attr

OBJCLIENT = "objclient"
UNCHECKED = "objclient (checksum=False)"
FLOOR = "urllib3 (floor)"
#: issue 26: a large transfer with integrity on >= this x the unverified floor
INTEGRITY_LIMIT = 0.9
#: the Python peers objclient's wall, requests and handshakes are held to, and
#: whether each checks the data it moves (a throughput target compares like
#: with like: objclient with checksum=False against one that checks nothing)
PYTHON_PEERS = {"swift": {"python-swiftclient": False}, "s3": {"boto3": True}}
#: cold start: objclient's wall <= this x the peer's
COLD_LIMITS = {"swift": ("python-swiftclient", 1.0), "s3": ("boto3", 0.5)}
COLD = "cold start"
THREADED_PREFIX = "16 threads"
THREADED_CONNECTIONS = 16
#: workload -> why objclient sends more than a peer, per server
KEPT_SEMANTICS = {("swift", "DELETE 4 KiB"): (
    "objclient's object_delete reports a missing object (OpenIO's NoSuchObject) and "
    "removes a static large object's segments: on Swift it sends one DELETE, two for a "
    "plain object in a container that has a segment container; python-swiftclient "
    "sends one DELETE"),
    ("s3", "GET 256 MiB"): (
    "objclient's object_download in ranges checks a multipart object as a whole (its "
    "composite checksum or part ETags: a HEAD with x-amz-checksum-mode, then a HEAD of "
    "part 1 for the part size); boto3's download_file checks nothing")}


@attr.frozen
class Segment:
    """One client's run of one workload.

    :ivar wall_s: wall time of the whole run (for a cold start: the median
        process, from its start to its exit).
    :ivar ops: operations in the run (the wall per operation is ``wall_s / ops``).
    :ivar requests: HTTP requests nginx logged (cold start: per process).
    :ivar connections: TCP connections the delay proxy accepted.
    :ivar handshakes: TLS handshakes (connections that carried a request).
    :ivar resumed: of those, abbreviated handshakes (session resumed).
    :ivar mib: MiB moved (large objects), for a MiB/s figure.
    :ivar methods: requests per HTTP method (cold start: per process).
    """

    wall_s: float
    ops: int = 1
    requests: float = 0
    connections: float = 0
    handshakes: float = 0
    resumed: float = 0
    mib: float = 0.0
    methods: Dict[str, float] = attr.field(factory=dict)


Rows = Dict[str, Dict[str, Segment]]


def per_op(workload: str) -> bool:
    """Whether the wall is shown per operation (the sequential small operations)."""
    return workload.endswith("4 KiB") or workload.startswith("LIST 100 ") or workload == COLD


def wall_text(workload: str, seg: Segment) -> str:
    """The wall as shown: ms per operation, or seconds (and MiB/s)."""
    if per_op(workload):
        return f"{1000 * seg.wall_s / seg.ops:.1f} ms" + ("/op" if workload != COLD else "")
    text = f"{seg.wall_s:.2f} s"
    if seg.mib and seg.wall_s:
        text += f" ({seg.mib / seg.wall_s:.0f} MiB/s)"
    return text


def _num(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def requests_text(seg: Segment) -> str:
    """The requests, split by method when there is more than one
    (``1009 (1000 PUT, 9 HEAD)``)."""
    text = _num(seg.requests)
    if len(seg.methods) > 1:
        split = sorted(seg.methods.items(), key=lambda kv: (-kv[1], kv[0]))
        text += " (" + ", ".join(f"{_num(n)} {m}" for m, n in split) + ")"
    return text


def table(server: str, rows: Rows) -> List[str]:
    """Markdown: one row per workload and client."""
    lines = [f"### {server} over TLS with latency", "",
             "| workload | client | wall | requests | TCP connections | "
             "TLS handshakes (resumed) |", "|---|---|---:|---:|---:|---:|"]
    for workload, per_client in rows.items():
        for client, seg in per_client.items():
            lines.append(f"| {workload} | {client} | {wall_text(workload, seg)} | "
                         f"{requests_text(seg)} | {_num(seg.connections)} | "
                         f"{_num(seg.handshakes)} ({_num(seg.resumed)}) |")
    notes = [text for (srv, _w), text in KEPT_SEMANTICS.items() if srv == server]
    return lines + [""] + [f"Note: {n}." for n in notes] + ([""] if notes else [])


def _target(out: List[Dict[str, Any]], server: str, what: str, ok: bool, detail: str,
            reason: str = "") -> None:
    entry = {"server": server, "target": what, "pass": bool(ok), "detail": detail}
    if reason and not ok:
        entry["reason"] = reason
    out.append(entry)


def _fewest(out: List[Dict[str, Any]], server: str, workload: str, mine: Segment,
            peers: Dict[str, Segment], field: str) -> None:
    """objclient's requests (or handshakes) <= the fewest of the Python peers'."""
    best_name = min(peers, key=lambda p: getattr(peers[p], field))
    best = getattr(peers[best_name], field)
    value = getattr(mine, field)
    _target(out, server, f"{workload}: objclient's {field} <= {best_name}'s",
            value <= best, f"{_num(value)} vs {_num(best)}",
            KEPT_SEMANTICS.get((server, workload), ""))


def _wall(out: List[Dict[str, Any]], server: str, workload: str, per_client: Dict[str, Segment],
          peers: Dict[str, Segment]) -> None:
    """objclient's wall <= the fastest Python peer's; on a large object, like
    for like (checksum off) against a peer that checks nothing."""
    name = min(peers, key=lambda p: peers[p].wall_s)
    base = peers[name].wall_s
    checks = PYTHON_PEERS[server].get(name, True)
    mine = per_client[OBJCLIENT].wall_s
    if not checks and UNCHECKED in per_client and per_client[UNCHECKED].mib:
        like = per_client[UNCHECKED].wall_s
        _target(out, server, f"{workload}: objclient's wall <= {name}'s, like for like "
                f"({UNCHECKED}: {name} checks nothing)", like <= base,
                f"{like / base:.3f} x; objclient as it comes: {mine / base:.3f} x")
        return
    _target(out, server, f"{workload}: objclient's wall <= {name}'s", mine <= base,
            f"{mine / base:.3f} x", KEPT_SEMANTICS.get((server, workload), ""))


def targets(server: str, rows: Rows) -> List[Dict[str, Any]]:
    """Issue 26's targets on one server, each PASS or FAIL (with a reason where
    objclient keeps a semantic that costs a request)."""
    out: List[Dict[str, Any]] = []
    for workload, per_client in rows.items():
        mine = per_client.get(OBJCLIENT)
        peers = {n: s for n, s in per_client.items() if n in PYTHON_PEERS.get(server, {})}
        if mine is None or not peers:
            continue
        if workload == COLD:
            _cold(out, server, per_client)
        else:
            _wall(out, server, workload, per_client, peers)
        _fewest(out, server, workload, mine, peers, "requests")
        _fewest(out, server, workload, mine, peers, "handshakes")
        floor = per_client.get(FLOOR)
        if mine.mib and floor is not None:
            ratio = floor.wall_s / mine.wall_s  # throughput ratio
            _target(out, server, f"{workload}: objclient with integrity on >= "
                    f"{INTEGRITY_LIMIT:g} x the unverified floor's throughput",
                    ratio >= INTEGRITY_LIMIT, f"{ratio:.3f} x")
    threaded = [s for w, pc in rows.items() if w.startswith(THREADED_PREFIX)
                for n, s in pc.items() if n == OBJCLIENT]
    if threaded:
        opened = sum(s.connections for s in threaded)
        _target(out, server, f"{THREADED_PREFIX} (PUT then GET): objclient opens <= "
                f"{THREADED_CONNECTIONS} connections", opened <= THREADED_CONNECTIONS,
                _num(opened))
    return out


def _cold(out: List[Dict[str, Any]], server: str, per_client: Dict[str, Segment]) -> None:
    peer, limit = COLD_LIMITS[server]
    if peer not in per_client:
        return
    ratio = per_client[OBJCLIENT].wall_s / per_client[peer].wall_s
    _target(out, server, f"{COLD}: objclient's wall <= {limit:g} x {peer}'s",
            ratio <= limit, f"{ratio:.3f} x")


def target_lines(found: List[Dict[str, Any]]) -> List[str]:
    """``- PASS: what (detail)`` lines; a FAIL may carry its reason."""
    lines = []
    for t in found:
        line = f"- {'PASS' if t['pass'] else 'FAIL'}: {t['target']} ({t['detail']})"
        if t.get("reason"):
            line += f"; kept semantic: {t['reason']}"
        lines.append(line)
    return lines


def rows_json(rows: Rows) -> Dict[str, Dict[str, Dict[str, float]]]:
    """Rows as JSON-ready data."""
    return {w: {c: attr.asdict(s) for c, s in pc.items()} for w, pc in rows.items()}


def summary(found: List[Dict[str, Any]], minutes: Optional[float] = None) -> str:
    """``Summary: N of M targets PASS``."""
    passed = sum(1 for t in found if t["pass"])
    took = f" (run took {minutes:.1f} min)" if minutes is not None else ""
    return f"Summary: {passed} of {len(found)} targets PASS{took}."
