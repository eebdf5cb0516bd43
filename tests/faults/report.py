"""``tools/faults``: run the fault matrix and print the summary table.

Usage: ``python3 -m tests.faults.report [--load] [--backend NAME ...]``, or
``--chaos SECONDS [--rate SHARE]`` for the chaos round of ``chaos.py``.
"""

from __future__ import annotations

import argparse
import sys
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

from .matrix import FAULTS, MATRIX, Outcome, open_target, run_case, run_large_upload

COLUMNS = ("backend", "fault", "ops", "run", "survived", "typed errors", "data lost",
           "corrupt reads", "max s")


def run_matrix(backends: Sequence[str]) -> List[Outcome]:
    """Every case of the matrix (plus the large upload) on ``backends``."""
    outcomes: List[Outcome] = []
    for name in backends:
        tgt = open_target(name)
        try:
            for fault, ops in MATRIX:
                for op in ops:
                    outcomes.append(run_case(tgt, FAULTS[fault], op))
            outcomes.append(run_large_upload(tgt))
        finally:
            tgt.close()
    return outcomes


def table(outcomes: Sequence[Outcome]) -> str:
    """A Markdown table, one row per backend and fault."""
    rows: Dict[tuple, List[Outcome]] = OrderedDict()
    for out in outcomes:
        rows.setdefault((out.backend, out.fault), []).append(out)
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for (backend, fault), outs in rows.items():
        ops = ",".join(OrderedDict.fromkeys(o.op for o in outs))
        cells = [backend, fault, ops, str(len(outs)),
                 str(sum(o.result == "ok" for o in outs)),
                 str(sum(o.result == "typed" for o in outs)),
                 str(sum(o.data_lost for o in outs)),
                 str(sum(o.corrupt for o in outs)),
                 f"{max(o.elapsed for o in outs):.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def problems(outcomes: Sequence[Outcome]) -> List[str]:
    """Every broken rule, as text."""
    out = []
    for o in outcomes:
        spec = FAULTS.get(o.fault)
        found = o.problems(spec) if spec else (
            [f"untyped {o.error!r}"] if o.result == "raw" else []) + (
            [o.detail] if o.data_lost or o.corrupt else [])
        out.extend(f"{o.backend}/{o.fault}/{o.op}: {p}" for p in found)
    return out


def run_chaos_rounds(backends: Sequence[str], seconds: float,
                     rate: Optional[float]) -> int:
    """``--chaos``: one round per backend, the figures, the summary line last.

    :returns: 1 when data was lost or corrupt, something leaked or an error
        was untyped.
    """
    from .chaos import DEFAULT_RATE, run_chaos, summary
    reports = []
    for name in backends:
        report = run_chaos(name, seconds, DEFAULT_RATE if rate is None else rate)
        print("\n".join(report.lines()), flush=True)
        reports.append(report)
    print(summary(reports))
    return 0 if all(r.ok() for r in reports) else 1


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run, print, and return 1 when a rule is broken."""
    parser = argparse.ArgumentParser(prog="tools/faults")
    parser.add_argument("--backend", action="append", choices=("swift", "s3"))
    parser.add_argument("--load", action="store_true",
                        help="also run the full load test (32 x 500, 4 forks x 200)")
    parser.add_argument("--chaos", type=float, metavar="SECONDS",
                        help="run the chaos round (random faults under load) instead")
    parser.add_argument("--rate", type=float, default=None,
                        help="with --chaos: the share of requests faulted (default 0.05)")
    args = parser.parse_args(argv)
    backends = args.backend or ["swift", "s3"]
    if args.chaos is not None:
        return run_chaos_rounds(backends, args.chaos, args.rate)
    outcomes = run_matrix(backends)
    print(table(outcomes))
    bad = problems(outcomes)
    total = len(outcomes)
    print(f"\n{total} cases, {sum(o.result == 'ok' for o in outcomes)} survived, "
          f"{sum(o.result == 'typed' for o in outcomes)} typed errors, "
          f"{sum(o.result == 'raw' for o in outcomes)} untyped, "
          f"{sum(o.data_lost for o in outcomes)} data lost, "
          f"{sum(o.corrupt for o in outcomes)} corrupt reads")
    for line in bad:
        print("PROBLEM", line)
    if args.load:
        from tests.load.workload import report_load
        bad.extend(report_load(backends, ops=500, fork_ops=200))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
