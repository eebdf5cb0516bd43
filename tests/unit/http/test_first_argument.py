"""HTTPClient's first argument: a str is the endpoint URL, an AuthPlugin the
plugin; anything else, or the same thing given twice, is refused."""

from __future__ import annotations

import pytest
import requests

from objclient.auth import NoAuth, TokenAuth
from objclient.exceptions import InvalidArgument
from objclient.http import HTTPClient


def test_a_str_is_the_endpoint_url() -> None:
    http = HTTPClient("http://swift:8080/v1/AUTH_a/", auth=TokenAuth("t"))
    assert http.endpoint == "http://swift:8080/v1/AUTH_a"
    assert isinstance(http.auth_plugin, TokenAuth)


def test_an_auth_plugin_is_the_plugin_and_endpoint_stays_a_keyword() -> None:
    plugin = TokenAuth("t")
    http = HTTPClient(plugin, endpoint="http://swift:8080/v1/AUTH_a")
    assert (http.auth, http.endpoint) == (plugin, "http://swift:8080/v1/AUTH_a")


def test_no_first_argument_builds_a_client_without_either() -> None:
    http = HTTPClient()
    assert (http.auth, http.endpoint) == (None, None)


@pytest.mark.parametrize("first", [b"http://swift:8080", 8080, ("http://a",), {"url": "x"}])
def test_anything_else_is_refused_naming_what_is_accepted(first: object) -> None:
    with pytest.raises(InvalidArgument, match="endpoint URL \\(str\\) or an objclient.auth"):
        HTTPClient(first)  # type: ignore[arg-type]


def test_the_url_given_twice_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="endpoint URL once"):
        HTTPClient("http://a", endpoint="http://b")


def test_the_plugin_given_twice_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="auth plugin once"):
        HTTPClient(NoAuth(), auth=NoAuth())


def test_the_session_given_twice_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="session once"):
        HTTPClient(None, http=requests.Session(), session=requests.Session())


def test_session_keyword_still_works() -> None:
    session = requests.Session()
    assert HTTPClient("http://a", session=session).session is session
