"""Sample features of the stand-in's layers and ArcGIS's ``query`` operation.

Every feature layer of the stand-in holds the same few wildfire-response
features for its geometry type: 5 points, 3 lines and 2 polygons, in Web
Mercator and inside the services' full extent. ``run_query`` answers a
layer's ``query`` operation the way ArcGIS Server does for the parameters that
QGIS's ``arcgisfeatureserver`` provider and other clients send, and
``features_at`` finds the features under an identify point.

Spatial filters compare bounding boxes only (every ``spatialRel`` is treated
as "envelope intersects"); besides Web Mercator, only WGS 84 (4326) is
understood as an input or output spatial reference.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

Box = tuple[float, float, float, float]
Convert = Callable[[float, float], tuple[float, float]]

WEB_MERCATOR = {"wkid": 102100, "latestWkid": 3857}
WGS84 = {"wkid": 4326, "latestWkid": 4326}
EARTH_RADIUS = 6378137.0

OBJECT_ID_FIELD = "OBJECTID"
DISPLAY_FIELD = "NAME"
MAX_RECORD_COUNT = 1000
FIELDS: tuple[dict[str, Any], ...] = (
    {
        "name": "OBJECTID",
        "type": "esriFieldTypeOID",
        "alias": "OBJECTID",
        "domain": None,
    },
    {
        "name": "NAME",
        "type": "esriFieldTypeString",
        "alias": "Name",
        "length": 50,
        "domain": None,
    },
    {
        "name": "STATUS",
        "type": "esriFieldTypeString",
        "alias": "Status",
        "length": 20,
        "domain": None,
    },
    {
        "name": "ACRES",
        "type": "esriFieldTypeDouble",
        "alias": "Acres",
        "domain": None,
    },
)
NUMERIC_FIELDS = frozenset({"OBJECTID", "ACRES"})

_TRUE_WHERE = re.compile(r"^\s*(1\s*=\s*1)?\s*$")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_COMPARISON = re.compile(r"^\s*(\w+)\s*(=|<>|!=)\s*(.+?)\s*$")
_MEMBERSHIP = re.compile(r"^\s*(\w+)\s+in\s*\((.*)\)\s*$", re.IGNORECASE)


class QueryError(ValueError):
    """A query parameter that ArcGIS Server would refuse with a 400 error."""


@dataclass
class Feature:
    """One feature: attribute values and an Esri JSON geometry in Web Mercator.

    ``bbox`` is computed once, because every spatial test uses it.
    """

    attributes: dict[str, Any]
    geometry: dict[str, Any]
    bbox: Box = field(init=False)

    def __post_init__(self) -> None:
        """Compute the bounding box of the geometry."""
        box = geometry_bbox(self.geometry)
        if box is None:
            raise ValueError("a sample feature needs a geometry")
        self.bbox = box

    @property
    def object_id(self) -> int:
        """The feature's OBJECTID."""
        return int(self.attributes[OBJECT_ID_FIELD])


# ------------------------------------------------------------- geometry


def geometry_bbox(geometry: dict[str, Any]) -> Box | None:
    """The bounding box of an Esri JSON geometry, or None when it is empty.

    Raises ValueError, TypeError or KeyError for a malformed geometry.
    """
    if "xmin" in geometry:
        corners = [
            (float(geometry["xmin"]), float(geometry["ymin"])),
            (float(geometry["xmax"]), float(geometry["ymax"])),
        ]
    elif "x" in geometry:
        corners = [(float(geometry["x"]), float(geometry["y"]))]
    else:
        vertices = list(geometry.get("points", []))
        for key in ("paths", "rings"):
            for part in geometry.get(key, []):
                vertices.extend(part)
        corners = [(float(vertex[0]), float(vertex[1])) for vertex in vertices]

    if not corners:
        return None
    xs = [x for x, _ in corners]
    ys = [y for _, y in corners]
    return min(xs), min(ys), max(xs), max(ys)


def map_geometry(geometry: dict[str, Any], convert: Convert) -> dict[str, Any]:
    """A copy of an Esri JSON geometry with every coordinate converted."""
    if "x" in geometry:
        x, y = convert(geometry["x"], geometry["y"])
        return {"x": x, "y": y}
    if "xmin" in geometry:
        xmin, ymin = convert(geometry["xmin"], geometry["ymin"])
        xmax, ymax = convert(geometry["xmax"], geometry["ymax"])
        return {"xmin": xmin, "ymin": ymin, "xmax": xmax, "ymax": ymax}

    copy: dict[str, Any] = {}
    if "points" in geometry:
        copy["points"] = [list(convert(*vertex[:2])) for vertex in geometry["points"]]
    for key in ("paths", "rings"):
        if key in geometry:
            copy[key] = [
                [list(convert(*vertex[:2])) for vertex in part]
                for part in geometry[key]
            ]
    return copy


def to_wgs84(x: float, y: float) -> tuple[float, float]:
    """Web Mercator metres to WGS 84 longitude and latitude in degrees."""
    longitude = math.degrees(x / EARTH_RADIUS)
    latitude = math.degrees(2 * math.atan(math.exp(y / EARTH_RADIUS)) - math.pi / 2)
    return longitude, latitude


def to_web_mercator(longitude: float, latitude: float) -> tuple[float, float]:
    """WGS 84 degrees to Web Mercator metres (latitude kept off the poles)."""
    latitude = max(-89.9, min(89.9, latitude))
    x = EARTH_RADIUS * math.radians(longitude)
    y = EARTH_RADIUS * math.log(math.tan(math.pi / 4 + math.radians(latitude) / 2))
    return x, y


def same_point(x: float, y: float) -> tuple[float, float]:
    """The identity conversion, for geometries kept in Web Mercator."""
    return x, y


def parse_wkid(value: Any) -> int | None:
    """The wkid in an ``inSR``/``outSR``/``sr`` value (number or JSON), or None."""
    if isinstance(value, dict):
        value = value.get("latestWkid") or value.get("wkid")
    text = str(value if value is not None else "").strip()
    if text.startswith("{"):
        try:
            return parse_wkid(json.loads(text))
        except ValueError:
            return None
    return int(text) if text.isdigit() else None


def is_wgs84(value: Any) -> bool:
    """True when a spatial reference parameter asks for WGS 84."""
    return parse_wkid(value) == 4326


# -------------------------------------------------------------- samples


def _feature(
    object_id: int, name: str, status: str, acres: float, geometry: dict[str, Any]
) -> Feature:
    """A sample feature with the stand-in's four fields."""
    attributes = {
        "OBJECTID": object_id,
        "NAME": name,
        "STATUS": status,
        "ACRES": acres,
    }
    return Feature(attributes, geometry)


def _point(x: float, y: float) -> dict[str, Any]:
    """An Esri JSON point."""
    return {"x": x, "y": y}


def _path(*vertices: tuple[float, float]) -> dict[str, Any]:
    """An Esri JSON polyline with one path."""
    return {"paths": [[[x, y] for x, y in vertices]]}


def _ring(*vertices: tuple[float, float]) -> dict[str, Any]:
    """An Esri JSON polygon with one closed ring.

    The vertices must run clockwise: Esri JSON (and QGIS reading it) takes
    clockwise rings as outer rings and anticlockwise ones as holes.
    """
    ring = [[x, y] for x, y in vertices]
    return {"rings": [[*ring, list(ring[0])]]}


SAMPLE_FEATURES: dict[str, tuple[Feature, ...]] = {
    "esriGeometryPoint": (
        _feature(1, "Incident Command Post", "Active", 2.5, _point(-10000000, 4000000)),
        _feature(2, "Helibase Alpha", "Active", 6.0, _point(-13100000, 4600000)),
        _feature(
            3, "Water Tender Fill Site", "Standby", 0.5, _point(-12500000, 5300000)
        ),
        _feature(4, "Evacuation Center", "Open", 3.2, _point(-11700000, 3900000)),
        _feature(5, "Spike Camp North", "Closed", 1.8, _point(-9200000, 4700000)),
    ),
    "esriGeometryPolyline": (
        _feature(
            1,
            "Dozer Line 1",
            "Completed",
            14.2,
            _path((-13200000, 4500000), (-13000000, 4650000), (-12800000, 4700000)),
        ),
        _feature(
            2,
            "Hand Line East Flank",
            "Active",
            3.7,
            _path((-12000000, 5000000), (-11800000, 5200000)),
        ),
        _feature(
            3,
            "Evacuation Route 12",
            "Open",
            0.0,
            _path((-10400000, 3500000), (-10100000, 3700000), (-9900000, 3650000)),
        ),
    ),
    "esriGeometryPolygon": (
        _feature(
            1,
            "Creek Fire Perimeter",
            "Contained",
            379895.0,
            _ring(
                (-13250000, 4350000),
                (-13270000, 4500000),
                (-13150000, 4580000),
                (-12980000, 4540000),
                (-12950000, 4380000),
            ),
        ),
        _feature(
            2,
            "Ridge Fire Perimeter",
            "Active",
            48213.5,
            _ring(
                (-11500000, 5500000),
                (-11520000, 5700000),
                (-11350000, 5800000),
                (-11200000, 5650000),
                (-11250000, 5480000),
            ),
        ),
    ),
}


def layer_features(geometry_type: str) -> tuple[Feature, ...]:
    """The sample features of a layer with this Esri geometry type."""
    return SAMPLE_FEATURES.get(geometry_type, ())


def features_extent(features: Iterable[Feature]) -> Box | None:
    """The bounding box of all ``features``, or None when there are none."""
    boxes = [feature.bbox for feature in features]
    if not boxes:
        return None
    return (
        min(box[0] for box in boxes),
        min(box[1] for box in boxes),
        max(box[2] for box in boxes),
        max(box[3] for box in boxes),
    )


def features_at(
    features: Iterable[Feature], x: float, y: float, reach: float = 0.0
) -> list[Feature]:
    """The features whose bounding box is within ``reach`` of the point."""
    return [
        feature
        for feature in features
        if feature.bbox[0] - reach <= x <= feature.bbox[2] + reach
        and feature.bbox[1] - reach <= y <= feature.bbox[3] + reach
    ]


# ---------------------------------------------------------------- query


def run_query(
    features: Sequence[Feature], geometry_type: str, params: dict[str, str]
) -> dict[str, Any]:
    """The body of a layer's ``query`` answer for these request parameters.

    Answers object IDs (``returnIdsOnly``), a count and/or an extent
    (``returnCountOnly``, ``returnExtentOnly``), GeoJSON for ``f=geojson``,
    else Esri JSON features. Raises QueryError for a malformed parameter.
    """
    selected = select_features(features, params)
    out_wgs84 = is_wgs84(params.get("outSR", ""))
    convert = to_wgs84 if out_wgs84 else same_point
    spatial_reference = dict(WGS84 if out_wgs84 else WEB_MERCATOR)

    if _flag(params, "returnIdsOnly"):
        return {
            "objectIdFieldName": OBJECT_ID_FIELD,
            "objectIds": [feature.object_id for feature in selected],
        }
    counting = _flag(params, "returnCountOnly")
    if counting or _flag(params, "returnExtentOnly"):
        body: dict[str, Any] = {"count": len(selected)} if counting else {}
        if _flag(params, "returnExtentOnly"):
            body["extent"] = _extent_json(selected, convert, spatial_reference)
        return body

    page, exceeded = _page(_ordered(selected, params.get("orderByFields", "")), params)
    names = _out_fields(params.get("outFields", ""))
    with_geometry = params.get("returnGeometry", "true").strip().lower() != "false"
    if params.get("f", "").lower() == "geojson":
        return _geojson(page, names, with_geometry, exceeded)

    body = {
        "objectIdFieldName": OBJECT_ID_FIELD,
        "uniqueIdField": {"name": OBJECT_ID_FIELD, "isSystemMaintained": True},
        "globalIdFieldName": "",
    }
    if with_geometry:
        body["geometryType"] = geometry_type
        body["spatialReference"] = spatial_reference
    body["fields"] = [dict(item) for item in FIELDS if item["name"] in names]
    body["features"] = [
        _esri_feature(feature, names, convert if with_geometry else None)
        for feature in page
    ]
    if exceeded:
        body["exceededTransferLimit"] = True
    return body


def select_features(
    features: Sequence[Feature], params: dict[str, str]
) -> list[Feature]:
    """The features matching ``where``, ``objectIds`` and ``geometry``."""
    matches = _where(params.get("where", ""))
    selected = [feature for feature in features if matches(feature)]

    ids_text = params.get("objectIds", "").strip()
    if ids_text:
        try:
            wanted = {int(part) for part in ids_text.split(",") if part.strip()}
        except ValueError:
            raise QueryError(f"Invalid objectIds: {ids_text}") from None
        selected = [feature for feature in selected if feature.object_id in wanted]

    box = filter_box(params)
    if box is not None:
        selected = [feature for feature in selected if _intersects(feature.bbox, box)]
    return selected


def filter_box(params: dict[str, str]) -> Box | None:
    """The Web Mercator box of the ``geometry`` filter, or None without one.

    ``geometry`` may be an envelope or any geometry as Esri JSON, or plain
    ``xmin,ymin,xmax,ymax`` or ``x,y``; its spatial reference comes from the
    JSON or ``inSR``.
    """
    text = params.get("geometry", "").strip()
    if not text:
        return None

    in_wgs84 = is_wgs84(params.get("inSR", ""))
    if text.startswith("{"):
        try:
            geometry = json.loads(text)
            box = geometry_bbox(geometry)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            raise QueryError(f"Invalid geometry: {text}") from None
        if "spatialReference" in geometry:
            in_wgs84 = is_wgs84(geometry["spatialReference"])
    else:
        box = _numbers_box(text)
    if box is None:
        raise QueryError(f"Invalid geometry: {text}")

    if not in_wgs84:
        return box
    xmin, ymin = to_web_mercator(box[0], box[1])
    xmax, ymax = to_web_mercator(box[2], box[3])
    return xmin, ymin, xmax, ymax


def _numbers_box(text: str) -> Box | None:
    """The box of ``xmin,ymin,xmax,ymax`` or of the point ``x,y``, else None."""
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        return None
    if len(numbers) == 2:
        return numbers[0], numbers[1], numbers[0], numbers[1]
    if len(numbers) == 4:
        xmin, ymin, xmax, ymax = numbers
        return min(xmin, xmax), min(ymin, ymax), max(xmin, xmax), max(ymin, ymax)
    return None


def _intersects(first: Box, second: Box) -> bool:
    """True when two boxes overlap or touch."""
    return (
        first[0] <= second[2]
        and second[0] <= first[2]
        and first[1] <= second[3]
        and second[1] <= first[3]
    )


def _flag(params: dict[str, str], name: str) -> bool:
    """True when a boolean parameter is ``true``."""
    return params.get(name, "").strip().lower() == "true"


def _field_name(name: str) -> str:
    """The field called ``name`` (any case); QueryError for an unknown one."""
    for item in FIELDS:
        if item["name"].lower() == name.strip().lower():
            return item["name"]
    raise QueryError(f"Unknown field: {name.strip()}")


def _out_fields(text: str) -> list[str]:
    """The fields an ``outFields`` value asks for; without it, OBJECTID only."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if "*" in parts:
        return [item["name"] for item in FIELDS]
    if not parts:
        return [OBJECT_ID_FIELD]
    return list(dict.fromkeys(_field_name(part) for part in parts))


def _ordered(features: list[Feature], order_by: str) -> list[Feature]:
    """The features in ``orderByFields`` order, else by OBJECTID."""
    ordered = sorted(features, key=lambda feature: feature.object_id)
    clauses = [clause.split() for clause in order_by.split(",") if clause.strip()]

    # Stable sorts from the last key to the first give a multi-key order.
    for words in reversed(clauses):
        name = _field_name(words[0])
        descending = len(words) > 1 and words[1].lower() == "desc"
        ordered.sort(
            key=lambda feature: _sort_key(feature.attributes.get(name)),
            reverse=descending,
        )
    return ordered


def _sort_key(value: Any) -> tuple[bool, Any]:
    """A sort key placing nulls first and comparing the rest by value."""
    return value is not None, value if value is not None else 0


def _page(
    features: list[Feature], params: dict[str, str]
) -> tuple[list[Feature], bool]:
    """The page that ``resultOffset`` and ``resultRecordCount`` ask for.

    The flag says whether more features follow the page, which ArcGIS
    reports as ``exceededTransferLimit``.
    """
    offset = _whole_number(params.get("resultOffset", ""), 0)
    count = _whole_number(params.get("resultRecordCount", ""), MAX_RECORD_COUNT)
    count = min(count, MAX_RECORD_COUNT) if count > 0 else MAX_RECORD_COUNT
    page = features[offset : offset + count]
    return page, offset + count < len(features)


def _whole_number(text: str, default: int) -> int:
    """A non-negative integer parameter, or ``default`` when absent."""
    if not text.strip():
        return default
    try:
        return max(0, int(text))
    except ValueError:
        raise QueryError(f"Invalid number: {text}") from None


def _extent_json(
    features: list[Feature], convert: Convert, spatial_reference: dict[str, int]
) -> dict[str, Any]:
    """The ``extent`` of a returnExtentOnly answer ("NaN" when empty)."""
    box = features_extent(features)
    if box is None:
        extent: dict[str, Any] = dict.fromkeys(("xmin", "ymin", "xmax", "ymax"), "NaN")
    else:
        envelope = {"xmin": box[0], "ymin": box[1], "xmax": box[2], "ymax": box[3]}
        extent = map_geometry(envelope, convert)
    extent["spatialReference"] = spatial_reference
    return extent


def _esri_feature(
    feature: Feature, names: list[str], convert: Convert | None
) -> dict[str, Any]:
    """One Esri JSON feature with the ``names`` attributes.

    Its geometry is converted with ``convert``, or left out when that is None.
    """
    body: dict[str, Any] = {
        "attributes": {name: feature.attributes.get(name) for name in names}
    }
    if convert is not None:
        body["geometry"] = map_geometry(feature.geometry, convert)
    return body


# ---------------------------------------------------------------- where


def _where(text: str) -> Callable[[Feature], bool]:
    """A test for a simple ``where`` clause.

    Understood: empty or ``1=1``, and clauses ``FIELD = value``,
    ``FIELD <> value`` and ``FIELD IN (values)`` joined by AND. Anything else
    is ignored (every feature matches), as the stand-in is no SQL engine.
    """
    if _TRUE_WHERE.match(text):
        return lambda feature: True

    tests = []
    for clause in _AND.split(text.strip()):
        if _TRUE_WHERE.match(clause):
            continue
        test = _clause_test(clause)
        if test is None:
            return lambda feature: True
        tests.append(test)
    return lambda feature: all(test(feature) for test in tests)


def _clause_test(clause: str) -> Callable[[Feature], bool] | None:
    """The test for one comparison or IN clause, or None if not understood."""
    membership = _MEMBERSHIP.match(clause)
    if membership is not None:
        name = _field_name(membership.group(1))
        values = {_literal(part, name) for part in _split_literals(membership.group(2))}
        return lambda feature: feature.attributes.get(name) in values

    comparison = _COMPARISON.match(clause)
    if comparison is None:
        return None
    name = _field_name(comparison.group(1))
    value = _literal(comparison.group(3), name)
    if comparison.group(2) == "=":
        return lambda feature: feature.attributes.get(name) == value
    return lambda feature: feature.attributes.get(name) != value


def _split_literals(text: str) -> list[str]:
    """The comma-separated literals of an IN list; commas inside quotes kept."""
    parts, current, quoted = [], "", False
    for character in text:
        if character == "'":
            quoted = not quoted
        if character == "," and not quoted:
            parts.append(current)
            current = ""
        else:
            current += character
    parts.append(current)
    return [part.strip() for part in parts if part.strip()]


def _literal(text: str, field_name: str) -> Any:
    """A SQL literal as a Python value suiting the field's type."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        text = text[1:-1].replace("''", "'")
    if field_name not in NUMERIC_FIELDS:
        return text
    try:
        return float(text)
    except ValueError:
        raise QueryError(f"Invalid number for {field_name}: {text}") from None


# -------------------------------------------------------------- GeoJSON


def _geojson(
    features: list[Feature], names: list[str], with_geometry: bool, exceeded: bool
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection in WGS 84, as ``f=geojson`` answers."""
    collection: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": feature.object_id,
                "geometry": (
                    _geojson_geometry(feature.geometry) if with_geometry else None
                ),
                "properties": {name: feature.attributes.get(name) for name in names},
            }
            for feature in features
        ],
    }
    if exceeded:
        collection["properties"] = {"exceededTransferLimit": True}
    return collection


def _geojson_geometry(geometry: dict[str, Any]) -> dict[str, Any]:
    """An Esri JSON geometry as GeoJSON in WGS 84."""
    converted = map_geometry(geometry, to_wgs84)
    if "x" in converted:
        return {"type": "Point", "coordinates": [converted["x"], converted["y"]]}
    if "paths" in converted:
        paths = converted["paths"]
        if len(paths) == 1:
            return {"type": "LineString", "coordinates": paths[0]}
        return {"type": "MultiLineString", "coordinates": paths}

    # GeoJSON wants anticlockwise outer rings, Esri JSON clockwise ones.
    rings = [list(reversed(ring)) for ring in converted.get("rings", [])]
    return {"type": "Polygon", "coordinates": rings}
