"""Finding things on an ArcGIS Server site: where a URL points, the token
service, folders, services and their layers.

A user knows their server, rarely the exact URL of a service or of its token
endpoint, so any URL inside a site is accepted and placed: the site itself,
the services root, a folder, a service, or one of its layers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .errors import InputError, NotAMapService, NotFound, SiteNotSupported
from .service import current_version
from .urls import SiteRoot, parse_http_url

if TYPE_CHECKING:
    from .http import HttpClient
    from .token import Token

ADDABLE_TYPES = ("MapServer", "FeatureServer")

SITE = "site"
FOLDER = "folder"
SERVICE = "service"
LAYER = "layer"


@dataclass(frozen=True)
class Location:
    """Where inside an ArcGIS Server site a URL points."""

    kind: str
    root: SiteRoot
    folder: str = ""
    service: str = ""
    service_type: str = ""
    layer_id: int | None = None

    @property
    def service_url(self) -> str:
        return service_url(self.root, self.service, self.service_type)


def service_url(root: SiteRoot, name: str, service_type: str) -> str:
    return f"{root.url}/rest/services/{name}/{service_type}"


def locate(text: str, *, field: str = "serviceUrl") -> Location:
    """Place any URL inside an ArcGIS Server site, without asking the server."""
    url = parse_http_url(text, field=field, label="The server or service URL")
    path = urlsplit(url).path
    root = SiteRoot.from_url(url)

    if "/rest/services" not in path:
        if "/tokens" in path or "/sharing/" in path:
            raise InputError(
                "This is a token service URL; enter it as the token URL and give "
                "the server or a service here.",
                field=field,
            )
        return Location(SITE, root)

    parts = [part for part in path.split("/rest/services", 1)[1].split("/") if part]
    type_index = next(
        (index for index, part in enumerate(parts) if part.endswith("Server")), None
    )
    if type_index is None:
        folder = "/".join(parts)
        return Location(FOLDER, root, folder=folder) if folder else Location(SITE, root)

    if type_index == 0:
        raise InputError("The service URL has no service name.", field=field)

    name = "/".join(parts[:type_index])
    service_type = parts[type_index]
    if service_type not in ADDABLE_TYPES:
        raise NotAMapService(
            f"This is a {service_type}; only MapServer and FeatureServer services "
            "can be added.",
            url=url,
        )

    rest = parts[type_index + 1 :]
    if rest and rest[0].isdigit():
        return Location(
            LAYER, root, name.rpartition("/")[0], name, service_type, int(rest[0])
        )
    return Location(SERVICE, root, name.rpartition("/")[0], name, service_type)


# -- the site's token service --------------------------------------------------------


@dataclass(frozen=True)
class SiteInfo:
    """What ``rest/info`` says about the site's security."""

    current_version: float
    token_secured: bool
    token_url: str
    portal_url: str


def read_site_info(http: HttpClient, root: SiteRoot) -> SiteInfo:
    """``rest/info?f=json``, readable without a token on every site."""
    return parse_site_info(http.post_form(f"{root.url}/rest/info", {"f": "json"}))


def parse_site_info(answer: dict[str, Any]) -> SiteInfo:
    auth = answer.get("authInfo")
    auth = auth if isinstance(auth, dict) else {}
    secured = auth.get("isTokenBasedSecurity")
    if isinstance(secured, str):
        secured = secured.strip().lower() == "true"

    token_url = str(auth.get("tokenServicesUrl") or "").strip()
    if token_url.rstrip("/").endswith("/tokens"):
        token_url = token_url.rstrip("/") + "/generateToken"

    return SiteInfo(
        current_version=current_version(answer),
        token_secured=secured is True,
        token_url=token_url,
        portal_url=str(answer.get("owningSystemUrl") or ""),
    )


def discover_token_url(http: HttpClient, root: SiteRoot) -> str:
    """The site's generateToken URL, or why this site cannot be signed in to."""
    info = read_site_info(http, root)

    if info.portal_url:
        raise SiteNotSupported(
            "This ArcGIS Server is federated with a portal: sign-in goes through "
            "the portal, which this plugin does not do yet.",
            details=[f"Portal: {info.portal_url}"],
            portal_url=info.portal_url,
            url=root.url,
        )
    if not info.token_secured or not info.token_url:
        raise SiteNotSupported(
            "This site does not use ArcGIS token security, so there is nothing to "
            "sign in to. Add its services with QGIS's own ArcGIS REST connection.",
            url=root.url,
        )
    return info.token_url


# -- folders, services, layers -------------------------------------------------------


@dataclass(frozen=True)
class ServiceRef:
    """A service in a catalog: its full name (with folder) and its type."""

    name: str
    service_type: str

    @property
    def title(self) -> str:
        return self.name.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class FolderListing:
    folder: str
    folders: tuple[str, ...]
    services: tuple[ServiceRef, ...]
    current_version: float = 0.0


@dataclass(frozen=True)
class LayerRef:
    """One layer of a MapServer or FeatureServer."""

    layer_id: int
    name: str
    parent_id: int
    is_group: bool
    geometry_type: str


def read_folder(
    http: HttpClient, root: SiteRoot, folder: str, token: Token
) -> FolderListing:
    """List a folder with the token: secured services are listed only then."""
    url = f"{root.url}/rest/services" + (f"/{folder}" if folder else "")
    try:
        answer = http.post_form(
            url, {"f": "json", "token": token.value}, headers={"Referer": token.referer}
        )
    except NotFound as exc:
        raise NotFound(
            f"There is no folder '{folder}' on this server.", code=404, url=exc.url
        ) from exc
    return parse_folder(answer, folder, url)


def parse_folder(answer: dict[str, Any], folder: str, url: str = "") -> FolderListing:
    if "folders" not in answer and "services" not in answer:
        raise NotAMapService("This URL is not a folder of services.", url=url)

    folders = tuple(
        f"{folder}/{name}"
        if folder and not str(name).startswith(folder + "/")
        else str(name)
        for name in _list(answer.get("folders"))
        if isinstance(name, str) and name.strip()
    )
    services = tuple(
        ServiceRef(str(entry["name"]), str(entry["type"]))
        for entry in _list(answer.get("services"))
        if isinstance(entry, dict)
        and isinstance(entry.get("name"), str)
        and entry.get("type") in ADDABLE_TYPES
    )
    return FolderListing(folder, folders, services, current_version(answer))


def parse_layers(answer: dict[str, Any]) -> tuple[LayerRef, ...]:
    """The ``layers`` of a MapServer or FeatureServer description."""
    layers = []
    for entry in _list(answer.get("layers")):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), int):
            continue
        parent = entry.get("parentLayerId")
        layers.append(
            LayerRef(
                layer_id=entry["id"],
                name=str(entry.get("name") or entry["id"]),
                parent_id=parent if isinstance(parent, int) else -1,
                is_group=bool(entry.get("subLayerIds")),
                geometry_type=str(entry.get("geometryType") or ""),
            )
        )
    return tuple(layers)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []
