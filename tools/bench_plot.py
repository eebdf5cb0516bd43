"""The benchmark's chart: a PNG drawn with matplotlib (bench-only extra, Agg backend).

One row of panels per server: client CPU per operation as a ratio to the raw
urllib3 floor (4 KiB operations and the listing; lower is better), throughput
in MiB/s (the large object and the parallel 1 MiB objects; higher is better)
and peak RSS growth (lower is better); a last panel shows import times.  The
input is the JSON document of :func:`tools.bench_report.results_json`.
"""

from __future__ import annotations

from typing import Any, Dict, List

COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")


class PlotUnavailable(RuntimeError):
    """matplotlib is not installed."""


def require_matplotlib() -> None:
    """:raises PlotUnavailable: with how to install it, when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise PlotUnavailable(
            "--plot needs matplotlib, the benchmark's optional extra: "
            "pip install -e '.[bench]' (tools/bench installs it into .venv)") from exc


def _bars(ax: Any, groups: List[str], clients: List[str],
          values: Dict[str, Dict[str, float]], fmt: str, colours: Dict[str, str]) -> None:
    """Grouped bars: one group per x label, one bar per client, value on top."""
    width = 0.8 / max(1, len(clients))
    top = 0.0
    for n, client in enumerate(clients):
        xs = [g + (n - (len(clients) - 1) / 2) * width for g in range(len(groups))]
        ys = [values.get(group, {}).get(client) for group in groups]
        bars = ax.bar(xs, [y or 0.0 for y in ys], width, label=client, color=colours[client])
        for bar, y in zip(bars, ys):
            if y is not None:
                top = max(top, y)
                ax.annotate(fmt.format(y), (bar.get_x() + bar.get_width() / 2, y),
                            ha="center", va="bottom", fontsize=6, rotation=90,
                            xytext=(0, 2), textcoords="offset points")
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups, fontsize=7)
    ax.set_ylim(0, max(top, 1.0) * 1.25)
    ax.grid(axis="y", alpha=0.3)


def chart_series(doc: Dict[str, Any], server: str) -> Dict[str, Dict[str, Dict[str, float]]]:
    """The numbers one server's panels show: ``cpu`` (4 KiB op -> client -> CPU
    x floor), ``listing`` ("time"/"CPU" -> client -> x floor), ``throughput``
    (op -> client -> MiB/s) and ``memory`` (workload -> client -> MiB)."""
    data = doc["servers"][server]
    floor = data["floor"]
    cpu: Dict[str, Dict[str, float]] = {}
    listing: Dict[str, Dict[str, float]] = {}
    thr: Dict[str, Dict[str, float]] = {}
    for op, per_client in data["operations"].items():
        base = per_client.get(floor, {})
        if "MiB" in op:
            # 1 MiB objects: ops/s = MiB/s
            thr[op.replace(" (MiB/s)", "")] = {c: v["rate"] for c, v in per_client.items()}
        elif op.startswith("LIST"):
            if base.get("cpu_ms_per_op"):
                listing[f"{op}: CPU"] = {c: v["cpu_ms_per_op"] / base["cpu_ms_per_op"]
                                         for c, v in per_client.items()}
            if base.get("rate"):
                listing[f"{op}: time"] = {c: base["rate"] / v["rate"]
                                          for c, v in per_client.items() if v["rate"]}
        elif base.get("cpu_ms_per_op"):
            cpu[op] = {
                c: v["cpu_ms_per_op"] / base["cpu_ms_per_op"] for c, v in per_client.items()}
    return {"cpu": cpu, "listing": listing, "throughput": thr,
            "memory": data.get("peak_rss_growth_mib", {})}


def plot(doc: Dict[str, Any], path: str) -> str:
    """Draw the chart of a results document into the PNG ``path``.

    :raises PlotUnavailable: when matplotlib is missing.
    :returns: ``path``.
    """
    require_matplotlib()
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    servers = list(doc["servers"])
    names: List[str] = []
    for server in servers:
        names += [c for c in doc["servers"][server]["clients"] if c not in names]
    names += [c for c in doc.get("import_ms", {}) if c not in names]
    colours = {c: COLOURS[n % len(COLOURS)] for n, c in enumerate(names)}
    rows = len(servers) + (1 if doc.get("import_ms") else 0)
    fig, axes = plt.subplots(rows, 4, figsize=(20, 4.2 * rows), squeeze=False,
                             gridspec_kw={"width_ratios": [4, 2.2, 4, 2.2]})
    meta = doc.get("meta", {})
    fig.suptitle(f"objclient benchmark, {meta.get('date', '')}, {meta.get('machine', '')}"
                 f" ({meta.get('run', '')} run)", fontsize=11)
    panels = (("cpu", "client CPU per 4 KiB op, x raw urllib3 (lower is better)", "x floor",
               "{:.2f}"),
              ("listing", "listing, x raw urllib3 (lower is better)", "x floor", "{:.2f}"),
              ("throughput", "throughput (higher is better)", "MiB/s", "{:.0f}"),
              ("memory", "peak RSS growth (lower is better)", "MiB", "{:.1f}"))
    for row, server in enumerate(servers):
        series = chart_series(doc, server)
        clients = doc["servers"][server]["clients"]
        for col, (key, title, ylabel, fmt) in enumerate(panels):
            ax = axes[row][col]
            if not series[key]:
                ax.set_axis_off()
                continue
            _bars(ax, list(series[key]), clients, series[key], fmt, colours)
            if ylabel == "x floor":
                ax.axhline(1.0, color="black", linewidth=0.8)
            ax.set_title(f"{server}: {title}", fontsize=9)
            ax.set_ylabel(ylabel)
        axes[row][0].legend(fontsize=7, loc="upper left")
    if doc.get("import_ms"):
        ax = axes[rows - 1][0]
        ms = doc["import_ms"]
        ax.barh(list(ms), list(ms.values()), color=[colours[n] for n in ms])
        for y, v in enumerate(ms.values()):
            ax.annotate(f"{v:.0f} ms", (v, y), va="center", fontsize=7, xytext=(3, 0),
                        textcoords="offset points")
        ax.axvline(150, color="black", linewidth=0.8, linestyle="--")
        ax.set_title("import time, fresh interpreter (lower is better; target < 150 ms)",
                     fontsize=9)
        ax.set_xlabel("ms")
        ax.margins(x=0.2)
        found = doc.get("targets", [])
        passed = sum(1 for t in found if t["pass"])
        ax = axes[rows - 1][1]
        ax.text(0, 1, f"targets: {passed} of {len(found)} PASS\n\n"
                "DELETE: objclient and the floor send HEAD\nthen DELETE on Swift, one DELETE with\n"
                "If-Match: * on S3; the peers send one DELETE", va="top", fontsize=9,
                transform=ax.transAxes)
        for col in (1, 2, 3):
            axes[rows - 1][col].set_axis_off()
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
