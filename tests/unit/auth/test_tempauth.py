"""TempAuth against an in-process Swift v1 auth server."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from typing import Iterator, List, Optional

import pytest

from objclient.auth import TempAuth, TokenAuth, TokenCache
from objclient.exceptions import InvalidArgument, Unauthorized
from objclient.http import HTTPClient
from tests.serverfixture import ScriptedServer, Seen, Step, running_server

USER, KEY = "test:tester", "testing-key"


class SwiftAuth:
    """Scripted TempAuth: hands out tok-1, tok-2 ...; storage needs a live token."""

    def __init__(self, server: ScriptedServer, expires: Optional[str] = "3600") -> None:
        self.server = server
        self.expires = expires
        self.issued: List[str] = []
        self.live: set = set()

    def __call__(self, seen: Seen) -> Optional[Step]:
        if seen.path == "/auth/v1.0":
            if (seen.headers.get("X-Auth-User"), seen.headers.get("X-Auth-Key")) != (USER, KEY):
                return Step(status=401, body=b"Unauthorized")
            token = f"tok-{len(self.issued) + 1}"
            self.issued.append(token)
            self.live.add(token)
            headers = {"X-Auth-Token": token, "X-Storage-Token": token,
                       "X-Storage-Url": f"{self.server.url}/v1/AUTH_test"}
            if self.expires is not None:
                headers["X-Auth-Token-Expires"] = self.expires
            return Step(status=200, headers=headers, body=b"")
        if seen.path.startswith("/v1/"):
            if seen.headers.get("X-Auth-Token") not in self.live:
                return Step(status=401, body=b"<html><h1>Unauthorized</h1></html>",
                            headers={"Content-Type": "text/html"})
        return None


@pytest.fixture
def swift() -> Iterator[SwiftAuth]:
    with running_server() as server:
        auth = SwiftAuth(server)
        server.handler = auth
        yield auth


def _plugin(swift: SwiftAuth, **kwargs: object) -> TempAuth:
    return TempAuth(f"{swift.server.url}/auth/v1.0", USER, KEY, **kwargs)  # type: ignore


def test_authenticate_returns_token_storage_url_and_expiry(swift: SwiftAuth) -> None:
    plugin = _plugin(swift)
    assert not plugin.valid
    before = time.time()
    plugin.authenticate(HTTPClient())
    assert plugin.token == "tok-1" and plugin.valid
    assert plugin.get_headers() == {"X-Auth-Token": "tok-1"}
    assert plugin.get_endpoint() == f"{swift.server.url}/v1/AUTH_test"
    assert before + 3600 <= plugin._expires <= time.time() + 3600
    sent = swift.server.requests_to("/auth/v1.0")[0].headers
    assert sent["X-Auth-User"] == USER and sent["X-Auth-Key"] == KEY


def test_client_uses_the_storage_url_for_relative_paths(swift: SwiftAuth) -> None:
    http = HTTPClient(auth=_plugin(swift))
    http.get("c/o")
    http.get("c/o")
    seen = swift.server.requests_to("/v1/AUTH_test/c/o")
    assert [s.headers["X-Auth-Token"] for s in seen] == ["tok-1", "tok-1"]
    assert len(swift.issued) == 1


def test_storage_url_override_wins(swift: SwiftAuth) -> None:
    plugin = _plugin(swift, storage_url="http://other.invalid/v1/AUTH_x")
    plugin.authenticate(HTTPClient())
    assert plugin.get_endpoint() == "http://other.invalid/v1/AUTH_x"


def test_expired_token_is_renewed_after_one_401(swift: SwiftAuth) -> None:
    http = HTTPClient(auth=_plugin(swift))
    http.get("c")
    swift.live.clear()  # the server forgets the token
    assert http.get("c").status_code == 200
    assert swift.issued == ["tok-1", "tok-2"]
    tokens = [s.headers["X-Auth-Token"] for s in swift.server.requests_to("/v1/AUTH_test/c")]
    assert tokens == ["tok-1", "tok-1", "tok-2"]


def test_a_short_lived_token_is_used_until_near_its_expiry(swift: SwiftAuth) -> None:
    swift.expires = "5"  # shorter than the usual 10 s renewal margin
    http = HTTPClient(auth=_plugin(swift))
    http.get("c")
    http.get("c")
    assert swift.issued == ["tok-1"]


def test_an_expired_token_is_renewed_before_use(swift: SwiftAuth) -> None:
    plugin = _plugin(swift, token_cache=False)  # the cache would still hold tok-1
    http = HTTPClient(auth=plugin)
    http.get("c")
    plugin._expires = time.time() - 1
    http.get("c")
    assert swift.issued == ["tok-1", "tok-2"]
    assert len(swift.server.requests_to("/v1/AUTH_test/c")) == 2


def test_wrong_key_raises_unauthorized(swift: SwiftAuth) -> None:
    plugin = TempAuth(f"{swift.server.url}/auth/v1.0", USER, "wrong-key")
    with pytest.raises(Unauthorized) as info:
        HTTPClient(auth=plugin).get("c")
    assert "wrong-key" not in str(info.value)
    assert len(swift.server.requests_to("/auth/v1.0")) == 1


def test_answer_without_token_raises_unauthorized() -> None:
    with running_server() as server:
        server.script("/auth/v1.0", Step(status=200, body=b""))
        with pytest.raises(Unauthorized, match="without a token"):
            TempAuth(f"{server.url}/auth/v1.0", USER, KEY).authenticate(HTTPClient())


def test_missing_expiry_header_means_no_expiry(swift: SwiftAuth) -> None:
    swift.expires = None
    plugin = _plugin(swift)
    plugin.authenticate(HTTPClient())
    assert plugin._expires is None and plugin.valid


def test_token_cache_file_is_0600_and_reused_across_plugins(
        swift: SwiftAuth, tmp_path: os.PathLike) -> None:
    path = os.path.join(tmp_path, "sub", "tokens.json")
    first = _plugin(swift, token_cache=TokenCache(path))
    HTTPClient(auth=first).get("c")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert KEY not in open(path, encoding="utf-8").read()
    second = _plugin(swift, token_cache=TokenCache(path))
    HTTPClient(auth=second).get("c")
    assert second.token == "tok-1"
    assert second.get_endpoint() == f"{swift.server.url}/v1/AUTH_test"
    assert len(swift.server.requests_to("/auth/v1.0")) == 1


def test_a_refused_cached_token_is_dropped_and_replaced(
        swift: SwiftAuth, tmp_path: os.PathLike) -> None:
    cache = TokenCache(os.path.join(tmp_path, "tokens.json"))
    HTTPClient(auth=_plugin(swift, token_cache=cache)).get("c")
    swift.live.clear()
    HTTPClient(auth=_plugin(swift, token_cache=cache)).get("c")
    assert swift.issued == ["tok-1", "tok-2"]
    third = _plugin(swift, token_cache=cache)
    third.authenticate(HTTPClient())
    assert third.token == "tok-2"


def test_repr_hides_the_key() -> None:
    text = repr(TempAuth("http://h/auth/v1.0", USER, "very-secret-key"))
    assert "very-secret-key" not in text and "{SHA256}" in text and USER in text
    assert "tok-secret" not in repr(TokenAuth("tok-secret"))


@pytest.mark.parametrize("user,key", [("", KEY), (USER, ""), (USER, "a\r\nb"),
                                      ("a\nb", KEY)])
def test_empty_or_multiline_credentials_are_refused(user: str, key: str) -> None:
    with pytest.raises(InvalidArgument):
        TempAuth("http://h/auth/v1.0", user, key)


# -- the default token cache ($XDG_CACHE_HOME, made private per test by tests/conftest.py)
def _default_file() -> str:
    return os.path.join(os.environ["XDG_CACHE_HOME"], "objclient", "tokens.json")


def test_a_second_client_sends_no_auth_request_by_default(swift: SwiftAuth) -> None:
    HTTPClient(auth=_plugin(swift)).get("c")
    second = _plugin(swift)
    HTTPClient(auth=second).get("c")
    assert len(swift.server.requests_to("/auth/v1.0")) == 1
    assert second.token == "tok-1"
    assert second.get_endpoint() == f"{swift.server.url}/v1/AUTH_test"
    path = _default_file()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    text = open(path, encoding="utf-8").read()
    assert KEY not in text and USER not in text


def test_token_cache_false_keeps_no_file(swift: SwiftAuth) -> None:
    for _ in range(2):
        HTTPClient(auth=_plugin(swift, token_cache=False)).get("c")
    assert swift.issued == ["tok-1", "tok-2"]
    assert not os.path.exists(_default_file())


def test_a_wrong_key_never_gets_the_cached_token(swift: SwiftAuth) -> None:
    HTTPClient(auth=_plugin(swift)).get("c")
    wrong = TempAuth(f"{swift.server.url}/auth/v1.0", USER, "wrong-key")
    with pytest.raises(Unauthorized):
        HTTPClient(auth=wrong).get("c")
    assert wrong.token is None
    assert len(swift.server.requests_to("/auth/v1.0")) == 2


def test_a_token_near_its_expiry_is_not_taken_from_the_cache(swift: SwiftAuth) -> None:
    swift.expires = "20"  # X-Auth-Token-Expires: within the cache's 30 s margin
    HTTPClient(auth=_plugin(swift)).get("c")
    HTTPClient(auth=_plugin(swift)).get("c")
    assert swift.issued == ["tok-1", "tok-2"]


def test_a_refused_cached_token_is_renewed_once_and_the_file_rewritten(
        swift: SwiftAuth) -> None:
    HTTPClient(auth=_plugin(swift)).get("c")
    swift.live.clear()  # the server forgets tok-1; the file still has it
    assert HTTPClient(auth=_plugin(swift)).get("c").status_code == 200
    assert swift.issued == ["tok-1", "tok-2"]
    tokens = [s.headers["X-Auth-Token"] for s in swift.server.requests_to("/v1/AUTH_test/c")]
    assert tokens == ["tok-1", "tok-1", "tok-2"]
    third = _plugin(swift)
    HTTPClient(auth=third).get("c")
    assert third.token == "tok-2" and swift.issued == ["tok-1", "tok-2"]


def _auth_modules_after(statement: str) -> str:
    code = f"import sys; {statement}; print(sorted(m for m in sys.modules if 'auth.' in m))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout


def test_a_tempauth_script_loads_neither_keystone_nor_sigv4() -> None:
    out = _auth_modules_after("from objclient.auth import TempAuth")
    assert "tempauth" in out and "keystone" not in out and "sigv4" not in out
    assert "objclient.auth.keystone" in _auth_modules_after(
        "from objclient.auth import KeystoneAuth")
