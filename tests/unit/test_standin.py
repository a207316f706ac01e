"""Tests of the local ArcGIS Server stand-in itself (no QGIS needed).

They talk to a running ``StandIn`` over HTTP with urllib, so the stand-in's
answers can be trusted by the plugin tests that rely on it.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parents[1]))

import base64
import http.client
import json
import shutil
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

from standin import FAULTS, RequestRecord, ServiceSpec, StandIn, catalog_services
from standin.png import decode_png, encode_png, pixel_at, png_size

SECURED = "Wildfire_secure_ac"
LOGIN = {"username": "user1", "password": "user1"}
BAD_LOGIN = ["Invalid username or password."]
TOKEN_REQUIRED = {"error": {"code": 499, "message": "Token Required", "details": []}}
INVALID_TOKEN = {"error": {"code": 498, "message": "Invalid Token", "details": []}}
WILDFIRE_COLOUR = (230, 110, 20)
FIELD_NAMES = ["OBJECTID", "NAME", "STATUS", "ACRES"]
# An envelope around the Creek Fire: one feature of each layer lies in it.
CREEK_BOX = {"xmin": -13300000, "ymin": 4300000, "xmax": -12700000, "ymax": 4800000}
# What QGIS 3.22 sends to fetch features (QgsArcGisRestQueryUtils::getObjects).
QGIS_OBJECTS_QUERY = {
    "f": "json",
    "inSR": "3857",
    "outSR": "3857",
    "returnGeometry": "true",
    "outFields": "*",
    "returnM": "false",
    "returnZ": "false",
}


class Answer:
    """Status, headers and body of one HTTP answer."""

    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def content_type(self) -> str:
        """The Content-Type header sent."""
        return self.headers.get("Content-Type", "")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def fetch(
    url: str,
    params: dict[str, str] | None = None,
    *,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    context: ssl.SSLContext | None = None,
) -> Answer:
    """GET ``url`` (with query ``params``) or POST ``form``; never raise on 4xx."""
    if params:
        url += "?" + urllib.parse.urlencode(params)
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers=headers or {})

    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as reply:
            return Answer(reply.status, reply.headers, reply.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read())


def get_token(server: StandIn, **extra: str) -> dict[str, Any]:
    """POST user1's credentials to the token URL and return the JSON answer."""
    form = {**LOGIN, "f": "json", **extra}
    return fetch(server.token_url, form=form).json()


@pytest.fixture
def server():
    """A fresh stand-in on a free port, stopped after the test."""
    with StandIn() as running:
        yield running


# ----------------------------------------------------------------- tokens


def test_token_success_shape(server: StandIn) -> None:
    """A good POST answers token, expires (epoch ms, 60 min) and ssl."""
    before_ms = time.time() * 1000
    form = {**LOGIN, "client": "requestip", "f": "json"}
    answer = fetch(server.token_url, form=form)
    body = answer.json()

    assert answer.status == 200
    assert answer.content_type == "application/json; charset=utf-8"
    assert set(body) == {"token", "expires", "ssl"}
    assert len(body["token"]) >= 30
    assert all(c.isalnum() or c in "-_" for c in body["token"])
    assert body["ssl"] is False
    assert abs(body["expires"] - (before_ms + 60 * 60_000)) < 5_000
    assert server.issued_tokens()[0]["token"] == body["token"]
    assert server.issued_tokens()[0]["username"] == "user1"


def test_expiration_is_capped(server: StandIn) -> None:
    """A longer expiration than the server allows is silently cut."""
    server.max_expiration_minutes = 30
    now_ms = time.time() * 1000

    body = get_token(server, expiration="5000")

    assert abs(body["expires"] - (now_ms + 30 * 60_000)) < 5_000


@pytest.mark.parametrize(
    ("form", "details"),
    [
        ({"username": "user1", "password": "wrong"}, BAD_LOGIN),
        ({"username": "nobody", "password": "user1"}, BAD_LOGIN),
        ({}, ["'username' must be specified.", "'password' must be specified."]),
        ({"password": "user1"}, ["'username' must be specified."]),
        ({"username": "user1"}, ["'password' must be specified."]),
        ({**LOGIN, "client": "referer"}, ["'referer' must be specified."]),
    ],
)
def test_token_failure_shapes(server: StandIn, form: dict, details: list) -> None:
    """Bad or missing parameters give ArcGIS's HTTP 200 error body."""
    answer = fetch(server.token_url, form={**form, "f": "json"})

    assert answer.status == 200
    assert answer.headers.get("Cache-Control") == "no-cache"
    error = {"code": 400, "message": "Unable to generate token.", "details": details}
    assert answer.json() == {"error": error}
    assert server.issued_tokens() == []


def test_token_failure_with_http_status(server: StandIn) -> None:
    """error_style 'http' sends the error code as status."""
    server.error_style = "http"

    answer = fetch(server.token_url, form={**LOGIN, "password": "x", "f": "json"})

    assert answer.status == 400
    assert answer.json()["error"]["details"] == BAD_LOGIN


def test_get_is_refused(server: StandIn) -> None:
    """Token generation by GET is refused and issues nothing."""
    answer = fetch(server.token_url, {**LOGIN, "f": "json"})

    assert answer.status == 200
    assert answer.json()["error"]["details"] == [
        "Token generation via GET is not allowed."
    ]
    assert server.issued_tokens() == []


def test_credentials_in_query_string_are_refused(server: StandIn) -> None:
    """Credentials belong in the body."""
    url = server.token_url + "?username=user1&password=user1"

    answer = fetch(url, form={"f": "json"})

    assert answer.json()["error"]["details"] == [
        "POST request should not contain username and password in the query string."
    ]


def test_token_without_f_json_answers_html(server: StandIn) -> None:
    """Without f=json the endpoint answers HTML."""
    answer = fetch(server.token_url, form=LOGIN)

    assert answer.status == 200
    assert answer.content_type.startswith("text/html")
    assert server.issued_tokens() == []


def test_password_change_is_seen_at_once(server: StandIn) -> None:
    """The users dict is read on every request."""
    server.users["user1"] = "changed"

    assert "error" in get_token(server)
    assert "token" in get_token(server, password="changed")


def test_html_and_bad_json_token_urls(server: StandIn) -> None:
    """The helper endpoints answer HTML and broken JSON."""
    html_page = fetch(server.url + "/html/generateToken", form={"f": "json"})
    bad = fetch(server.url + "/badjson/generateToken", form={"f": "json"})

    assert html_page.content_type.startswith("text/html")
    start = b"<!DOCTYPE html><html><head><title>Sign In</title>"
    assert html_page.body.startswith(start)
    assert bad.status == 200
    assert bad.content_type.startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        bad.json()


def test_short_lived_tokens_expire(server: StandIn) -> None:
    """token_lifetime_seconds makes tokens that soon give 498."""
    server.token_lifetime_seconds = 1
    now_ms = time.time() * 1000
    body = get_token(server, expiration="600")
    url = server.service_url(SECURED)

    assert abs(body["expires"] - (now_ms + 1000)) < 500
    params = {"f": "json", "token": body["token"]}
    assert "error" not in fetch(url, params).json()
    time.sleep(1.2)
    assert fetch(url, params).json() == INVALID_TOKEN


def test_revoke_all_tokens(server: StandIn) -> None:
    """Revoked tokens give 498; new ones work again."""
    token = get_token(server)["token"]
    url = server.service_url(SECURED)
    assert "error" not in fetch(url, {"f": "json", "token": token}).json()

    server.revoke_all_tokens()

    assert fetch(url, {"f": "json", "token": token}).json()["error"]["code"] == 498
    fresh = get_token(server)["token"]
    assert "error" not in fetch(url, {"f": "json", "token": fresh}).json()


def test_issue_token_directly(server: StandIn) -> None:
    """issue_token() makes a token without an HTTP round trip."""
    token = server.issue_token()

    answer = fetch(server.service_url(SECURED), {"f": "json", "token": token})

    assert answer.json()["mapName"] == "Layers"


# --------------------------------------------------------- token checking


@pytest.mark.parametrize("style", ["json200", "http"])
def test_499_and_498_in_both_styles(server: StandIn, style: str) -> None:
    """Missing and bad tokens, as 200 bodies or real statuses."""
    server.error_style = style
    url = server.service_url(SECURED)

    missing = fetch(url, {"f": "json"})
    bogus = fetch(url, {"f": "json", "token": "not-a-token"})

    assert missing.json() == TOKEN_REQUIRED
    assert bogus.json() == INVALID_TOKEN
    assert missing.status == (499 if style == "http" else 200)
    assert bogus.status == (498 if style == "http" else 200)
    assert missing.headers.get("Cache-Control") == "no-cache"


@pytest.mark.parametrize("style", ["json200", "http"])
def test_403_and_404_in_both_styles(server: StandIn, style: str) -> None:
    """Forbidden and unknown services, in both error styles."""
    server.error_style = style
    token = get_token(server)["token"]

    forbidden = fetch(server.service_url("Restricted"), {"f": "json", "token": token})
    unknown = fetch(server.service_url("Nope"), {"f": "json", "token": token})

    assert forbidden.json()["error"]["code"] == 403
    message = forbidden.json()["error"]["message"]
    assert message.startswith("You do not have permissions")
    assert unknown.json()["error"]["code"] == 404
    assert forbidden.status == (403 if style == "http" else 200)
    assert unknown.status == (404 if style == "http" else 200)


def test_token_by_query_form_and_header(server: StandIn) -> None:
    """The token is read from query, form and header."""
    token = get_token(server)["token"]
    url = server.service_url(SECURED)

    by_query = fetch(url, {"f": "json", "token": token})
    by_form = fetch(url, form={"f": "json", "token": token})
    bearer = {"X-Esri-Authorization": f"Bearer {token}"}
    by_header = fetch(url, {"f": "json"}, headers=bearer)

    for answer in (by_query, by_form, by_header):
        assert answer.json()["mapName"] == "Layers"
    server.accept_header_token = False
    refused = fetch(url, {"f": "json"}, headers=bearer)
    assert refused.json() == TOKEN_REQUIRED


def test_referer_binding(server: StandIn) -> None:
    """A referer token works only with the same Referer header."""
    body = get_token(server, client="referer", referer="https://app.example/")
    url = server.service_url(SECURED)
    params = {"f": "json", "token": body["token"]}

    matching = fetch(url, params, headers={"Referer": "https://app.example/"})
    absent = fetch(url, params)
    other = fetch(url, params, headers={"Referer": "https://elsewhere.example/"})

    assert matching.json()["mapName"] == "Layers"
    assert absent.json() == INVALID_TOKEN
    assert other.json() == INVALID_TOKEN
    issued = server.issued_tokens()[0]
    assert issued["client"] == "referer"
    assert issued["referer"] == "https://app.example/"


def test_unsecured_service_ignores_tokens(server: StandIn) -> None:
    """Public services need no token and ignore bad ones."""
    url = server.service_url("Public/Basemap")

    assert fetch(url, {"f": "json"}).json()["mapName"] == "Layers"
    assert fetch(url, {"f": "json", "token": "junk"}).json()["mapName"] == "Layers"


# -------------------------------------------------------------- resources


def test_rest_info(server: StandIn) -> None:
    """rest/info announces token security and the token URL."""
    body = fetch(server.url + "/rest/info", {"f": "json"}).json()

    assert body["currentVersion"] == 11.1
    assert body["authInfo"]["isTokenBasedSecurity"] is True
    assert body["authInfo"]["tokenServicesUrl"] == server.url + "/tokens/"


def test_catalog_hides_secured_services_without_token(server: StandIn) -> None:
    """The catalog lists what the token allows."""
    root = server.url + "/rest/services"

    anonymous = fetch(root, {"f": "json"}).json()
    token = get_token(server)["token"]
    signed_in = fetch(root, {"f": "json", "token": token}).json()
    folder = fetch(root + "/Secure", {"f": "json", "token": token}).json()
    public = fetch(root + "/Public", {"f": "json"}).json()
    unknown = fetch(root + "/Nowhere", {"f": "json"}).json()

    assert anonymous["folders"] == ["Public", "Secure"]
    assert anonymous["services"] == []
    assert {"name": SECURED, "type": "MapServer"} in signed_in["services"]
    assert {"name": SECURED, "type": "FeatureServer"} in signed_in["services"]
    assert all(s["name"] != "Restricted" for s in signed_in["services"])
    assert folder["services"] == [{"name": "Secure/Tiles", "type": "MapServer"}]
    assert public["services"] == [{"name": "Public/Basemap", "type": "MapServer"}]
    assert unknown["error"]["code"] == 404


def test_map_server_json(server: StandIn) -> None:
    """MapServer JSON has the keys clients rely on, tiles when cached."""
    token = get_token(server)["token"]

    plain = fetch(server.service_url(SECURED), {"f": "json", "token": token}).json()
    cached = fetch(server.service_url("Secure/Tiles"), {"f": "json", "token": token})
    tiles = cached.json()

    assert plain["singleFusedMapCache"] is False
    assert "tileInfo" not in plain
    assert plain["spatialReference"] == {"wkid": 102100, "latestWkid": 3857}
    assert [layer["geometryType"] for layer in plain["layers"]] == [
        "esriGeometryPoint",
        "esriGeometryPolyline",
        "esriGeometryPolygon",
    ]
    assert plain["capabilities"] == "Map,Query,Data"
    assert plain["fullExtent"]["spatialReference"]["wkid"] == 102100
    assert tiles["singleFusedMapCache"] is True
    assert tiles["capabilities"] == "Map,TilesOnly,Query"
    lods = tiles["tileInfo"]["lods"]
    assert [lod["level"] for lod in lods] == list(range(11))
    assert lods[3]["resolution"] == pytest.approx(156543.03392800014 / 8)
    assert lods[3]["scale"] == pytest.approx(591657527.591555 / 8)


def test_feature_server_has_no_map_name(server: StandIn) -> None:
    """A FeatureServer is told apart by its missing mapName."""
    token = get_token(server)["token"]
    url = server.service_url(SECURED, "FeatureServer")

    body = fetch(url, {"f": "json", "token": token}).json()

    assert "mapName" not in body
    assert body["layers"][0] == {
        "id": 0,
        "name": "Wildfire Response Points",
        "parentLayerId": -1,
        "defaultVisibility": True,
        "subLayerIds": None,
        "minScale": 0,
        "maxScale": 0,
        "geometryType": "esriGeometryPoint",
    }
    assert [layer["geometryType"] for layer in body["layers"][1:]] == [
        "esriGeometryPolyline",
        "esriGeometryPolygon",
    ]
    assert fetch(url, {"f": "json"}).json() == TOKEN_REQUIRED


def test_layer_resources(server: StandIn) -> None:
    """Layer, layers and unknown-layer answers."""
    token = get_token(server)["token"]
    base = server.service_url(SECURED)

    layer = fetch(base + "/2", {"f": "json", "token": token}).json()
    missing = fetch(base + "/9", {"f": "json", "token": token}).json()
    layers = fetch(base + "/layers", {"f": "json", "token": token}).json()

    assert layer["id"] == 2
    assert layer["geometryType"] == "esriGeometryPolygon"
    assert layer["extent"]["spatialReference"]["wkid"] == 102100
    assert missing["error"]["code"] == 400
    assert [item["id"] for item in layers["layers"]] == [0, 1, 2]
    assert layers["tables"] == []


def test_legend_and_identify(server: StandIn) -> None:
    """Legend swatches are 20x20 PNGs; identify finds the point feature."""
    token = get_token(server)["token"]
    base = server.service_url(SECURED)

    legend = fetch(base + "/legend", {"f": "pjson", "token": token}).json()
    point = {"f": "json", "token": token, "geometry": "-10000000,4000000"}
    identify = fetch(base + "/identify", point).json()

    swatch = legend["layers"][0]["legend"][0]
    assert png_size(base64.b64decode(swatch["imageData"])) == (20, 20)
    result = identify["results"][0]
    assert result["layerId"] == 0
    assert result["geometry"]["x"] == -10000000


def test_export_image(server: StandIn) -> None:
    """export?f=image is a PNG of the asked size in the service colour."""
    token = get_token(server)["token"]
    params = {
        "bbox": "-1e7,3e6,-8e6,5e6",
        "size": "320,200",
        "format": "png32",
        "transparent": "true",
        "layers": "show:0,1,2",
        "f": "image",
        "token": token,
    }

    answer = fetch(server.service_url(SECURED) + "/export", params)
    width, height, rows = decode_png(answer.body)

    assert answer.status == 200
    assert answer.content_type == "image/png"
    assert (width, height) == (320, 200)
    assert pixel_at(rows, 160, 100) == (*WILDFIRE_COLOUR, 255)
    assert pixel_at(rows, 0, 0) != (*WILDFIRE_COLOUR, 255)


def test_export_without_token_is_json_error(server: StandIn) -> None:
    """An image request without token gets JSON."""
    answer = fetch(server.service_url(SECURED) + "/export", {"f": "image"})

    assert answer.content_type.startswith("application/json")
    assert answer.json() == TOKEN_REQUIRED


def test_export_json_href_needs_token(server: StandIn) -> None:
    """export?f=json gives an href that needs the token too."""
    token = get_token(server)["token"]
    params = {"bbox": "1,2,3,4", "size": "64,32", "f": "json", "token": token}

    body = fetch(server.service_url(SECURED) + "/export", params).json()
    image = fetch(body["href"], {"token": token})
    refused = fetch(body["href"])

    assert (body["width"], body["height"]) == (64, 32)
    assert body["extent"]["xmin"] == 1 and body["extent"]["ymax"] == 4
    assert image.content_type == "image/png"
    assert png_size(image.body) == (64, 32)
    assert refused.json() == TOKEN_REQUIRED


def test_export_size_is_capped_and_html_without_f(server: StandIn) -> None:
    """Sizes cap at 4096; no f gives HTML."""
    url = server.service_url("Public/Basemap") + "/export"

    big = fetch(url, {"size": "5000,10", "f": "image"})
    page = fetch(url, {"size": "10,10"})

    assert png_size(big.body) == (4096, 10)
    assert page.content_type.startswith("text/html")


def test_tiles(server: StandIn) -> None:
    """Cached services serve 256x256 tiles; others answer 404."""
    token = get_token(server)["token"]

    tile_path = "/tile/3/2/1"
    tile = fetch(server.service_url("Secure/Tiles") + tile_path, {"token": token})
    untiled = fetch(server.service_url(SECURED) + tile_path, {"token": token})

    width, height, rows = decode_png(tile.body)
    assert (width, height) == (256, 256)
    assert pixel_at(rows, 128, 128) == (40, 120, 220, 255)
    assert untiled.json()["error"]["code"] == 404


def test_unknown_paths(server: StandIn) -> None:
    """Unknown paths: JSON 404 inside the site, HTML 404 outside."""
    inside = fetch(server.url + "/rest/nothing", {"f": "json"})
    outside = fetch(server.origin + "/elsewhere")

    assert inside.json()["error"]["code"] == 404
    assert outside.status == 404
    assert outside.content_type.startswith("text/html")


def test_png_encoder_is_fast_enough() -> None:
    """A 1024x1024 PNG encodes well under a second."""
    started = time.perf_counter()
    data = encode_png(1024, 1024, [bytes((1, 2, 3, 255)) * 1024] * 1024)

    assert time.perf_counter() - started < 1.0
    assert png_size(data) == (1024, 1024)
    small = encode_png(3, 2, lambda x, y: (x * 50, y * 100, 7, 255))
    assert pixel_at(decode_png(small)[2], 2, 1) == (100, 100, 7, 255)


# ----------------------------------------------------------- request log


def test_request_log(server: StandIn) -> None:
    """Every request is logged with what was sent and answered."""
    referer = "https://app.example/"
    token = get_token(server, client="referer", referer=referer)["token"]
    url = server.service_url(SECURED)
    fetch(url, {"f": "json", "token": token}, headers={"Referer": referer})
    fetch(url, {"f": "json"})

    records = server.requests
    token_post, accepted, refused = records

    assert all(isinstance(record, RequestRecord) for record in records)
    assert token_post.method == "POST"
    assert token_post.form["username"] == "user1"
    assert token_post.token_used is None
    assert accepted.path == "/arcgis/rest/services/Wildfire_secure_ac/MapServer"
    assert accepted.query == {"f": "json", "token": token}
    assert accepted.headers["referer"] == referer
    assert accepted.token_used == token
    assert accepted.status == 200 and refused.status == 200
    assert refused.token_used is None
    assert refused.content_type == "application/json; charset=utf-8"
    assert token_post.time <= accepted.time <= refused.time
    assert len(server.requests_to("/MapServer")) == 2
    server.clear_requests()
    assert server.requests == []


def test_request_log_records_http_status_and_header_token(server: StandIn) -> None:
    """The log keeps real statuses."""
    server.error_style = "http"

    bearer = {"X-Esri-Authorization": "Bearer abc"}
    fetch(server.service_url(SECURED), {"f": "json"}, headers=bearer)

    record = server.requests[-1]
    assert record.status == 498
    assert record.token_used == "abc"


# ------------------------------------------------------ server behaviour


def test_keep_alive_and_prompt_stop() -> None:
    """Connections stay open; stop() does not wait for them."""
    server = StandIn().start()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    for _ in range(2):
        connection.request("GET", "/arcgis/rest/info?f=json")
        reply = connection.getresponse()
        assert reply.status == 200
        assert json.loads(reply.read())["currentVersion"] == 11.1

    started = time.monotonic()
    server.stop()

    assert time.monotonic() - started < 2
    connection.close()
    assert not server.running


def test_delay(server: StandIn) -> None:
    """delay_seconds slows every answer down."""
    server.delay_seconds = 0.3
    started = time.monotonic()

    fetch(server.url + "/rest/info", {"f": "json"})

    assert time.monotonic() - started >= 0.3


def test_custom_services_and_site_path() -> None:
    """Services and the site path can be chosen."""
    spec = ServiceSpec("Mine", secured=False, color=(1, 2, 3), layers=["Only"])
    with StandIn(site_path="/server", services=[spec]) as server:
        body = fetch(server.service_url("Mine"), {"f": "json"}).json()
        assert server.url.endswith("/server")
        assert [layer["name"] for layer in body["layers"]] == ["Only"]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_tls() -> None:
    """HTTPS with a throwaway certificate; an idle client blocks nobody."""
    with StandIn(tls=True) as server:
        context = ssl.create_default_context(cafile=server.cert_path)
        assert server.url.startswith("https://127.0.0.1:")

        # A client that connects and never handshakes must not block others.
        idle = socket.create_connection(("127.0.0.1", server.port))
        form = {**LOGIN, "f": "json"}
        body = fetch(server.token_url, form=form, context=context).json()
        params = {"f": "json", "token": body["token"]}
        info = fetch(server.service_url(SECURED), params, context=context)
        idle.close()

    assert body["ssl"] is True
    assert info.json()["mapName"] == "Layers"


# --------------------------------------------------------- many services


def test_catalog_services_shape() -> None:
    """Folders of MapServers, numbered across the whole site."""
    small = catalog_services(3, 4, secured=False)
    big = catalog_services(20, 10)

    assert [spec.name for spec in small[:5]] == [
        "Folder01/Service001",
        "Folder01/Service002",
        "Folder01/Service003",
        "Folder01/Service004",
        "Folder02/Service005",
    ]
    assert small[-1].name == "Folder03/Service012"
    assert all(spec.kind == "MapServer" and not spec.secured for spec in small)
    assert len(big) == 200
    assert len({spec.name for spec in big}) == 200
    assert big[-1].name == "Folder20/Service200"
    assert {spec.folder for spec in big} == {f"Folder{n:02d}" for n in range(1, 21)}
    assert all(spec.secured and len(spec.layers) == 3 for spec in big)
    assert catalog_services(0, 5) == []


def test_catalog_of_many_services() -> None:
    """200 services list by folder and each answers MapServer?f=json."""
    with StandIn(services=catalog_services(20, 10)) as server:
        root = server.url + "/rest/services"
        token = server.issue_token()

        listing = fetch(root, {"f": "json", "token": token}).json()
        folder = fetch(root + "/Folder02", {"f": "json", "token": token}).json()
        anonymous = fetch(root + "/Folder02", {"f": "json"}).json()
        params = {"f": "json", "token": token}
        service = fetch(server.service_url("Folder20/Service200"), params).json()

    assert listing["folders"] == [f"Folder{n:02d}" for n in range(1, 21)]
    assert listing["services"] == []
    assert folder["folders"] == []
    assert folder["services"] == [
        {"name": f"Folder02/Service{n:03d}", "type": "MapServer"} for n in range(11, 21)
    ]
    assert anonymous["services"] == []
    assert service["mapName"] == "Layers"
    assert [layer["id"] for layer in service["layers"]] == [0, 1, 2]


# ------------------------------------------------------- site security


PORTAL = "https://portal.example.com/portal"


@pytest.mark.parametrize(
    ("security", "flag", "token_url", "owner"),
    [
        ("token", True, "SITE/tokens/", None),
        ("federated", True, PORTAL + "/sharing/rest/generateToken", PORTAL),
        ("old-string", "true", "SITE/tokens", None),
    ],
)
def test_rest_info_token_variants(
    security: str, flag: object, token_url: str, owner: str | None
) -> None:
    """Token-secured modes announce their token URL as real servers do."""
    with StandIn(security=security) as server:
        body = fetch(server.url + "/rest/info", {"f": "json"}).json()
        site = server.url

    assert body["authInfo"] == {
        "isTokenBasedSecurity": flag,
        "tokenServicesUrl": token_url.replace("SITE", site),
        "shortLivedTokenValidity": 60,
    }
    assert body.get("owningSystemUrl") == owner
    assert body["currentVersion"] == 11.1


def test_rest_info_open_site() -> None:
    """A site without security says so and names no token URL."""
    with StandIn(security="open") as server:
        body = fetch(server.url + "/rest/info", {"f": "json"}).json()

    assert body["authInfo"] == {"isTokenBasedSecurity": False}
    assert "owningSystemUrl" not in body


def test_open_site_serves_everything_without_token() -> None:
    """With security "open" no service asks for a token."""
    with StandIn(security="open") as server:
        root = server.url + "/rest/services"
        service = fetch(server.service_url(SECURED), {"f": "json"}).json()
        restricted = fetch(server.service_url("Restricted"), {"f": "json"}).json()
        image = fetch(server.service_url(SECURED) + "/export", {"f": "image"})
        query_url = server.service_url(SECURED, "FeatureServer") + "/0/query"
        ids = fetch(query_url, {"f": "json", "returnIdsOnly": "true"}).json()
        listing = fetch(root, {"f": "json"}).json()

    assert service["mapName"] == "Layers"
    assert restricted["mapName"] == "Layers"
    assert image.content_type == "image/png"
    assert ids["objectIds"] == [1, 2, 3, 4, 5]
    assert {"name": SECURED, "type": "MapServer"} in listing["services"]
    assert {"name": "Restricted", "type": "MapServer"} in listing["services"]


def test_security_mode_is_checked_and_read_per_request(server: StandIn) -> None:
    """An unknown mode is refused; changing the attribute takes effect."""
    with pytest.raises(ValueError):
        StandIn(security="kerberos")

    server.security = "open"
    opened = fetch(server.service_url(SECURED), {"f": "json"}).json()
    server.security = "token"
    closed = fetch(server.service_url(SECURED), {"f": "json"}).json()

    assert opened["mapName"] == "Layers"
    assert closed == TOKEN_REQUIRED


def test_site_root_and_services_directory_are_html(server: StandIn) -> None:
    """The site root and rest/services without f answer HTML pages."""
    pages = [
        fetch(server.url),
        fetch(server.url + "/"),
        fetch(server.url + "/rest/services"),
    ]

    for page in pages:
        assert page.status == 200
        assert page.content_type.startswith("text/html")
    assert b"<title>ArcGIS Server</title>" in pages[0].body
    assert pages[0].body == pages[1].body


# ---------------------------------------------------------- feature layers


def feature_url(server: StandIn, layer_id: int, kind: str = "FeatureServer") -> str:
    """The URL of one layer of the secured Wildfire service."""
    return f"{server.service_url(SECURED, kind)}/{layer_id}"


def test_feature_layer_json(server: StandIn) -> None:
    """A FeatureServer layer describes fields, renderer and query support."""
    token = server.issue_token()

    body = fetch(feature_url(server, 0), {"f": "json", "token": token}).json()

    assert body["id"] == 0
    assert body["name"] == "Wildfire Response Points"
    assert body["type"] == "Feature Layer"
    assert body["geometryType"] == "esriGeometryPoint"
    assert body["extent"]["spatialReference"] == {"wkid": 102100, "latestWkid": 3857}
    assert body["drawingInfo"]["renderer"]["type"] == "simple"
    assert body["drawingInfo"]["renderer"]["symbol"]["type"] == "esriSMS"
    assert body["objectIdField"] == "OBJECTID"
    assert [field["name"] for field in body["fields"]] == FIELD_NAMES
    assert [field["type"] for field in body["fields"]] == [
        "esriFieldTypeOID",
        "esriFieldTypeString",
        "esriFieldTypeString",
        "esriFieldTypeDouble",
    ]
    assert body["fields"][1]["length"] == 50
    assert body["capabilities"] == "Query"
    assert body["maxRecordCount"] == 1000
    assert body["supportsPagination"] is True
    assert body["supportsStatistics"] is True
    assert body["supportedQueryFormats"] == "JSON, geoJSON"
    assert body["advancedQueryCapabilities"] == {
        "supportsPagination": True,
        "supportsOrderBy": True,
        "supportsDistinct": True,
        "supportsQueryWithResultType": False,
    }
    assert body["useStandardizedQueries"] is True
    assert body["hasAttachments"] is False
    assert body["defaultVisibility"] is True
    assert body["hasZ"] is False and body["hasM"] is False
    assert body["description"] == ""


def test_return_ids_only(server: StandIn) -> None:
    """QGIS's first query: every object ID of each layer."""
    token = server.issue_token()
    params = {"f": "json", "where": "1=1", "returnIdsOnly": "true", "token": token}

    answers = [
        fetch(feature_url(server, layer_id) + "/query", params).json()
        for layer_id in (0, 1, 2)
    ]

    assert answers[0] == {"objectIdFieldName": "OBJECTID", "objectIds": [1, 2, 3, 4, 5]}
    assert answers[1]["objectIds"] == [1, 2, 3]
    assert answers[2]["objectIds"] == [1, 2]


def test_object_ids_query_with_geometry(server: StandIn) -> None:
    """QGIS's feature query, by GET and by POST, answers Esri JSON features."""
    token = server.issue_token()
    url = feature_url(server, 2) + "/query"
    params = {**QGIS_OBJECTS_QUERY, "objectIds": "1,2", "token": token}

    got = fetch(url, params).json()
    posted = fetch(url, form=params).json()
    layer = fetch(feature_url(server, 2), {"f": "json", "token": token}).json()

    assert got == posted
    assert got["objectIdFieldName"] == "OBJECTID"
    assert got["geometryType"] == "esriGeometryPolygon"
    assert got["spatialReference"]["wkid"] == 102100
    assert [field["name"] for field in got["fields"]] == FIELD_NAMES
    first, second = got["features"]
    assert first["attributes"] == {
        "OBJECTID": 1,
        "NAME": "Creek Fire Perimeter",
        "STATUS": "Contained",
        "ACRES": 379895.0,
    }
    assert second["attributes"]["OBJECTID"] == 2
    ring = first["geometry"]["rings"][0]
    assert ring[0] == ring[-1] and len(ring) == 6
    box = layer["extent"]
    for x, y in ring:
        assert box["xmin"] <= x <= box["xmax"] and box["ymin"] <= y <= box["ymax"]


def test_query_selects_and_pages(server: StandIn) -> None:
    """objectIds, outFields, returnGeometry, paging, count and extent."""
    token = server.issue_token()
    url = feature_url(server, 0) + "/query"

    some = {"f": "json", "objectIds": "2,4,9", "outFields": "name", "token": token}
    picked = fetch(url, {**some, "returnGeometry": "false"}).json()
    page = {"f": "json", "where": "1=1", "outFields": "*", "token": token}
    paged = fetch(url, {**page, "resultOffset": "1", "resultRecordCount": "2"}).json()
    last = fetch(url, {**page, "resultOffset": "4", "resultRecordCount": "2"}).json()
    count = fetch(url, {"f": "json", "returnCountOnly": "true", "token": token})
    extent = fetch(url, {"f": "json", "returnExtentOnly": "true", "token": token})

    assert picked["features"] == [
        {"attributes": {"NAME": "Helibase Alpha"}},
        {"attributes": {"NAME": "Evacuation Center"}},
    ]
    assert "geometryType" not in picked
    assert [field["name"] for field in picked["fields"]] == ["NAME"]
    assert [f["attributes"]["OBJECTID"] for f in paged["features"]] == [2, 3]
    assert paged["exceededTransferLimit"] is True
    assert [f["attributes"]["OBJECTID"] for f in last["features"]] == [5]
    assert "exceededTransferLimit" not in last
    assert count.json() == {"count": 5}
    box = extent.json()["extent"]
    assert (box["xmin"], box["ymax"]) == (-13100000, 5300000)


def test_query_where_order_and_output_formats(server: StandIn) -> None:
    """Simple where clauses, orderByFields, outSR 4326 and f=geojson."""
    token = server.issue_token()
    url = feature_url(server, 0) + "/query"
    base = {"f": "json", "outFields": "OBJECTID", "token": token}

    active = fetch(url, {**base, "where": "STATUS = 'Active'"}).json()
    listed = fetch(url, {**base, "where": "OBJECTID IN (1, 5)"}).json()
    ordered = fetch(url, {**base, "orderByFields": "NAME DESC"}).json()
    degrees = fetch(url, {**base, "objectIds": "1", "outSR": "4326"}).json()
    geojson = fetch(url, {"f": "geojson", "objectIds": "1", "token": token})

    def ids(body: dict) -> list[int]:
        return [feature["attributes"]["OBJECTID"] for feature in body["features"]]

    assert ids(active) == [1, 2]
    assert ids(listed) == [1, 5]
    assert ids(ordered) == [3, 5, 1, 2, 4]
    assert degrees["spatialReference"]["wkid"] == 4326
    point = degrees["features"][0]["geometry"]
    assert point["x"] == pytest.approx(-89.8315, abs=1e-3)
    assert point["y"] == pytest.approx(33.7849, abs=1e-3)
    assert geojson.content_type.startswith("application/geo+json")
    feature = geojson.json()["features"][0]
    assert feature["geometry"]["type"] == "Point"
    assert feature["id"] == 1


def test_envelope_filter(server: StandIn) -> None:
    """An envelope, as JSON or as plain numbers, filters by bounding box."""
    token = server.issue_token()
    envelope = {
        "geometryType": "esriGeometryEnvelope",
        "spatialRel": "esriSpatialRelEnvelopeIntersects",
        "token": token,
    }
    plain = ",".join(str(CREEK_BOX[key]) for key in ("xmin", "ymin", "xmax", "ymax"))
    as_json = json.dumps({**CREEK_BOX, "spatialReference": {"wkid": 102100}})

    found = {}
    for layer_id in (0, 1, 2):
        url = feature_url(server, layer_id) + "/query"
        ids = {"f": "json", "where": "1=1", "returnIdsOnly": "true", **envelope}
        by_numbers = fetch(url, {**ids, "geometry": plain}).json()
        features = {**QGIS_OBJECTS_QUERY, **envelope, "objectIds": "1,2,3,4,5"}
        by_json = fetch(url, {**features, "geometry": as_json}).json()
        names = [feature["attributes"]["NAME"] for feature in by_json["features"]]
        found[layer_id] = (by_numbers["objectIds"], names)

    assert found == {
        0: ([2], ["Helibase Alpha"]),
        1: ([1], ["Dozer Line 1"]),
        2: ([1], ["Creek Fire Perimeter"]),
    }
    url = feature_url(server, 0) + "/query"
    elsewhere = {"f": "json", "returnIdsOnly": "true", "geometry": "0,0,1,1"}
    assert fetch(url, {**elsewhere, "token": token}).json()["objectIds"] == []


def test_map_server_sublayer_query(server: StandIn) -> None:
    """A MapServer's feature layers answer query like the FeatureServer's."""
    token = server.issue_token()
    params = {**QGIS_OBJECTS_QUERY, "objectIds": "1,2,3", "token": token}

    from_map = fetch(feature_url(server, 1, "MapServer") + "/query", params).json()
    from_features = fetch(feature_url(server, 1) + "/query", params).json()
    layer = fetch(feature_url(server, 1, "MapServer"), {"f": "json", "token": token})

    assert from_map == from_features
    assert len(from_map["features"]) == 3
    assert from_map["features"][0]["geometry"]["paths"][0][0] == [-13200000, 4500000]
    body = layer.json()
    assert body["capabilities"] == "Map,Query,Data"
    assert body["objectIdField"] == "OBJECTID"
    assert [field["name"] for field in body["fields"]] == FIELD_NAMES


@pytest.mark.parametrize("style", ["json200", "http"])
def test_secured_query_needs_token(server: StandIn, style: str) -> None:
    """Queries are secured like every other request, and logged."""
    server.error_style = style
    url = feature_url(server, 0) + "/query"
    params = {"f": "json", "where": "1=1", "returnIdsOnly": "true"}
    bearer = {"X-Esri-Authorization": f"Bearer {server.issue_token()}"}
    referer_token = server.issue_token(client="referer", referer="https://a.example/")

    missing = fetch(url, params)
    bogus = fetch(url, {**params, "token": "nope"})
    by_header = fetch(url, params, headers=bearer)
    wrong_referer = fetch(url, {**params, "token": referer_token})

    assert missing.status == (499 if style == "http" else 200)
    assert missing.json() == TOKEN_REQUIRED
    assert bogus.json() == INVALID_TOKEN
    assert wrong_referer.json() == INVALID_TOKEN
    assert by_header.json()["objectIds"] == [1, 2, 3, 4, 5]
    assert [record.path for record in server.requests_to("/query")] == [
        "/arcgis/rest/services/Wildfire_secure_ac/FeatureServer/0/query"
    ] * 4


def test_bad_queries(server: StandIn) -> None:
    """Malformed values and unknown layers give 400; unknown names are ignored."""
    token = server.issue_token()
    url = feature_url(server, 0) + "/query"

    bad_ids = fetch(url, {"f": "json", "objectIds": "1,x", "token": token}).json()
    bad_box = fetch(url, {"f": "json", "geometry": "1,2,3", "token": token}).json()
    no_layer = fetch(feature_url(server, 7) + "/query", {"f": "json", "token": token})
    odd = {"f": "pjson", "returnIdsOnly": "true", "gdbVersion": "x", "token": token}
    ignored = fetch(url, odd)

    assert bad_ids["error"]["code"] == 400
    assert bad_box["error"]["code"] == 400
    assert no_layer.json()["error"]["code"] == 400
    assert ignored.json()["objectIds"] == [1, 2, 3, 4, 5]
    assert b"\n" in ignored.body


def test_identify_hit_and_miss(server: StandIn) -> None:
    """identify returns the features whose bounding box holds the point."""
    token = server.issue_token()
    url = server.service_url(SECURED) + "/identify"
    base = {"f": "json", "geometryType": "esriGeometryPoint", "sr": "102100"}
    base.update({"layers": "all", "tolerance": "3", "token": token})

    hit = fetch(url, {**base, "geometry": '{"x": -13100000, "y": 4480000}'}).json()
    miss = fetch(url, {**base, "geometry": "-8000000,3000000"}).json()
    creek = {"geometry": "-13100000,4480000"}
    only_points = fetch(url, {**base, **creek, "layers": "all:0"}).json()

    [result] = hit["results"]
    assert result["layerId"] == 2
    assert result["layerName"] == "Wildfire Response Polygons"
    assert result["value"] == "Creek Fire Perimeter"
    assert result["displayFieldName"] == "NAME"
    assert result["attributes"]["NAME"] == "Creek Fire Perimeter"
    assert result["attributes"]["OBJECTID"] == "1"
    assert result["geometryType"] == "esriGeometryPolygon"
    assert result["geometry"]["rings"][0][0] == [-13250000, 4350000]
    assert result["geometry"]["spatialReference"]["wkid"] == 102100
    assert miss == {"results": []}
    assert only_points == {"results": []}


# ----------------------------------------------------------------- faults


INFO_PATH = "/arcgis/rest/info?f=json"


def raw_exchange(server: StandIn, path: str) -> bytes:
    """GET ``path`` over a bare socket; everything received until the close."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        received = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                return received
            received += chunk


def plain_get(server: StandIn, path: str) -> http.client.HTTPResponse:
    """GET ``path`` with http.client, which does not follow redirects."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    connection.request("GET", path)
    return connection.getresponse()


def test_fault_is_checked_and_off_by_default() -> None:
    """Unknown faults are refused; every known one is accepted."""
    with pytest.raises(ValueError):
        StandIn(fault="explode")

    assert StandIn().fault is None
    assert StandIn().fault_spares_tokens is True
    for fault in FAULTS:
        assert StandIn(fault=fault, fault_spares_tokens=False).fault == fault


def test_fault_drop_breaks_the_body_half_way(server: StandIn) -> None:
    """ "drop" sends the full Content-Length, half the body, then closes."""
    whole = fetch(server.url + "/rest/info", {"f": "json"}).body
    server.fault = "drop"

    raw = raw_exchange(server, INFO_PATH)
    broken = plain_get(server, INFO_PATH)
    with pytest.raises(http.client.IncompleteRead) as caught:
        broken.read()
    server.fault = None
    healed = fetch(server.url + "/rest/info", {"f": "json"})

    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert f"Content-Length: {len(whole)}".encode() in head
    assert body == whole[: len(whole) // 2]
    assert broken.status == 200
    assert caught.value.partial == whole[: len(whole) // 2]
    assert healed.body == whole
    statuses = [record.status for record in server.requests]
    assert statuses == [200, 200, 200, 200]


def test_fault_reset_closes_without_answer(server: StandIn) -> None:
    """ "reset" closes the connection before a single byte is sent."""
    server.fault = "reset"

    raw = raw_exchange(server, INFO_PATH)
    with pytest.raises(ConnectionError):
        plain_get(server, INFO_PATH)
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        fetch(server.url + "/rest/info", {"f": "json"})

    assert raw == b""
    records = server.requests
    assert [record.status for record in records] == [0, 0, 0]
    assert records[0].path == "/arcgis/rest/info"
    assert records[0].content_type == ""


def test_fault_login_redirect_to_web_adaptor(server: StandIn) -> None:
    """ "login-redirect" sends 302 to the web adaptor's sign-in page."""
    server.fault = "login-redirect"
    target = "/arcgis/rest/services/Wildfire_secure_ac/MapServer?f=json&x=1"

    redirect = plain_get(server, target)
    location = redirect.getheader("Location", "")
    redirect.read()
    followed = fetch(server.service_url(SECURED), {"f": "json"})

    assert redirect.status == 302
    assert redirect.reason == "Found"
    prefix = server.origin + "/webadaptor/login?returnUrl="
    assert location.startswith(prefix + "/arcgis/rest/services/Wildfire_secure_ac/")
    query = urllib.parse.urlsplit(location).query
    assert urllib.parse.parse_qs(query) == {"returnUrl": [target]}
    assert followed.status == 200
    assert followed.content_type.startswith("text/html")
    assert b"<title>Web Adaptor Sign In</title>" in followed.body
    assert [(record.path, record.status) for record in server.requests] == [
        ("/arcgis/rest/services/Wildfire_secure_ac/MapServer", 302),
        ("/arcgis/rest/services/Wildfire_secure_ac/MapServer", 302),
        ("/webadaptor/login", 200),
    ]


def test_web_adaptor_sign_in_page_is_always_served(server: StandIn) -> None:
    """The sign-in page answers with or without a fault, even "reset"."""
    plain = fetch(server.origin + "/webadaptor/login", {"returnUrl": "/arcgis"})
    server.fault = "reset"
    during = fetch(server.origin + "/webadaptor/login")

    for page in (plain, during):
        assert page.status == 200
        assert page.content_type.startswith("text/html")
        assert b"<title>Web Adaptor Sign In</title>" in page.body
    assert b"value='/arcgis'" in plain.body


def test_fault_unauthorized_is_a_basic_challenge(server: StandIn) -> None:
    """ "unauthorized" answers 401 with a Basic challenge, as IIS does."""
    server.fault = "unauthorized"

    answer = fetch(server.service_url(SECURED), {"f": "json"})

    assert answer.status == 401
    assert answer.headers.get("WWW-Authenticate") == 'Basic realm="ArcGIS"'
    assert answer.content_type.startswith("text/html")
    assert b"401" in answer.body
    assert server.requests[-1].status == 401
    assert server.requests[-1].content_type.startswith("text/html")


def test_fault_server_error_is_an_html_page(server: StandIn) -> None:
    """ "server-error" answers 500 with an HTML page instead of JSON."""
    server.fault = "server-error"

    answer = fetch(server.url + "/rest/services", {"f": "json"})

    assert answer.status == 500
    assert answer.content_type.startswith("text/html")
    assert b"<title>500 - Internal server error.</title>" in answer.body
    assert server.requests[-1].status == 500


@pytest.mark.parametrize("fault", FAULTS)
def test_faults_spare_tokens_and_other_paths(server: StandIn, fault: str) -> None:
    """The token endpoint and paths outside the site are spared by default."""
    server.fault = fault

    token = get_token(server)
    outside = fetch(server.origin + "/elsewhere")

    assert "token" in token
    assert outside.status == 404
    assert server.requests[0].status == 200


@pytest.mark.parametrize(
    ("fault", "status"),
    [("unauthorized", 401), ("server-error", 500), ("login-redirect", 302)],
)
def test_faults_can_hit_the_token_endpoint(
    server: StandIn, fault: str, status: int
) -> None:
    """With fault_spares_tokens False, generateToken breaks too."""
    server.fault = fault
    server.fault_spares_tokens = False

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    body = urllib.parse.urlencode({**LOGIN, "f": "json"})
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    connection.request("POST", "/arcgis/tokens/generateToken", body, form)
    answer = connection.getresponse()
    answer.read()
    connection.close()

    assert answer.status == status
    assert server.issued_tokens() == []
    assert server.requests[-1].status == status


def test_fault_drop_on_token_endpoint(server: StandIn) -> None:
    """A dropped token answer is cut short; the token was issued all the same."""
    server.fault = "drop"
    server.fault_spares_tokens = False

    with pytest.raises(http.client.IncompleteRead):
        get_token(server)

    assert len(server.issued_tokens()) == 1
    assert server.requests[-1].status == 200


# ------------------------------------------------------------ restarting


def test_restart_keeps_port_tokens_and_log(server: StandIn) -> None:
    """A stopped server refuses; restarted on its port, old tokens work."""
    token = get_token(server)["token"]
    port = server.port
    params = {"f": "json", "token": token}

    server.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    server.restart()
    after_stop = fetch(server.service_url(SECURED), params)
    server.restart()
    after_restart = fetch(server.service_url(SECURED), params)

    assert server.running
    assert server.port == port
    assert after_stop.json()["mapName"] == "Layers"
    assert after_restart.json()["mapName"] == "Layers"
    assert len(server.requests) == 3
    assert [item["token"] for item in server.issued_tokens()] == [token]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_restart_keeps_the_tls_certificate() -> None:
    """After restart() a client trusting cert_path still trusts the site."""
    with StandIn(tls=True) as server:
        context = ssl.create_default_context(cafile=server.cert_path)
        certificate = server.cert_path
        server.restart()
        answer = fetch(server.url + "/rest/info", {"f": "json"}, context=context)

        assert server.cert_path == certificate
        assert answer.json()["currentVersion"] == 11.1
    assert server.cert_path is None


# ------------------------------------------------------------ server clock


def test_clock_offset_moves_token_expiry(server: StandIn) -> None:
    """The server sets and checks expiry by its own, offset clock."""
    url = server.service_url(SECURED)
    before_ms = time.time() * 1000

    server.clock_offset_seconds = 3600
    ahead = get_token(server)
    server.clock_offset_seconds = -7200
    behind = get_token(server)
    behind_works = fetch(url, {"f": "json", "token": behind["token"]}).json()
    server.clock_offset_seconds = 0
    usual = get_token(server)
    server.clock_offset_seconds = 7200
    usual_later = fetch(url, {"f": "json", "token": usual["token"]}).json()

    assert abs(ahead["expires"] - usual["expires"] - 3600_000) < 5_000
    assert abs(ahead["expires"] - (before_ms + 2 * 3600_000)) < 5_000
    assert behind["expires"] < before_ms
    assert abs(behind["expires"] - (before_ms - 3600_000)) < 5_000
    assert behind_works["mapName"] == "Layers"
    assert usual_later == INVALID_TOKEN
