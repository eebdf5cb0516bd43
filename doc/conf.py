"""Sphinx configuration for the objclient documentation.

Built by ``tox -e docs`` as ``sphinx-build -W -b html doc doc/_build/html``
(warnings are errors).  Only Sphinx's own extensions are used, plus the two
small local ones in ``doc/_ext``.  At build time the conformance matrix and
the benchmark table are converted from ``build/*.md`` into
``doc/_generated/`` (see ``_ext/generated.py``); that folder is not committed.
"""

import doctest
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)  # document the checkout, not some installed copy
sys.path.insert(0, os.path.join(HERE, "_ext"))

import objclient  # noqa: E402
from generated import write_generated  # noqa: E402

write_generated(ROOT, os.path.join(HERE, "_generated"))

project = "objclient"
author = "the objclient authors"
copyright = "the objclient authors"
version = release = objclient.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
    "cliref",
]

exclude_patterns = ["_build", "_generated", "README.md"]
templates_path: list = []
root_doc = "index"
nitpicky = False
smartquotes = False  # code-like text: keep quotes as typed

# -- autodoc ----------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
autoclass_content = "class"

# -- doctest: the same flags tests/unit/test_docs.py uses ------------------------------
doctest_default_flags = (doctest.ELLIPSIS | doctest.IGNORE_EXCEPTION_DETAIL
                         | doctest.DONT_ACCEPT_TRUE_FOR_1 | doctest.NORMALIZE_WHITESPACE)
doctest_test_doctest_blocks = ""  # only explicit ``.. doctest::`` blocks are tests

# -- HTML --------------------------------------------------------------------------
html_theme = "alabaster"
html_theme_options = {
    "description": "One synchronous Python client for many object stores",
    "page_width": "1180px",
    "sidebar_width": "230px",
    "fixed_sidebar": False,
}
html_static_path = ["_static"]
html_css_files = ["objclient.css"]
html_title = f"objclient {release}"
