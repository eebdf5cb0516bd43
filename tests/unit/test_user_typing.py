"""A user's script passes ``mypy --strict`` against objclient, and runs.

mypy runs from an empty directory with the checkout on ``PYTHONPATH``: it then
finds objclient as an installed package, reads its annotations because it
ships ``py.typed`` (PEP 561), and reports no error of objclient's own, as for a
user who installed it.  A second script with a wrong type proves the
annotations are read (an untyped objclient would be ``Any`` and pass).
"""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "tests", "typing", "user_script.py")

WRONG = '''\
import objclient

api = objclient.ObjectStorageApi("file:///nowhere")
size: str = api.object_create("acct", "photos", data=b"x", obj_name="x")[1]
'''


def _env():
    return dict(os.environ, PYTHONPATH=ROOT)


def test_the_readme_flow_passes_mypy_strict_and_a_wrong_type_is_caught(tmp_path):
    wrong = tmp_path / "wrong.py"
    wrong.write_text(WRONG)
    run = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                          "--cache-dir", str(tmp_path / "cache"), SCRIPT, str(wrong)],
                         cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300)
    assert "No module named mypy" not in run.stderr, "mypy is in the test extra: install it"
    errors = [line for line in run.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, run.stdout + run.stderr
    assert errors[0].startswith("wrong.py:4:") and "Incompatible types" in errors[0], errors


def test_the_user_script_runs_against_the_local_store(tmp_path):
    run = subprocess.run([sys.executable, SCRIPT, (tmp_path / "store").as_uri()],
                         cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "round trip ok" in run.stdout
