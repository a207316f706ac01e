"""Every way adding a service can fail ends as words in the message bar.

No layer is added, nothing typed is lost, and nothing secret is shown.
"""

from __future__ import annotations

import pytest

from conftest import fill_dialog, messages, press_add, project_layers
from standin import StandIn


def failure_message(iface) -> str:
    [message] = messages(iface, "Critical")
    return message


def assert_nothing_lost(plugin, server, **typed):
    dialog = plugin.dialog
    assert dialog.isVisible()
    assert dialog.username.text() == typed.get("username", "user1")
    assert dialog.password.text() == typed.get("password", "user1")
    assert dialog.tokenUrl.text() == typed.get("tokenUrl", server.token_url)
    assert dialog.formSubmit.isEnabled()


@pytest.mark.parametrize("error_style", ["json200", "http"])
def test_wrong_password(plugin, standin, qgis_iface, error_style):
    standin.error_style = error_style
    fill_dialog(plugin, standin, password="wrong")

    press_add(plugin)

    assert project_layers() == []
    message = failure_message(qgis_iface)
    assert message.startswith("Sign-in failed:Unable to generate token.")
    assert "Invalid username or password." in message
    assert "wrong" not in message
    assert_nothing_lost(plugin, standin, password="wrong")
    assert "Invalid username or password." in plugin.dialog.statusLabel.text()


def test_closed_port(plugin, standin, qgis_iface):
    fill_dialog(plugin, standin)
    standin.stop()

    press_add(plugin)

    assert project_layers() == []
    message = failure_message(qgis_iface)
    assert message.startswith("Cannot reach the server:")
    assert "refused" in message
    assert_nothing_lost(plugin, standin)


def test_token_url_that_is_an_html_page(plugin, standin, qgis_iface):
    html_url = standin.url + "/html/generateToken"
    fill_dialog(plugin, standin, tokenUrl=html_url)

    press_add(plugin)

    assert project_layers() == []
    message = failure_message(qgis_iface)
    assert message.startswith("Unexpected answer:The server answered with a web page")
    assert "Page title: Sign In" in message
    assert_nothing_lost(plugin, standin, tokenUrl=html_url)


def test_token_url_answering_invalid_json(plugin, standin, qgis_iface):
    fill_dialog(plugin, standin, tokenUrl=standin.url + "/badjson/generateToken")

    press_add(plugin)

    assert project_layers() == []
    assert "not valid JSON" in failure_message(qgis_iface)


def test_untrusted_certificate(plugin, qgis_iface):
    with StandIn(tls=True) as server:
        fill_dialog(plugin, server)

        press_add(plugin)

        assert server.requests_to("generateToken") == []
    assert project_layers() == []
    message = failure_message(qgis_iface)
    assert message.startswith("Certificate not trusted:")
    assert "to keep your password safe" in message


@pytest.mark.parametrize("error_style", ["json200", "http"])
@pytest.mark.parametrize(
    "service, title, words",
    [
        ("Nope", "Service not found", "not found"),
        ("Restricted", "Access denied", "You do not have permissions"),
    ],
)
def test_service_errors_are_told_apart(
    plugin, standin, qgis_iface, error_style, service, title, words
):
    standin.error_style = error_style
    fill_dialog(plugin, standin, serviceUrl=standin.service_url(service))

    press_add(plugin)

    assert project_layers() == []
    message = failure_message(qgis_iface)
    assert message.startswith(f"{title}:")
    assert words in message
    assert "Could not parse spatial reference" not in message


def test_unsupported_service_type_is_named(plugin, standin, qgis_iface):
    url = standin.service_url("Tools/Buffer", "GPServer")
    fill_dialog(plugin, standin, serviceUrl=url)

    press_add(plugin)

    assert project_layers() == []
    assert failure_message(qgis_iface).startswith(
        "Unsupported service:This is a GPServer; only MapServer and FeatureServer"
    )
    assert standin.requests == []


def test_url_of_a_web_page_is_told_apart(plugin, standin, qgis_iface):
    fill_dialog(
        plugin, standin, tokenUrl="", serviceUrl=standin.origin + "/portal/home"
    )

    press_add(plugin)

    assert project_layers() == []
    assert failure_message(qgis_iface).startswith(
        "Unexpected answer:The server answered with a web page"
    )


@pytest.mark.parametrize(
    "fields, words, focused",
    [
        ({"username": "  "}, "Enter your user name.", "username"),
        ({"password": ""}, "Enter your password.", "password"),
        ({"serviceUrl": ""}, "The server or service URL is empty.", "serviceUrl"),
        (
            {"tokenUrl": "gis.example.com/arcgis/tokens"},
            "must start with https://",
            "tokenUrl",
        ),
        (
            {"serviceUrl": "https://gis.example.com/arcgis/tokens/generateToken"},
            "token service URL",
            "serviceUrl",
        ),
        ({"referer": ""}, "Enter a referer", "referer"),
    ],
)
def test_bad_fields_are_named_before_anything_is_sent(
    plugin, standin, qgis_iface, fields, words, focused
):
    fill_dialog(plugin, standin, **fields)

    press_add(plugin)

    assert standin.requests == []
    assert project_layers() == []
    message = failure_message(qgis_iface)
    assert message.startswith("Check the form:") and words in message
    assert plugin.dialog.focusWidget() is getattr(plugin.dialog, focused)


def test_plain_http_to_a_remote_server_is_refused_unless_allowed(
    plugin, standin, qgis_iface
):
    remote = "http://gis.example.com/arcgis"
    fill_dialog(
        plugin,
        standin,
        tokenUrl=remote + "/tokens/generateToken",
        serviceUrl=remote + "/rest/services/Wildfire_secure_ac/MapServer",
    )

    press_add(plugin)

    message = failure_message(qgis_iface)
    assert "plain http://" in message and "Allow plain HTTP" in message
    assert plugin.dialog.focusWidget() is plugin.dialog.allowInsecureHttp
