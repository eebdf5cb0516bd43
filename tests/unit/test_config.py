"""objclient.config and the registry: where the URL comes from."""

import pytest

import objclient
from objclient import config
from objclient.exceptions import InvalidArgument
from objclient.registry import backend_scheme, factory_for, known_schemes, register


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for var in ("OBJCLIENT_URL", "OBJCLIENT_PROFILE", "OBJCLIENT_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def test_default_is_the_embedded_store(clean_env):
    url, opts = config.resolve(None)
    assert url == f"file://{clean_env}/data/objclient/store" and opts == {}
    api = objclient.ObjectStorageApi()
    assert api.backend == "local"


def test_environment_url_wins(clean_env, monkeypatch):
    monkeypatch.setenv("OBJCLIENT_URL", f"file://{clean_env}/x")
    assert config.resolve(None)[0] == f"file://{clean_env}/x"


def _write_profiles(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_profile_with_secret_from_environment(clean_env, monkeypatch):
    _write_profiles(clean_env / "cfg" / "objclient" / "config.ini",
                    "[profile prod]\nurl = swift+https://h/auth/v1.0\nuser = a:b\n"
                    "key_env = PROD_KEY\n")
    monkeypatch.setenv("PROD_KEY", "s3cret")
    monkeypatch.setenv("OBJCLIENT_PROFILE", "prod")
    url, opts = config.resolve(None)
    assert url == "swift+https://h/auth/v1.0"
    assert opts == {"user": "a:b", "key": "s3cret"}
    assert config.list_profiles() == ["prod"]


def test_profile_naming_a_missing_variable_fails_clearly(clean_env, monkeypatch):
    _write_profiles(clean_env / "cfg" / "objclient" / "config.ini",
                    "[profile p]\nurl = file:///x\nkey_env = NOPE_NOT_SET\n")
    with pytest.raises(InvalidArgument, match="NOPE_NOT_SET"):
        config.load_profile("p")


def test_unknown_profile_option_is_refused_by_the_backend(clean_env):
    _write_profiles(clean_env / "cfg" / "objclient" / "config.ini",
                    f"[default]\nurl = file://{clean_env}/s\ncolour = blue\n")
    with pytest.raises(InvalidArgument, match="colour"):
        objclient.ObjectStorageApi()


def test_scheme_parsing_and_unknown_scheme():
    assert backend_scheme("swift+keystone+https://h/v3") == "swift"
    with pytest.raises(InvalidArgument, match="no backend"):
        factory_for("gopher://x")
    with pytest.raises(InvalidArgument):
        backend_scheme("no-scheme-here")


def test_third_party_backend_registration(tmp_path):
    from objclient.backends.local import create_backend

    def factory(url, **kw):
        return create_backend("file://" + str(tmp_path), **kw)
    register("mystore", factory)
    assert "mystore" in known_schemes()
    api = objclient.ObjectStorageApi("mystore://anything")
    assert api.backend == "local"


def test_unknown_option_is_an_error(tmp_path):
    with pytest.raises(InvalidArgument, match="colour"):
        objclient.ObjectStorageApi(f"file://{tmp_path}", colour="blue")


def test_profile_secrets_go_to_the_keyring_when_installed(clean_env, monkeypatch):
    import sys
    import types
    store = {}
    fake = types.SimpleNamespace(
        set_password=lambda service, entry, value: store.__setitem__((service, entry), value),
        get_password=lambda service, entry: store.get((service, entry)))
    monkeypatch.setitem(sys.modules, "keyring", fake)
    path = config.save_profile("prod", "swift+https://h/auth/v1.0",
                               {"user": "a:b", "key": "s3cret"})
    text = open(path).read()
    assert "s3cret" not in text and "key_keyring = prod/key" in text
    assert config.load_profile("prod") == ("swift+https://h/auth/v1.0",
                                           {"user": "a:b", "key": "s3cret"})
    monkeypatch.delitem(sys.modules, "keyring")
    monkeypatch.setattr(config, "_keyring_module", lambda: None)
    with pytest.raises(InvalidArgument, match="keyring package"):
        config.load_profile("prod")


@pytest.mark.parametrize("value, expected", [(None, True), (False, False), ("no", False),
                                             ("ON", True), ("0", False), (" true ", True)])
def test_yes_no_options_read_bools_and_url_strings(value, expected):
    from objclient.contract import bool_option
    assert bool_option("checksum", value, True) is expected


def test_a_yes_no_option_refuses_anything_else():
    from objclient.contract import bool_option
    with pytest.raises(InvalidArgument, match="checksum is a yes/no option"):
        bool_option("checksum", "maybe", True)
    with pytest.raises(InvalidArgument, match="checksum is a yes/no option"):
        objclient.ObjectStorageApi("s3+http://127.0.0.1:1?checksum=perhaps",
                                   access_key="a", secret_key="b")
