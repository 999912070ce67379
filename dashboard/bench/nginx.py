"""nginx on loopback in front of app replicas, started from the project's own site file.

Used by the deployment tests and the proxy benchmarks, so both run what an operator installs:
deploy/nginx/st-partnerships-dashboard.conf with only its addresses, ports and paths replaced
(the TLS certificate is a throw-away self-signed one made here). nginx runs in the foreground
as a child process and is stopped in `stop()`.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from dashboard.bench.server import ROOT, free_port, stop_process

SITE = ROOT / "deploy" / "nginx" / "st-partnerships-dashboard.conf"
BROTLI_SNIPPET = ROOT / "deploy" / "nginx" / "st-partnerships-dashboard-brotli.conf"
NGINX = Path(os.environ.get("NGINX_PATH", shutil.which("nginx") or "/usr/sbin/nginx"))
DEBIAN_MODULES = Path("/etc/nginx/modules-enabled")
MIME_TYPES = Path("/etc/nginx/mime.types")
# The replicas the site file names; each is replaced by a replica of the run.
SITE_REPLICAS = ("127.0.0.1:8501", "127.0.0.1:8502")
_LOG_LINE = re.compile(
    r'"(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d{3}) \d+ "(?P<agent>[^"]*)" '
    r"replica=(?P<replica>.*?) upstream_status="
)


def brotli_available() -> bool:
    """Whether nginx loads the brotli filter module (Debian: libnginx-mod-http-brotli-filter)."""
    return DEBIAN_MODULES.is_dir() and any(
        "brotli_filter" in path.read_text(errors="replace")
        for path in DEBIAN_MODULES.glob("*.conf")
    )


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1 (valid two days) and its key, in `folder`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def _replace_all(text: str, replacements: dict[str, str]) -> str:
    """Each replacement applied everywhere; one the site file no longer contains is an error
    (the run would otherwise use the production value)."""
    for old, new in replacements.items():
        if old not in text:
            raise ValueError(f"{SITE.name} no longer contains {old!r}")
        text = text.replace(old, new)
    return text


def single_replica(site: str) -> str:
    """The site file as an operator edits it for one replica: the second replica's group and
    every line naming it removed."""
    second = SITE_REPLICAS[1]
    port = second.rsplit(":", 1)[1]
    site = re.sub(
        r"upstream st_partnerships_dashboard_" + port + r" \{.*?\}\n", "", site, flags=re.S
    )
    return "".join(line for line in site.splitlines(keepends=True) if second not in line)


@dataclass
class AccessLogLine:
    method: str
    path: str
    status: int
    agent: str
    replica: str  # the last replica nginx tried ("" when it answered itself)


class NginxProxy:
    """The site file in front of `replicas` (ports on 127.0.0.1), on free loopback ports."""

    def __init__(self, replicas: Sequence[int], *, brotli: bool | None = None) -> None:
        if len(replicas) not in (1, 2):
            raise ValueError("the site file describes one or two replicas")
        self.replicas = [f"127.0.0.1:{port}" for port in replicas]
        self.https_port = free_port()
        self.http_port = free_port()
        self.url = f"https://127.0.0.1:{self.https_port}"
        # Not under pytest's 0700 folders: nginx's workers (user nobody when run as root)
        # write proxy buffers to a temporary path below this folder.
        self.folder = Path(tempfile.mkdtemp(prefix="stpd-nginx-"))
        self.folder.chmod(0o755)
        self.brotli = brotli_available() if brotli is None else brotli
        self.cert, self.key = self_signed_certificate(self.folder)
        self.access_log = self.folder / "st-partnerships-dashboard.access.log"
        self.error_log = self.folder / "st-partnerships-dashboard.error.log"
        self.conf = self.folder / "nginx.conf"
        self.process: subprocess.Popen | None = None
        self._write_config()

    def site_text(self) -> str:
        """The project's site file with this run's addresses, ports and paths."""
        site = SITE.read_text(encoding="utf-8")
        if len(self.replicas) == 1:
            site = single_replica(site)
        snippet_glob = str(self.folder / "brotli" / "st-partnerships-dashboard-brotli*.conf")
        replacements = {
            "listen 443 ssl http2;": f"listen 127.0.0.1:{self.https_port} ssl http2;",
            "listen 80;": f"listen 127.0.0.1:{self.http_port};",
            "/etc/ssl/st-partnerships-dashboard/fullchain.pem": str(self.cert),
            "/etc/ssl/st-partnerships-dashboard/privkey.pem": str(self.key),
            "/var/log/nginx/": f"{self.folder}/",
            "/etc/nginx/snippets/st-partnerships-dashboard-brotli*.conf": snippet_glob,
        }
        replacements.update(zip(SITE_REPLICAS, self.replicas, strict=False))
        return _replace_all(site, replacements)

    def _write_config(self) -> None:
        (self.folder / "site.conf").write_text(self.site_text(), encoding="utf-8")
        if self.brotli:
            (self.folder / "brotli").mkdir()
            shutil.copy(BROTLI_SNIPPET, self.folder / "brotli" / BROTLI_SNIPPET.name)
        temp = self.folder / "tmp"
        # Dynamic modules only for brotli: without, nginx is as a plain install has it.
        modules = f"include {DEBIAN_MODULES}/*.conf;" if self.brotli else ""
        self.conf.write_text(
            f"""worker_processes 2;
pid {self.folder}/nginx.pid;
error_log {self.folder}/error.log;
{modules}
events {{ worker_connections 1024; }}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    sendfile on;
    access_log {self.folder}/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {self.folder}/site.conf;
}}
""",
            encoding="utf-8",
        )
        temp.mkdir()
        temp.chmod(0o755)

    def _nginx(self, *args: str) -> list[str]:
        return [str(NGINX), "-c", str(self.conf), "-e", str(self.folder / "error.log"), *args]

    def check(self) -> subprocess.CompletedProcess:
        """`nginx -t` on this configuration."""
        return subprocess.run(
            self._nginx("-t"), capture_output=True, text=True, timeout=30, check=False
        )

    def start(self, timeout: float = 30) -> NginxProxy:
        """Start nginx and wait until it answers on its HTTPS port (polled every 50 ms)."""
        with (self.folder / "nginx.out").open("w") as out:
            self.process = subprocess.Popen(
                self._nginx("-g", "daemon off;"), stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited early: {self.startup_errors()}")
            try:
                self.get("/_stcore/health", timeout=2)
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not answer in {timeout} s: {self.startup_errors()}")

    def startup_errors(self) -> str:
        return "\n".join(
            path.read_text(errors="replace")
            for path in (self.folder / "nginx.out", self.folder / "error.log")
            if path.exists()
        )

    def get(
        self, path: str, headers: dict[str, str] | None = None, timeout: float = 10
    ) -> tuple[int, dict[str, str], bytes]:
        """One HTTPS request through the proxy (trusting only the throw-away certificate):
        status, headers (names in lower case; Set-Cookie values joined by newlines), body as
        sent (not decompressed)."""
        context = ssl.create_default_context(cafile=str(self.cert))
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout, context=context) as resp:
                return resp.status, _headers(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            return err.code, _headers(err.headers), err.read()

    def log_lines(self) -> list[AccessLogLine]:
        """The access log of the site so far, one entry per request."""
        if not self.access_log.exists():
            return []
        lines = []
        for line in self.access_log.read_text(errors="replace").splitlines():
            match = _LOG_LINE.search(line)
            if match:
                replica = match["replica"].rsplit(", ", 1)[-1]
                lines.append(
                    AccessLogLine(
                        match["method"],
                        match["path"],
                        int(match["status"]),
                        match["agent"],
                        "" if replica == "-" else replica,
                    )
                )
        return lines

    def stop(self) -> None:
        """Stop nginx (fast shutdown) and remove its folder."""
        stop_process(self.process)
        shutil.rmtree(self.folder, ignore_errors=True)


def _headers(message: Message) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in message.items():
        key = name.lower()
        joined[key] = f"{joined[key]}\n{value}" if key in joined else value
    return joined
