"""troveclient's ``apiclient.client`` (``BaseClient``, ``HTTPClient``) on objclient.

One test (or a few) per row of doc/parity/troveclient.rst, written as
troveclient's users and its own tests write code: a ``BaseClient`` subclass
naming its ``service_type``, an auth plugin handing out ``token-N`` and
``/endpoint-N``, ``HTTPClient(plugin)``.  The requests go to the scripted
server of tests/serverfixture.py over a real socket, not to a mock.
"""

from __future__ import annotations

import inspect
import logging
import time
from typing import Any, Iterator, List, Optional, Set, Tuple

import pytest
import requests

from objclient.auth import AuthPlugin
from objclient.exceptions import (BadRequest, InvalidArgument, NotFound, Unauthorized,
                                  UnsupportedVersion)
from objclient.http import BaseClient, HTTPClient
from objclient.http.client import DEFAULT_TIMEOUT
from tests.serverfixture import ScriptedServer, Seen, Step, running_server


class TestClient(BaseClient):
    __test__ = False  # the seed tests' name, not a test class
    service_type = "test"


class FakeAuthPlugin(AuthPlugin):
    """The seed tests' plugin, objclient-shaped: each authentication gives
    ``token-N`` and a catalog whose endpoint is ``/endpoint-N``."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.attempt = -1
        self.token: Optional[str] = None
        self.lookups: List[Tuple[Optional[str], Optional[str], Optional[str]]] = []

    @property
    def valid(self) -> bool:
        return self.token is not None

    def authenticate(self, http: Any) -> None:
        self.attempt += 1
        self.token = f"token-{self.attempt}"

    def get_headers(self) -> dict:
        return {"X-Auth-Token": self.token} if self.token else {}

    def get_endpoint(self, service_type: Optional[str] = None, interface: Optional[str] = None,
                     region: Optional[str] = None) -> Optional[str]:
        self.lookups.append((service_type, interface, region))
        return f"{self.base}/endpoint-{self.attempt}"

    def invalidate(self) -> bool:
        self.token = None
        return True


class TokenCheck:
    """A server that refuses the tokens in ``rejected`` with a 401."""

    def __init__(self) -> None:
        self.rejected: Set[str] = set()

    def __call__(self, seen: Seen) -> Optional[Step]:
        if seen.headers.get("X-Auth-Token") in self.rejected:
            return Step(status=401, body=b"Unauthorized")
        return None


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with running_server() as srv:
        yield srv


@pytest.fixture
def tokens(server: ScriptedServer) -> TokenCheck:
    check = TokenCheck()
    server.handler = check
    return check


def _path(resp: requests.Response) -> str:
    return resp.json()["path"]  # type: ignore[no-any-return]


# -- HTTPClient(auth_plugin, ...) ---------------------------------------------------------

SEED_SIGNATURE = [
    ("auth_plugin", inspect.Parameter.empty), ("region_name", None),
    ("endpoint_type", "publicURL"), ("original_ip", None), ("verify", True), ("cert", None),
    ("timeout", None), ("timings", False), ("keyring_saver", None), ("debug", False),
    ("user_agent", None), ("http", None)]


def test_signature_has_the_seed_names_order_and_defaults() -> None:
    params = list(inspect.signature(HTTPClient).parameters.values())
    positional = [(p.name, p.default) for p in params
                  if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    # auth_plugin keeps a default (None) only so that HTTPClient() still builds.
    assert [name for name, _ in positional] == [name for name, _ in SEED_SIGNATURE]
    assert positional[1:] == SEED_SIGNATURE[1:]


def test_client_takes_the_auth_plugin_first(server: ScriptedServer) -> None:
    auth = FakeAuthPlugin(server.url)
    http_client = HTTPClient(auth)
    assert http_client.auth_plugin is auth and http_client.endpoint is None
    assert TestClient(http_client).get("/resource").status_code == 200


def test_client_takes_the_seed_arguments_by_position(server: ScriptedServer) -> None:
    session = requests.Session()
    http_client = HTTPClient(FakeAuthPlugin(server.url), "RegionTwo", "internalURL",
                             "10.0.0.7", False, None, 2, True, None, False, "trove-test/1",
                             session)
    assert (http_client.region_name, http_client.endpoint_type, http_client.original_ip,
            http_client.verify, http_client.timings, http_client.user_agent) == (
        "RegionTwo", "internalURL", "10.0.0.7", False, True, "trove-test/1")
    assert http_client.session is session


def test_a_str_first_argument_is_still_the_endpoint_url(server: ScriptedServer) -> None:
    assert _path(HTTPClient(server.url).get("/a")) == "/a"
    assert _path(HTTPClient(endpoint=server.url).get("/b")) == "/b"


def test_region_name_reaches_the_plugins_endpoint_lookup(server: ScriptedServer) -> None:
    auth = FakeAuthPlugin(server.url)
    TestClient(HTTPClient(auth, region_name="RegionTwo")).get("/r")
    assert auth.lookups == [("test", "publicURL", "RegionTwo")]


def test_endpoint_type_defaults_to_public_url(server: ScriptedServer) -> None:
    auth = FakeAuthPlugin(server.url)
    TestClient(HTTPClient(auth, endpoint_type="adminURL")).get("/r")
    TestClient(HTTPClient(auth)).get("/r")
    assert [interface for _, interface, _ in auth.lookups] == ["adminURL", "publicURL"]


def test_original_ip_is_sent_as_forwarded(server: ScriptedServer) -> None:
    http_client = HTTPClient(FakeAuthPlugin(server.url), original_ip="10.1.2.3",
                             user_agent="ua/1")
    TestClient(http_client).get("/r")
    assert server.seen[-1].headers["Forwarded"] == "for=10.1.2.3;by=ua/1"


def test_verify_and_cert_are_kept_for_every_request() -> None:
    http_client = HTTPClient(None, verify="/etc/ssl/ca.pem", cert=("c.pem", "k.pem"))
    assert (http_client.verify, http_client.cert) == ("/etc/ssl/ca.pem", ("c.pem", "k.pem"))


def test_timeout_is_kept_as_a_connect_read_pair() -> None:
    assert HTTPClient(None, timeout=2).timeout == (2.0, 2.0)
    # troveclient's None waits forever; objclient's None is its finite default.
    assert HTTPClient(None).timeout == DEFAULT_TIMEOUT


def test_get_timings_gives_name_start_end_tuples(server: ScriptedServer) -> None:
    http_client = HTTPClient(FakeAuthPlugin(server.url), timings=True)
    before = time.time()
    TestClient(http_client).get("/resource")
    [(name, start, end)] = http_client.get_timings()
    assert name == f"GET {server.url}/endpoint-0/resource"
    assert before <= start <= end <= time.time()
    http_client.reset_timings()
    assert http_client.get_timings() == []


def test_timings_are_off_by_default(server: ScriptedServer) -> None:
    http_client = HTTPClient(FakeAuthPlugin(server.url))
    TestClient(http_client).get("/resource")
    assert http_client.get_timings() == []


def test_a_seed_style_keyring_saver_is_called_after_each_authentication(
        server: ScriptedServer, tokens: TokenCheck) -> None:
    class Saver:
        def __init__(self) -> None:
            self.saved: List[str] = []

        def save(self, http_client: HTTPClient) -> None:
            self.saved.append(http_client.auth_plugin.token)

    saver = Saver()
    http_client = HTTPClient(FakeAuthPlugin(server.url), keyring_saver=saver)
    client = TestClient(http_client)
    client.get("/r")
    client.get("/r")
    tokens.rejected.add("token-0")
    client.get("/r")
    assert saver.saved == ["token-0", "token-1"]


def test_debug_logs_curl_commands(server: ScriptedServer,
                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="objclient.http")
    TestClient(HTTPClient(FakeAuthPlugin(server.url), debug=True)).get("/resource")
    assert f"REQ: curl -i -X GET '{server.url}/endpoint-0/resource'" in caplog.text
    assert "RESP: [200]" in caplog.text
    assert "token-0" not in caplog.text  # accepted difference: secrets are redacted


def test_user_agent_is_a_class_attribute_a_subclass_or_argument_overrides(
        server: ScriptedServer) -> None:
    class TroveHTTPClient(HTTPClient):
        user_agent = "python-troveclient"

    assert HTTPClient(None).user_agent == HTTPClient.user_agent
    assert HTTPClient.user_agent.startswith("objclient/")
    assert TroveHTTPClient(None).user_agent == "python-troveclient"
    http_client = HTTPClient(FakeAuthPlugin(server.url), user_agent="mine/2")
    TestClient(http_client).get("/r")
    assert server.seen[-1].headers["User-Agent"] == "mine/2"


def test_http_is_the_session_requests_go_through(server: ScriptedServer) -> None:
    session = requests.Session()
    http_client = HTTPClient(FakeAuthPlugin(server.url), http=session)
    TestClient(http_client).get("/r")
    assert http_client.session is session
    http_client.close()
    session.close()


def test_add_client_registers_by_service_type(server: ScriptedServer) -> None:
    class ComputeClient(BaseClient):
        service_type = "compute"

    http_client = HTTPClient(FakeAuthPlugin(server.url))
    compute = ComputeClient(http_client)
    assert http_client.compute is compute  # type: ignore[attr-defined]
    ComputeClient(http_client)
    assert http_client.compute is compute  # type: ignore[attr-defined]  # first one kept


def test_add_client_never_hides_an_attribute() -> None:
    class SessionClient(BaseClient):
        service_type = "session"

    http_client = HTTPClient(None)
    SessionClient(http_client)
    assert http_client.session is None  # the attribute is not replaced


def test_authenticate_asks_the_plugin(server: ScriptedServer) -> None:
    auth = FakeAuthPlugin(server.url)
    HTTPClient(auth).authenticate()
    assert auth.token == "token-0"


def test_client_request_sends_below_the_clients_endpoint_with_the_token(
        server: ScriptedServer) -> None:
    http_client = HTTPClient(FakeAuthPlugin(server.url))
    resp = http_client.client_request(TestClient(http_client), "POST", "/resource",
                                      json={"1": "2"})
    seen = server.seen[-1]
    assert (seen.method, seen.path, seen.body) == ("POST", "/endpoint-0/resource",
                                                   b'{"1":"2"}')
    assert seen.headers["X-Auth-Token"] == "token-0"
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.headers["User-Agent"] == http_client.user_agent
    assert resp.status_code == 200


def test_client_request_reissue(server: ScriptedServer, tokens: TokenCheck) -> None:
    http_client = HTTPClient(FakeAuthPlugin(server.url))
    test_client = TestClient(http_client)
    assert _path(http_client.client_request(test_client, "GET", "/resource")) == \
        "/endpoint-0/resource"
    tokens.rejected.add("token-0")
    # The 401 is answered by authenticating once more and resending (to the
    # same URL: accepted difference); the next call uses the new endpoint.
    assert _path(http_client.client_request(test_client, "GET", "/resource")) == \
        "/endpoint-0/resource"
    assert server.seen[-1].headers["X-Auth-Token"] == "token-1"
    assert _path(http_client.client_request(test_client, "GET", "/resource")) == \
        "/endpoint-1/resource"


def test_client_raising_unauthorized_after_one_new_authentication(
        server: ScriptedServer, tokens: TokenCheck) -> None:
    tokens.rejected.update({"token-0", "token-1", "token-2"})
    auth = FakeAuthPlugin(server.url)
    http_client = HTTPClient(auth)
    with pytest.raises(Unauthorized):
        http_client.client_request(TestClient(http_client), "GET", "/resource")
    assert auth.attempt == 1


def test_client_with_response_400_status_code(server: ScriptedServer) -> None:
    server.script("/endpoint-0/resource", Step(status=400, body=b"bad"))
    http_client = HTTPClient(FakeAuthPlugin(server.url))
    with pytest.raises(BadRequest):
        http_client.client_request(TestClient(http_client), "GET", "/resource",
                                   json={"bad": "request"})


def test_client_with_no_endpoint() -> None:
    class NoCatalog(FakeAuthPlugin):
        def get_endpoint(self, *args: Any, **kwargs: Any) -> Optional[str]:
            return None

    http_client = HTTPClient(NoCatalog("unused"))
    with pytest.raises(InvalidArgument, match="no endpoint for the test service"):
        http_client.client_request(TestClient(http_client), "GET", "/resource")


def test_concat_url() -> None:
    assert HTTPClient.concat_url("/a", "/b") == "/a/b"
    assert HTTPClient.concat_url("/a", "b") == "/a/b"
    assert HTTPClient.concat_url("/a/", "/b") == "/a/b"
    assert HTTPClient.concat_url("http://keystone/v2.0/", "/tokens") == \
        "http://keystone/v2.0/tokens"


def test_request_encodes_json_and_raises_on_errors(server: ScriptedServer) -> None:
    http_client = HTTPClient(None)
    resp = http_client.request("PUT", server.url + "/doc", json={"a": 1},
                               headers={"X-Req-Id": "r1"})
    assert resp.json()["length"] == len(b'{"a":1}') and resp.json()["id"] == "r1"
    server.script("/gone", Step(status=404, body=b""))
    with pytest.raises(NotFound):
        http_client.request("GET", server.url + "/gone")


def test_serialize_turns_json_into_data() -> None:
    kwargs: dict = {"headers": {}, "json": {"1": "2"}}
    HTTPClient(None).serialize(kwargs)
    assert kwargs == {"headers": {"Content-Type": "application/json"}, "data": b'{"1":"2"}'}
    kwargs = {"json": None, "data": b"raw"}
    HTTPClient(None).serialize(kwargs)
    assert kwargs == {"data": b"raw"}


# -- BaseClient(http_client, extensions=None) -----------------------------------------------

def test_base_client_signature_is_the_seeds() -> None:
    params = inspect.signature(BaseClient).parameters
    assert [(p.name, p.default) for p in params.values()] == [
        ("http_client", inspect.Parameter.empty), ("extensions", None)]


def test_base_client_class_attributes_start_empty() -> None:
    assert (BaseClient.service_type, BaseClient.endpoint_type,
            BaseClient.cached_endpoint) == (None, None, None)


def test_extensions_become_managers(server: ScriptedServer) -> None:
    class Manager:
        def __init__(self, api: BaseClient) -> None:
            self.api = api

    class Extension:
        def __init__(self, name: str, manager_class: Any) -> None:
            self.name, self.manager_class = name, manager_class

    client = TestClient(HTTPClient(FakeAuthPlugin(server.url)),
                        extensions=[Extension("backups", Manager), Extension("none", None)])
    assert client.backups.api is client  # type: ignore[attr-defined]
    assert not hasattr(client, "none")


def test_cached_endpoint_is_found_once_per_authentication(server: ScriptedServer,
                                                          tokens: TokenCheck) -> None:
    auth = FakeAuthPlugin(server.url)
    client = TestClient(HTTPClient(auth))
    client.get("/a")
    client.get("/b")
    assert client.cached_endpoint == f"{server.url}/endpoint-0"
    assert len(auth.lookups) == 1
    tokens.rejected.add("token-0")
    client.get("/c")
    client.get("/d")
    assert client.cached_endpoint == f"{server.url}/endpoint-1"


def test_a_cached_endpoint_set_by_hand_is_used(server: ScriptedServer) -> None:
    auth = FakeAuthPlugin(server.url)
    client = TestClient(HTTPClient(auth))
    client.cached_endpoint = server.url + "/pinned"
    assert _path(client.get("/x")) == "/pinned/x"
    assert auth.lookups == []


def test_endpoint_type_of_the_client_wins(server: ScriptedServer) -> None:
    class AdminClient(BaseClient):
        service_type = "identity"
        endpoint_type = "adminURL"

    auth = FakeAuthPlugin(server.url)
    AdminClient(HTTPClient(auth)).get("/users")
    assert auth.lookups == [("identity", "adminURL", None)]


@pytest.mark.parametrize("method", ["head", "get", "post", "put", "patch", "delete"])
def test_verbs_go_through_client_request(server: ScriptedServer, method: str) -> None:
    client = TestClient(HTTPClient(FakeAuthPlugin(server.url)))
    resp = getattr(client, method)("/resource")
    assert resp.status_code == 200
    seen = server.seen[-1]
    assert (seen.method, seen.path) == (method.upper(), "/endpoint-0/resource")
    assert client.client_request("GET", "/other").json()["path"] == "/endpoint-0/other"


class FakeClient1:
    pass


class FakeClient21:
    pass


VERSION_MAP = {"1": f"{__name__}.FakeClient1", "2.1": f"{__name__}.FakeClient21"}


def test_get_class_int() -> None:
    assert BaseClient.get_class("fake", 1, VERSION_MAP) is FakeClient1


def test_get_class_str() -> None:
    assert BaseClient.get_class("fake", "2.1", VERSION_MAP) is FakeClient21


def test_get_class_takes_classes_too() -> None:
    assert BaseClient.get_class("fake", "3", {"3": FakeClient1}) is FakeClient1


def test_unsupported_version() -> None:
    with pytest.raises(UnsupportedVersion, match="must be one of: 1, 2.1"):
        BaseClient.get_class("fake", "7", VERSION_MAP)


def test_a_path_that_names_no_class_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="cannot import"):
        BaseClient.get_class("fake", "1", {"1": f"{__name__}.Missing"})
