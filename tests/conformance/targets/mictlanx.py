"""MictlanX through a protocol-faithful in-memory fake of its routers.

No MictlanX server can run here (the peer is an unpublished container image,
the router needs unpublished packages), so this target runs the battery
against :class:`tests.fakes.mictlanx.FakeMictlanX`: two routers sharing three
storage peers, answering route by route as the router's own controllers do
(``mictlanxrouter/controllers/buckets.py`` of jub-ecosystem/mictlanx-service;
each route of the fake names the function it follows).  It is a fake, not a
server: passing here shows objclient follows the router's code as read, not
that a real deployment behaves identically.
"""

import objclient
from tests.fakes.mictlanx import FakeMictlanX

NAME = "mictlanx (emulated)"


def make_api(tmp_path_factory):
    fake = FakeMictlanX()
    session, _mock = fake.session()
    routers = ",".join(r.split("://", 1)[1] for r in fake.routers)
    # Small chunks and rf=2 so multi-chunk balls and replica duplicates are exercised.
    api = objclient.ObjectStorageApi(f"mictlanx+http://{routers}", session=session,
                                     account="conformance", chunk_size="4kb", rf=2)
    return api, "conformance"
