"""Where an API's URL and options come from when the caller gives none.

In order: the ``OBJCLIENT_URL`` environment variable; then a profile from
``~/.config/objclient/config.ini`` (``$OBJCLIENT_CONFIG`` moves the file,
``$OBJCLIENT_PROFILE`` picks the section, else ``default``); then the
embedded local store under the user data directory.

A profile is an INI section::

    [profile prod]
    url = swift+https://swift.example.com/auth/v1.0
    user = acct:me
    key_env = PROD_SWIFT_KEY      ; the key comes from this variable

Any ``NAME_env = VAR`` line sets option ``NAME`` from environment variable
``VAR`` so that secrets stay out of the file.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from .exceptions import InvalidArgument

if TYPE_CHECKING:  # pragma: no cover
    import configparser

# configparser (about 8 M instructions) is imported where a file is read:
# an API built from a URL reads none (issue 26).

__all__ = ["config_path", "default_store_url", "load_profile", "list_profiles",
           "resolve", "PROFILE_OPTIONS", "namespace_url", "OIO_SYSTEM_CONF",
           "OIO_SYSTEM_CONF_DIR"]

_OPTION_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

#: Common options a profile carries besides ``url``; any other option name is
#: passed to the backend, which refuses the ones it does not know.
PROFILE_OPTIONS = frozenset({
    "user", "key", "token", "storage_url", "access_key", "secret_key",
    "session_token", "region", "region_name", "addressing", "project_name",
    "project_id", "project_domain_name", "project_domain_id", "user_domain_name",
    "user_domain_id", "password", "application_credential_id",
    "application_credential_secret", "interface", "endpoint_type", "namespace",
    "account", "verify", "timeout", "pool_maxsize", "default_account",
})


def config_path() -> str:
    """The profile file in use."""
    explicit = os.environ.get("OBJCLIENT_CONFIG")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "objclient", "config.ini")


def default_store_url() -> str:
    """``file://`` URL of the embedded store under the user data directory."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "share")
    return "file://" + os.path.join(base, "objclient", "store")


def _read_config(path: Optional[str] = None) -> configparser.ConfigParser:
    import configparser
    parser = configparser.ConfigParser(interpolation=None)
    path = path or config_path()
    if os.path.exists(path):
        try:
            parser.read(path, encoding="utf-8")
        except configparser.Error as exc:
            raise InvalidArgument(f"cannot read {path}: {exc}") from None
    return parser


def _section_name(name: str) -> str:
    return name if name == "default" else f"profile {name}"


def list_profiles(path: Optional[str] = None) -> List[str]:
    """Names of the profiles in the profile file."""
    names = []
    for section in _read_config(path).sections():
        names.append(section[len("profile "):] if section.startswith("profile ") else section)
    return names


def load_profile(name: str, path: Optional[str] = None) -> Tuple[str, Dict[str, Any]]:
    """``(url, options)`` of profile ``name``.

    :raises InvalidArgument: the profile or a variable it names is missing.
    """
    parser = _read_config(path)
    section = _section_name(name)
    if not parser.has_section(section):
        if parser.has_section(name):
            section = name
        else:
            raise InvalidArgument(f"no profile {name!r} in {path or config_path()}")
    options: Dict[str, Any] = {}
    url = None
    for key, value in parser.items(section):
        if key == "url":
            url = value
            continue
        if key.endswith("_env"):
            target = key[:-4]
            if value not in os.environ:
                raise InvalidArgument(f"profile {name!r} takes {target} from ${value}, "
                                      "which is not set")
            key, value = target, os.environ[value]
        elif key.endswith("_keyring"):
            key, value = key[:-8], _keyring_get(name, value)
        if not _OPTION_NAME.match(key):
            raise InvalidArgument(f"profile {name!r} has an invalid option name {key!r}")
        options[key] = value
    if not url:
        raise InvalidArgument(f"profile {name!r} has no url")
    return url, options


def resolve(url: Optional[str], profile: Optional[str] = None) -> Tuple[str, Dict[str, Any]]:
    """The URL and profile options an API should use.

    :param url: the caller's URL; used as it is when given.
    :param profile: a profile name; else ``$OBJCLIENT_PROFILE``.
    """
    if url:
        return url, {}
    if profile:
        return load_profile(profile)
    env_url = os.environ.get("OBJCLIENT_URL")
    if env_url:
        return env_url, {}
    env_profile = os.environ.get("OBJCLIENT_PROFILE")
    if env_profile:
        return load_profile(env_profile)
    if "default" in list_profiles():
        return load_profile("default")
    if os.environ.get("OIO_NS"):
        return namespace_url(os.environ["OIO_NS"]), {}
    return default_store_url(), {}


#: OpenIO's namespace files (``oio/common/configuration.py``,
#: ``_config_paths``): these are all read, later ones overriding earlier
#: ones; ``~/.oio/sds.conf`` is read only when none of them exists.
OIO_SYSTEM_CONF = "/etc/oio/sds.conf"
OIO_SYSTEM_CONF_DIR = "/etc/oio/sds.conf.d"


def _oio_conf_files() -> List[str]:
    """The namespace files OpenIO would read, in its order."""
    import glob
    system = [OIO_SYSTEM_CONF] + sorted(glob.glob(os.path.join(OIO_SYSTEM_CONF_DIR, "*")))
    found = [p for p in system if os.path.isfile(p)]
    if found:
        return found
    local = os.path.join(os.path.expanduser("~"), ".oio", "sds.conf")
    return [local] if os.path.isfile(local) else []


def namespace_proxy(namespace: str) -> str:
    """The ``proxy`` address of ``[namespace]`` in OpenIO's namespace files
    (as ``load_namespace_conf`` finds it).

    :raises InvalidArgument: no file has the section, or it has no proxy.
    """
    import configparser
    files = _oio_conf_files()
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(files, encoding="utf-8")
    except configparser.Error as exc:
        raise InvalidArgument(f"cannot read OpenIO's namespace files: {exc}") from None
    tried = ", ".join(files) or (f"{OIO_SYSTEM_CONF}, {OIO_SYSTEM_CONF_DIR}/*, "
                                 "~/.oio/sds.conf (none exists)")
    if not parser.has_section(namespace):
        raise InvalidArgument(f"no [{namespace}] section in {tried}; give endpoint= "
                              "(the oio-proxy address) or a URL")
    proxy = parser.get(namespace, "proxy", fallback="").strip()
    if not proxy:
        raise InvalidArgument(f"the [{namespace}] section of {tried} has no proxy")
    return proxy


def namespace_url(namespace: str, endpoint: Optional[str] = None) -> str:
    """The ``oio+http://PROXY?namespace=NS`` URL of an OpenIO namespace.

    The proxy is, in order: ``endpoint`` (as OpenIO's ``endpoint=``
    keyword), ``$OIO_PROXY`` (as the ``openio`` command reads it), the
    ``proxy`` key of ``[namespace]`` in OpenIO's namespace files.
    """
    if not namespace or any(c in namespace for c in "/?#&= "):
        raise InvalidArgument(f"{namespace!r} is neither a storage URL nor an OpenIO "
                              "namespace name")
    proxy = endpoint or os.environ.get("OIO_PROXY") or namespace_proxy(namespace)
    scheme = "https" if proxy.startswith("https://") else "http"
    address = proxy.split("://", 1)[-1].rstrip("/")
    return f"oio+{scheme}://{address}?namespace={namespace}"


_KEYRING_SERVICE = "objclient"


def _keyring_module() -> Any:
    # Optional: only when the user installed it, with a backend that can
    # store (on a headless host keyring's fallback backend refuses every call).
    from .http.keyring_saver import usable_keyring
    return usable_keyring()


def _keyring_get(profile: str, entry: str) -> str:
    keyring = _keyring_module()
    if keyring is None:
        raise InvalidArgument(f"profile {profile!r} keeps a secret in the OS keyring, but the "
                              "keyring package is not installed")
    value = keyring.get_password(_KEYRING_SERVICE, entry)
    if value is None:
        raise InvalidArgument(f"profile {profile!r}: no keyring entry {entry!r}")
    return value  # type: ignore[no-any-return]


_SECRET_OPTIONS = ("key", "secret_key", "password", "token", "session_token",
                   "application_credential_secret")


def save_profile(name: str, url: str, options: Dict[str, str],
                 path: Optional[str] = None, use_keyring: bool = True) -> str:
    """Write profile ``name`` (replacing it) to the profile file, mode 0600.

    Secret options (``key``, ``secret_key``, ``password``, ``token`` ...) go
    to the OS keyring when the optional ``keyring`` package is installed;
    the file then holds only ``NAME_keyring = <entry>``.

    :returns: the file's path.
    """
    import tempfile
    from urllib.parse import urlsplit
    if not url or not urlsplit(url).scheme:
        raise InvalidArgument(f"{url!r} is not a storage URL")
    for key in options:
        if not _OPTION_NAME.match(key):
            raise InvalidArgument(f"invalid profile option name {key!r}")
    path = path or config_path()
    parser = _read_config(path)
    section = _section_name(name)
    if parser.has_section(section):
        parser.remove_section(section)
    parser.add_section(section)
    parser.set(section, "url", url)
    keyring = _keyring_module() if use_keyring else None
    for key, value in options.items():
        if keyring is not None and key in _SECRET_OPTIONS:
            entry = f"{name}/{key}"
            keyring.set_password(_KEYRING_SERVICE, entry, value)
            key, value = f"{key}_keyring", entry
        parser.set(section, key, value)
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".config.", dir=folder)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            parser.write(fh)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def describe_profile(name: str, path: Optional[str] = None) -> Dict[str, str]:
    """Profile ``name`` as written, with secret values hidden."""
    parser = _read_config(path)
    section = _section_name(name)
    if not parser.has_section(section):
        raise InvalidArgument(f"no profile {name!r} in {path or config_path()}")
    return {k: ("****" if k in _SECRET_OPTIONS else v) for k, v in parser.items(section)}
