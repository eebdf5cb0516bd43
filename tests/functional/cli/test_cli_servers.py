"""The command line as a user runs it: subprocesses against the real Swift
and SeaweedFS S3 servers (through profiles) and the local backend."""

import json
import os
import pty
import subprocess
import sys
import uuid

import pytest
from tools import server_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
SWIFT_AUTH = server_env.SWIFT_AUTH_URL
S3 = server_env.SEAWEEDFS_S3_ENDPOINT
SECRETS = {"SWIFT_TEST_KEY": server_env.SWIFT_KEY,
           "S3_TEST_SECRET": server_env.SEAWEEDFS_S3_SECRET_KEY}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    cfg = tmp_path_factory.mktemp("cli") / "config.ini"
    cfg.write_text(
        f"[profile swift]\nurl = swift+{SWIFT_AUTH}\nuser = test:tester\n"
        "key_env = SWIFT_TEST_KEY\n\n"
        f"[profile s3]\nurl = s3+{S3}\naccess_key = AKIDOBJCLIENTADMIN\n"
        "secret_key_env = S3_TEST_SECRET\npath_keys = 1\n")
    os.chmod(cfg, 0o600)
    out = dict(os.environ, OBJCLIENT_CONFIG=str(cfg), PYTHONPATH=ROOT, **SECRETS)
    out.pop("OBJCLIENT_URL", None)
    return out


def run(env, *argv, stdin=None):
    proc = subprocess.run([sys.executable, "-m", "objclient", *argv], env=env,
                          capture_output=True, text=True, timeout=120, input=stdin)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("profile", ["swift", "s3"])
def test_cli_round_trip_on_real_servers_without_leaking_secrets(env, profile, tmp_path):
    box = f"oc-cli-{uuid.uuid4().hex[:8]}"
    src = tmp_path / "hello.txt"
    src.write_text("hello from the CLI")
    assert run(env, "--profile", profile, "container", "create", box)[0] == 0
    try:
        code, out, err = run(env, "--profile", profile, "--debug", "-f", "json", "object",
                             "upload", box, str(src), "--property", "k=v")
        assert code == 0, err
        assert json.loads(out)[0]["name"] == "hello.txt"
        assert "curl -i -X PUT" in err
        token_leaks = [s for s in SECRETS.values() if s in err]
        assert token_leaks == []
        code, out, _ = run(env, "--profile", profile, "-f", "json", "object", "list", box)
        assert [o["name"] for o in json.loads(out)] == ["hello.txt"]
        code, out, _ = run(env, "--profile", profile, "object", "download", box, "hello.txt",
                           "-o", "-")
        assert out == "hello from the CLI"
        code, _out, err = run(env, "--profile", profile, "object", "show", box, "missing")
        assert code == 3 and "not found" in err.lower() or "does not exist" in err.lower()
    finally:
        run(env, "--profile", profile, "container", "delete", "--force", box)


def test_wrong_secret_exits_4_and_names_no_secret(env):
    bad = dict(env, S3_TEST_SECRET="wrong-" + uuid.uuid4().hex)
    code, _out, err = run(bad, "--profile", "s3", "--debug", "container", "list")
    assert code == 4
    assert bad["S3_TEST_SECRET"] not in err


def test_progress_bar_on_a_terminal_and_not_in_a_pipe(env, tmp_path):
    local = dict(env, OBJCLIENT_URL=f"file://{tmp_path}/store?fsync=0")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(4 * 1024 * 1024))
    code, _out, err = run(local, "object", "upload", "box", str(big))
    assert code == 0 and "%" not in err
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "objclient", "object", "upload", "box",
                             str(big), "--name", "again.bin"], env=local,
                            stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(60)
    os.close(master)
    assert proc.returncode == 0
    # tqdm (the test extra) "100%|...| 4.00M/4.00M [00:00<00:00, 52.1MB/s]"; the plain
    # bar "100.0%  52.1 MB/s ETA 0:00:00"
    assert b"100" in seen and b"B/s" in seen and (b"<" in seen or b"ETA" in seen)


def test_completion_scripts(env):
    for shell in ("bash", "zsh"):
        code, out, _ = run(env, "completion", shell)
        assert code == 0 and "complete -o filenames -F _objclient objclient" in out


def test_a_second_process_sends_no_auth_request(env, tmp_path):
    own = dict(env, XDG_CACHE_HOME=str(tmp_path))
    sent = []
    for _ in range(2):
        code, _out, err = run(own, "--profile", "swift", "--timings", "-f", "json",
                              "container", "list", "--limit", "1")
        assert code == 0, err
        sent.append([line.split("|")[2].strip() for line in err.splitlines()
                     if line.startswith("| GET")])
    assert [url for url in sent[0] if url.endswith("/auth/v1.0")] == [SWIFT_AUTH]
    assert sent[1] and not any(url.endswith("/auth/v1.0") for url in sent[1])
    assert server_env.SWIFT_KEY not in (tmp_path / "objclient" / "tokens.json").read_text()
