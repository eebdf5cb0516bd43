"""ReductStore through an in-memory, protocol-faithful FAKE of its HTTP API.

No ReductStore server can run here: ``tests/fakes/reductstore.py`` answers
as the reference (``shared/protocols/reductstore.md``) says the server does,
through a transport adapter mounted on the API's own session (nothing
is patched globally).  This checks the facade mapping, not a real
server.  With ``REDUCT_URL`` (and ``REDUCT_API_TOKEN``) set, the battery runs
against that real server instead.
"""

import os

import objclient
from tests.fakes.reductstore import FakeReductStore

NAME = "reduct (emulated)"


def make_api(tmp_path_factory):
    url = os.environ.get("REDUCT_URL")
    if url:
        if not url.startswith("reduct"):
            url = "reduct+" + url  # http://host:8383 -> reduct+http://host:8383
        api = objclient.ObjectStorageApi(url, api_token=os.environ.get("REDUCT_API_TOKEN"))
        api.account_show("reduct")  # raises with a clear message when unreachable
        return api, "reduct"
    fake = FakeReductStore("http://reduct.test:8383", version="1.21",
                           token="conformance-token")
    api = objclient.ObjectStorageApi("reduct+http://reduct.test:8383",
                                     api_token="conformance-token", session=fake.session())
    return api, "reduct"
