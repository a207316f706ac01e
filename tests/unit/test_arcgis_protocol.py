"""The ArcGIS protocol layer on its own: no QGIS, real HTTP to the stand-in."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from secure_ags_plugin.arcgis import errors
from secure_ags_plugin.arcgis.catalog import (
    FOLDER,
    LAYER,
    SERVICE,
    SITE,
    locate,
    parse_folder,
    parse_layers,
    parse_site_info,
)
from secure_ags_plugin.arcgis.http import HttpClient, parse_json_answer
from secure_ags_plugin.arcgis.service import (
    check_service_answer,
    crs_from_reference,
    current_version,
    read_service,
)
from secure_ags_plugin.arcgis.token import (
    REFRESH_MARGIN_SECONDS,
    Credentials,
    Token,
    generate_token,
    token_from_answer,
)
from secure_ags_plugin.arcgis.urls import (
    SiteRoot,
    redact,
    require_secure_transport,
)

REPO = Path(__file__).resolve().parents[2]


def credentials_for(server, password: str = "user1", **changes) -> Credentials:
    values = dict(
        token_url=server.token_url,
        username="user1",
        password=password,
        referer="https://qgis.org",
        expiration_minutes=60,
    )
    values.update(changes)
    return Credentials(**values)


def test_protocol_package_imports_no_qgis_and_no_qt():
    code = (
        "import sys; import secure_ags_plugin.arcgis.token, "
        "secure_ags_plugin.arcgis.service, secure_ags_plugin.arcgis.http; "
        "bad = [m for m in sys.modules "
        "if m.split('.')[0] in ('qgis', 'PyQt5', 'PyQt6')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- tokens --------------------------------------------------------------------------


def test_token_is_posted_with_credentials_in_the_body_not_the_url(standin):
    token = generate_token(HttpClient(), credentials_for(standin))

    record = standin.requests_to("generateToken")[-1]
    assert record.method == "POST"
    assert "password" not in record.query and "username" not in record.query
    assert record.form == {
        "username": "user1",
        "password": "user1",
        "client": "referer",
        "referer": "https://qgis.org",
        "expiration": "60",
        "f": "json",
    }
    assert token.value == standin.issued_tokens()[-1]["token"]
    assert token.referer == "https://qgis.org"


def test_server_granting_less_than_asked_wins(standin):
    standin.max_expiration_minutes = 10

    token = generate_token(
        HttpClient(), credentials_for(standin, expiration_minutes=600)
    )

    assert 9 * 60 < token.lifetime <= 10 * 60


def test_wrong_password_keeps_the_servers_message_and_details(standin):
    with pytest.raises(errors.SignInFailed) as caught:
        generate_token(HttpClient(), credentials_for(standin, password="nope"))

    assert caught.value.message == "Unable to generate token."
    assert caught.value.details == ("Invalid username or password.",)


def test_wrong_password_as_http_status_is_the_same_failure(standin):
    standin.error_style = "http"

    with pytest.raises(errors.SignInFailed) as caught:
        generate_token(HttpClient(), credentials_for(standin, password="nope"))

    assert "Invalid username or password." in caught.value.details


def test_html_token_page_is_reported_as_a_web_page(standin):
    url = standin.url + "/html/generateToken"

    with pytest.raises(errors.ResponseError) as caught:
        generate_token(HttpClient(), credentials_for(standin, token_url=url))

    assert "web page" in caught.value.message
    assert any("Sign In" in detail for detail in caught.value.details)


def test_truncated_json_is_reported_as_invalid_json(standin):
    url = standin.url + "/badjson/generateToken"

    with pytest.raises(errors.ResponseError, match="not valid JSON"):
        generate_token(HttpClient(), credentials_for(standin, token_url=url))


def test_closed_port_is_a_refused_connection(standin):
    url = standin.token_url
    standin.stop()

    with pytest.raises(errors.ConnectionFailed, match="refused"):
        generate_token(HttpClient(), credentials_for(standin, token_url=url))


def test_slow_server_times_out(standin):
    standin.delay_seconds = 2.0
    client = HttpClient(timeout=(1.0, 0.5))

    with pytest.raises(errors.RequestTimedOut):
        generate_token(client, credentials_for(standin))


def test_self_signed_certificate_is_refused():
    from standin import StandIn

    with (
        StandIn(tls=True) as server,
        pytest.raises(errors.CertificateError, match="not trusted"),
    ):
        generate_token(HttpClient(), credentials_for(server))


def test_self_signed_certificate_works_once_trusted():
    from standin import StandIn

    with StandIn(tls=True) as server:
        token = generate_token(
            HttpClient(verify=server.cert_path), credentials_for(server)
        )

    assert token.value


def test_token_margin_is_five_minutes_for_long_tokens():
    token = Token("t", issued_at=1000.0, expires_at=1000.0 + 3600, referer="r")

    assert token.refresh_at == 1000.0 + 3600 - REFRESH_MARGIN_SECONDS
    assert not token.needs_refresh(now=token.refresh_at - 1)
    assert token.needs_refresh(now=token.refresh_at + 1)


def test_short_token_is_renewed_after_three_quarters_of_its_life():
    token = Token("t", issued_at=0.0, expires_at=60.0, referer="r")

    assert token.refresh_at == 45.0


@pytest.mark.parametrize(
    "expires",
    [None, "soon", 0, -5, 10**20],
    ids=["missing", "text", "zero", "past", "beyond-request"],
)
def test_unusable_expiry_falls_back_to_the_requested_lifetime(expires):
    token = token_from_answer(
        {"token": "abc", "expires": expires},
        requested_minutes=30,
        referer="r",
        issued_at=1_000_000.0,
    )

    assert token.lifetime == 30 * 60


def test_answer_without_token_is_an_error():
    with pytest.raises(errors.ResponseError, match="without a token"):
        token_from_answer({"expires": 1}, requested_minutes=1, referer="r", issued_at=0)


# -- reading answers -----------------------------------------------------------------


@pytest.mark.parametrize(
    "details, expected",
    [
        (["Invalid username or password."], ("Invalid username or password.",)),
        ("Invalid credentials", ("Invalid credentials",)),
        ({"reason": "locked"}, ("reason: locked",)),
        (None, ()),
    ],
    ids=["list", "string", "object", "none"],
)
def test_error_details_in_every_shape_are_kept(details, expected):
    body = json.dumps({"error": {"code": 401, "message": "Nope", "details": details}})

    with pytest.raises(errors.ServerError) as caught:
        parse_json_answer(200, body.encode(), "https://h/arcgis/rest/info?token=s3cret")

    assert caught.value.code == 401
    assert caught.value.details == expected
    assert "s3cret" not in caught.value.url


@pytest.mark.parametrize(
    "code, error_class",
    [
        (498, errors.TokenRejected),
        (499, errors.TokenRejected),
        (403, errors.AccessDenied),
        (404, errors.NotFound),
    ],
)
def test_error_codes_map_to_their_exceptions(code, error_class):
    body = json.dumps({"error": {"code": code, "message": "m", "details": []}})

    with pytest.raises(error_class):
        parse_json_answer(200, body.encode(), "https://h/x")


def test_token_status_without_a_body_is_still_a_token_rejection():
    with pytest.raises(errors.TokenRejected):
        parse_json_answer(498, b"", "https://h/x")


def test_error_status_without_arcgis_error_is_reported_with_its_status():
    with pytest.raises(errors.ResponseError, match="HTTP error 502"):
        parse_json_answer(502, b"{}", "https://h/x")


def test_json_array_is_not_an_arcgis_answer():
    with pytest.raises(errors.ResponseError, match="not an ArcGIS JSON object"):
        parse_json_answer(200, b"[1, 2]", "https://h/x")


# -- services ------------------------------------------------------------------------


def test_map_service_is_read_with_the_token(standin):
    client = HttpClient()
    token = generate_token(client, credentials_for(standin))
    url = standin.service_url("Wildfire_secure_ac")

    description = read_service(client, url, token)

    check_service_answer(description, "MapServer", url)
    assert crs_from_reference(description["spatialReference"]) == "EPSG:3857"
    assert current_version(description) >= 10.6
    assert [layer.layer_id for layer in parse_layers(description)] == [0, 1, 2]
    record = standin.requests_to("Wildfire_secure_ac/MapServer")[-1]
    assert record.token_used == token.value
    assert record.headers["referer"] == "https://qgis.org"


def test_missing_service_is_not_found(standin):
    client = HttpClient()
    token = generate_token(client, credentials_for(standin))

    with pytest.raises(errors.NotFound):
        read_service(client, standin.service_url("Nope"), token)


def test_feature_server_answer_is_not_a_map_server():
    with pytest.raises(errors.NotAMapService, match="does not describe a MapServer"):
        check_service_answer(
            {"layers": [], "spatialReference": {"wkid": 4326}},
            "MapServer",
            "https://h/x",
        )


def test_catalog_answer_is_not_a_service():
    with pytest.raises(errors.NotAMapService, match="folder of services"):
        check_service_answer(
            {"folders": [], "services": []}, "MapServer", "https://h/x"
        )


# -- where a URL points --------------------------------------------------------------


def test_site_root_is_the_part_before_rest():
    root = SiteRoot.from_url("https://GIS.example.com/arcgis/rest/services/A/MapServer")

    assert root == SiteRoot("https", "gis.example.com", 443, "/arcgis")
    assert root.contains_path("/arcgis/rest/info")
    assert not root.contains_path("/arcgis2/rest/info")


def test_international_host_names_match_what_qt_sends():
    root = SiteRoot.from_url("https://Bücher.example/arcgis/rest/services")

    assert root.host == "xn--bcher-kva.example"


@pytest.mark.parametrize(
    "text, kind, folder, service, service_type, layer_id",
    [
        ("https://h/arcgis", SITE, "", "", "", None),
        ("https://h/arcgis/", SITE, "", "", "", None),
        ("https://h/arcgis/rest/services?f=pjson", SITE, "", "", "", None),
        ("https://h/arcgis/rest/info", SITE, "", "", "", None),
        ("https://h/arcgis/rest/services/Secure", FOLDER, "Secure", "", "", None),
        (
            "https://h/arcgis/rest/services/S/MapServer",
            SERVICE,
            "",
            "S",
            "MapServer",
            None,
        ),
        (
            " https://h/arcgis/rest/services/F/S/MapServer/ ",
            SERVICE,
            "F",
            "F/S",
            "MapServer",
            None,
        ),
        (
            "https://h/arcgis/rest/services/F/S/MapServer/2",
            LAYER,
            "F",
            "F/S",
            "MapServer",
            2,
        ),
        (
            "https://h/arcgis/rest/services/S/MapServer/export?bbox=1",
            SERVICE,
            "",
            "S",
            "MapServer",
            None,
        ),
        (
            "https://h/arcgis/rest/services/S/FeatureServer/0",
            LAYER,
            "",
            "S",
            "FeatureServer",
            0,
        ),
    ],
)
def test_any_url_inside_a_site_is_placed(
    text, kind, folder, service, service_type, layer_id
):
    location = locate(text)

    assert (
        location.kind,
        location.folder,
        location.service,
        location.service_type,
        location.layer_id,
    ) == (kind, folder, service, service_type, layer_id)
    assert location.root == SiteRoot("https", "h", 443, "/arcgis")


@pytest.mark.parametrize(
    "text, error_class, words",
    [
        ("", errors.InputError, "empty"),
        ("gis.example.com/arcgis", errors.InputError, "https://"),
        ("https://", errors.InputError, "no server name"),
        (
            "https://h/arcgis/rest/services/S/GPServer",
            errors.NotAMapService,
            "GPServer",
        ),
        (
            "https://u:p@h/arcgis/rest/services/S/MapServer",
            errors.InputError,
            "user name",
        ),
        (
            "https://h/arcgis/rest/services/My Map/MapServer",
            errors.InputError,
            "spaces",
        ),
        ("https://h/arcgis/tokens/generateToken", errors.InputError, "token service"),
    ],
)
def test_bad_urls_say_what_is_wrong(text, error_class, words):
    with pytest.raises(error_class, match=words):
        locate(text)


@pytest.mark.parametrize(
    "auth, token_url, secured",
    [
        (
            {
                "isTokenBasedSecurity": True,
                "tokenServicesUrl": "https://h/arcgis/tokens/",
            },
            "https://h/arcgis/tokens/generateToken",
            True,
        ),
        (
            {
                "isTokenBasedSecurity": "true",
                "tokenServicesUrl": "https://h/arcgis/tokens",
            },
            "https://h/arcgis/tokens/generateToken",
            True,
        ),
        ({"isTokenBasedSecurity": "false"}, "", False),
        (
            {
                "isTokenBasedSecurity": True,
                "tokenServicesUrl": "https://p/portal/sharing/rest/generateToken",
            },
            "https://p/portal/sharing/rest/generateToken",
            True,
        ),
        ("not an object", "", False),
    ],
    ids=["tokens-slash", "old-string", "open", "portal", "garbage"],
)
def test_site_info_gives_the_token_url(auth, token_url, secured):
    info = parse_site_info({"currentVersion": "10.81", "authInfo": auth})

    assert (info.token_url, info.token_secured) == (token_url, secured)
    assert info.current_version == 10.81


def test_folder_listing_keeps_map_and_feature_services_only():
    listing = parse_folder(
        {
            "currentVersion": 11.1,
            "folders": ["Secure", 7, ""],
            "services": [
                {"name": "Secure/A", "type": "MapServer"},
                {"name": "Secure/B", "type": "FeatureServer"},
                {"name": "Secure/C", "type": "GPServer"},
                {"name": 5, "type": "MapServer"},
            ],
        },
        "",
    )

    assert listing.folders == ("Secure",)
    assert [(s.name, s.service_type) for s in listing.services] == [
        ("Secure/A", "MapServer"),
        ("Secure/B", "FeatureServer"),
    ]
    assert listing.services[0].title == "A"


def test_layers_keep_their_nesting():
    layers = parse_layers(
        {
            "layers": [
                {"id": 0, "name": "Group", "parentLayerId": -1, "subLayerIds": [1]},
                {
                    "id": 1,
                    "name": "Points",
                    "parentLayerId": 0,
                    "subLayerIds": None,
                    "geometryType": "esriGeometryPoint",
                },
                {"name": "no id"},
            ]
        }
    )

    assert [(ref.layer_id, ref.parent_id, ref.is_group) for ref in layers] == [
        (0, -1, True),
        (1, 0, False),
    ]


def test_plain_http_is_refused_except_on_loopback_or_when_allowed():
    with pytest.raises(errors.InputError, match="plain http"):
        require_secure_transport(
            "http://gis.example.com/x", allow_insecure=False, label="URL"
        )

    require_secure_transport(
        "http://127.0.0.1:8080/x", allow_insecure=False, label="URL"
    )
    require_secure_transport("http://[::1]/x", allow_insecure=False, label="URL")
    require_secure_transport(
        "http://gis.example.com/x", allow_insecure=True, label="URL"
    )


def test_redact_hides_token_and_password_values():
    url = "https://h/arcgis/rest/info?f=json&token=abc123&password=pw"

    assert "abc123" not in redact(url) and "pw&" not in redact(url) + "&"
    assert "f=json" in redact(url)


def test_unknown_host_is_named_as_such_without_any_lookup():
    import socket

    import requests

    from secure_ags_plugin.arcgis.http import transport_error

    lookup = socket.gaierror(-2, "Name or service not known")
    failure = requests.exceptions.ConnectionError("connection failed")
    failure.__cause__ = lookup

    error = transport_error(failure, "https://gis.example.com/arcgis?token=abc")

    assert isinstance(error, errors.ConnectionFailed)
    assert error.message == "The server name could not be found."
    assert "abc" not in error.url
