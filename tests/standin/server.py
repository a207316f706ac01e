"""A local stand-in for a token-secured ArcGIS Server site, for tests.

``StandIn`` runs a small HTTP(S) server on 127.0.0.1 that answers like an
ArcGIS Server 11.1 site: ``tokens/generateToken`` hands out tokens, secured
services answer 499/498/403 errors without a valid token, MapServer services
describe themselves, export PNG images and tiles, and every request is
recorded so tests can check what a client sent. Feature layers (of
FeatureServers and MapServers alike) hold a few sample features that answer
``query`` and ``identify`` (see ``features.py``). Attributes such as
``error_style``, ``delay_seconds``, ``security``, ``users``, ``fault`` and
``clock_offset_seconds`` are read on every request, so a test can change the
server's behaviour while it runs: ``fault`` makes the site break connections
or answer as a web tier in front of it would (a sign-in redirect, 401, an
HTML 500 page). ``restart()`` stops and starts the server on the same port,
keeping its tokens, as when a real server restarts.

Only the standard library is used; TLS needs the ``openssl`` command-line
tool to make a throwaway self-signed certificate.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .features import (
    DISPLAY_FIELD,
    FIELDS,
    MAX_RECORD_COUNT,
    OBJECT_ID_FIELD,
    WEB_MERCATOR,
    QueryError,
    features_at,
    is_wgs84,
    layer_features,
    map_geometry,
    run_query,
    same_point,
    to_web_mercator,
    to_wgs84,
)
from .png import bordered_png

DEFAULT_LAYERS = (
    "Wildfire Response Points",
    "Wildfire Response Lines",
    "Wildfire Response Polygons",
)

SERVICE_KINDS = frozenset(
    {
        "MapServer",
        "FeatureServer",
        "ImageServer",
        "GPServer",
        "GeocodeServer",
        "GeometryServer",
        "SceneServer",
        "VectorTileServer",
        "StreamServer",
    }
)

SPATIAL_REFERENCE = dict(WEB_MERCATOR)
FULL_EXTENT = {
    "xmin": -13884991.0,
    "ymin": 2870341.0,
    "xmax": -7455066.0,
    "ymax": 6338219.0,
}
INITIAL_EXTENT = FULL_EXTENT
_BOX_KEYS = ("xmin", "ymin", "xmax", "ymax")
TILE_ORIGIN = 20037508.342787
LEVEL0_RESOLUTION = 156543.03392800014
LEVEL0_SCALE = 591657527.591555
TILE_LEVELS = 11
IMAGE_FORMATS = "PNG32,PNG24,PNG,JPG,DIB,TIFF,EMF,PS,PDF,GIF,SVG,SVGZ,BMP"
MAX_IMAGE_SIZE = 4096
OUTPUT_IMAGES_KEPT = 50

GEOMETRY_TYPES = (
    "esriGeometryPoint",
    "esriGeometryPolyline",
    "esriGeometryPolygon",
)

TOKEN_REQUIRED = (499, "Token Required")
INVALID_TOKEN = (498, "Invalid Token")
FORBIDDEN = (
    403,
    "You do not have permissions to access this resource or perform this operation.",
)
INVALID_PARAMETERS = (400, "Invalid or missing input parameters.")
NOT_FOUND_MESSAGE = "Requested resource not found."
TOKEN_FAILURE = "Unable to generate token."
TRUNCATED_TOKEN_JSON = b'{"token": "abc", "expires": 17'

REASONS = {498: "Invalid Token", 499: "Token Required"}
JSON_FORMATS = ("json", "pjson")
GEOJSON_CONTENT_TYPE = "application/geo+json; charset=utf-8"

SECURITY_MODES = ("token", "open", "federated", "old-string")
FAULTS = ("drop", "reset", "login-redirect", "unauthorized", "server-error")
WEB_ADAPTOR_LOGIN_PATH = "/webadaptor/login"
WEB_ADAPTOR_SIGN_IN_TITLE = "Web Adaptor Sign In"
BASIC_CHALLENGE = 'Basic realm="ArcGIS"'
SERVER_ERROR_TITLE = "500 - Internal server error."
PORTAL_URL = "https://portal.example.com/portal"
PORTAL_TOKEN_URL = PORTAL_URL + "/sharing/rest/generateToken"
CATALOG_COLOURS = (
    (230, 110, 20),
    (40, 120, 220),
    (90, 160, 90),
    (160, 70, 170),
    (200, 170, 30),
    (30, 160, 170),
)
ADVANCED_QUERY_CAPABILITIES = {
    "supportsPagination": True,
    "supportsOrderBy": True,
    "supportsDistinct": True,
    "supportsQueryWithResultType": False,
}


@dataclass
class ServiceSpec:
    """One service published by the stand-in.

    ``name`` may contain one folder (``"Folder/Name"``). A ``secured`` service
    needs a valid token; a ``forbidden`` one refuses every token with 403, as
    for a user without permission. ``cached`` MapServers have a tile cache.
    Drawn images are filled with ``color``.
    """

    name: str
    kind: str = "MapServer"
    secured: bool = True
    cached: bool = False
    color: tuple[int, int, int] = (230, 110, 20)
    forbidden: bool = False
    layers: list[str] = field(default_factory=lambda: list(DEFAULT_LAYERS))

    @property
    def folder(self) -> str | None:
        """The folder holding the service, or None at the root."""
        head, sep, _ = self.name.rpartition("/")
        return head if sep else None


@dataclass(frozen=True)
class RequestRecord:
    """One request the stand-in answered, with the status it sent."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    form: dict[str, str]
    status: int
    content_type: str
    token_used: str | None
    time: float


def default_services() -> list[ServiceSpec]:
    """The services published when none are given: see the module docs."""
    return [
        ServiceSpec("Wildfire_secure_ac", "MapServer", color=(230, 110, 20)),
        ServiceSpec("Secure/Tiles", "MapServer", cached=True, color=(40, 120, 220)),
        ServiceSpec("Wildfire_secure_ac", "FeatureServer"),
        ServiceSpec("Restricted", "MapServer", forbidden=True),
        ServiceSpec("Public/Basemap", "MapServer", secured=False, color=(90, 160, 90)),
    ]


def catalog_services(
    folders: int, per_folder: int, *, secured: bool = True
) -> list[ServiceSpec]:
    """``folders`` folders of ``per_folder`` MapServers each, for catalog tests.

    A site with many services is what makes browsing a catalog slow, so
    benchmarks publish e.g. ``catalog_services(20, 10)``: folders
    ``Folder01``..``Folder20`` holding ``Service001``..``Service200``,
    numbered across the whole site (``Folder02`` starts at ``Service011``).
    Every service has the default three feature layers; colours rotate so
    drawn images tell neighbours apart.
    """
    if folders < 0 or per_folder < 0:
        raise ValueError("folders and per_folder must not be negative")

    folder_digits = max(2, len(str(folders)))
    service_digits = max(3, len(str(folders * per_folder)))
    services = []
    for folder in range(1, folders + 1):
        for slot in range(per_folder):
            number = (folder - 1) * per_folder + slot + 1
            name = (
                f"Folder{folder:0{folder_digits}d}/Service{number:0{service_digits}d}"
            )
            colour = CATALOG_COLOURS[(number - 1) % len(CATALOG_COLOURS)]
            services.append(
                ServiceSpec(name, "MapServer", secured=secured, color=colour)
            )
    return services


@dataclass
class _Token:
    """An issued token and what it is bound to."""

    token: str
    username: str
    client: str
    referer: str | None
    ip: str | None
    expires_ms: int


@dataclass
class _Request:
    """The parts of an incoming request that the routing code needs."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    client_ip: str
    token: str | None
    target: str = ""

    @property
    def params(self) -> dict[str, str]:
        """Query and form parameters together; form values win."""
        return {**self.query, **self.form}


@dataclass
class _Reply:
    """An answer ready to send."""

    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class StandIn:
    """A local ArcGIS Server site with token security, for tests.

    Use it as a context manager or call ``start()`` and ``stop()``. The
    public attributes ``error_style`` ("json200" or "http"), ``delay_seconds``,
    ``token_lifetime_seconds``, ``max_expiration_minutes``,
    ``accept_header_token``, ``users``, ``services``, ``current_version``,
    ``json_content_type``, ``security``, ``fault``, ``fault_spares_tokens``
    and ``clock_offset_seconds`` are read on each request.

    ``security`` is what ``rest/info`` announces: "token" (token-based
    security), "open" (no security: every service is served without a
    token), "federated" (tokens come from a portal, ``owningSystemUrl``) or
    "old-string" (an old server: ``isTokenBasedSecurity`` as the string
    "true" and a token URL without the trailing slash).

    ``fault`` (None for a healthy site, or one of ``FAULTS``) breaks every
    request under the site path, so tests can see how a client copes:
    "drop" sends the headers and half the body, then closes the connection;
    "reset" closes it without answering; "login-redirect" answers 302 to
    the web adaptor's sign-in page (``/webadaptor/login``, always served);
    "unauthorized" answers 401 with a Basic challenge; "server-error"
    answers an HTML 500 page. ``tokens/generateToken`` is spared while
    ``fault_spares_tokens`` is true, so a client can still sign in.

    ``clock_offset_seconds`` is added to the server's clock when it sets and
    checks token expiry, as on a server whose clock is off.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = False,
        site_path: str = "/arcgis",
        users: dict[str, str] | None = None,
        services: list[ServiceSpec] | None = None,
        max_expiration_minutes: float = 1440,
        token_lifetime_seconds: float | None = None,
        error_style: str = "json200",
        delay_seconds: float = 0.0,
        current_version: float = 11.1,
        accept_header_token: bool = True,
        json_content_type: str = "application/json; charset=utf-8",
        security: str = "token",
        fault: str | None = None,
        fault_spares_tokens: bool = True,
        clock_offset_seconds: float = 0.0,
    ) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(f"security must be one of {SECURITY_MODES}")
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"fault must be None or one of {FAULTS}")

        self.host = host
        self.port = port
        self.tls = tls
        self.site_path = "/" + site_path.strip("/")
        self.users = users if users is not None else {"user1": "user1"}
        self.services = services if services is not None else default_services()
        self.max_expiration_minutes = max_expiration_minutes
        self.token_lifetime_seconds = token_lifetime_seconds
        self.error_style = error_style
        self.delay_seconds = delay_seconds
        self.current_version = current_version
        self.accept_header_token = accept_header_token
        self.json_content_type = json_content_type
        self.security = security
        self.fault = fault
        self.fault_spares_tokens = fault_spares_tokens
        self.clock_offset_seconds = clock_offset_seconds

        self._lock = threading.Lock()
        self._tokens: dict[str, _Token] = {}
        self._revoked: set[str] = set()
        self._requests: list[RequestRecord] = []
        self._outputs: OrderedDict[str, tuple[ServiceSpec, bytes]] = OrderedDict()
        self._connections: set[socket.socket] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._cert_dir: str | None = None
        self.cert_path: str | None = None

    # ----------------------------------------------------------- lifecycle

    def start(self) -> StandIn:
        """Bind the port, start serving in a daemon thread and return self."""
        if self._server is not None:
            raise RuntimeError("the stand-in is already running")

        server = _Server((self.host, self.port), _Handler)
        server.standin = self
        if self.tls:
            try:
                context = self._tls_context()
            except BaseException:
                server.server_close()
                self._remove_certificate()
                raise
            # The handshake is left to each connection's handler thread so a
            # client that never completes it cannot block the accept loop.
            server.socket = context.wrap_socket(
                server.socket, server_side=True, do_handshake_on_connect=False
            )

        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"standin-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and every open connection."""
        self._stop(keep_certificate=False)

    def restart(self) -> StandIn:
        """Stop, then serve again on the same port; return self.

        Tokens, users, services and the request log are kept, as a real
        server keeps its tokens over a restart, so a client that knew the
        URL and its token can carry on. A TLS site keeps its certificate.
        """
        self._stop(keep_certificate=True)
        return self.start()

    def _stop(self, *, keep_certificate: bool) -> None:
        """Stop serving; remove the TLS certificate unless told to keep it."""
        server, self._server = self._server, None
        if server is None:
            return

        server.shutdown()
        server.server_close()
        with self._lock:
            connections = list(self._connections)
            self._connections.clear()
        for connection in connections:
            with contextlib.suppress(OSError, ValueError):
                connection.shutdown(socket.SHUT_RDWR)

        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if not keep_certificate:
            self._remove_certificate()

    def __enter__(self) -> StandIn:
        """Start the server (unless already running) for a ``with`` block."""
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop the server at the end of a ``with`` block."""
        self.stop()

    @property
    def running(self) -> bool:
        """True while the server is serving."""
        return self._server is not None

    # ---------------------------------------------------------------- URLs

    @property
    def origin(self) -> str:
        """Scheme, host and port, e.g. ``http://127.0.0.1:8399``."""
        scheme = "https" if self.tls else "http"
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"{scheme}://{host}:{self.port}"

    @property
    def url(self) -> str:
        """The site root, e.g. ``http://127.0.0.1:8399/arcgis``."""
        return self.origin + self.site_path

    @property
    def token_url(self) -> str:
        """The generateToken endpoint of the site."""
        return self.url + "/tokens/generateToken"

    def service_url(self, name: str, kind: str = "MapServer") -> str:
        """The REST URL of service ``name`` of type ``kind``."""
        return f"{self.url}/rest/services/{name}/{kind}"

    # -------------------------------------------------------------- tokens

    def issue_token(
        self,
        username: str = "user1",
        *,
        client: str = "requestip",
        referer: str | None = None,
        ip: str = "127.0.0.1",
        lifetime_seconds: float = 3600,
    ) -> str:
        """Issue a token directly, without HTTP, and return it.

        Handy for tests that need a valid (or soon expiring) token as set-up
        rather than as the thing under test.
        """
        expires_ms = int((self._now() + lifetime_seconds) * 1000)
        bound_ip = ip if client in ("ip", "requestip") else None
        return self._store_token(username, client, referer, bound_ip, expires_ms)

    def revoke_all_tokens(self) -> None:
        """Make every token issued so far invalid (498 from now on)."""
        with self._lock:
            self._revoked.update(self._tokens)

    def issued_tokens(self) -> list[dict[str, Any]]:
        """Every token issued so far, oldest first, revoked ones included."""
        with self._lock:
            tokens = list(self._tokens.values())
        return [
            {
                "token": item.token,
                "username": item.username,
                "referer": item.referer,
                "client": item.client,
                "expires_ms": item.expires_ms,
            }
            for item in tokens
        ]

    # --------------------------------------------------------- request log

    @property
    def requests(self) -> list[RequestRecord]:
        """A copy of the request log, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Empty the request log."""
        with self._lock:
            self._requests.clear()

    def requests_to(self, path_fragment: str) -> list[RequestRecord]:
        """The logged requests whose path contains ``path_fragment``."""
        return [record for record in self.requests if path_fragment in record.path]

    # ------------------------------------------------ hooks for the handler

    def _record(self, record: RequestRecord) -> None:
        """Append one request to the log."""
        with self._lock:
            self._requests.append(record)

    def _track(self, connection: socket.socket) -> None:
        """Remember an open connection so ``stop()`` can close it."""
        with self._lock:
            self._connections.add(connection)

    def _untrack(self, connection: socket.socket) -> None:
        """Forget a connection that its handler has finished with."""
        with self._lock:
            self._connections.discard(connection)

    def _extract_token(
        self, query: dict[str, str], form: dict[str, str], headers: dict[str, str]
    ) -> str | None:
        """The token sent with a request: query, form field, then header."""
        for source in (query, form):
            if source.get("token"):
                return source["token"]

        if self.accept_header_token:
            value = headers.get("x-esri-authorization", "").strip()
            scheme, _, token = value.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
        return None

    def _now(self) -> float:
        """The server's time in epoch seconds: the clock plus its offset."""
        return time.time() + self.clock_offset_seconds

    # -------------------------------------------------------------- faults

    def _fault_for(self, request: _Request) -> str | None:
        """The fault that breaks this request, or None to answer it normally.

        Faults hit paths under the site only, and spare the token endpoint
        while ``fault_spares_tokens`` is true.
        """
        fault = self.fault
        if fault is None:
            return None
        if fault not in FAULTS:
            raise ValueError(f"fault must be None or one of {FAULTS}, not {fault!r}")

        path = request.path
        if path != self.site_path and not path.startswith(self.site_path + "/"):
            return None
        parts = [part for part in path[len(self.site_path) :].split("/") if part]
        if parts == ["tokens", "generateToken"] and self.fault_spares_tokens:
            return None
        return fault

    def _fault_reply(self, request: _Request, fault: str) -> _Reply:
        """The answer a web tier sends for ``fault`` instead of the site's."""
        if fault == "login-redirect":
            return_url = quote(request.target or request.path, safe="/")
            location = f"{self.origin}{WEB_ADAPTOR_LOGIN_PATH}?returnUrl={return_url}"
            link = html.escape(location, quote=True)
            reply = _html_reply(
                302,
                "Object moved",
                f"<h2>Object moved to <a href='{link}'>here</a>.</h2>",
            )
            reply.headers["Location"] = location
            return reply

        if fault == "unauthorized":
            reply = _html_reply(
                401,
                "401 - Unauthorized: Access is denied due to invalid credentials.",
                "<h1>401 - Unauthorized: Access is denied due to invalid "
                "credentials.</h1>",
            )
            reply.headers["WWW-Authenticate"] = BASIC_CHALLENGE
            return reply

        if fault == "server-error":
            return _html_reply(
                500,
                SERVER_ERROR_TITLE,
                "<h2>500 - Internal server error.</h2><h3>There is a problem with "
                "the resource you are looking for, and it cannot be displayed."
                "</h3>",
            )
        raise ValueError(f"fault {fault!r} has no HTTP answer")

    # ------------------------------------------------------------- routing

    def _route(self, request: _Request) -> _Reply:
        """Answer one request according to its path."""
        path = request.path
        if path == WEB_ADAPTOR_LOGIN_PATH:
            return _html_reply(
                200, WEB_ADAPTOR_SIGN_IN_TITLE, _web_adaptor_sign_in_html(request)
            )
        if path != self.site_path and not path.startswith(self.site_path + "/"):
            return _html_reply(404, "Not Found", "<h1>404 Not Found</h1>")

        parts = [part for part in path[len(self.site_path) :].split("/") if part]
        if not parts:
            return _html_reply(200, "ArcGIS Server", _site_root_html(self.site_path))
        if parts == ["tokens", "generateToken"]:
            return self._generate_token(request)
        if parts == ["tokens"]:
            return _html_reply(200, "Generate Token", _token_form_html())
        if parts == ["html", "generateToken"]:
            return _html_reply(200, "Sign In", _sign_in_html())
        if parts == ["badjson", "generateToken"]:
            return _Reply(200, self.json_content_type, TRUNCATED_TOKEN_JSON)
        if parts == ["rest", "info"]:
            return self._json_reply(request, self._info_json())
        if parts[:2] == ["rest", "services"]:
            return self._route_services(request, parts[2:])
        if parts[:3] == ["rest", "directories", "arcgisoutput"] and len(parts) > 3:
            return self._output_image(request, "/".join(parts[3:]))
        return self._error(404, NOT_FOUND_MESSAGE)

    def _route_services(self, request: _Request, parts: list[str]) -> _Reply:
        """Answer the catalog, a folder, or a resource of one service."""
        kind_index = next(
            (i for i, part in enumerate(parts) if i > 0 and part in SERVICE_KINDS),
            None,
        )
        if kind_index is None:
            return self._catalog(request, "/".join(parts))

        name = "/".join(parts[:kind_index])
        kind = parts[kind_index]
        spec = self._find_service(name, kind)
        if spec is None:
            return self._error(404, f"Service '{name}/{kind}' not found")

        refusal = self._authorise(request, spec)
        if refusal is not None:
            return refusal

        rest = parts[kind_index + 1 :]
        if kind == "FeatureServer":
            return self._feature_server(request, spec, rest)
        return self._map_server(request, spec, rest)

    def _find_service(self, name: str, kind: str) -> ServiceSpec | None:
        """The published service with this name and type, if any."""
        for spec in self.services:
            if spec.name == name and spec.kind == kind:
                return spec
        return None

    # ---------------------------------------------------------- security

    def _token_problem(self, request: _Request) -> tuple[int, str] | None:
        """Why the request's token is not acceptable, or None when it is."""
        if not request.token:
            return TOKEN_REQUIRED

        with self._lock:
            record = self._tokens.get(request.token)
            revoked = request.token in self._revoked
        if record is None or revoked:
            return INVALID_TOKEN
        if self._now() * 1000 >= record.expires_ms:
            return INVALID_TOKEN
        if record.client == "referer":
            if request.headers.get("referer", "") != record.referer:
                return INVALID_TOKEN
        elif record.ip is not None and request.client_ip != record.ip:
            return INVALID_TOKEN
        return None

    def _authorise(self, request: _Request, spec: ServiceSpec) -> _Reply | None:
        """An error reply when the request may not use ``spec``, else None."""
        if not spec.secured or self.security == "open":
            return None

        problem = self._token_problem(request)
        if problem is not None:
            return self._error(*problem)
        if spec.forbidden:
            return self._error(*FORBIDDEN)
        return None

    def _can_see(self, spec: ServiceSpec, token_ok: bool) -> bool:
        """True when the catalog should list ``spec``.

        ``token_ok`` says whether the request's token is valid; it is checked
        once per catalog request rather than once per service.
        """
        if not spec.secured or self.security == "open":
            return True
        return token_ok and not spec.forbidden

    # ------------------------------------------------------ token endpoint

    def _generate_token(self, request: _Request) -> _Reply:
        """Answer ``tokens/generateToken`` as ArcGIS Server does."""
        if request.method != "POST":
            return self._token_error(["Token generation via GET is not allowed."])
        if "username" in request.query or "password" in request.query:
            return self._token_error(
                [
                    "POST request should not contain username and password in "
                    "the query string."
                ]
            )

        params = request.params
        if params.get("f", "").lower() not in JSON_FORMATS:
            return _html_reply(200, "Generate Token", _token_form_html())

        username = params.get("username", "")
        password = params.get("password", "")
        missing = []
        if not username:
            missing.append("'username' must be specified.")
        if not password:
            missing.append("'password' must be specified.")
        if missing:
            return self._token_error(missing)
        if username not in self.users or self.users[username] != password:
            return self._token_error(["Invalid username or password."])

        referer = params.get("referer") or None
        client = params.get("client", "").lower() or (
            "referer" if referer else "requestip"
        )
        if client not in ("referer", "ip", "requestip"):
            return self._token_error(["Invalid client type."])
        if client == "referer" and not referer:
            return self._token_error(["'referer' must be specified."])
        ip = None
        if client == "ip":
            ip = params.get("ip") or None
            if ip is None:
                return self._token_error(["'ip' must be specified."])
        elif client == "requestip":
            ip = request.client_ip

        lifetime = self._token_lifetime(params.get("expiration", ""))
        if lifetime is None:
            return self._token_error(["Invalid value for 'expiration'."])
        expires_ms = int((self._now() + lifetime) * 1000)
        token = self._store_token(username, client, referer, ip, expires_ms)
        body = {"token": token, "expires": expires_ms, "ssl": self.tls}
        return self._json_reply(request, body)

    def _token_lifetime(self, expiration: str) -> float | None:
        """Seconds a new token lives, or None for an unusable expiration."""
        if self.token_lifetime_seconds is not None:
            return float(self.token_lifetime_seconds)

        minutes = 60.0
        if expiration.strip():
            try:
                minutes = float(expiration)
            except ValueError:
                return None
            if minutes <= 0:
                minutes = 60.0
        return min(minutes, float(self.max_expiration_minutes)) * 60

    def _store_token(
        self,
        username: str,
        client: str,
        referer: str | None,
        ip: str | None,
        expires_ms: int,
    ) -> str:
        """Create, remember and return a new random token."""
        token = secrets.token_urlsafe(30)
        record = _Token(token, username, client, referer, ip, expires_ms)
        with self._lock:
            self._tokens[token] = record
        return token

    def _token_error(self, details: list[str]) -> _Reply:
        """The generateToken failure answer with these details."""
        return self._error(400, TOKEN_FAILURE, details)

    # ------------------------------------------------------------- catalog

    def _info_json(self) -> dict[str, Any]:
        """The ``rest/info`` answer for the site's ``security`` mode."""
        body: dict[str, Any] = {
            "currentVersion": self.current_version,
            "fullVersion": "11.1.0",
        }
        if self.security == "open":
            body["authInfo"] = {"isTokenBasedSecurity": False}
            return body

        auth_info: dict[str, Any] = {
            "isTokenBasedSecurity": True,
            "tokenServicesUrl": self.url + "/tokens/",
            "shortLivedTokenValidity": 60,
        }
        if self.security == "federated":
            body["owningSystemUrl"] = PORTAL_URL
            auth_info["tokenServicesUrl"] = PORTAL_TOKEN_URL
        elif self.security == "old-string":
            auth_info["isTokenBasedSecurity"] = "true"
            auth_info["tokenServicesUrl"] = self.url + "/tokens"
        body["authInfo"] = auth_info
        return body

    def _catalog(self, request: _Request, folder: str) -> _Reply:
        """List the root or one folder; secured services need a token."""
        folders = sorted({s.folder for s in self.services if s.folder})
        if folder and folder not in folders:
            return self._error(404, f"Folder '{folder}' not found")

        wanted = folder or None
        token_ok = self._token_problem(request) is None
        services = [
            {"name": spec.name, "type": spec.kind}
            for spec in self.services
            if spec.folder == wanted and self._can_see(spec, token_ok)
        ]
        body = {
            "currentVersion": self.current_version,
            "folders": [] if folder else folders,
            "services": services,
        }
        return self._json_reply(request, body)

    # ----------------------------------------------------------- MapServer

    def _map_server(
        self, request: _Request, spec: ServiceSpec, rest: list[str]
    ) -> _Reply:
        """Answer the MapServer resource ``rest`` below ``spec``."""
        if not rest:
            return self._json_reply(request, self._map_service_json(spec))

        head = rest[0]
        layer_reply = self._layer_resource(request, spec, rest)
        if layer_reply is not None:
            return layer_reply
        if rest == ["legend"]:
            return self._json_reply(request, self._legend_json(spec))
        if rest == ["identify"]:
            return self._json_reply(request, self._identify_json(spec, request))
        if rest == ["export"]:
            return self._export(request, spec)
        if head == "tile" and len(rest) == 4:
            return self._tile(spec, rest[1:])
        return self._error(404, NOT_FOUND_MESSAGE)

    def _map_service_json(self, spec: ServiceSpec) -> dict[str, Any]:
        """A MapServer description shaped like an ArcGIS 11.1 answer."""
        body: dict[str, Any] = {
            "currentVersion": self.current_version,
            "serviceDescription": "",
            "mapName": "Layers",
            "description": "",
            "copyrightText": "",
            "supportsDynamicLayers": False,
            "layers": [
                dict(_layer_entry(index, name), type="Feature Layer")
                for index, name in enumerate(spec.layers)
            ],
            "tables": [],
            "spatialReference": dict(SPATIAL_REFERENCE),
            "singleFusedMapCache": spec.cached,
        }
        if spec.cached:
            body["tileInfo"] = _tile_info()
            body["storageInfo"] = {
                "storageFormat": "esriMapCacheStorageModeCompactV2",
                "packetSize": 128,
            }

        body.update(
            {
                "initialExtent": _extent(INITIAL_EXTENT),
                "fullExtent": _extent(FULL_EXTENT),
                "datesInUnknownTimezone": False,
                "minScale": LEVEL0_SCALE if spec.cached else 0,
                "maxScale": _level_scale(TILE_LEVELS - 1) if spec.cached else 0,
                "units": "esriMeters",
                "supportedImageFormatTypes": IMAGE_FORMATS,
                "documentInfo": {
                    "Title": spec.name.rpartition("/")[2],
                    "Author": "",
                    "Comments": "",
                    "Subject": "",
                    "Category": "",
                    "AntialiasingMode": "None",
                    "TextAntialiasingMode": "Force",
                    "Keywords": "",
                },
                "capabilities": (
                    "Map,TilesOnly,Query" if spec.cached else "Map,Query,Data"
                ),
                "supportedQueryFormats": "JSON, geoJSON",
                "exportTilesAllowed": False,
                "referenceScale": 0.0,
                "supportsDatumTransformation": True,
                "maxRecordCount": 1000,
                "maxImageHeight": MAX_IMAGE_SIZE,
                "maxImageWidth": MAX_IMAGE_SIZE,
                "supportedExtensions": "",
            }
        )
        return body

    def _layer_resource(
        self, request: _Request, spec: ServiceSpec, rest: list[str]
    ) -> _Reply | None:
        """Answer ``ID``, ``ID/query`` or ``layers`` below any service type.

        Returns None when ``rest`` is none of these, so the caller can try
        the resources of its own service type.
        """
        if rest == ["layers"]:
            layers = [self._layer_json(spec, i) for i in range(len(spec.layers))]
            return self._json_reply(request, {"layers": layers, "tables": []})
        if not rest[0].isdigit() or rest[1:] not in ([], ["query"]):
            return None

        layer_id = int(rest[0])
        if layer_id >= len(spec.layers):
            return self._error(*INVALID_PARAMETERS)
        if rest[1:] == ["query"]:
            return self._query(request, layer_id)
        return self._json_reply(request, self._layer_json(spec, layer_id))

    def _layer_json(self, spec: ServiceSpec, layer_id: int) -> dict[str, Any]:
        """The description of one layer of ``spec``.

        MapServer and FeatureServer layers share most keys; a FeatureServer
        layer only queries ("Query") and has no map-drawing keys.
        """
        geometry_type = _geometry_type(layer_id)
        body: dict[str, Any] = {
            "currentVersion": self.current_version,
            "id": layer_id,
            "name": spec.layers[layer_id],
            "type": "Feature Layer",
            "description": "",
            "geometryType": geometry_type,
            "copyrightText": "",
            "parentLayer": None,
            "subLayers": [],
            "minScale": 0,
            "maxScale": 0,
            "drawingInfo": {
                "renderer": {
                    "type": "simple",
                    "symbol": _symbol(geometry_type, spec.color),
                    "label": "",
                    "description": "",
                },
                "transparency": 0,
                "labelingInfo": None,
            },
            "defaultVisibility": True,
            "extent": _extent(FULL_EXTENT),
            "hasAttachments": False,
            "htmlPopupType": "esriServerHTMLPopupTypeNone",
            "displayField": DISPLAY_FIELD,
            "objectIdField": OBJECT_ID_FIELD,
            "typeIdField": None,
            "fields": [dict(item) for item in FIELDS],
            "relationships": [],
            "canModifyLayer": False,
            "canScaleSymbols": False,
            "hasLabels": False,
            "capabilities": "Map,Query,Data",
            "maxRecordCount": MAX_RECORD_COUNT,
            "supportsPagination": True,
            "supportsStatistics": True,
            "supportsAdvancedQueries": True,
            "supportedQueryFormats": "JSON, geoJSON",
            "advancedQueryCapabilities": dict(ADVANCED_QUERY_CAPABILITIES),
            "useStandardizedQueries": True,
            "hasZ": False,
            "hasM": False,
        }
        if spec.kind == "FeatureServer":
            body["capabilities"] = "Query"
            body["allowGeometryUpdates"] = False
            body["types"] = []
            body["templates"] = []
            for key in ("htmlPopupType", "canModifyLayer", "canScaleSymbols"):
                del body[key]
        return body

    def _query(self, request: _Request, layer_id: int) -> _Reply:
        """Answer a layer's ``query`` operation over its sample features."""
        params = request.params
        geometry_type = _geometry_type(layer_id)
        try:
            body = run_query(layer_features(geometry_type), geometry_type, params)
        except QueryError as error:
            return self._error(*INVALID_PARAMETERS, [str(error)])

        if params.get("f", "").lower() == "geojson":
            text = json.dumps(body, separators=(",", ":"))
            return _Reply(200, GEOJSON_CONTENT_TYPE, text.encode("utf-8"))
        return self._json_reply(request, body)

    def _legend_json(self, spec: ServiceSpec) -> dict[str, Any]:
        """A legend with one 20x20 swatch in the service colour per layer."""
        swatch = bordered_png(20, 20, (*spec.color, 255), (*_darker(spec.color), 255))
        image_data = base64.b64encode(swatch).decode("ascii")
        layers = []
        for index, name in enumerate(spec.layers):
            digest = hashlib.md5(f"{spec.name}/{index}".encode()).hexdigest()
            layers.append(
                {
                    "layerId": index,
                    "layerName": name,
                    "layerType": "Feature Layer",
                    "minScale": 0,
                    "maxScale": 0,
                    "legend": [
                        {
                            "label": "",
                            "url": digest,
                            "imageData": image_data,
                            "contentType": "image/png",
                            "height": 20,
                            "width": 20,
                        }
                    ],
                }
            )
        return {"layers": layers}

    def _identify_json(self, spec: ServiceSpec, request: _Request) -> dict[str, Any]:
        """The features whose bounding box holds the identify point.

        ``layers`` ("all:0,2", "visible:1", "top") picks the layers, "top"
        keeping only the first layer with a hit; ``sr`` 4326 (or a WGS 84
        point) is understood for the point and used for the answer.
        """
        params = request.params
        geometry = params.get("geometry", "")
        x, y = _point_from(geometry)
        wgs84 = is_wgs84(params.get("sr", "")) or _has_wgs84_reference(geometry)
        if wgs84:
            x, y = to_web_mercator(x, y)

        layer_ids, top_only = _identify_layers(params.get("layers", ""), spec)
        reach = _identify_reach(params)
        with_geometry = params.get("returnGeometry", "").lower() != "false"
        reference = {"wkid": 4326} if wgs84 else {"wkid": 102100}
        results = []
        for layer_id in layer_ids:
            geometry_type = _geometry_type(layer_id)
            for feature in features_at(layer_features(geometry_type), x, y, reach):
                result = {
                    "layerId": layer_id,
                    "layerName": spec.layers[layer_id],
                    "value": _identify_text(feature.attributes.get(DISPLAY_FIELD)),
                    "displayFieldName": DISPLAY_FIELD,
                    "attributes": {
                        name: _identify_text(value)
                        for name, value in feature.attributes.items()
                    },
                    "geometryType": geometry_type,
                }
                if with_geometry:
                    converted = map_geometry(
                        feature.geometry, to_wgs84 if wgs84 else same_point
                    )
                    result["geometry"] = {**converted, "spatialReference": reference}
                results.append(result)
            if top_only and results:
                break
        return {"results": results}

    def _export(self, request: _Request, spec: ServiceSpec) -> _Reply:
        """Draw a map image: as PNG bytes, as JSON with an href, or HTML."""
        params = request.params
        size = _parse_numbers(params.get("size") or "400,400", 2)
        default_bbox = ",".join(str(INITIAL_EXTENT[key]) for key in _BOX_KEYS)
        bbox = _parse_numbers(params.get("bbox") or default_bbox, 4)
        if size is None or bbox is None or min(size) <= 0:
            return self._error(*INVALID_PARAMETERS)
        width = min(int(size[0]), MAX_IMAGE_SIZE)
        height = min(int(size[1]), MAX_IMAGE_SIZE)

        answer = params.get("f", "").lower()
        if answer not in ("image", *JSON_FORMATS):
            return _html_reply(200, "Export Map", _export_html(spec, width, height))

        image = self._draw(spec, width, height)
        if answer == "image":
            return _Reply(200, "image/png", image)

        key = f"{spec.name}_{spec.kind}/_ags_map{secrets.token_hex(16)}.png"
        with self._lock:
            self._outputs[key] = (spec, image)
            while len(self._outputs) > OUTPUT_IMAGES_KEPT:
                self._outputs.popitem(last=False)
        extent: dict[str, Any] = dict(zip(_BOX_KEYS, bbox))
        extent["spatialReference"] = _spatial_reference(params.get("bboxSR", ""))
        body = {
            "href": f"{self.url}/rest/directories/arcgisoutput/{key}",
            "width": width,
            "height": height,
            "extent": extent,
            "scale": 0,
        }
        return self._json_reply(request, body)

    def _output_image(self, request: _Request, key: str) -> _Reply:
        """Serve an image made by an ``export?f=json`` request."""
        with self._lock:
            stored = self._outputs.get(key)
        if stored is None:
            return self._error(404, NOT_FOUND_MESSAGE)

        spec, image = stored
        refusal = self._authorise(request, spec)
        if refusal is not None:
            return refusal
        return _Reply(200, "image/png", image)

    def _tile(self, spec: ServiceSpec, coordinates: list[str]) -> _Reply:
        """A 256x256 tile of a cached service."""
        if not spec.cached:
            return self._error(404, "Tile not found")
        if not all(part.isdigit() for part in coordinates):
            return self._error(*INVALID_PARAMETERS)
        return _Reply(200, "image/png", self._draw(spec, 256, 256))

    @staticmethod
    def _draw(spec: ServiceSpec, width: int, height: int) -> bytes:
        """An opaque image in the service colour with a darker 1-pixel frame."""
        fill = (*spec.color, 255)
        border = (*_darker(spec.color), 255)
        return bordered_png(width, height, fill, border)

    # -------------------------------------------------------- FeatureServer

    def _feature_server(
        self, request: _Request, spec: ServiceSpec, rest: list[str]
    ) -> _Reply:
        """Answer the FeatureServer resource ``rest`` below ``spec``."""
        if not rest:
            return self._json_reply(request, self._feature_service_json(spec))

        layer_reply = self._layer_resource(request, spec, rest)
        if layer_reply is not None:
            return layer_reply
        return self._error(404, NOT_FOUND_MESSAGE)

    def _feature_service_json(self, spec: ServiceSpec) -> dict[str, Any]:
        """A FeatureServer description; unlike a MapServer's, no ``mapName``."""
        return {
            "currentVersion": self.current_version,
            "serviceDescription": "",
            "hasVersionedData": False,
            "supportsDisconnectedEditing": False,
            "supportsRelationshipsResource": False,
            "supportedQueryFormats": "JSON, geoJSON",
            "maxRecordCount": MAX_RECORD_COUNT,
            "capabilities": "Query",
            "description": "",
            "copyrightText": "",
            "spatialReference": dict(SPATIAL_REFERENCE),
            "initialExtent": _extent(INITIAL_EXTENT),
            "fullExtent": _extent(FULL_EXTENT),
            "allowGeometryUpdates": False,
            "units": "esriMeters",
            "syncEnabled": False,
            "layers": [
                _layer_entry(index, name) for index, name in enumerate(spec.layers)
            ],
            "tables": [],
        }

    # ------------------------------------------------------------- answers

    def _json_reply(self, request: _Request, body: dict[str, Any]) -> _Reply:
        """Answer ``body`` as JSON for f=json/pjson, else as an HTML page."""
        answer = request.params.get("f", "").lower()
        if answer == "pjson":
            text = json.dumps(body, indent=2)
        elif answer == "json":
            text = json.dumps(body, separators=(",", ":"))
        else:
            pretty = html.escape(json.dumps(body, indent=2))
            return _html_reply(
                200, "ArcGIS REST Services Directory", f"<pre>{pretty}</pre>"
            )
        return _Reply(200, self.json_content_type, text.encode("utf-8"))

    def _error(
        self, code: int, message: str, details: list[str] | None = None
    ) -> _Reply:
        """An ArcGIS error body, sent with 200 or ``code`` by error_style."""
        body = {"error": {"code": code, "message": message, "details": details or []}}
        status = code if self.error_style == "http" else 200
        return _Reply(
            status,
            self.json_content_type,
            json.dumps(body, separators=(",", ":")).encode("utf-8"),
            {"Cache-Control": "no-cache"},
        )

    # ----------------------------------------------------------------- TLS

    def _remove_certificate(self) -> None:
        """Delete the throwaway certificate directory, if there is one."""
        if self._cert_dir is not None:
            shutil.rmtree(self._cert_dir, ignore_errors=True)
            self._cert_dir = None
            self.cert_path = None

    def _tls_context(self) -> ssl.SSLContext:
        """A server context with a throwaway self-signed certificate.

        The certificate made for an earlier start is reused, so that after
        ``restart()`` clients trusting ``cert_path`` still trust the site.
        """
        if self._cert_dir is not None and self.cert_path is not None:
            key = str(Path(self._cert_dir, "key.pem"))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.cert_path, key)
            return context

        openssl = shutil.which("openssl")
        if openssl is None:
            raise RuntimeError(
                "StandIn(tls=True) needs the 'openssl' command-line tool to make "
                "a self-signed certificate, and it was not found on PATH"
            )

        self._cert_dir = tempfile.mkdtemp(prefix="standin-tls-")
        cert = str(Path(self._cert_dir, "cert.pem"))
        key = str(Path(self._cert_dir, "key.pem"))
        command = [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes"]
        command += ["-days", "2", "-subj", "/CN=127.0.0.1"]
        command += ["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]
        command += ["-keyout", key, "-out", cert]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"openssl could not make a certificate: {result.stderr}")

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.cert_path = cert
        return context


class _Server(ThreadingHTTPServer):
    """The threading HTTP server, quiet about client-side errors."""

    daemon_threads = True
    allow_reuse_address = True
    standin: StandIn

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore errors from broken or misbehaving client connections."""


class _Handler(BaseHTTPRequestHandler):
    """Reads a request, lets the StandIn answer it, logs and sends it."""

    protocol_version = "HTTP/1.1"
    server_version = "ArcGIS-StandIn/11.1"
    sys_version = ""
    timeout = 5
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Stay silent: the StandIn keeps its own request log."""

    def setup(self) -> None:
        """Set up the streams and register the connection for ``stop()``."""
        super().setup()
        self.server.standin._track(self.connection)

    def finish(self) -> None:
        """Close the streams and unregister the connection."""
        try:
            super().finish()
        finally:
            self.server.standin._untrack(self.connection)

    def handle(self) -> None:
        """Complete the TLS handshake (if any), then serve requests."""
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                self.connection.do_handshake()
            except (OSError, ValueError):
                self.close_connection = True
                return
        try:
            super().handle()
        except (OSError, ValueError):
            self.close_connection = True

    def do_GET(self) -> None:
        """Answer a GET request."""
        self._serve("GET")

    def do_POST(self) -> None:
        """Answer a POST request."""
        self._serve("POST")

    def do_HEAD(self) -> None:
        """Answer a HEAD request like a GET, without the body."""
        self._serve("HEAD")

    def _serve(self, method: str) -> None:
        """Parse, route, log and send one request."""
        standin = self.server.standin
        arrived = time.monotonic()
        split = urlsplit(self.path)
        query = _last_values(split.query)
        headers = {name.lower(): value for name, value in self.headers.items()}
        body = self._read_body(headers)
        form = {}
        content_type = headers.get("content-type", "").lower()
        if content_type.startswith("application/x-www-form-urlencoded"):
            form = _last_values(body.decode("utf-8", "replace"))
        token = standin._extract_token(query, form, headers)
        request = _Request(
            method=method,
            path=unquote(split.path),
            query=query,
            form=form,
            headers=headers,
            client_ip=self.client_address[0],
            token=token,
            target=self.path,
        )

        if standin.delay_seconds > 0:
            time.sleep(standin.delay_seconds)

        fault = None
        reply = None
        try:
            fault = standin._fault_for(request)
            if fault in ("login-redirect", "unauthorized", "server-error"):
                reply = standin._fault_reply(request, fault)
            elif fault != "reset":
                reply = standin._route(request)
        except Exception as error:
            traceback.print_exc(file=sys.stderr)
            fault = None
            reply = standin._error(500, "Internal stand-in error", [repr(error)])

        standin._record(
            RequestRecord(
                method=method,
                path=request.path,
                query=query,
                headers=headers,
                form=form,
                status=reply.status if reply is not None else 0,
                content_type=reply.content_type if reply is not None else "",
                token_used=token,
                time=arrived,
            )
        )

        # No reply ("reset"): close without writing anything. "drop": write the
        # head and half the body, then close.
        if reply is None:
            self.close_connection = True
            return
        if fault == "drop":
            self._send_head(reply)
            if method != "HEAD":
                self.wfile.write(reply.body[: len(reply.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self._send(reply, with_body=method != "HEAD")

    def _read_body(self, headers: dict[str, str]) -> bytes:
        """Read the request body (Content-Length or chunked), else b""."""
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return self._read_chunked()

        try:
            length = int(headers.get("content-length", "0") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        """Read a chunked request body."""
        chunks = []
        while True:
            size_line = self.rfile.readline(65537).split(b";", 1)[0].strip()
            size = int(size_line or b"0", 16)
            if size == 0:
                while self.rfile.readline(65537).strip():
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(3)

    def _send(self, reply: _Reply, *, with_body: bool) -> None:
        """Write the status line, headers (always Content-Length) and body."""
        self._send_head(reply)
        if with_body:
            self.wfile.write(reply.body)
        self.wfile.flush()

    def _send_head(self, reply: _Reply) -> None:
        """Write the status line and headers, with the full Content-Length."""
        reason = REASONS.get(reply.status)
        if reason is None:
            try:
                reason = HTTPStatus(reply.status).phrase
            except ValueError:
                reason = ""
        self.send_response(reply.status, reason)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()


# ------------------------------------------------------------------ helpers


def _last_values(text: str) -> dict[str, str]:
    """Parse a query string or form body; the last value of a name wins."""
    parsed = parse_qs(text, keep_blank_values=True)
    return {name: values[-1] for name, values in parsed.items()}


def _html_reply(status: int, title: str, body_html: str) -> _Reply:
    """A small HTML page."""
    page = (
        f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title></head>"
        f"<body>{body_html}</body></html>"
    )
    return _Reply(status, "text/html; charset=utf-8", page.encode("utf-8"))


def _sign_in_html() -> str:
    """The body of a portal-style sign-in page."""
    return (
        "<h1>Sign In</h1><form method='post'>"
        "<label>Username <input name='username'></label>"
        "<label>Password <input name='password' type='password'></label>"
        "<button type='submit'>Sign In</button></form>"
    )


def _web_adaptor_sign_in_html(request: _Request) -> str:
    """The body of a web adaptor's sign-in page, keeping ``returnUrl``."""
    return_url = html.escape(request.query.get("returnUrl", ""), quote=True)
    return (
        "<h1>Sign In</h1><form method='post'>"
        f"<input type='hidden' name='returnUrl' value='{return_url}'>"
        "<label>Username <input name='username'></label>"
        "<label>Password <input name='password' type='password'></label>"
        "<button type='submit'>Sign In</button></form>"
    )


def _token_form_html() -> str:
    """The body of the HTML ``generateToken`` form page."""
    return (
        "<h1>Generate Token</h1><form method='post' action='generateToken'>"
        "<input name='username'><input name='password' type='password'>"
        "<select name='client'><option>referer</option><option>ip</option>"
        "<option>requestip</option></select><input name='referer'>"
        "<input name='expiration' value='60'>"
        "<select name='f'><option>html</option><option>json</option>"
        "<option>pjson</option></select>"
        "<button type='submit'>Generate Token</button></form>"
    )


def _export_html(spec: ServiceSpec, width: int, height: int) -> str:
    """The body of the HTML page of an export without f=image or f=json."""
    return (
        f"<h1>Export Map: {html.escape(spec.name)}</h1>"
        f"<p>Image size {width} x {height}. Use f=image or f=json.</p>"
    )


def _geometry_type(layer_id: int) -> str:
    """Layers cycle through point, polyline and polygon geometry."""
    return GEOMETRY_TYPES[layer_id % len(GEOMETRY_TYPES)]


def _extent(box: dict[str, float]) -> dict[str, Any]:
    """An extent with the service's spatial reference."""
    return {**box, "spatialReference": dict(SPATIAL_REFERENCE)}


def _level_scale(level: int) -> float:
    """The Web Mercator scale of one cache level."""
    return LEVEL0_SCALE / 2**level


def _tile_info() -> dict[str, Any]:
    """The tileInfo of a Web Mercator cache with levels 0 to 10."""
    return {
        "rows": 256,
        "cols": 256,
        "dpi": 96,
        "format": "PNG32",
        "compressionQuality": 0,
        "origin": {"x": -TILE_ORIGIN, "y": TILE_ORIGIN},
        "spatialReference": dict(SPATIAL_REFERENCE),
        "lods": [
            {
                "level": level,
                "resolution": LEVEL0_RESOLUTION / 2**level,
                "scale": _level_scale(level),
            }
            for level in range(TILE_LEVELS)
        ],
    }


def _darker(color: tuple[int, int, int]) -> tuple[int, int, int]:
    """The colour of the frame drawn around images: 60% of ``color``."""
    red, green, blue = color
    return int(red * 0.6), int(green * 0.6), int(blue * 0.6)


def _symbol(geometry_type: str, color: tuple[int, int, int]) -> dict[str, Any]:
    """A simple symbol suiting the geometry type."""
    rgba = [*color, 255]
    if geometry_type == "esriGeometryPoint":
        return {"type": "esriSMS", "style": "esriSMSCircle", "color": rgba, "size": 8}
    if geometry_type == "esriGeometryPolyline":
        return {"type": "esriSLS", "style": "esriSLSSolid", "color": rgba, "width": 2}
    outline = {"type": "esriSLS", "style": "esriSLSSolid", "color": rgba, "width": 1}
    return {
        "type": "esriSFS",
        "style": "esriSFSSolid",
        "color": rgba,
        "outline": outline,
    }


def _parse_numbers(text: str, count: int) -> tuple[float, ...] | None:
    """``count`` comma-separated numbers from ``text``, or None."""
    try:
        numbers = tuple(float(part) for part in text.split(","))
    except ValueError:
        return None
    return numbers if len(numbers) == count else None


def _spatial_reference(value: str) -> dict[str, int]:
    """The spatialReference for a ``bboxSR`` parameter (default 102100)."""
    text = value.strip()
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
            text = str(parsed.get("latestWkid") or parsed.get("wkid") or "")
        except (ValueError, AttributeError):
            text = ""
    if not text.isdigit() or int(text) in (102100, 3857):
        return dict(SPATIAL_REFERENCE)
    return {"wkid": int(text)}


def _layer_entry(index: int, name: str) -> dict[str, Any]:
    """One entry of a service's ``layers`` list: a top-level layer."""
    return {
        "id": index,
        "name": name,
        "parentLayerId": -1,
        "defaultVisibility": True,
        "subLayerIds": None,
        "minScale": 0,
        "maxScale": 0,
        "geometryType": _geometry_type(index),
    }


def _point_from(geometry: str) -> tuple[float, float]:
    """The x, y of an identify geometry, else the centre.

    Takes "x,y", JSON, and the unquoted ``{x: 1, y: 2}`` that QGIS sends.
    """
    text = geometry.strip()
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
            return float(parsed["x"]), float(parsed["y"])
        except (ValueError, KeyError, TypeError):
            pass
        loose = _LOOSE_POINT.search(text)
        if loose:
            return float(loose.group(1)), float(loose.group(2))
    else:
        numbers = _parse_numbers(text, 2)
        if numbers is not None:
            return numbers[0], numbers[1]

    centre_x = (FULL_EXTENT["xmin"] + FULL_EXTENT["xmax"]) / 2
    centre_y = (FULL_EXTENT["ymin"] + FULL_EXTENT["ymax"]) / 2
    return centre_x, centre_y


_LOOSE_POINT = re.compile(
    r"""["']?x["']?\s*:\s*(-?[\d.eE+-]+)\s*,\s*["']?y["']?\s*:\s*(-?[\d.eE+-]+)"""
)


def _identify_reach(params: dict[str, str]) -> float:
    """How far from the point a feature may be, in map units.

    ArcGIS reads ``tolerance`` in screen pixels, turned into map units with
    ``mapExtent`` and the width in ``imageDisplay``.
    """
    try:
        tolerance = float(params.get("tolerance", "0") or 0)
        xmin, _, xmax, _ = (float(v) for v in params["mapExtent"].split(","))
        width = float(params["imageDisplay"].split(",")[0])
    except (KeyError, ValueError):
        return 0.0
    return abs(xmax - xmin) / width * tolerance if width > 0 else 0.0


def _has_wgs84_reference(geometry: str) -> bool:
    """True when an identify geometry given as JSON says it is in WGS 84."""
    text = geometry.strip()
    if not text.startswith("{"):
        return False
    try:
        parsed = json.loads(text)
    except ValueError:
        return False
    return isinstance(parsed, dict) and is_wgs84(parsed.get("spatialReference"))


def _identify_layers(text: str, spec: ServiceSpec) -> tuple[list[int], bool]:
    """The layer ids an identify ``layers`` value names, and whether it is "top".

    A value naming no ids (or no value) means every layer.
    """
    option, _, id_text = text.partition(":")
    every = list(range(len(spec.layers)))
    named = [int(part) for part in id_text.split(",") if part.strip().isdigit()]
    layer_ids = [layer_id for layer_id in named if layer_id in every]
    return layer_ids if id_text.strip() else every, option.strip().lower() == "top"


def _identify_text(value: Any) -> str:
    """An attribute value as identify answers it: text, "Null" for null."""
    if value is None:
        return "Null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _site_root_html(site_path: str) -> str:
    """The body of the site root page, with links as a real site has.

    The links are absolute paths because the page is served both with and
    without a trailing slash.
    """
    return (
        "<h1>ArcGIS Server</h1>"
        f"<ul><li><a href='{site_path}/rest/services'>Services Directory</a></li>"
        f"<li><a href='{site_path}/tokens/'>Generate Token</a></li>"
        f"<li><a href='{site_path}/rest/info?f=pjson'>Server Information</a></li>"
        "</ul>"
    )
