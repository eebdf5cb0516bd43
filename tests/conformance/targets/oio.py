"""OpenIO SDS through a protocol-faithful in-memory fake (no real server).

The proxy, account service and rawx routes are answered by
``tests/fakes/openio.py`` through ``responses`` callbacks, exactly as
``shared/protocols/openio.md`` documents them.  This checks the backend's
wire behaviour, not a real OpenIO namespace.
"""

import requests

import objclient
from tests.fakes.openio import PROXY, start_fake

NAME = "oio (emulated)"


def make_api(tmp_path_factory):
    # A small metachunk size so that the battery's payloads span several
    # metachunks (prepare2 is then called more than once per object).
    _fake, mock = start_fake(chunk_size=4096, default_policy="THREECOPIES")
    # Through a requests session, which the responses mock answers.
    api = objclient.ObjectStorageApi(f"oio+{PROXY}?namespace=OPENIO",
                                     default_account=None, session=requests.Session())
    close = api.close

    def close_and_stop():
        try:
            close()
        finally:
            mock.stop()
            mock.reset()

    api.close = close_and_stop
    return api, "conformance"
