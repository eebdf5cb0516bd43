"""The sync benchmark: objclient against rclone and the AWS CLI, in one run.

Usage: ``python -m tools.bench_sync_run [--quick] [--md PATH] [--json PATH]
[--publish] [--keep]`` (normally through ``tools/bench_sync``, which
installs rclone and the AWS CLI and starts the servers).

Workloads, on the servers of ``tools/servers``, each tool with 8 transfers
(objclient ``--transfers 8 --checkers 8`` where its CLI has them, else
``--workers 8``; rclone ``--transfers 8 --checkers 8``; aws
``max_concurrent_requests = 8``):

* W1: a folder of 10,000 files of 1-64 KiB plus 16 of 64 MiB (seeded) to S3
  (SeaweedFS): a first sync, a second with nothing changed, a third after
  1% of the files changed and 1% deleted, with deletion on;
* W2: S3 (SeaweedFS) to Swift, first sync and a second with nothing changed
  (the AWS CLI has no Swift: n/a);
* memory: a no-change sync of 1,000,000 objects over two generated listings
  (``tools/bench_sync_mem.py``).

Per phase and tool: wall time, client CPU and peak RSS of the tool's
process (``os.wait4``'s rusage: user+sys, ``ru_maxrss``), and the HTTP
requests it sent, counted by a :class:`tools.countproxy.CountingProxy` in
front of each server (every tool is pointed at the proxies).  Each
destination is checked after each phase (its object count); the targets of
issue 23 are printed as PASS/FAIL lines.  ``--quick`` (200 files plus 2 of
8 MiB, 20,000 listed objects) is the smoke run the tests use.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from tools import server_env
from tools.countproxy import CountingProxy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KiB = 1 << 10
MiB = 1 << 20
TRANSFERS = 8
TOOLS = ("objclient", "rclone", "aws")
FULL = {"files": 10_000, "big": 16, "big_mib": 64, "mem_objects": 1_000_000}
QUICK = {"files": 200, "big": 2, "big_mib": 8, "mem_objects": 20_000}
PUBLISHED = os.path.join("doc", "sync-benchmark.md")


# -- the workload ---------------------------------------------------------------

def make_folder(root: str, files: int, big: int, big_mib: int, seed: int = 23) -> int:
    """Write the W1 folder (seeded sizes and content); return its file count."""
    rng = random.Random(seed)
    for i in range(files):
        path = os.path.join(root, f"d{i // 100:03d}", f"f{i:05d}.bin")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(rng.randbytes(rng.randint(1 * KiB, 64 * KiB)))
    os.makedirs(os.path.join(root, "big"), exist_ok=True)
    for i in range(big):
        with open(os.path.join(root, "big", f"big{i:02d}.bin"), "wb") as fh:
            for _ in range(big_mib):
                fh.write(rng.randbytes(MiB))
    return files + big


def mutate_folder(root: str, files: int, seed: int = 24) -> Tuple[int, int]:
    """Rewrite 1% of the small files (new size and content, mtime now) and
    delete another 1%; return ``(changed, deleted)``."""
    rng = random.Random(seed)
    picked = rng.sample(range(files), max(2, files // 50))
    half = len(picked) // 2
    future = time.time() + 5
    for i in picked[:half]:
        path = os.path.join(root, f"d{i // 100:03d}", f"f{i:05d}.bin")
        with open(path, "wb") as fh:
            fh.write(rng.randbytes(rng.randint(65 * KiB, 80 * KiB)))
        os.utime(path, (future, future))
    for i in picked[half:]:
        os.remove(os.path.join(root, f"d{i // 100:03d}", f"f{i:05d}.bin"))
    return half, len(picked) - half


# -- configuration of the tools -------------------------------------------------

class Setup:
    """The proxies, credentials and generated config files of one run."""

    def __init__(self, tmp: str, s3_proxy: CountingProxy, swift_proxy: CountingProxy) -> None:
        self.tmp = tmp
        self.s3_url = f"http://127.0.0.1:{s3_proxy.port}"
        swift = urlsplit(server_env.SWIFT_AUTH_URL)
        storage = urlsplit(server_env.SWIFT_STORAGE_URL)
        self.swift_auth = f"http://127.0.0.1:{swift_proxy.port}{swift.path}"
        self.swift_storage = f"http://127.0.0.1:{swift_proxy.port}{storage.path}"
        self.secrets = [server_env.SEAWEEDFS_S3_SECRET_KEY, server_env.SWIFT_KEY]
        self.rclone_conf = os.path.join(tmp, "rclone.conf")
        self.aws_conf = os.path.join(tmp, "aws-config")
        self.aws_creds = os.path.join(tmp, "aws-credentials")
        self._write_configs()
        self.objclient_help = objclient_sync_help()

    def _write_configs(self) -> None:
        old = os.umask(0o077)
        try:
            with open(self.rclone_conf, "w") as fh:
                fh.write(
                    "[s3]\ntype = s3\nprovider = Other\n"
                    f"access_key_id = {server_env.SEAWEEDFS_S3_ACCESS_KEY}\n"
                    f"secret_access_key = {server_env.SEAWEEDFS_S3_SECRET_KEY}\n"
                    f"endpoint = {self.s3_url}\nregion = {server_env.SEAWEEDFS_S3_REGION}\n"
                    "force_path_style = true\n\n"
                    "[swift]\ntype = swift\nauth_version = 1\n"
                    f"user = {server_env.SWIFT_USER}\nkey = {server_env.SWIFT_KEY}\n"
                    f"auth = {self.swift_auth}\nstorage_url = {self.swift_storage}\n")
            with open(self.aws_conf, "w") as fh:
                fh.write(f"[default]\nregion = {server_env.SEAWEEDFS_S3_REGION}\n"
                         f"s3 =\n    max_concurrent_requests = {TRANSFERS}\n"
                         "    addressing_style = path\n")
            with open(self.aws_creds, "w") as fh:
                fh.write(f"[default]\naws_access_key_id = {server_env.SEAWEEDFS_S3_ACCESS_KEY}\n"
                         f"aws_secret_access_key = {server_env.SEAWEEDFS_S3_SECRET_KEY}\n")
        finally:
            os.umask(old)

    def env(self) -> Dict[str, str]:
        """The environment every tool runs with (credentials, config files)."""
        env = dict(os.environ)
        for name in list(env):
            if name.startswith(("AWS_", "RCLONE_", "OBJCLIENT_")):
                del env[name]
        env.update(AWS_CONFIG_FILE=self.aws_conf, AWS_SHARED_CREDENTIALS_FILE=self.aws_creds,
                   AWS_ACCESS_KEY_ID=server_env.SEAWEEDFS_S3_ACCESS_KEY,
                   AWS_SECRET_ACCESS_KEY=server_env.SEAWEEDFS_S3_SECRET_KEY,
                   AWS_REGION=server_env.SEAWEEDFS_S3_REGION, RCLONE_CONFIG=self.rclone_conf,
                   BENCH_SWIFT_USER=server_env.SWIFT_USER, BENCH_SWIFT_KEY=server_env.SWIFT_KEY,
                   BENCH_SWIFT_STORAGE_URL=self.swift_storage,
                   OBJCLIENT_CONFIG=os.path.join(self.tmp, "objclient.ini"),
                   XDG_CACHE_HOME=os.path.join(self.tmp, "cache"))
        return env

    def redact(self, text: str) -> str:
        """``text`` with every secret of the run replaced."""
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "<secret>")
        return text

    # where each tool reads and writes
    def spec(self, tool: str, where: Tuple[str, str]) -> str:
        """A tool's spelling of ``("folder", path)``, ``("s3", bucket)`` or
        ``("swift", container)``."""
        kind, name = where
        if kind == "folder":
            return name + ("/" if tool != "objclient" else "")
        if tool == "rclone":
            return f"{kind}:{name}"
        if tool == "aws":
            return f"s3://{name}"
        if kind == "s3":
            return f"s3+{self.s3_url}#{name}"
        return f"swift+{self.swift_auth}#{name}"

    def command(self, tool: str, src: Tuple[str, str], dst: Tuple[str, str],
                delete: bool) -> List[str]:
        """The command line of one sync."""
        a, b = self.spec(tool, src), self.spec(tool, dst)
        if tool == "rclone":
            return ["rclone", "sync", a, b, "--transfers", str(TRANSFERS),
                    "--checkers", str(TRANSFERS), "--config", self.rclone_conf]
        if tool == "aws":
            return ["aws", "s3", "sync", a, b, "--endpoint-url", self.s3_url,
                    "--only-show-errors"] + (["--delete"] if delete else [])
        return [sys.executable, "-m", "tools.bench_sync_cli", "-f", "json", "sync", a, b] \
            + objclient_options(self.objclient_help, delete)


def objclient_options(help_text: str, delete: bool) -> List[str]:
    """The concurrency and delete options, spelled as the CLI whose
    ``sync --help`` is ``help_text`` spells them (today's ``--workers`` or
    the rebuilt engine's ``--transfers``/``--checkers``)."""
    if re.search(r"--transfers\b", help_text):
        opts = ["--transfers", str(TRANSFERS)]
        if re.search(r"--checkers\b", help_text):
            opts += ["--checkers", str(TRANSFERS)]
    else:
        opts = ["--workers", str(TRANSFERS)]
    return opts + (["--delete"] if delete else [])


def objclient_sync_help() -> str:
    """``objclient sync --help``: which options this CLI has."""
    out = subprocess.run([sys.executable, "-m", "objclient", "sync", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    return out.stdout


# -- measuring ------------------------------------------------------------------

def run_measured(cmd: List[str], env: Dict[str, str], timeout: float) -> Dict[str, Any]:
    """Run ``cmd``; its wall time, CPU, peak RSS, exit code and output."""
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err,
                            stdin=subprocess.DEVNULL)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.01)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    err.seek(0)
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss_mib": usage.ru_maxrss / 1024, "rc": proc.returncode,
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace")}


def count_objects(kind: str, name: str) -> int:
    """Objects in a bucket or container (asked of the server directly)."""
    return sum(1 for _ in _api(kind).object_list_iter(None, name))


def _api(kind: str) -> Any:
    from objclient import ObjectStorageApi
    if kind == "s3":
        return ObjectStorageApi("s3+" + server_env.SEAWEEDFS_S3_ENDPOINT,
                                access_key=server_env.SEAWEEDFS_S3_ACCESS_KEY,
                                secret_key=server_env.SEAWEEDFS_S3_SECRET_KEY)
    return ObjectStorageApi("swift+" + server_env.SWIFT_AUTH_URL, user=server_env.SWIFT_USER,
                            key=server_env.SWIFT_KEY)


def remove_containers(made: List[Tuple[str, str]]) -> None:
    """Empty and delete the run's buckets and containers (on the servers
    directly, not measured), all at once."""
    from concurrent.futures import ThreadPoolExecutor

    from objclient.exceptions import ClientError

    def remove(where: Tuple[str, str]) -> None:
        api = _api(where[0])
        try:
            api.container_flush(None, where[1])
            api.container_delete(None, where[1])
        except ClientError as err:
            print(f"bench_sync: could not remove {where[1]}: {type(err).__name__}",
                  file=sys.stderr)

    with ThreadPoolExecutor(max(1, len(made))) as pool:
        list(pool.map(remove, made))


class Bench:
    """One run: the phases of W1 and W2 for every tool, in order."""

    def __init__(self, setup: Setup, proxies: List[CountingProxy], timeout: float) -> None:
        self.setup = setup
        self.proxies = proxies
        self.timeout = timeout
        self.rows: List[Dict[str, Any]] = []

    def phase(self, workload: str, phase: str, tool: str, src: Tuple[str, str],
              dst: Tuple[str, str], delete: bool, expect: int) -> Dict[str, Any]:
        """Run one tool's sync for one phase; record and return its row."""
        for proxy in self.proxies:
            proxy.snapshot(reset=True)
        cmd = self.setup.command(tool, src, dst, delete)
        result = run_measured(cmd, self.setup.env(), self.timeout)
        counts = [p.snapshot() for p in self.proxies]
        methods = {server: c["methods"] for server, c in zip(("S3", "Swift"), counts)
                   if c["requests"]}
        found = count_objects(*dst)
        row = {"workload": workload, "phase": phase, "tool": tool,
               "wall_s": round(result["wall_s"], 2), "cpu_s": round(result["cpu_s"], 2),
               "peak_rss_mib": round(result["peak_rss_mib"], 1),
               "requests": sum(int(c["requests"]) for c in counts),  # type: ignore[call-overload]
               "methods": methods, "proxy_errors": sum(int(c["errors"]) for c in counts),  # type: ignore[call-overload]
               "rc": result["rc"], "objects_at_destination": found, "expected": expect,
               "ok": result["rc"] == 0 and found == expect}
        if result["rc"] != 0:
            row["stderr_tail"] = self.setup.redact(result["stderr"][-800:])
        if tool == "objclient":
            try:
                row["report"] = json.loads(result["stdout"])
            except ValueError:
                pass
        self.rows.append(row)
        print(f"{workload} {phase:<10} {tool:<9} {row['wall_s']:8.2f} s  cpu {row['cpu_s']:7.2f} s"
              f"  rss {row['peak_rss_mib']:7.1f} MiB  {row['requests']:7d} requests"
              f"  {'ok' if row['ok'] else 'WRONG: ' + str(found) + ' of ' + str(expect)}",
              flush=True)
        return row


# -- the run --------------------------------------------------------------------

def run(sizes: Dict[str, int], tools: Tuple[str, ...],
        made: List[Tuple[str, str]]) -> Dict[str, Any]:
    """Both workloads for every tool, then the memory figure; the buckets and
    containers made are added to ``made``."""
    run_id = uuid.uuid4().hex[:6]
    s3_host = urlsplit(server_env.SEAWEEDFS_S3_ENDPOINT)
    swift_host = urlsplit(server_env.SWIFT_AUTH_URL)
    tmp = tempfile.mkdtemp(prefix="bench-sync-")
    try:
        with CountingProxy(s3_host.hostname or "127.0.0.1", s3_host.port or 80) as s3p, \
                CountingProxy(swift_host.hostname or "127.0.0.1", swift_host.port or 80) as swp:
            setup = Setup(tmp, s3p, swp)
            bench = Bench(setup, [s3p, swp], timeout=3600)
            folder = os.path.join(tmp, "w1")
            start = time.perf_counter()
            total = make_folder(folder, sizes["files"], sizes["big"], sizes["big_mib"])
            print(f"W1 folder: {total} files written in {time.perf_counter() - start:.1f} s",
                  flush=True)
            buckets = {t: ("s3", f"bsync-w1-{t}-{run_id}") for t in tools}
            for where in buckets.values():
                _api("s3").container_create(None, where[1])
                made.append(where)
            for phase in ("first", "no-change"):
                for tool in tools:
                    bench.phase("W1", phase, tool, ("folder", folder), buckets[tool],
                                delete=False, expect=total)
            changed, deleted = mutate_folder(folder, sizes["files"])
            print(f"W1: {changed} files changed, {deleted} deleted", flush=True)
            for tool in tools:
                bench.phase("W1", "1% changed", tool, ("folder", folder), buckets[tool],
                            delete=True, expect=total - deleted)
            source = buckets["objclient" if "objclient" in tools else tools[0]]
            for phase in ("first", "no-change"):
                for tool in (t for t in tools if t != "aws"):
                    dst = ("swift", f"bsync-w2-{tool}-{run_id}")
                    if phase == "first":
                        _api("swift").container_create(None, dst[1])
                        made.append(dst)
                    bench.phase("W2", phase, tool, source, dst, delete=False,
                                expect=total - deleted)
            tool_versions = versions(setup)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    memory = measure_memory(sizes["mem_objects"])
    return {"rows": bench.rows, "memory": memory, "sizes": sizes, "versions": tool_versions,
            "tools": list(tools),
            "objclient_options": " ".join(objclient_options(setup.objclient_help, False))}


def versions(setup: Setup) -> Dict[str, str]:
    """The version line of each tool."""
    out = {}
    for tool, cmd in (("rclone", ["rclone", "version"]), ("aws", ["aws", "--version"]),
                      ("objclient", [sys.executable, "-m", "objclient", "--version"])):
        try:
            done = subprocess.run(cmd, cwd=ROOT, env=setup.env(), capture_output=True,
                                  text=True, timeout=60)
            out[tool] = (done.stdout or done.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            out[tool] = "?"
    return out


def measure_memory(objects: int) -> Dict[str, Any]:
    """``tools/bench_sync_mem.py`` in a child process."""
    done = subprocess.run([sys.executable, "-m", "tools.bench_sync_mem", str(objects)],
                          cwd=ROOT, capture_output=True, text=True, timeout=1800)
    if done.returncode:
        return {"objects": objects, "error": done.stderr[-800:]}
    return json.loads(done.stdout)  # type: ignore[no-any-return]


# -- the report -----------------------------------------------------------------

def targets(result: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Every target of issue 23, item 4, with its figures and verdict."""
    out = []
    rows = result["rows"]
    for row in rows:
        if row["tool"] != "objclient":
            continue
        peer = next((r for r in rows if r["tool"] == "rclone" and r["workload"] == row["workload"]
                     and r["phase"] == row["phase"]), None)
        if peer is None:
            continue
        name = f"{row['workload']} {row['phase']}"
        ratio = row["wall_s"] / peer["wall_s"] if peer["wall_s"] else float("inf")
        out.append({"target": f"{name}: objclient wall <= 0.8x rclone's",
                    "value": f"{row['wall_s']:.2f} s vs {peer['wall_s']:.2f} s ({ratio:.2f}x)",
                    "pass": ratio <= 0.8})
        out.append({"target": f"{name}: objclient requests <= rclone's",
                    "value": f"{row['requests']} vs {peer['requests']}",
                    "pass": row["requests"] <= peer["requests"]})
    for row in rows:
        out.append({"target": f"{row['workload']} {row['phase']}: {row['tool']} left the "
                              "destination right",
                    "value": f"{row['objects_at_destination']} of {row['expected']} objects, "
                             f"exit {row['rc']}", "pass": row["ok"]})
    mem = result["memory"]
    growth = mem.get("growth_mib")
    out.append({"target": f"memory: no-change sync of {mem['objects']:,} objects grows peak RSS "
                          "by < 64 MiB",
                "value": (f"{growth} MiB" if growth is not None else "error"),
                "pass": growth is not None and growth < 64})
    return out


def render(result: Dict[str, Any], label: str) -> str:
    """The Markdown report."""
    sizes = result["sizes"]
    lines = [f"# objclient sync benchmark ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
             f", {label})", "",
             f"Machine: {os.cpu_count()} cores, {platform.system()}, Python "
             f"{platform.python_version()}. Tools: "
             + "; ".join(f"{k}: {v}" for k, v in result["versions"].items()) + ".", "",
             f"W1: a folder of {sizes['files']:,} files of 1-64 KiB plus {sizes['big']} of "
             f"{sizes['big_mib']} MiB to S3 (SeaweedFS); W2: that bucket to Swift (TempAuth). "
             f"Each tool with {TRANSFERS} transfers (objclient {result['objclient_options']}). "
             "CPU is user+sys of the tool's process, RSS its peak, requests those the counting "
             "proxy (tools/countproxy.py) saw.", "",
             "| workload | phase | tool | wall s | CPU s | peak RSS MiB | HTTP requests | "
             "by method | result |",
             "|---|---|---|---:|---:|---:|---:|---|---|"]
    for row in result["rows"]:
        methods = "; ".join(f"{server}: " + " ".join(f"{m} {n}" for m, n in by.items())
                            for server, by in row["methods"].items())
        lines.append(f"| {row['workload']} | {row['phase']} | {row['tool']} | {row['wall_s']:.2f}"
                     f" | {row['cpu_s']:.2f} | {row['peak_rss_mib']:.0f} | {row['requests']} | "
                     f"{methods} | {'ok' if row['ok'] else 'WRONG'} |")
    if "aws" in result["tools"]:
        lines.append("| W2 | all | aws | n/a | n/a | n/a | n/a | no Swift backend | |")
    mem = result["memory"]
    lines += ["", "Memory: a no-change sync over two generated listings of "
              f"{mem['objects']:,} objects (tools/bench_sync_mem.py): "
              + (f"peak RSS {mem['peak_rss_mib']} MiB, growth {mem['growth_mib']} MiB over "
                 f"{mem['base_rss_mib']} MiB, {mem['wall_s']} s; merge-join functions in the "
                 f"engine: {', '.join(mem['merge_functions']) or 'none (dict-based compare)'}."
                 if "growth_mib" in mem else "failed: " + mem.get("error", "?")),
              "", "Targets:", ""]
    for t in targets(result):
        lines.append(f"- {'PASS' if t['pass'] else 'FAIL'}: {t['target']}: {t['value']}")
    return "\n".join(lines) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--md", default=os.path.join(ROOT, "build", "bench_sync.md"))
    parser.add_argument("--json", default=os.path.join(ROOT, "build", "bench_sync.json"))
    parser.add_argument("--publish", action="store_true",
                        help="copy the table into " + PUBLISHED)
    parser.add_argument("--keep", action="store_true", help="keep the buckets and containers")
    parser.add_argument("--tools", default=",".join(TOOLS),
                        help="comma-separated subset of objclient,rclone,aws")
    args = parser.parse_args(argv)
    tools = tuple(t for t in TOOLS if t in args.tools.split(","))
    for tool in tools:
        if tool != "objclient" and not shutil.which(tool):
            print(f"bench_sync: {tool} is not installed (tools/bench_sync installs it)",
                  file=sys.stderr)
            return 2
    sizes = QUICK if args.quick else FULL
    made: List[Tuple[str, str]] = []
    try:
        result = run(dict(sizes), tools, made)
        report(result, args)
    finally:
        if not args.keep:
            print(f"removing {len(made)} buckets and containers", flush=True)
            remove_containers(made)
    return 0 if all(r["ok"] for r in result["rows"]) else 1


def report(result: Dict[str, Any], args: argparse.Namespace) -> None:
    """Write the Markdown and JSON reports, print the first, publish it if asked."""
    label = "quick run" if args.quick else "full run"
    text = render(result, label)
    result["targets"] = targets(result)
    for path in (args.md, args.json):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(args.md, "w") as fh:
        fh.write(text)
    with open(args.json, "w") as fh:
        json.dump(result, fh, indent=1)
    print(text)
    if args.publish:
        if args.quick:
            print("bench_sync: a quick run is published nowhere", file=sys.stderr)
        else:
            shutil.copyfile(args.md, os.path.join(ROOT, PUBLISHED))
            print(f"published to {PUBLISHED} (commit it)")


if __name__ == "__main__":
    sys.exit(main())
