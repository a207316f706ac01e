"""Reading a service's description with a token, before QGIS touches it.

QGIS reports a failed service read as "Could not parse spatial reference"
whatever the cause, and its 3.22 feature provider crashes on an error
answer. Reading the description first lets a missing service, a 403 or a
URL that is not the expected kind of service be told apart and said in
words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import NotAMapService

if TYPE_CHECKING:
    from .http import HttpClient
    from .token import Token

# From this version on ArcGIS Server reads the X-Esri-Authorization header.
HEADER_TOKEN_MIN_VERSION = 10.6

# Above this, a well-known ID is Esri's own rather than EPSG's.
LARGEST_EPSG_CODE = 32767


def read_service(http: HttpClient, url: str, token: Token) -> dict[str, Any]:
    """A service's or layer's description (``f=json``), read with the token."""
    return http.post_form(
        url, {"f": "json", "token": token.value}, headers={"Referer": token.referer}
    )


def check_service_answer(
    description: dict[str, Any], service_type: str, url: str
) -> None:
    """Refuse an answer that is not the kind of service the URL names."""
    if "services" in description or "folders" in description:
        raise NotAMapService(
            "This URL is a folder of services, not a service.", url=url
        )
    if service_type == "MapServer" and "mapName" not in description:
        raise NotAMapService(
            "This URL does not describe a MapServer.",
            details=["The answer has no map name."],
            url=url,
        )
    if service_type == "FeatureServer" and "layers" not in description:
        raise NotAMapService("This URL does not describe a FeatureServer.", url=url)


def check_feature_layer_answer(
    description: dict[str, Any], name: str, url: str
) -> None:
    """Refuse a layer description that is not a layer with features."""
    if "fields" not in description and "geometryType" not in description:
        raise NotAMapService(f"'{name}' is not a layer with features.", url=url)


def current_version(description: dict[str, Any]) -> float:
    """The server version an answer reports, 0 where it does not say."""
    try:
        return float(description.get("currentVersion") or 0)
    except (TypeError, ValueError):
        return 0.0


def crs_from_reference(reference: Any) -> str:
    """``{"wkid": 102100, "latestWkid": 3857}`` becomes ``EPSG:3857``."""
    if not isinstance(reference, dict):
        return ""
    wkid = reference.get("latestWkid") or reference.get("wkid")
    if isinstance(wkid, int) and wkid > 0:
        authority = "EPSG" if wkid <= LARGEST_EPSG_CODE else "ESRI"
        return f"{authority}:{wkid}"
    if isinstance(reference.get("wkt"), str):
        return reference["wkt"]
    return ""
