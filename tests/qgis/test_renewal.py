"""Tokens are renewed before they lapse and when the server rejects them."""

from __future__ import annotations

import time

import pytest
from qgis.core import QgsProject

from conftest import (
    centre_colour,
    fill_dialog,
    messages,
    press_add,
    pump,
    render,
    wait_until,
)

WILDFIRE_ORANGE = (230, 110, 20)
TILES_BLUE = (40, 120, 220)


def sign_in(plugin, server, service="Wildfire_secure_ac"):
    fill_dialog(plugin, server, serviceUrl=server.service_url(service))
    press_add(plugin)
    [layer] = QgsProject.instance().mapLayersByName(service.rsplit("/", 1)[-1])
    return layer


def token_requests(server):
    return server.requests_to("generateToken")


@pytest.mark.slow
def test_short_lived_token_is_renewed_before_it_lapses(plugin, standin):
    standin.token_lifetime_seconds = 4
    layer = sign_in(plugin, standin)
    first = standin.issued_tokens()[0]

    wait_until(
        lambda: len(token_requests(standin)) == 2,
        timeout=6,
        message="the token was not renewed",
    )

    assert time.time() < first["expires_ms"] / 1000, "renewed only after expiry"
    pump(first["expires_ms"] / 1000 - time.time() + 0.5)
    assert centre_colour(render(layer)) == WILDFIRE_ORANGE
    export = standin.requests_to("/export")[-1]
    assert export.token_used != first["token"]
    assert export.status == 200


@pytest.mark.parametrize("error_style", ["json200", "http"])
def test_revoked_token_is_replaced_once_and_the_map_draws_again(
    plugin, standin, qgis_iface, error_style
):
    standin.error_style = error_style
    dynamic = sign_in(plugin, standin)
    tiled = sign_in(plugin, standin, "Secure/Tiles")
    assert centre_colour(render(dynamic)) == WILDFIRE_ORANGE
    repaints = []
    dynamic.repaintRequested.connect(lambda *args: repaints.append("dynamic"))
    tiled.repaintRequested.connect(lambda *args: repaints.append("tiled"))

    standin.revoke_all_tokens()
    broken = render([tiled, dynamic])

    assert centre_colour(broken) not in (WILDFIRE_ORANGE, TILES_BLUE)
    rejected = [
        r
        for r in standin.requests
        if r.status == 498
        or (
            r.status == 200
            and "json" in r.content_type
            and ("/tile/" in r.path or r.path.endswith("/export"))
        )
    ]
    assert len(rejected) >= 2, "several requests should fail together"
    wait_until(
        lambda: len(token_requests(standin)) == 3,
        message="the revoked token was not replaced",
    )
    wait_until(lambda: {"dynamic", "tiled"} <= set(repaints))
    assert centre_colour(render(dynamic)) == WILDFIRE_ORANGE
    assert centre_colour(render(tiled)) == TILES_BLUE
    assert standin.requests_to("/tile/")[-1].status == 200
    pump(0.5)
    assert len(token_requests(standin)) == 3
    assert messages(qgis_iface, "Critical") == []


def test_changed_password_is_reported_once_and_renewal_stops(
    plugin, standin, qgis_iface
):
    standin.token_lifetime_seconds = 2
    layer = sign_in(plugin, standin)
    standin.users["user1"] = "changed-by-the-administrator"

    wait_until(
        lambda: messages(qgis_iface, "Critical"),
        timeout=5,
        message="the failed renewal was not reported",
    )
    pump(2.5)
    render(layer)
    pump(0.5)

    [message] = messages(qgis_iface, "Critical")
    assert message.startswith("Token renewal for 127.0.0.1: Sign-in failed:")
    assert "Invalid username or password." in message
    assert len(token_requests(standin)) == 2


def test_server_refusing_every_new_token_is_told_once(plugin, standin, qgis_iface):
    layer = sign_in(plugin, standin)
    standin.accept_header_token = False

    render(layer)
    wait_until(lambda: len(token_requests(standin)) == 2)
    pump(0.3)
    render(layer)
    render(layer)
    pump(0.3)

    assert len(token_requests(standin)) == 2
    [warning] = messages(qgis_iface, "Warning")
    assert warning.startswith("Token rejected:")
    assert "refuses the renewed token" in warning
