"""Unloading leaves nothing behind; no secret reaches a file or a log."""

from __future__ import annotations

import logging
from pathlib import Path

from qgis.core import QgsApplication, QgsProject, QgsSettings
from qgis.PyQt.QtWidgets import QAction

import secure_ags_plugin
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
from secure_ags_plugin.core.log import QgisLogHandler
from standin import StandIn

PASSWORD = "Corr3ct-Horse-Battery"


def test_unload_removes_everything_it_added(qgis_iface, qgis_new_project, standin):
    plugin = secure_ags_plugin.classFactory(qgis_iface)
    plugin.initGui()
    action = plugin.action
    fill_dialog(plugin, standin)
    press_add(plugin)
    [layer] = project_layers()
    dialog = plugin.dialog

    plugin.unload()

    main_window = qgis_iface.mainWindow()
    assert main_window.findChild(QAction, "addSecuredServiceAction") is None
    qgis_iface.removePluginWebMenu.assert_any_call("&Secure ArcGIS Server", action)
    qgis_iface.removeWebToolBarIcon.assert_called_with(action)
    assert not dialog.isVisible()
    handlers = logging.getLogger("secure_ags_plugin").handlers
    assert not any(isinstance(handler, QgisLogHandler) for handler in handlers)

    standin.clear_requests()
    render(layer)
    [export] = standin.requests_to("/export")
    assert export.token_used is None
    assert "referer" not in export.headers
    QgsProject.instance().removeAllMapLayers()


def test_unload_stops_renewal_timers(qgis_iface, qgis_new_project, standin):
    standin.token_lifetime_seconds = 2
    plugin = secure_ags_plugin.classFactory(qgis_iface)
    plugin.initGui()
    fill_dialog(plugin, standin)
    press_add(plugin)

    plugin.unload()
    pump(2.5)

    assert len(standin.requests_to("generateToken")) == 1
    QgsProject.instance().removeAllMapLayers()


def test_unload_during_sign_in_adds_and_reports_nothing(qgis_iface, qgis_new_project):
    with StandIn(delay_seconds=0.5) as slow:
        plugin = secure_ags_plugin.classFactory(qgis_iface)
        plugin.initGui()
        qgis_iface.messageBar().clear_messages()
        fill_dialog(plugin, slow)
        plugin.dialog.formSubmit.click()

        plugin.unload()
        pump(1.5)

    assert project_layers() == []
    assert all(
        not messages(qgis_iface, level) for level in ("Success", "Critical", "Warning")
    )


def test_plugin_loads_again_after_unload(qgis_iface, qgis_new_project, standin):
    first = secure_ags_plugin.classFactory(qgis_iface)
    first.initGui()
    first.unload()
    second = secure_ags_plugin.classFactory(qgis_iface)
    second.initGui()

    fill_dialog(second, standin)
    press_add(second)

    [layer] = project_layers()
    assert centre_colour(render(layer)) == (230, 110, 20)
    second.unload()
    QgsProject.instance().removeAllMapLayers()


def test_no_password_or_token_in_project_settings_or_log(plugin, tmp_path: Path):
    logged: list[str] = []

    def keep(message, tag, level):
        logged.append(f"{tag}: {message}")

    QgsApplication.messageLog().messageReceived.connect(keep)
    with StandIn(users={"user1": PASSWORD}) as server:
        fill_dialog(plugin, server, password=PASSWORD)
        press_add(plugin)
        [layer] = project_layers()
        render(layer)
        server.revoke_all_tokens()
        render(layer)
        wait_until(lambda: len(server.requests_to("generateToken")) == 2)
        tokens = [issued["token"] for issued in server.issued_tokens()]

        project_file = tmp_path / "secured.qgs"
        assert QgsProject.instance().write(str(project_file))
    QgsApplication.messageLog().messageReceived.disconnect(keep)
    QgsSettings().sync()

    texts = {
        "project": project_file.read_text(encoding="utf-8"),
        "settings": _settings_text(),
        "log": "\n".join(logged),
    }
    assert "Secure ArcGIS Server" in texts["log"]
    assert "Wildfire_secure_ac/MapServer" in texts["project"]
    assert "secure_ags_plugin" in texts["settings"]
    for where, text in texts.items():
        assert PASSWORD not in text, where
        for token in tokens:
            assert token not in text, where


def _settings_text() -> str:
    settings_file = Path(QgsSettings().fileName())
    return settings_file.read_text(encoding="utf-8") if settings_file.exists() else ""
