"""Fixtures: an API on the MictlanX fake (two routers, three peers)."""

import pytest

import objclient
from tests.fakes.mictlanx import FakeMictlanX

R1 = "http://mictlanx-router-1:60666"
R2 = "http://mictlanx-router-2:60666"


@pytest.fixture
def fake():
    return FakeMictlanX((R1, R2), peers=3)


def _api(fake, **options):
    session, mock = fake.session()
    options.setdefault("account", "acct")
    options.setdefault("chunk_size", 10)
    options.setdefault("backoff_base", 0.01)
    api = objclient.ObjectStorageApi(
        "mictlanx+http://mictlanx-router-1:60666,mictlanx-router-2:60666",
        session=session, **options)
    sleeps = []
    api.blob_client.mictlanx.sleep = sleeps.append
    api.sleeps = sleeps
    return api, mock


@pytest.fixture
def make_api(fake):
    made = []

    def make(**options):
        api, mock = _api(fake, **options)
        made.append((api, mock))
        return api

    yield make
    for api, mock in made:
        api.close()
        mock.stop()
        mock.reset()


@pytest.fixture
def api(make_api):
    return make_api()


@pytest.fixture
def mx(api):
    return api.blob_client.mictlanx
