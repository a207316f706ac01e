"""Reading a MapServer's description with a token, before QGIS touches it.

QGIS reports a failed service read as "Could not parse spatial reference"
whatever the cause. Reading it first lets a missing service, a 403 or a URL
that is not a MapServer be told apart and said in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import NotAMapService
from .token import Token
from .urls import MapServiceUrl

if TYPE_CHECKING:
    from .http import HttpClient

# From this version on ArcGIS Server reads the X-Esri-Authorization header.
HEADER_TOKEN_MIN_VERSION = 10.6

# Above this, a well-known ID is Esri's own rather than EPSG's.
LARGEST_EPSG_CODE = 32767


@dataclass(frozen=True)
class MapServiceInfo:
    """What the plugin needs to know of a MapServer to add it as a layer."""

    service: MapServiceUrl
    current_version: float
    crs: str
    layer_ids: tuple[int, ...]
    cached: bool

    @property
    def accepts_header_token(self) -> bool:
        return self.current_version >= HEADER_TOKEN_MIN_VERSION


def read_map_service(
    http: HttpClient, service: MapServiceUrl, token: Token
) -> MapServiceInfo:
    """Fetch ``SERVICE/MapServer?f=json`` with the token and read it."""
    answer = http.post_form(
        service.url,
        {"f": "json", "token": token.value},
        headers={"Referer": token.referer},
    )
    return parse_map_service(answer, service)


def parse_map_service(answer: dict[str, Any], service: MapServiceUrl) -> MapServiceInfo:
    """Check that ``answer`` describes a MapServer and take what is needed."""
    if "services" in answer or "folders" in answer:
        raise NotAMapService(
            "This URL is a folder of services, not a MapServer.", url=service.url
        )

    reference = answer.get("spatialReference")
    if not isinstance(reference, dict) or "mapName" not in answer:
        raise NotAMapService(
            "This URL does not describe a MapServer.",
            details=["The answer has no map name or spatial reference."],
            url=service.url,
        )

    layers = answer.get("layers")
    layer_ids = tuple(
        int(layer["id"])
        for layer in (layers if isinstance(layers, list) else [])
        if isinstance(layer, dict) and isinstance(layer.get("id"), int)
    )
    if service.sublayer is not None:
        layer_ids = (service.sublayer,)

    return MapServiceInfo(
        service=service,
        current_version=_as_float(answer.get("currentVersion")),
        crs=crs_from_reference(reference),
        layer_ids=layer_ids,
        cached=answer.get("singleFusedMapCache") is True,
    )


def crs_from_reference(reference: dict[str, Any]) -> str:
    """``{"wkid": 102100, "latestWkid": 3857}`` becomes ``EPSG:3857``."""
    wkid = reference.get("latestWkid") or reference.get("wkid")
    if isinstance(wkid, int) and wkid > 0:
        authority = "EPSG" if wkid <= LARGEST_EPSG_CODE else "ESRI"
        return f"{authority}:{wkid}"
    if isinstance(reference.get("wkt"), str):
        return reference["wkt"]
    return ""


def _as_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0
