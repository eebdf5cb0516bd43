"""The S3 backend (``s3+http://HOST[:PORT]``, ``s3+https://...``).

URL: ``s3+https://HOST[:PORT][?region=REGION&addressing=path|virtual]``.
Credentials come from the options ``access_key``/``secret_key``/
``session_token``, else ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/
``AWS_SESSION_TOKEN`` (region: ``AWS_REGION``), else the shared credentials
file (``~/.aws/credentials``, profile ``profile`` or ``$AWS_PROFILE``).

Mapping: the account is the credentials' owner (the account name a call
passes is accepted and ignored: the keys decide what is visible);
container = bucket; object = key with ``x-amz-meta-*`` properties.

Options: ``region``, ``addressing``, ``multipart_threshold`` (bytes,
default 64 MiB), ``part_size`` (bytes, >= 5 MiB, default 8 MiB),
``copy_part_threshold`` (bytes, default 5 GiB, the largest object S3's
CopyObject takes: a server-side copy at least this large is made of
UploadPartCopy parts instead, see :meth:`.multipart.MultipartUploader.copy`),
``copy_part_size`` (bytes, 5 MiB to 5 GiB, default 512 MiB: the size of
those parts),
``concurrency`` (parts in flight, default 4), ``tagging`` (bucket tags as
container properties; off for servers without PutBucketTagging),
``path_keys`` (refuse keys a path-based server such as SeaweedFS would alter),
``chunk_size`` (bytes read at a time by downloads, default 1 MiB),
``checksum_algorithm`` (``"sha256"`` or ``"crc32c"``: also send that checksum
with every PUT and part, and check downloads against it when the server
reports one; default None, MD5 only), ``delete_check`` (how ``object_delete``
tells a missing object, as S3 answers 204 either way: ``"conditional"``, the
default, sends one ``DELETE`` with ``If-Match: *``, which a server that
honours it answers with 412 for a missing key (SeaweedFS and Swift's s3api
do: the suite checks both); ``"head"`` sends a HEAD first, for a server that
ignores ``If-Match`` on DELETE), ``checksum`` (default True: every PUT and part
goes with its ``Content-MD5``, which the server checks, and downloads are
checked against an MD5 ETag; False turns the client's MD5 off both ways, as
boto3's ``request_checksum_calculation="when_required"`` does: the hash
reported is then the server's ETag, only sizes are checked, and a multipart
object reports its ETag with ``hash_method="etag"``), ``versioning`` (default
True: bucket versioning, as SeaweedFS and Swift's s3api with
``object_versioning`` implement it, see :mod:`.versions`; False turns the
``versioning`` and ``delete_markers`` capabilities off for a server without it,
so every call that needs them raises NotSupported before any request).

Counters: S3 keeps none, so ``objects`` and ``bytes`` of ``container_show``,
``account_show`` and ``container_list`` rows are None (unknown), never 0.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

import attrs

from ...auth.sigv4 import SigV4Auth
from ...contract import (Backend, CallOptions, Capability, bool_option, build_http_client,
                         reject_unknown_options)
from ...exceptions import (ChecksumMismatch, ClientError, Conflict, ContainerNotEmpty,
                           InvalidArgument, NoSuchContainer, NoSuchObject, NotFound)
from ...http.stream import DEFAULT_CHUNK_SIZE
from ...integrity import check_algorithm
from ...http.transport import Response
from .container import COPY_OBJECT_LIMIT
from .names import S3_NAME_RULES, key_path

__all__ = ["create_backend", "S3Backend", "S3_CAPABILITIES", "MIN_PART_SIZE", "COPY_OBJECT_LIMIT"]

MIN_PART_SIZE = 5 * 1024 * 1024
DEFAULT_THRESHOLD = 64 * 1024 * 1024
DEFAULT_PART_SIZE = 8 * 1024 * 1024
#: Parts of a part copy: a 5 GiB object makes 10 of them, 4 in flight at a
#: time; each is one request the server may take seconds to answer.
DEFAULT_COPY_PART_SIZE = 512 * 1024 * 1024

S3_CAPABILITIES = frozenset({
    Capability.OBJECT_PROPERTIES, Capability.RANGES, Capability.SERVER_SIDE_COPY,
    Capability.LINK, Capability.MULTIPART, Capability.TEMP_URL, Capability.DELIMITER,
    Capability.END_MARKER, Capability.RESUME, Capability.VERSIONING,
    Capability.DELETE_MARKERS,
})

_NO_BUCKET = {"NoSuchBucket"}
_NO_KEY = {"NoSuchKey", "NoSuchVersion", "NoSuchUpload"}


def refine(err: ClientError, bucket: Optional[str] = None,
           key: Optional[str] = None) -> ClientError:
    """A more precise objclient error for an S3 error code.

    :returns: a new error (NoSuchContainer, NoSuchObject, ContainerNotEmpty,
        ChecksumMismatch) or ``err`` itself.
    """
    code = err.code
    kwargs: Dict[str, Any] = dict(status=err.status, method=err.method, url=err.url,
                  request_id=err.request_id, server_message=err.server_message,
                  attempts=err.attempts, code=code)
    new: Optional[ClientError] = None
    if isinstance(err, NotFound):
        if code in _NO_BUCKET or (code is None and key is None):
            new = NoSuchContainer(f"bucket {bucket!r} does not exist", **kwargs)
        elif code in _NO_KEY or code is None:
            new = NoSuchObject(f"object {key!r} does not exist in bucket {bucket!r}", **kwargs)
    elif isinstance(err, Conflict) and code == "BucketNotEmpty":
        new = ContainerNotEmpty(f"bucket {bucket!r} is not empty", **kwargs)
    elif code in ("BadDigest", "InvalidDigest"):
        new = ChecksumMismatch(f"the server says the data of {key!r} does not match its "
                               "MD5; nothing was stored", **kwargs)
    return new if new is not None else err


@attrs.define(eq=False)
class S3Backend(Backend):
    """The S3 backend: endpoint, addressing, transfer settings and the one
    request helper its sub-clients share."""

    scheme: str = "https"
    netloc: str = ""
    region: str = "us-east-1"
    virtual: bool = False
    multipart_threshold: int = DEFAULT_THRESHOLD
    part_size: int = DEFAULT_PART_SIZE
    concurrency: int = 4
    chunk_size: int = DEFAULT_CHUNK_SIZE
    checksum_algorithm: Optional[str] = None
    signer: Optional[SigV4Auth] = None
    delete_check: str = "conditional"
    #: whether the client hashes what it sends and reads (``checksum`` option)
    checksum: bool = True
    #: whether the server checks and echoes ``x-amz-checksum-crc32`` (None:
    #: not known yet; False: it ignored one, Content-MD5 is sent instead)
    crc32_confirmed: Optional[bool] = None
    #: the same for ``x-amz-checksum-crc32c`` on multipart parts (sent instead
    #: of Content-MD5 when the ``crc32c`` package is installed)
    crc32c_confirmed: Optional[bool] = None
    #: server-side copies at least this large are made of UploadPartCopy parts
    copy_part_threshold: int = COPY_OBJECT_LIMIT
    #: the size of those parts (doubled as needed to fit 10,000 parts)
    copy_part_size: int = DEFAULT_COPY_PART_SIZE
    #: whether the server answers UploadPartCopy with the MD5 of the part
    #: (None: not known yet; False: it did not, see :mod:`.multipart`)
    copy_part_md5: Optional[bool] = None

    def url(self, bucket: Optional[str] = None, key: Optional[str] = None) -> str:
        """The URL of the service, a bucket or an object (no query)."""
        if not bucket:
            return f"{self.scheme}://{self.netloc}/"
        if self.virtual:
            return f"{self.scheme}://{bucket}.{self.netloc}/{key_path(key)}"
        suffix = "/" + key_path(key) if key is not None else ""
        return f"{self.scheme}://{self.netloc}/{bucket}{suffix}"

    def call(self, method: str, bucket: Optional[str] = None, key: Optional[str] = None, *,
             query: Optional[List[Tuple[str, str]]] = None, opts: CallOptions,
             headers: Optional[Mapping[str, str]] = None, service: str = "s3",
             write: bool = False, **kwargs: Any) -> Response:
        """Send one request to S3; errors come back refined (see :func:`refine`).

        :param query: ``(name, value)`` pairs; a value of None is a bare name.
        :param write: the request sends object data (``write_timeout`` applies).
        """
        url = self.url(bucket, key)
        if query:
            from ...auth.sigv4 import uri_encode
            url += "?" + "&".join(uri_encode(k) if v is None else
                                  f"{uri_encode(k)}={uri_encode(v)}" for k, v in query)
        merged = dict(headers or {})
        merged.update(opts.headers)
        try:
            return self.http.request(method, url, headers=merged,
                                     **opts.http_kwargs(service, write=write), **kwargs)
        except ClientError as err:
            raise refine(err, bucket, key) from None


def _shared_credentials(profile: str) -> Dict[str, str]:
    import configparser  # only without credentials given: about 8 M instructions (issue 26)
    path = os.environ.get("AWS_SHARED_CREDENTIALS_FILE",
                          os.path.join(os.path.expanduser("~"), ".aws", "credentials"))
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (OSError, configparser.Error):
        return {}
    if not parser.has_section(profile):
        return {}
    return dict(parser.items(profile))


def resolve_credentials(access_key: Optional[str], secret_key: Optional[str],
                        session_token: Optional[str], profile: Optional[str]
                        ) -> Tuple[str, str, Optional[str]]:
    """Credentials from the arguments, the environment or the shared file.

    :raises InvalidArgument: none found.
    """
    if access_key and secret_key:
        return access_key, secret_key, session_token
    env_ak = os.environ.get("AWS_ACCESS_KEY_ID")
    env_sk = os.environ.get("AWS_SECRET_ACCESS_KEY")
    if env_ak and env_sk and not profile:
        return env_ak, env_sk, os.environ.get("AWS_SESSION_TOKEN")
    name = profile or os.environ.get("AWS_PROFILE") or "default"
    shared = _shared_credentials(name)
    if shared.get("aws_access_key_id") and shared.get("aws_secret_access_key"):
        return (shared["aws_access_key_id"], shared["aws_secret_access_key"],
                shared.get("aws_session_token"))
    raise InvalidArgument("no S3 credentials: pass access_key and secret_key, set "
                          "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add profile "
                          f"{name!r} to ~/.aws/credentials")


def _is_ip_or_local(host: str) -> bool:
    if host in ("localhost",) or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _size_option(name: str, value: Any, minimum: int,
                 maximum: Optional[int] = None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidArgument(f"{name} must be a number of bytes, not {value!r}") from None
    if number < minimum:
        raise InvalidArgument(f"{name} must be at least {minimum} bytes")
    if maximum is not None and number > maximum:
        raise InvalidArgument(f"{name} must be at most {maximum} bytes")
    return number


def create_backend(url: str, *, auth: Any = None, access_key: Optional[str] = None,
                   secret_key: Optional[str] = None, session_token: Optional[str] = None,
                   region: Optional[str] = None, addressing: Optional[str] = None,
                   profile: Optional[str] = None, multipart_threshold: Any = None,
                   part_size: Any = None, concurrency: Any = None, tagging: Any = None,
                   path_keys: Any = None, chunk_size: Any = None,
                   checksum_algorithm: Optional[str] = None, delete_check: Optional[str] = None,
                   checksum: Any = None, versioning: Any = None,
                   copy_part_threshold: Any = None, copy_part_size: Any = None,
                   **options: Any) -> S3Backend:
    """Build an S3 backend for ``s3+http(s)://HOST[:PORT]``.

    :param auth: a :class:`SigV4Auth` to use instead of credentials.
    :param tagging: bucket tags as container properties (default on).
    :param path_keys: the server stores keys as file paths (SeaweedFS): keys
        it would alter are refused with InvalidName (default off).
    :param chunk_size: bytes read at a time from a download's body.
    :param checksum_algorithm: ``"sha256"`` or ``"crc32c"``: an additional
        checksum sent with each PUT and part (``x-amz-checksum-*``) and
        checked on download when the server returns one (default None).
    :param delete_check: ``"conditional"`` (default) or ``"head"``: how a
        delete finds out that the object is missing (see the module docstring).
    :param checksum: False: no MD5 on the client, either way (default True).
    :param versioning: False: the server has no bucket versioning (default True).
    :param copy_part_threshold: server-side copies at least this large are
        made with UploadPartCopy (default 5 GiB, CopyObject's limit).
    :param copy_part_size: the size of their parts (default 512 MiB).
    """
    from .account import S3AccountClient
    from .blob import S3BlobClient
    from .container import S3ContainerClient
    from .directory import S3DirectoryClient

    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[-1] if "+" in parts.scheme else "https"
    if parts.scheme.split("+", 1)[0] != "s3" or scheme not in ("http", "https"):
        raise InvalidArgument(f"not an S3 URL: {parts.scheme}://...; use s3+https://HOST")
    if not parts.hostname:
        raise InvalidArgument("an S3 URL needs a host: s3+https://HOST[:PORT]")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    region = region or query.pop("region", None) or os.environ.get("AWS_REGION") \
        or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    addressing = (addressing or query.pop("addressing", None)
                  or ("path" if _is_ip_or_local(parts.hostname) else "virtual")).lower()
    if addressing not in ("path", "virtual"):
        raise InvalidArgument("addressing is 'path' or 'virtual'")
    if tagging is None:
        tagging = query.pop("tagging", "1")
    tagging = str(tagging).lower() not in ("0", "false", "no", "off")
    if path_keys is None:
        path_keys = query.pop("path_keys", "0")
    path_keys = str(path_keys).lower() in ("1", "true", "yes", "on")
    algorithm = check_algorithm(checksum_algorithm or query.pop("checksum_algorithm", None))
    checksum = bool_option("checksum", query.pop("checksum", None) if checksum is None
                           else checksum, True)
    versioning = bool_option("versioning", query.pop("versioning", None) if versioning is None
                             else versioning, True)
    delete_check = (delete_check or query.pop("delete_check", "conditional")).lower()
    if delete_check not in ("conditional", "head"):
        raise InvalidArgument("delete_check is 'conditional' or 'head'")
    if auth is None:
        ak, sk, token = resolve_credentials(access_key, secret_key, session_token, profile)
        auth = SigV4Auth(ak, sk, region, session_token=token)
    elif not isinstance(auth, SigV4Auth):
        raise InvalidArgument("the s3 backend signs with SigV4Auth; pass credentials "
                              "or a SigV4Auth as auth")
    threshold = _size_option("multipart_threshold", multipart_threshold or DEFAULT_THRESHOLD,
                             MIN_PART_SIZE)
    psize = _size_option("part_size", part_size or DEFAULT_PART_SIZE, MIN_PART_SIZE)
    workers = _size_option("concurrency", concurrency or 4, 1)
    chunk = _size_option("chunk_size", chunk_size or DEFAULT_CHUNK_SIZE, 1)
    copy_threshold = _size_option("copy_part_threshold", copy_part_threshold
                                  or query.pop("copy_part_threshold", COPY_OBJECT_LIMIT),
                                  MIN_PART_SIZE)
    copy_size = _size_option("copy_part_size", copy_part_size
                             or query.pop("copy_part_size", DEFAULT_COPY_PART_SIZE),
                             MIN_PART_SIZE, COPY_OBJECT_LIMIT)
    http = build_http_client(None, auth, options, pool_maxsize=max(10, workers + 2))
    reject_unknown_options("s3", options)
    caps = set(S3_CAPABILITIES)
    if tagging:
        caps.add(Capability.CONTAINER_PROPERTIES)
    if not versioning:
        caps -= {Capability.VERSIONING, Capability.DELETE_MARKERS}
    netloc = parts.netloc.rsplit("@", 1)[-1]
    backend = S3Backend(name="s3", http=http, capabilities=frozenset(caps),
                        names=attrs.evolve(S3_NAME_RULES, path_keys=path_keys),
                        default_account=auth.access_key,
                        description=f"S3 at {scheme}://{netloc} ({region}, {addressing})",
                        scheme=scheme, netloc=netloc, region=region,
                        virtual=addressing == "virtual", multipart_threshold=threshold,
                        part_size=psize, concurrency=workers, chunk_size=chunk,
                        checksum_algorithm=algorithm, signer=auth, delete_check=delete_check,
                        checksum=checksum, copy_part_threshold=copy_threshold,
                        copy_part_size=copy_size)
    backend.account = S3AccountClient(backend)
    backend.container = S3ContainerClient(backend)
    backend.blob = S3BlobClient(backend)
    backend.directory = S3DirectoryClient(backend)
    return backend
