"""What objclient's API returns: small, frozen, printable attrs classes.

Scripts written for OpenIO's ``ObjectStorageApi`` index results like dicts
(``meta["size"]``, ``listing["objects"]``).  Every model here keeps that
working: ``model[key]``, ``model.get(key)``, ``key in model``, ``keys()`` and
``dict(model)`` use the attribute names, plus the OpenIO spellings listed in
each class's ``_aliases`` (``"mime-type"``, ``"length"`` ...).  The keys a
class guarantees are its attribute names; anything a backend adds lives in
``extra`` and is reachable the same way.

Each model is made one way, by its ``__init__`` (attrs' advice: keep it
simple, and read other formats in named constructors).  What a server sends
is read by its backend, which calls that ``__init__``: the models know no
wire format.  Listings, which make thousands of objects, may instead yield
:class:`ListingEntry`: an explicit lazy stand-in for an :class:`ObjectInfo`
whose fields are worked out on first read.
"""

from __future__ import annotations

import operator
from typing import (Any, Callable, Dict, Generic, Iterator, List, Mapping, Optional, Sequence,
                    Tuple, TypeVar, Union, overload)

import attrs

__all__ = [
    "AccountInfo", "ContainerInfo", "ContainerEntry", "ObjectInfo",
    "ListingEntry", "ObjectListing", "ContainerListing", "ChunkInfo", "TimingRecord",
    "ResultDict", "ContainerRow", "as_result",
]


def _props(value: Optional[Mapping[str, str]]) -> Dict[str, str]:
    return dict(value) if value else {}


class _DictAccess:
    """Read-only mapping access over an attrs class's fields."""

    _aliases: Mapping[str, str] = {}

    def _field_names(self) -> Tuple[str, ...]:
        return _field_names(type(self))

    def __getitem__(self, key: str) -> Any:
        name = self._aliases.get(key, key)
        if name in self._field_names():
            return getattr(self, name)
        extra = getattr(self, "extra", None) or {}
        if key in extra:
            return extra[key]
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        """Like ``dict.get``."""
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        try:
            self[key]  # type: ignore[index]
        except (KeyError, TypeError):
            return False
        return True

    def keys(self) -> List[str]:
        """The guaranteed keys, then those the backend added."""
        extra = getattr(self, "extra", None) or {}
        names = self._field_names()
        return list(names) + [k for k in extra if k not in names]

    def items(self) -> List[Tuple[str, Any]]:
        """``(key, value)`` pairs as ``dict.items`` gives them."""
        return [(k, self[k]) for k in self.keys()]

    def to_dict(self) -> Dict[str, Any]:
        """A plain, JSON-friendly dict of this model."""
        out: Dict[str, Any] = {}
        for key in self.keys():
            value = self[key]
            if isinstance(value, _DictAccess):
                value = value.to_dict()
            elif isinstance(value, (list, tuple)):
                value = [v.to_dict() if isinstance(v, _DictAccess) else v for v in value]
            out[key] = value
        return out


@attrs.frozen
class AccountInfo(_DictAccess):
    """An account: what ``account_show`` returns.

    Guaranteed keys: ``id``, ``containers``, ``objects``, ``bytes``,
    ``ctime``, ``mtime``, ``metadata`` (the account's properties; also
    reachable as ``properties``).  ``objects`` and ``bytes`` are None where
    the backend cannot know them without reading everything (S3, SeaweedFS).
    """

    id: str
    containers: int = 0
    objects: Optional[int] = 0
    bytes: Optional[int] = 0
    ctime: Optional[float] = None
    mtime: Optional[float] = None
    metadata: Dict[str, str] = attrs.field(factory=dict, converter=_props)
    extra: Dict[str, Any] = attrs.field(factory=dict, repr=False)

    _aliases = {"properties": "metadata", "name": "id"}


@attrs.frozen
class ContainerInfo(_DictAccess):
    """A container: what ``container_show`` returns.

    Guaranteed keys: ``name``, ``account``, ``objects``, ``bytes``,
    ``ctime``, ``mtime``, ``properties`` (user properties), ``system``
    (backend properties such as the storage policy or versioning).
    ``objects`` and ``bytes`` are None where the backend cannot know them
    cheaply (S3, SeaweedFS): never a wrong number.
    """

    name: str
    account: str
    objects: Optional[int] = 0
    bytes: Optional[int] = 0
    ctime: Optional[float] = None
    mtime: Optional[float] = None
    properties: Dict[str, str] = attrs.field(factory=dict, converter=_props)
    system: Dict[str, str] = attrs.field(factory=dict, converter=_props)
    extra: Dict[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen
class ContainerEntry(_DictAccess):
    """One row of ``container_list``.

    Also indexable by position like OpenIO's ``[name, objects, bytes,
    is_prefix, mtime]`` lists: ``entry[0]`` is the name.
    """

    name: str
    objects: Optional[int] = 0
    bytes: Optional[int] = 0
    is_prefix: bool = False
    mtime: Optional[float] = None
    extra: Dict[str, Any] = attrs.field(factory=dict, repr=False)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, int):
            return (self.name, self.objects, self.bytes, int(self.is_prefix), self.mtime)[key]
        return _DictAccess.__getitem__(self, key)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.name, self.objects, self.bytes, int(self.is_prefix), self.mtime))

    def __len__(self) -> int:
        return 5


@attrs.frozen(slots=False)  # a dict class: a ListingEntry copies its __dict__ (see _FromInfo)
class ObjectInfo(_DictAccess):
    """An object's metadata: what ``object_show`` and listings return.

    Guaranteed keys: ``name``, ``size`` (also ``length``), ``hash`` (hex MD5
    of the content when the backend knows it, else the server's ETag; never
    a multipart ETag passed off as an MD5: see ``hash_method``),
    ``hash_method``, ``mime_type`` (also ``mime-type``), ``ctime``, ``mtime``,
    ``version``, ``deleted``, ``properties``, ``policy``, ``chunk_method``,
    ``id``, ``container``, ``account``.

    Made one way, by its ``__init__``.  What a server sends (a header set, a
    listing row) is read by a function of its backend that calls it, as
    ``object_info`` in ``backends/swift/container.py``: the model knows no
    wire format, and the bottom layer imports no backend.
    """

    name: str
    size: int = 0
    hash: Optional[str] = None
    hash_method: Optional[str] = "md5"
    mime_type: str = "application/octet-stream"
    ctime: Optional[float] = None
    mtime: Optional[float] = None
    version: Optional[Any] = None
    deleted: bool = False
    properties: Dict[str, str] = attrs.field(factory=dict, converter=_props)
    policy: Optional[str] = None
    chunk_method: Optional[str] = None
    id: Optional[str] = None
    container: Optional[str] = None
    account: Optional[str] = None
    is_latest: bool = True
    extra: Dict[str, Any] = attrs.field(factory=dict, repr=False)

    _aliases = {"length": "size", "mime-type": "mime_type",
                "chunk-method": "chunk_method", "hash-method": "hash_method",
                "content": "id", "etag": "hash"}


_T = TypeVar("_T")


class _FromInfo(Generic[_T]):
    """A field of :class:`ListingEntry`, read from its :class:`ObjectInfo`.

    A non-data descriptor (no ``__set__``): the first read of any field
    makes the ObjectInfo and copies its fields into the entry's
    ``__dict__``, where Python looks before it looks here, so each later
    read costs what an ObjectInfo's does (as ``functools.cached_property``,
    for every field at once)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, entry: None, owner: Optional[type] = None) -> "_FromInfo[_T]": ...

    @overload
    def __get__(self, entry: "ListingEntry", owner: Optional[type] = None) -> _T: ...

    def __get__(self, entry: Optional["ListingEntry"], owner: Optional[type] = None) -> Any:
        if entry is None:
            return self
        info = entry.info()
        vars(entry).update(vars(info))  # ObjectInfo is a dict class for this
        return getattr(info, self.name)


def _given(info: ObjectInfo) -> ObjectInfo:
    """The ``make_info`` of an entry whose ObjectInfo is already made."""
    return info


class ListingEntry(_DictAccess):
    """One object of a listing whose fields are worked out when first read.

    ``ListingEntry(name, make_info, *args)``: ``name`` is there at once;
    ``make_info(*args)`` (a backend's conversion of the server's row, which
    must give an :class:`ObjectInfo` of that name) runs on the first read of
    any other field, once.  Swift and S3 listings yield these: a loop over
    a big listing often reads only names, and an entry costs a sixth of a
    converted row (callgrind, a Swift row: 4,600 instructions made and its
    name read, 27,000 converted).

    An entry reads as an ObjectInfo does: every field as an attribute
    (``entry.size``), ``entry["size"]`` with OpenIO's spellings, ``get``,
    ``in``, ``keys()``, ``to_dict()``.  It is frozen, compares equal to an
    entry or ObjectInfo of the same fields, pickles and copies.  Where an
    ObjectInfo itself is needed (``attrs.evolve``, ``attrs.asdict``,
    ``isinstance``), :meth:`info` returns it.
    """

    name: str
    size = _FromInfo[int]()
    hash = _FromInfo[Optional[str]]()
    hash_method = _FromInfo[Optional[str]]()
    mime_type = _FromInfo[str]()
    ctime = _FromInfo[Optional[float]]()
    mtime = _FromInfo[Optional[float]]()
    version = _FromInfo[Optional[Any]]()
    deleted = _FromInfo[bool]()
    properties = _FromInfo[Dict[str, str]]()
    policy = _FromInfo[Optional[str]]()
    chunk_method = _FromInfo[Optional[str]]()
    id = _FromInfo[Optional[str]]()
    container = _FromInfo[Optional[str]]()
    account = _FromInfo[Optional[str]]()
    is_latest = _FromInfo[bool]()
    extra = _FromInfo[Dict[str, Any]]()

    _aliases = ObjectInfo._aliases

    def __init__(self, name: str, make_info: Callable[..., ObjectInfo], *args: Any) -> None:
        state = self.__dict__  # (the class is frozen: see __setattr__)
        state["name"] = name
        state["_pending"] = (make_info, args)

    def info(self) -> ObjectInfo:
        """The :class:`ObjectInfo` this entry stands for, made on the first
        call or field read.  Safe from many threads: a race makes it twice,
        equal, and either is kept."""
        state = self.__dict__
        info = state.get("_info")
        if info is None:
            pending = state.get("_pending")
            if pending is None:  # made by another thread since the line above
                return state["_info"]  # type: ignore[no-any-return]
            make_info, args = pending
            info = state["_info"] = make_info(*args)  # set before the pending call
            state.pop("_pending", None)  # is dropped: a reader finds one or the other
        return info  # type: ignore[no-any-return]

    def _field_names(self) -> Tuple[str, ...]:
        return _field_names(ObjectInfo)

    def __setattr__(self, name: str, value: Any) -> None:
        raise attrs.exceptions.FrozenInstanceError()

    def __delattr__(self, name: str) -> None:
        raise attrs.exceptions.FrozenInstanceError()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ListingEntry):
            return self.info() == other.info()
        if isinstance(other, ObjectInfo):
            return self.info() == other
        return NotImplemented

    # unhashable, as an ObjectInfo is (its dicts are)
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ListingEntry({self.info()!r})"

    def __reduce__(self) -> Tuple[Any, ...]:
        return (ListingEntry, (self.name, _given, self.info()))


@attrs.frozen
class ChunkInfo(_DictAccess):
    """Where one piece of an object's data lives (``object_locate``).

    Guaranteed keys: ``url``, ``pos`` (a string, OpenIO style: ``"0"``,
    ``"1"``, ``"0.1"``), ``size``, ``hash``.
    """

    url: str
    pos: str = "0"
    size: int = 0
    hash: Optional[str] = None
    extra: Dict[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen
class ObjectListing(_DictAccess):
    """One page of ``object_list``.

    Guaranteed keys: ``objects`` (a list of :class:`ObjectInfo`, or of
    :class:`ListingEntry` where the backend makes them lazily), ``prefixes``
    (common prefixes when a delimiter was given), ``truncated`` and
    ``next_marker`` (pass it as ``marker`` to get the next page).
    """

    objects: Sequence[Union[ObjectInfo, ListingEntry]] = attrs.field(factory=list)
    prefixes: List[str] = attrs.field(factory=list)
    truncated: bool = False
    next_marker: Optional[str] = None
    properties: Dict[str, str] = attrs.field(factory=dict, converter=_props)
    extra: Dict[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen
class ContainerListing(_DictAccess):
    """One page of an account's containers (``container_list`` pages).

    Guaranteed keys: ``listing`` (list of :class:`ContainerEntry`),
    ``truncated``, ``next_marker``.
    """

    listing: List[ContainerEntry] = attrs.field(factory=list)
    truncated: bool = False
    next_marker: Optional[str] = None
    extra: Dict[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen
class TimingRecord(_DictAccess):
    """One HTTP exchange as :meth:`HTTPClient.get_timing_records` reports it.

    ``url`` has every secret removed; ``start`` is wall-clock epoch seconds;
    ``elapsed`` runs to the end of the body when the body was read by
    objclient, to the response headers when the caller streamed it.
    ``status`` is None when no response came (connection error).
    """

    method: str
    url: str
    status: Optional[int]
    start: float
    elapsed: float
    bytes_sent: int = 0
    bytes_received: int = 0
    attempt: int = 1


#: OpenIO's other spellings of a result's keys, read through ``result[key]``.
_RESULT_ALIASES = {"mime-type": "mime_type", "chunk-method": "chunk_method",
                   "hash-method": "hash_method", "content": "id", "etag": "hash",
                   "length": "size", "size": "length", "properties": "metadata",
                   "name": "id"}


class ResultDict(Dict[str, Any]):
    """What the facade returns where OpenIO returns a dict: a real ``dict``
    (``json.dumps``, ``copy.deepcopy``, item assignment and ``==`` with a
    dict work) whose keys also read as attributes (``meta.size``), as
    objclient's models did.

    ``result["mime-type"]`` and the other spellings in ``_RESULT_ALIASES``
    still read through ``[]``; ``get`` and ``in`` see only the real keys.
    """

    __slots__ = ()

    def __missing__(self, key: str) -> Any:
        alias = _RESULT_ALIASES.get(key)
        if alias is not None and dict.__contains__(self, alias):
            return dict.__getitem__(self, alias)
        raise KeyError(key)

    def __getattr__(self, name: str) -> Any:
        try:
            return dict.__getitem__(self, name)
        except KeyError:
            raise AttributeError(f"no key or attribute {name!r}") from None

    @property
    def extra(self) -> Dict[str, Any]:
        """The keys no model guarantees (what a backend added: ``score``,
        ``checksum_crc32`` ...), as the models' ``extra`` held them."""
        return {k: v for k, v in self.items() if k not in _MODEL_KEYS}

    def to_dict(self) -> Dict[str, Any]:
        """A plain dict copy, nested results included (what the CLI prints)."""
        return {k: _plain(v) for k, v in self.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, (ResultDict, ContainerRow)):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class ContainerRow(List[Any]):
    """One entry of ``container_list``: OpenIO's five-field list ``[name,
    objects, bytes, is_prefix (1 or 0), mtime]``, whose fields also read by
    name (``row.name``, ``row["bytes"]``)."""

    __slots__ = ()
    FIELDS = ("name", "objects", "bytes", "is_prefix", "mtime")

    @classmethod
    def from_entry(cls, entry: ContainerEntry) -> "ContainerRow":
        """The row of one :class:`ContainerEntry`."""
        return cls((entry.name, entry.objects, entry.bytes, int(entry.is_prefix),
                    entry.mtime))

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            if key not in self.FIELDS:
                raise KeyError(key)
            key = self.FIELDS.index(key)
        return list.__getitem__(self, key)

    def __getattr__(self, name: str) -> Any:
        if name in self.FIELDS:
            return list.__getitem__(self, self.FIELDS.index(name))
        raise AttributeError(f"a container row has no attribute {name!r}")

    def get(self, key: str, default: Any = None) -> Any:
        """A field by name, or ``default``."""
        return self[key] if key in self.FIELDS else default

    def to_dict(self) -> Dict[str, Any]:
        """``{"name": ..., "objects": ..., ...}``."""
        return dict(zip(self.FIELDS, self))


_FIELD_NAMES: Dict[type, Tuple[str, ...]] = {}
#: every key some model guarantees (a result's other keys are its ``extra``)
_MODEL_KEYS = frozenset({"length", "system"}.union(*(
    (f.name for f in attrs.fields(cls) if f.name != "extra")
    for cls in (AccountInfo, ContainerInfo, ContainerEntry, ObjectInfo, ChunkInfo,
                ObjectListing, ContainerListing))))


def _field_names(cls: type) -> Tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = tuple(f.name for f in attrs.fields(cls) if f.name != "extra")
        _FIELD_NAMES[cls] = names
    return names


#: the values as_result returns as they are, tested first: most of a model's
#: fields (an object_list page of 1,000 entries calls it for 17,000 of them)
_AS_IS = frozenset({str, int, float, bool, type(None)})

#: the declared field types whose values as_result copies as they are (the
#: models' annotations are strings, under ``from __future__ import annotations``)
_SCALAR_TYPES = frozenset({"str", "int", "float", "bool"}) | frozenset(
    f"Optional[{name}]" for name in ("str", "int", "float", "bool"))

_CONVERTERS: Dict[type, Callable[[Any], "ResultDict"]] = {}


def _converter(cls: type) -> Callable[[Any], "ResultDict"]:
    """The function that turns a model of class ``cls`` into its result dict.

    Made once per class: one ``attrgetter`` reads every field, and only the
    fields not declared as scalars (``properties``, ``version``, lists of
    models...) are looked at one by one.  A scalar field holding anything
    else would be a backend bug that mypy reports.
    """
    names = _field_names(cls)
    read = operator.attrgetter(*names)
    loose = tuple(f.name for f in attrs.fields(cls)
                  if f.name != "extra" and f.type not in _SCALAR_TYPES)
    has_extra = "extra" in attrs.fields_dict(cls)
    length = issubclass(cls, ObjectInfo)
    system = issubclass(cls, ObjectListing)

    def convert(value: Any) -> ResultDict:
        out = ResultDict(zip(names, read(value)))
        for name in loose:
            item = out[name]
            if type(item) is dict:
                out[name] = dict(item)  # properties: as_result's copy, without its tests
            elif type(item) not in _AS_IS:
                out[name] = as_result(item)
        if has_extra and value.extra:
            for key, item in value.extra.items():
                out.setdefault(key, item if type(item) in _AS_IS else as_result(item))
        if length:
            out["length"] = out["size"]
        elif system:
            out.setdefault("system", {})
        return out

    return convert


def as_result(value: Any) -> Any:
    """A model as OpenIO returns it: dicts (:class:`ResultDict`), lists and
    :class:`ContainerRow`; other values as they are (dicts and lists copied).

    An object's metadata also gets ``length`` (OpenIO's name of its size);
    a listing gets ``system`` (empty where the backend has none).
    """
    convert = _CONVERTERS.get(type(value))
    if convert is not None:
        return convert(value)
    if isinstance(value, ContainerEntry):
        return ContainerRow.from_entry(value)
    if isinstance(value, ListingEntry):
        return as_result(value.info())
    if isinstance(value, _DictAccess):
        convert = _CONVERTERS[type(value)] = _converter(type(value))
        return convert(value)
    if isinstance(value, (list, tuple)):
        return [as_result(v) for v in value]
    if isinstance(value, dict) and not isinstance(value, ResultDict):
        return dict(value)
    return value
