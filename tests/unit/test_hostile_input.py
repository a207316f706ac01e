"""Whatever a server answers or a user types, nothing raises past ArcGISError.

Property-based: hypothesis generates arbitrary JSON, truncated and huge
bodies, odd encodings, wrong types, and URLs with credentials, fragments,
spaces and international host names.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secure_ags_plugin.arcgis.catalog import (
    locate,
    parse_folder,
    parse_layers,
    parse_site_info,
)
from secure_ags_plugin.arcgis.errors import ArcGISError
from secure_ags_plugin.arcgis.http import parse_json_answer
from secure_ags_plugin.arcgis.service import (
    check_feature_layer_answer,
    check_service_answer,
    crs_from_reference,
    current_version,
)
from secure_ags_plugin.arcgis.token import token_from_answer
from secure_ags_plugin.arcgis.urls import SiteRoot, redact

PROPERTY = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=25,
)
# Objects that look like ArcGIS answers but with any value in any field.
arcgis_keys = st.sampled_from(
    [
        "token", "expires", "ssl", "error", "code", "message", "details",
        "currentVersion", "authInfo", "isTokenBasedSecurity", "tokenServicesUrl",
        "owningSystemUrl", "folders", "services", "name", "type", "layers", "id",
        "parentLayerId", "subLayerIds", "geometryType", "spatialReference", "wkid",
        "latestWkid", "wkt", "mapName", "fields",
    ]
)  # fmt: skip
arcgis_like = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(arcgis_keys | st.text(max_size=6), inner, max_size=6)
    ),
    max_leaves=30,
)
arcgis_objects = st.dictionaries(arcgis_keys, arcgis_like, max_size=8)


def only_arcgis_errors(call, *args, **kwargs):
    """Run ``call``; an ArcGISError is fine, any other exception fails."""
    try:
        return call(*args, **kwargs)
    except ArcGISError:
        return None


@PROPERTY
@given(
    status=st.sampled_from([200, 302, 400, 401, 403, 404, 498, 499, 500, 502]),
    body=st.binary(max_size=2000),
)
def test_any_bytes_as_an_answer(status, body):
    answer = only_arcgis_errors(parse_json_answer, status, body, "https://h/x")

    assert answer is None or isinstance(answer, dict)


@PROPERTY
@given(status=st.sampled_from([200, 498]), value=json_values, cut=st.integers(0, 400))
def test_json_answers_whole_truncated_and_reencoded(status, value, cut):
    text = json.dumps(value)
    for body in (
        text.encode("utf-8"),
        text.encode("utf-8")[:cut],
        text.encode("utf-16"),
        b"\xef\xbb\xbf" + text.encode("utf-8"),
        text.encode("latin-1", "replace"),
    ):
        only_arcgis_errors(parse_json_answer, status, body, "https://h/x")


@PROPERTY
@given(error=arcgis_like, status=st.sampled_from([200, 400, 498]))
def test_error_objects_of_any_shape_become_arcgis_errors(error, status):
    body = json.dumps({"error": error}).encode()

    try:
        parse_json_answer(status, body, "https://h/x?token=SECRET")
    except ArcGISError as exc:
        assert "SECRET" not in exc.url
        assert isinstance(str(exc), str)
    else:
        raise AssertionError("an error object must raise")


def test_huge_body_is_read_without_trouble():
    body = json.dumps({"layers": [{"id": i, "name": "x" * 50} for i in range(40000)]})

    answer = parse_json_answer(200, body.encode(), "https://h/x")

    assert len(parse_layers(answer)) == 40000


@PROPERTY
@given(answer=arcgis_objects, minutes=st.integers(-5, 10**6))
def test_token_answers_of_any_shape(answer, minutes):
    token = only_arcgis_errors(
        token_from_answer,
        answer,
        requested_minutes=minutes,
        referer="r",
        issued_at=1_700_000_000.0,
    )

    if token is not None:
        assert token.value.strip()
        assert 0 < token.lifetime <= max(1, minutes) * 60


@PROPERTY
@given(answer=arcgis_objects)
def test_service_and_catalog_answers_of_any_shape(answer):
    info = parse_site_info(answer)
    assert isinstance(info.token_url, str)
    assert isinstance(current_version(answer), float)
    assert isinstance(crs_from_reference(answer.get("spatialReference")), str)
    for layer in parse_layers(answer):
        assert isinstance(layer.layer_id, int)

    only_arcgis_errors(parse_folder, answer, "Folder")
    for service_type in ("MapServer", "FeatureServer"):
        only_arcgis_errors(check_service_answer, answer, service_type, "https://h/x")
    only_arcgis_errors(check_feature_layer_answer, answer, "layer", "https://h/x")


url_parts = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)


@PROPERTY
@given(
    scheme=st.sampled_from(["https", "http", "ftp", "", "HTTPS"]),
    userinfo=st.sampled_from(["", "user@", "user:pass@", ":@"]),
    host=st.sampled_from(
        [
            "gis.example.com",
            "bücher.example",
            "127.0.0.1",
            "[::1]",
            "",
            "a b",
            "h:99999",
        ]
    ),
    path=url_parts,
    tail=st.sampled_from(["", "?f=pjson", "#top", "?token=abc#x", " "]),
)
def test_user_urls_of_any_shape(scheme, userinfo, host, path, tail):
    text = f"{scheme}://{userinfo}{host}/arcgis/{path}{tail}"

    location = only_arcgis_errors(locate, text)

    if location is not None:
        assert location.root.scheme in ("http", "https")
        assert location.root.host
        assert "token" not in location.root.url


@PROPERTY
@given(text=url_parts)
def test_any_text_as_a_url(text):
    only_arcgis_errors(locate, text)
    assert isinstance(redact(text), str)
    SiteRoot.from_url("https://h/" + text.replace("\n", ""))


@PROPERTY
@given(token=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=8))
def test_redact_never_shows_a_token(token):
    url = f"https://h/arcgis/rest/services?f=json&token={token}&x=1"

    assert token not in redact(url)
