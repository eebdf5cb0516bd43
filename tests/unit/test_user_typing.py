"""A user's script passes ``mypy --strict`` against objclient, and runs.

mypy runs from an empty directory with the checkout on ``PYTHONPATH``: it then
finds objclient as an installed package, reads its annotations because it
ships ``py.typed`` (PEP 561), and reports no error of objclient's own, as for a
user who installed it.  A second script with a wrong type proves the
annotations are read (an untyped objclient would be ``Any`` and pass), and
that the facade's arguments are checked: a misspelled call keyword, a call
keyword or an own argument of the wrong type, the internal ``opts``.
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
api.container_create("acct", "photos", read_timout=2.0)
api.object_fetch("acct", "photos", "x", read_timeout="soon")
api.object_delete("acct", "photos", 42)
api.account_create("acct", opts=None)
api.object_create("acct", "photos", data=b"x", obj_nme="x")
'''
#: (line, words of mypy's message) for each mistake of WRONG.
MISTAKES = [(4, "Incompatible types"), (5, 'Unexpected keyword argument "read_timout"'),
            (6, 'Argument "read_timeout" to "object_fetch"'), (7, 'Argument 3'),
            (8, 'Unexpected keyword argument "opts"'),
            (9, 'Unexpected keyword argument "obj_nme"')]


def _env():
    return dict(os.environ, PYTHONPATH=ROOT)


def test_the_readme_flow_passes_mypy_strict_and_wrong_arguments_are_caught(tmp_path):
    wrong = tmp_path / "wrong.py"
    wrong.write_text(WRONG)
    run = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                          "--cache-dir", str(tmp_path / "cache"), SCRIPT, str(wrong)],
                         cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300)
    assert "No module named mypy" not in run.stderr, "mypy is in the test extra: install it"
    errors = [line for line in run.stdout.splitlines() if ": error:" in line]
    assert len(errors) == len(MISTAKES), run.stdout + run.stderr
    for error, (line, words) in zip(errors, MISTAKES):
        assert error.startswith(f"wrong.py:{line}:") and words in error, errors


def test_the_user_script_runs_against_the_local_store(tmp_path):
    run = subprocess.run([sys.executable, SCRIPT, (tmp_path / "store").as_uri()],
                         cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "round trip ok" in run.stdout
