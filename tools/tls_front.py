"""A TLS front for the network benchmark: nginx terminating HTTPS before the test servers.

:class:`TLSFront` makes a throwaway CA and a server certificate for 127.0.0.1
(``openssl``, in a temporary directory), writes an nginx configuration and runs
Debian's ``nginx`` in the foreground as a child process, with one HTTPS port
per server (Swift's proxy, SeaweedFS's S3 API).  Towards the servers nginx
keeps connections alive (``upstream ... keepalive``), streams bodies both ways
(no buffering) and passes the request line and ``Host`` unchanged, so SigV4
signatures still match.  TempAuth answers with an ``X-Storage-Url`` built from
the ``Host`` it was sent but with ``http:``; the front rewrites its scheme to
``https:`` so that the clients stay on TLS.

Every request is logged with its TCP connection's serial, its rank on that
connection and ``$ssl_session_reused``: :meth:`TLSFront.mark` and
:meth:`TLSFront.counts` turn the log lines written between two points into
requests sent, TLS connections opened (each one a handshake) and how many of
those handshakes resumed a session.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from typing import Dict, List, Optional, Tuple

import attr

__all__ = ["LogCounts", "TLSFront", "find_nginx", "make_certificates", "parse_log"]

#: one line per request: connection serial, request rank on it, "r" if the
#: TLS session was resumed (else "."), method, status, request URI
LOG_FORMAT = ("$connection $connection_requests $ssl_session_reused $request_method $status "
              "$request_uri")


@attr.frozen
class LogCounts:
    """What the clients sent between two marks of the access log.

    :ivar requests: HTTP requests.
    :ivar handshakes: TLS connections that carried a request (each began with a
        handshake).
    :ivar resumed: of those, handshakes that resumed a session (abbreviated).
    :ivar methods: requests per HTTP method.
    """

    requests: int = 0
    handshakes: int = 0
    resumed: int = 0
    methods: Dict[str, int] = attr.field(factory=dict)


def parse_log(lines: List[str]) -> LogCounts:
    """Count requests and handshakes in access log lines of :data:`LOG_FORMAT`."""
    requests = handshakes = resumed = 0
    methods: Dict[str, int] = {}
    for line in lines:
        fields = line.split()
        if len(fields) < 4:
            continue
        requests += 1
        methods[fields[3]] = methods.get(fields[3], 0) + 1
        if fields[1] == "1":  # the first request of a connection: it shook hands
            handshakes += 1
            resumed += fields[2] == "r"
    return LogCounts(requests, handshakes, resumed, methods)


def find_nginx() -> Optional[str]:
    """The nginx binary, or None (``apt-get install nginx-light``)."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(p)), None)


def make_certificates(directory: str) -> Tuple[str, str, str]:
    """A throwaway CA and a certificate for 127.0.0.1/localhost signed by it.

    :returns: paths of the CA certificate, the server certificate and its key.
    """
    ca_key, ca_crt = os.path.join(directory, "ca.key"), os.path.join(directory, "ca.pem")
    key, csr = os.path.join(directory, "server.key"), os.path.join(directory, "server.csr")
    crt, ext = os.path.join(directory, "server.pem"), os.path.join(directory, "server.ext")
    with open(ext, "w", encoding="ascii") as fh:
        fh.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                 "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                 "extendedKeyUsage=serverAuth\n")
    for cmd in (
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_crt,
             "-days", "2", "-subj", "/CN=objclient bench CA"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
             "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial",
             "-out", crt, "-days", "2", "-extfile", ext]):
        subprocess.run(["openssl", *cmd], check=True, capture_output=True)
    return ca_crt, crt, key


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nginx_conf(prefix: str, cert: str, key: str, fronts: Dict[str, Tuple[int, int]]) -> str:
    """The configuration: for each name, HTTPS on the first port in front of
    ``127.0.0.1:<second port>``."""
    servers = []
    for name, (port, upstream) in fronts.items():
        servers.append(f"""
  upstream {name} {{ server 127.0.0.1:{upstream}; keepalive 64; keepalive_requests 100000; }}
  server {{
    listen 127.0.0.1:{port} ssl;
    access_log {prefix}/access.log bench;
    location / {{
      proxy_pass http://{name};
      proxy_hide_header X-Storage-Url;
      add_header X-Storage-Url $https_storage_url always;
    }}
  }}""")
    temp = " ".join(f"{kind}_temp_path {prefix}/{kind};"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""user root;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  {temp}
  log_format bench '{LOG_FORMAT}';
  access_log off;
  client_max_body_size 0;
  proxy_request_buffering off;
  proxy_buffering off;
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host $http_host;
  proxy_read_timeout 300s;
  proxy_send_timeout 300s;
  keepalive_requests 100000;
  keepalive_timeout 300s;
  ssl_certificate {cert};
  ssl_certificate_key {key};
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_cache shared:bench:10m;
  map $upstream_http_x_storage_url $https_storage_url {{
    "~^http://(?<rest>.*)$" "https://$rest";
    default $upstream_http_x_storage_url;
  }}
{"".join(servers)}
}}
"""


class TLSFront:
    """nginx terminating TLS in front of loopback servers, in a temporary directory.

    :param upstreams: name -> port of the plain-HTTP server on 127.0.0.1.
    :raises RuntimeError: no nginx, or it did not start.
    """

    def __init__(self, upstreams: Dict[str, int]) -> None:
        nginx = find_nginx()
        if nginx is None:
            raise RuntimeError("no nginx: apt-get install -y nginx-light")
        self._tmp = tempfile.mkdtemp(prefix="objclient-tls-")
        self.cacert, cert, key = make_certificates(self._tmp)
        #: name -> the HTTPS port nginx listens on
        self.ports = {name: _free_port() for name in upstreams}
        fronts = {name: (self.ports[name], upstreams[name]) for name in upstreams}
        conf = os.path.join(self._tmp, "nginx.conf")
        with open(conf, "w", encoding="ascii") as fh:
            fh.write(nginx_conf(self._tmp, cert, key, fronts))
        self.log = os.path.join(self._tmp, "access.log")
        open(self.log, "w").close()
        self._proc = subprocess.Popen(
            [nginx, "-p", self._tmp, "-e", os.path.join(self._tmp, "error.log"), "-c", conf,
             "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_listening()

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + 10
        for port in self.ports.values():
            while True:
                if self._proc.poll() is not None:
                    raise RuntimeError(f"nginx exited at start: {self._stderr()}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        self.close()
                        raise RuntimeError(f"nginx is not listening on port {port}") from None
                    time.sleep(0.05)

    def _stderr(self) -> str:
        err = self._proc.stderr.read() if self._proc.stderr else b""
        return err.decode(errors="replace").strip()[-500:]

    def mark(self) -> int:
        """A point in the access log (its size) for :meth:`counts`."""
        return os.path.getsize(self.log)

    def counts(self, since: int, settle_s: float = 0.05) -> LogCounts:
        """What was logged after ``since``, once the last lines had time to land.

        nginx logs a request when it has sent the last byte of the answer, which
        the delay proxy then still holds for a while: ``settle_s`` waits for it.
        """
        time.sleep(settle_s)
        with open(self.log, "rb") as fh:
            fh.seek(since)
            text = fh.read().decode("ascii", "replace")
        return parse_log(text.splitlines())

    def close(self) -> None:
        """Stop nginx and remove the directory (certificates, logs)."""
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> "TLSFront":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
