"""Reading the URLs a user types: token URL, service URL, site root.

An ArcGIS Server site lives under one path on one origin, for example
``https://gis.example.com/arcgis``: its REST services are below ``/rest/``,
its token service below ``/tokens/``. The site root is what a token is good
for, so it is what the plugin scopes the token and the Referer to.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .errors import InputError

DEFAULT_PORTS = {"http": 80, "https": 443}

# Path segments that end the site root: everything before them is the site.
SITE_ROOT_MARKERS = ("/rest/", "/tokens/", "/sharing/", "/admin/")

SECRET_QUERY_KEYS = frozenset({"token", "password", "username"})


def is_loopback_host(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    import ipaddress

    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_http_url(text: str, *, field: str, label: str) -> str:
    """Check that ``text`` is an absolute http(s) URL and return it tidied.

    The query string and fragment are dropped: none of the plugin's URLs
    need one, and a pasted ``?f=pjson`` or ``#`` would only get in the way.
    """
    url = (text or "").strip()
    if not url:
        raise InputError(f"{label} is empty.", field=field)

    if any(character.isspace() for character in url):
        raise InputError(f"{label} contains spaces.", field=field)

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InputError(f"{label} is not a valid URL.", field=field) from exc

    if parts.scheme.lower() not in DEFAULT_PORTS:
        raise InputError(f"{label} must start with https:// (or http://).", field=field)

    if not parts.hostname:
        raise InputError(f"{label} has no server name.", field=field)

    if parts.username or parts.password:
        raise InputError(
            f"{label} must not contain a user name or password; "
            "use the sign-in fields instead.",
            field=field,
        )

    netloc = parts.hostname if port is None else f"{parts.hostname}:{port}"
    if ":" in parts.hostname:
        netloc = f"[{parts.hostname}]" + ("" if port is None else f":{port}")
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), netloc, path, "", ""))


def require_secure_transport(url: str, *, allow_insecure: bool, label: str) -> None:
    """Refuse plain http:// unless the host is loopback or the user allowed it.

    A password and a token sent over plain HTTP can be read by anyone on the
    network path, so this is an explicit choice for the user to make.
    """
    parts = urlsplit(url)
    if parts.scheme == "https" or allow_insecure:
        return
    if is_loopback_host(parts.hostname or ""):
        return
    raise InputError(
        f"{label} uses plain http://, which would send your password and token "
        "unencrypted. Use https://, or tick 'Allow plain HTTP' if this server "
        "offers nothing else.",
        field="allowInsecureHttp",
    )


def redact(url: str) -> str:
    """Return ``url`` with the values of token, password and username hidden."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unreadable URL>"
    if not parts.query:
        return url
    pairs = [
        (key, "***" if key.lower() in SECRET_QUERY_KEYS else value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(pairs, safe="*,:/")))


def ascii_host(host: str) -> str:
    """The host as Qt's QUrl.host() gives it: lower case, IDNs in ASCII form."""
    host = host.lower()
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


@dataclass(frozen=True)
class SiteRoot:
    """The part of a URL an ArcGIS site lives under: origin plus site path."""

    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def from_url(cls, url: str) -> SiteRoot:
        """The site root of any URL inside a site (service, token, info)."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        port = parts.port or DEFAULT_PORTS.get(scheme, 0)
        path = parts.path
        for marker in SITE_ROOT_MARKERS:
            index = path.find(marker)
            if index >= 0:
                path = path[:index]
                break
        return cls(scheme, ascii_host(parts.hostname or ""), port, path.rstrip("/"))

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if DEFAULT_PORTS.get(self.scheme) != self.port:
            host = f"{host}:{self.port}"
        return f"{self.scheme}://{host}{self.path}"

    def contains_path(self, path: str) -> bool:
        """True when ``path`` is the site path itself or below it."""
        if not self.path:
            return True
        return path == self.path or path.startswith(self.path + "/")

    def __str__(self) -> str:
        return self.url
