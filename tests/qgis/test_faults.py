"""Hostile and broken servers: each fault ends in words, and the plugin works
again once the server does."""

from __future__ import annotations

import time

import pytest

from conftest import (
    centre_colour,
    fill_dialog,
    messages,
    press_add,
    project_layers,
    pump,
    render,
    wait_until,
)
from secure_ags_plugin.arcgis import http

WILDFIRE_ORANGE = (230, 110, 20)


def add_layer(plugin, server):
    fill_dialog(plugin, server)
    press_add(plugin)
    [layer] = project_layers()
    return layer


def recovers(plugin, server, qgis_iface):
    """After the fault is gone, the same dialog adds the layer and it draws."""
    server.fault = None
    server.delay_seconds = 0.0
    qgis_iface.messageBar().clear_messages()
    press_add(plugin)
    [layer] = project_layers()
    assert centre_colour(render(layer)) == WILDFIRE_ORANGE
    assert messages(qgis_iface, "Critical") == []


@pytest.mark.parametrize(
    "fault, title, words",
    [
        ("drop", "Cannot reach the server", "connection"),
        ("reset", "Cannot reach the server", "connection"),
        ("login-redirect", "Unexpected answer", "webadaptor/login"),
        ("unauthorized", "Unexpected answer", "web-tier authentication"),
        ("server-error", "Unexpected answer", "web page"),
    ],
)
def test_broken_answers_to_the_token_request(
    plugin, standin, qgis_iface, fault, title, words
):
    standin.fault = fault
    standin.fault_spares_tokens = False
    fill_dialog(plugin, standin)

    press_add(plugin)

    assert project_layers() == []
    [message] = messages(qgis_iface, "Critical")
    assert message.startswith(f"{title}:")
    assert words in message
    assert "user1" not in message.split(":", 1)[1] or "user1" in words
    recovers(plugin, standin, qgis_iface)


@pytest.mark.parametrize("fault", ["login-redirect", "unauthorized", "drop"])
def test_broken_answers_to_the_service_read(plugin, standin, qgis_iface, fault):
    standin.fault = fault
    fill_dialog(plugin, standin)

    press_add(plugin)

    assert project_layers() == []
    assert len(messages(qgis_iface, "Critical")) == 1
    recovers(plugin, standin, qgis_iface)


def test_slow_server_is_named_and_the_next_try_works(
    plugin, standin, qgis_iface, monkeypatch
):
    monkeypatch.setattr(http, "READ_TIMEOUT_SECONDS", 0.5)
    standin.delay_seconds = 1.5
    fill_dialog(plugin, standin)

    press_add(plugin)

    [message] = messages(qgis_iface, "Critical")
    assert message.startswith("Server too slow:The server did not answer in time.")
    recovers(plugin, standin, qgis_iface)


@pytest.mark.slow
def test_server_down_during_renewal_then_back(plugin, standin, qgis_iface):
    standin.token_lifetime_seconds = 8
    layer = add_layer(plugin, standin)
    standin.stop()

    wait_until(
        lambda: messages(qgis_iface, "Warning"),
        timeout=10,
        message="the failed renewal was not reported",
    )
    [warning] = messages(qgis_iface, "Warning")
    assert warning.startswith("Token renewal for 127.0.0.1: Cannot reach the server")

    standin.restart()
    wait_until(
        lambda: len(standin.requests_to("generateToken")) >= 2,
        timeout=15,
        message="renewal was not retried once the server was back",
    )
    pump(0.3)
    assert centre_colour(render(layer)) == WILDFIRE_ORANGE
    assert messages(qgis_iface, "Critical") == []


@pytest.mark.parametrize("offset_hours", [-2, 3])
def test_server_clock_far_from_ours(plugin, standin, qgis_iface, offset_hours):
    standin.clock_offset_seconds = offset_hours * 3600

    layer = add_layer(plugin, standin)

    [site] = plugin.registry.sites()
    assert 0 < site.token.lifetime <= 3600
    assert site.token.refresh_at > time.time() + 60
    assert centre_colour(render(layer)) == WILDFIRE_ORANGE
    assert messages(qgis_iface, "Critical") == []


@pytest.mark.slow
def test_token_lapsing_while_a_map_is_being_drawn(plugin, standin, qgis_iface):
    standin.token_lifetime_seconds = 4
    layer = add_layer(plugin, standin)
    first = standin.issued_tokens()[-1]
    standin.delay_seconds = 3.0

    render(layer)
    standin.delay_seconds = 0.0
    wait_until(lambda: len(standin.requests_to("generateToken")) >= 2, timeout=15)
    pump(0.5)

    assert time.time() > first["expires_ms"] / 1000
    assert centre_colour(render(layer)) == WILDFIRE_ORANGE
    assert messages(qgis_iface, "Critical") == []
