"""objclient ships ``py.typed`` (PEP 561), so users' type checkers read its annotations."""

import configparser
import os
import subprocess
import sys
from importlib import resources

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_the_checkout_has_py_typed_next_to_the_package():
    assert resources.files("objclient").joinpath("py.typed").is_file()


def test_setup_cfg_declares_py_typed_as_package_data():
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(ROOT, "setup.cfg"))
    assert "py.typed" in cfg["options.package_data"]["objclient"].split()


def test_the_built_package_contains_py_typed(tmp_path):
    # build_py lays out the files a wheel (and so an install) contains
    subprocess.run([sys.executable, "setup.py", "-q", "build_py", "-d", str(tmp_path)],
                   cwd=ROOT, check=True, capture_output=True)
    assert (tmp_path / "objclient" / "py.typed").is_file()
    assert (tmp_path / "objclient" / "api.py").is_file()
