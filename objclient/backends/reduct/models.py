"""What the ReductStore client returns and takes, with reduct-py's names.

Each model has the attributes of reduct-py's message of the same name
(``ServerInfo``, ``BucketInfo``, ``EntryInfo``, ``BucketSettings``,
``Token``, ``Permissions``, ``FullTokenInfo``, ``ReplicationInfo``,
``ReplicationSettings``, ``ReplicationDetailInfo`` ...), so code written
against reduct-py reads ``client.info().version`` unchanged.

Before these types existed the client returned the server's JSON as plain
dicts; every model still answers ``doc["key"]``, ``doc.get("key")``,
``"key" in doc``, ``keys()`` and ``items()`` with the JSON names, and keeps
JSON fields it does not know (a newer server's) in :attr:`extra`, where
the dict-style access finds them too.  ``to_dict()`` gives the JSON back.
"""

from __future__ import annotations

import datetime as _dt
from typing import (Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple, Type,
                    TypeVar, cast)

import attrs

__all__ = ["QuotaType", "Status", "ReplicationMode", "BucketSettings", "BucketInfo",
           "EntryInfo", "BucketFullInfo", "Defaults", "LicenseInfo", "ServerInfo",
           "Permissions", "Token", "FullTokenInfo", "ReplicationSettings",
           "ReplicationInfo", "ReplicationDiagnosticsError", "ReplicationDiagnosticsDetail",
           "ReplicationDiagnostics", "ReplicationDetailInfo", "model_from", "json_of"]

M = TypeVar("M", bound="_Model")


class QuotaType:
    """The bucket quota types (§3); plain strings on the wire."""

    NONE = "NONE"
    FIFO = "FIFO"
    HARD = "HARD"


class Status:
    """A bucket's or entry's status (1.18+): ``READY`` or ``DELETING``."""

    READY = "READY"
    DELETING = "DELETING"


class ReplicationMode:
    """A replication's mode (1.18+)."""

    ENABLED = "enabled"
    PAUSED = "paused"
    DISABLED = "disabled"


def _nested(cls: Any) -> Dict[str, Any]:
    """Field metadata: the JSON value is a ``cls`` model."""
    return {"from_json": lambda doc: model_from(cls, doc)}


def _nested_list(cls: Any) -> Dict[str, Any]:
    """Field metadata: the JSON value is a list of ``cls`` models."""
    return {"from_json": lambda docs: [model_from(cls, d) for d in docs or []]}


def _datetime(text: Any) -> Any:
    """An ISO-8601 string (``Z`` or an offset) as an aware ``datetime``."""
    if not isinstance(text, str):
        return text
    try:
        return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text


_DATETIME = {"from_json": _datetime}


class _Model:
    """Dict-style reading of an attrs model, by its JSON names."""

    extra: Dict[str, Any]

    @classmethod
    def from_dict(cls: Type[M], doc: Mapping[str, Any]) -> M:
        """The model of a JSON object (unknown keys go to :attr:`extra`)."""
        return model_from(cls, doc)

    def to_dict(self) -> Dict[str, Any]:
        """The JSON object (nested models and datetimes included as JSON)."""
        return {key: json_of(value) for key, value in self.items()}

    def _names(self) -> List[str]:
        return [f.name for f in attrs.fields(cast(Any, type(self))) if f.name != "extra"]

    def keys(self) -> List[str]:
        """The JSON names: the fields, then the unknown keys the server sent."""
        return self._names() + [k for k in self.extra if k not in self._names()]

    def items(self) -> List[Tuple[str, Any]]:
        """``[(JSON name, value)]``."""
        return [(key, self[key]) for key in self.keys()]

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key``, or ``default``."""
        return self[key] if key in self else default

    def __getitem__(self, key: str) -> Any:
        if key in self._names():
            return getattr(self, key)
        return self.extra[key]

    def __contains__(self, key: object) -> bool:
        return key in self._names() or key in self.extra

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())


class _Settings(_Model):
    """Settings a client sends: fields left unset (None) are not sent, so
    the server keeps or defaults them."""

    def to_dict(self) -> Dict[str, Any]:
        """The JSON body (None fields left out)."""
        return {k: v for k, v in super().to_dict().items() if v is not None}


def model_from(cls: Type[M], doc: Any) -> M:
    """Build ``cls`` from a JSON object (or return ``doc`` when it already is one)."""
    if isinstance(doc, cls):
        return doc
    if doc is None:
        doc = {}
    kwargs: Dict[str, Any] = {}
    names = set()
    for field in attrs.fields(cast(Any, cls)):
        if field.name == "extra":
            continue
        names.add(field.name)
        if field.name in doc:
            value = doc[field.name]
            convert: Optional[Callable[[Any], Any]] = field.metadata.get("from_json")
            kwargs[field.name] = convert(value) if convert and value is not None else value
    kwargs["extra"] = {k: v for k, v in doc.items() if k not in names}
    return cls(**kwargs)


def json_of(value: Any) -> Any:
    """A model, a datetime, or a list/dict of them, as JSON values."""
    if isinstance(value, _Model):
        return value.to_dict()
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, list):
        return [json_of(v) for v in value]
    if isinstance(value, dict):
        return {k: json_of(v) for k, v in value.items()}
    return value


def _extra() -> Any:
    return attrs.field(factory=dict, repr=False, kw_only=True)


# -- buckets and entries (§3) -----------------------------------------------------------
@attrs.define
class BucketSettings(_Settings):
    """Bucket settings; a field left None is not sent (the server keeps or
    defaults it, §3).

    :param max_block_size: bytes per block.
    :param max_block_records: records per block.
    :param quota_type: ``NONE``, ``FIFO`` or ``HARD`` (see :class:`QuotaType`).
    :param quota_size: bytes.
    """

    max_block_size: Optional[int] = None
    max_block_records: Optional[int] = None
    quota_type: Optional[str] = None
    quota_size: Optional[int] = None
    extra: Dict[str, Any] = _extra()


@attrs.define
class BucketInfo(_Model):
    """A bucket's statistics (times in µs; ``status`` is 1.18+)."""

    name: str = ""
    entry_count: int = 0
    size: int = 0
    oldest_record: int = 0
    latest_record: int = 0
    is_provisioned: bool = False
    status: str = Status.READY
    extra: Dict[str, Any] = _extra()


@attrs.define
class EntryInfo(_Model):
    """An entry's statistics (times in µs; ``status`` is 1.18+)."""

    name: str = ""
    size: int = 0
    block_count: int = 0
    record_count: int = 0
    oldest_record: int = 0
    latest_record: int = 0
    status: str = Status.READY
    extra: Dict[str, Any] = _extra()


@attrs.define
class BucketFullInfo(_Model):
    """``GET /b/{bucket}``: statistics, settings and entries."""

    info: BucketInfo = attrs.field(factory=BucketInfo, metadata=_nested(BucketInfo))
    settings: BucketSettings = attrs.field(factory=BucketSettings,
                                           metadata=_nested(BucketSettings))
    entries: List[EntryInfo] = attrs.field(factory=list, metadata=_nested_list(EntryInfo))
    extra: Dict[str, Any] = _extra()


# -- server (§2) ------------------------------------------------------------------------------
@attrs.define
class Defaults(_Model):
    """The server's defaults: settings of a new bucket."""

    bucket: BucketSettings = attrs.field(factory=BucketSettings,
                                         metadata=_nested(BucketSettings))
    extra: Dict[str, Any] = _extra()


@attrs.define
class LicenseInfo(_Model):
    """The server's license (None on the community edition)."""

    licensee: str = ""
    invoice: str = ""
    expiry_date: Any = attrs.field(default=None, metadata=_DATETIME)
    plan: str = ""
    device_number: int = 0
    disk_quota: int = 0
    fingerprint: str = ""
    extra: Dict[str, Any] = _extra()


@attrs.define
class ServerInfo(_Model):
    """``GET /info``: version ``x.y.z``, bucket count, usage (bytes), uptime
    (s), oldest and latest record (µs), license, defaults."""

    version: str = ""
    bucket_count: int = 0
    usage: int = 0
    uptime: int = 0
    oldest_record: int = 0
    latest_record: int = 0
    license: Optional[LicenseInfo] = attrs.field(default=None, metadata=_nested(LicenseInfo))
    defaults: Defaults = attrs.field(factory=Defaults, metadata=_nested(Defaults))
    extra: Dict[str, Any] = _extra()


# -- tokens (§9) ----------------------------------------------------------------------------
@attrs.define
class Permissions(_Model):
    """A token's permissions: full access, and the buckets it reads and writes."""

    full_access: bool = False
    read: List[str] = attrs.field(factory=list)
    write: List[str] = attrs.field(factory=list)
    extra: Dict[str, Any] = _extra()


@attrs.define
class Token(_Model):
    """A token as listed (no value, no permissions); times are ``datetime``."""

    name: str = ""
    created_at: Any = attrs.field(default=None, metadata=_DATETIME)
    is_provisioned: bool = False
    expires_at: Any = attrs.field(default=None, metadata=_DATETIME)
    ttl: Optional[int] = None
    last_access: Any = attrs.field(default=None, metadata=_DATETIME)
    is_expired: bool = False
    ip_allowlist: List[str] = attrs.field(factory=list)
    extra: Dict[str, Any] = _extra()


@attrs.define
class FullTokenInfo(Token):
    """A token with its permissions (``get_token``, ``me``)."""

    permissions: Permissions = attrs.field(factory=Permissions, metadata=_nested(Permissions))


# -- replications (§10) -------------------------------------------------------------------
@attrs.define
class ReplicationSettings(_Settings):
    """What a replication copies, and where (``when`` 1.14, ``mode`` 1.18,
    ``dst_prefix`` and ``compression`` 1.21; None fields are not sent)."""

    src_bucket: str
    dst_bucket: str
    dst_host: str
    dst_token: Optional[str] = None
    entries: List[str] = attrs.field(factory=list)
    dst_prefix: Optional[str] = None
    when: Optional[Dict[str, Any]] = None
    mode: Optional[str] = None
    compression: Optional[str] = None
    extra: Dict[str, Any] = _extra()


@attrs.define
class ReplicationInfo(_Model):
    """A replication's state."""

    name: str = ""
    is_provisioned: bool = False
    is_active: bool = False
    mode: str = ReplicationMode.ENABLED
    pending_records: int = 0
    extra: Dict[str, Any] = _extra()


@attrs.define
class ReplicationDiagnosticsError(_Model):
    """How often one error status happened, and its last message."""

    count: int = 0
    last_message: str = ""
    extra: Dict[str, Any] = _extra()


def _errors_by_status(doc: Mapping[str, Any]) -> Dict[int, ReplicationDiagnosticsError]:
    return {int(code): model_from(ReplicationDiagnosticsError, err) for code, err in doc.items()}


@attrs.define
class ReplicationDiagnosticsDetail(_Model):
    """Records replicated and failed in the last hour, errors by status."""

    ok: int = 0
    errored: int = 0
    errors: Dict[int, ReplicationDiagnosticsError] = attrs.field(
        factory=dict, metadata={"from_json": _errors_by_status})
    extra: Dict[str, Any] = _extra()


@attrs.define
class ReplicationDiagnostics(_Model):
    """A replication's diagnostics."""

    hourly: ReplicationDiagnosticsDetail = attrs.field(
        factory=ReplicationDiagnosticsDetail, metadata=_nested(ReplicationDiagnosticsDetail))
    extra: Dict[str, Any] = _extra()


def _settings_of(doc: Mapping[str, Any]) -> ReplicationSettings:
    full = {"src_bucket": "", "dst_bucket": "", "dst_host": ""}
    full.update(doc)
    return model_from(ReplicationSettings, full)


@attrs.define
class ReplicationDetailInfo(_Model):
    """``GET /replications/{name}``: info, settings (token masked), diagnostics."""

    diagnostics: ReplicationDiagnostics = attrs.field(
        factory=ReplicationDiagnostics, metadata=_nested(ReplicationDiagnostics))
    info: ReplicationInfo = attrs.field(factory=ReplicationInfo,
                                        metadata=_nested(ReplicationInfo))
    settings: Optional[ReplicationSettings] = attrs.field(
        default=None, metadata={"from_json": _settings_of})
    extra: Dict[str, Any] = _extra()
