"""Secured layers survive the project: save, reopen, remembered credentials,
a password prompt, a cancelled prompt, signing out, and late enabling."""

from __future__ import annotations

from pathlib import Path

import pytest
from qgis.core import (
    QgsApplication,
    QgsNetworkAccessManager,
    QgsProject,
    QgsRectangle,
)
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication

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
from secure_ags_plugin.core.project import read_site_records
from standin import StandIn

PASSWORD = "Tr0ub4dor-and-3"
# The stand-in's services cover this (Web Mercator).
FULL_EXTENT = QgsRectangle(-13884991, 2870341, -7455066, 6338219)
WILDFIRE_ORANGE = (230, 110, 20)


class PromptAnswerer:
    """Answers the plugin's password prompt as a user would, and counts it."""

    def __init__(self, password: str | None, remember: bool = False) -> None:
        self.password = password
        self.remember = remember
        self.usernames: list[str] = []
        self._timer = QTimer()
        self._timer.setInterval(20)
        self._timer.timeout.connect(self._look)
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _look(self) -> None:
        prompt = QApplication.activeModalWidget()
        if prompt is None or prompt.objectName() != "SignInPrompt":
            return
        self.usernames.append(prompt.username.text())
        if self.password is None:
            prompt.reject()
            return
        prompt.password.setText(self.password)
        prompt.rememberCredentials.setChecked(self.remember)
        prompt.accept()


@pytest.fixture
def server():
    with StandIn(users={"user1": PASSWORD}) as running:
        yield running


@pytest.fixture
def master_password():
    manager = QgsApplication.authManager()
    assert manager.setMasterPassword("master-of-the-test", True)
    return manager


def add_and_save(plugin, server, path: Path, *, remember: bool) -> None:
    dialog = fill_dialog(plugin, server, password=PASSWORD)
    dialog.rememberCredentials.setChecked(remember)
    press_add(plugin)
    [layer] = project_layers()
    assert centre_colour(render(layer)) == WILDFIRE_ORANGE
    assert QgsProject.instance().write(str(path))


def forget_network_cache() -> None:
    """Empty QGIS's network cache, as on a machine that never saw the server.

    Otherwise QGIS may answer the service description from its cache and open
    the layer without the server (it then draws nothing until signed in).
    """
    QgsNetworkAccessManager.instance().cache().clear()


def restart(plugin, qgis_iface):
    """Unload the plugin and close the project, as quitting QGIS would."""
    plugin.unload()
    QgsProject.instance().clear()
    forget_network_cache()
    fresh = secure_ags_plugin.classFactory(qgis_iface)
    fresh.initGui()
    return fresh


def test_project_stores_how_to_sign_in_and_no_secret(
    plugin, server, master_password, tmp_path
):
    path = tmp_path / "secured.qgs"

    add_and_save(plugin, server, path, remember=True)

    [record] = read_site_records()
    assert record.root_url == server.url
    assert record.token_url == server.token_url
    assert record.username == "user1"
    assert record.referer == "https://qgis.org"
    assert record.expiration_minutes == 60
    assert record.authcfg
    text = path.read_text(encoding="utf-8")
    assert PASSWORD not in text
    for issued in server.issued_tokens():
        assert issued["token"] not in text


def test_remembered_credentials_reopen_the_project_without_asking(
    plugin, server, master_password, qgis_iface, tmp_path
):
    path = tmp_path / "secured.qgs"
    add_and_save(plugin, server, path, remember=True)
    fresh = restart(plugin, qgis_iface)
    answerer = PromptAnswerer(password=None)

    try:
        assert QgsProject.instance().read(str(path))
        pump(0.2)
        [layer] = project_layers()
        assert layer.isValid()
        assert centre_colour(render(layer)) == WILDFIRE_ORANGE
    finally:
        answerer.stop()
        fresh.unload()
        QgsProject.instance().clear()

    assert answerer.usernames == []
    assert len(server.requests_to("generateToken")) == 2
    assert (
        server.requests_to("/export")[-1].token_used
        == server.issued_tokens()[-1]["token"]
    )


def test_reopening_asks_once_for_the_password(plugin, server, qgis_iface, tmp_path):
    path = tmp_path / "secured.qgs"
    add_and_save(plugin, server, path, remember=False)
    fresh = restart(plugin, qgis_iface)
    answerer = PromptAnswerer(password=PASSWORD)

    try:
        assert QgsProject.instance().read(str(path))
        [layer] = project_layers()
        assert layer.isValid()
        assert centre_colour(render(layer)) == WILDFIRE_ORANGE
    finally:
        answerer.stop()
        fresh.unload()
        QgsProject.instance().clear()

    assert answerer.usernames == ["user1"]


def test_cancelled_prompt_keeps_the_layers_and_a_later_sign_in_repairs_them(
    plugin, server, qgis_iface, tmp_path
):
    path = tmp_path / "secured.qgs"
    add_and_save(plugin, server, path, remember=False)
    source = project_layers()[0].source()
    fresh = restart(plugin, qgis_iface)
    answerer = PromptAnswerer(password=None)

    try:
        assert QgsProject.instance().read(str(path))
        [layer] = project_layers()
        assert layer.source() == source
        assert centre_colour(render(layer, FULL_EXTENT)) != WILDFIRE_ORANGE

        again = tmp_path / "saved-again.qgs"
        assert QgsProject.instance().write(str(again))
        assert source.split("url=")[1] in again.read_text(encoding="utf-8")
        assert read_site_records()[0].root_url == server.url

        answerer.password = PASSWORD
        fresh.show_sites()
        window = fresh.sites_dialog
        window.select_site(server.url)
        window.signInButton.click()
        wait_until(
            lambda: layer.isValid() and not layer.extent().isEmpty(),
            message="the layer was not repaired",
        )
        assert centre_colour(render(layer, FULL_EXTENT)) == WILDFIRE_ORANGE
    finally:
        answerer.stop()
        fresh.unload()
        QgsProject.instance().clear()


def test_sign_out_stops_the_token_at_once(plugin, server):
    fill_dialog(plugin, server, password=PASSWORD)
    press_add(plugin)
    [layer] = project_layers()
    plugin.show_sites()
    window = plugin.sites_dialog
    assert window.siteTable.rowCount() == 1
    assert window.siteTable.item(0, 1).text() == "user1"
    assert window.siteTable.item(0, 3).text() == "1"

    window.select_site(server.url)
    window.signOutButton.click()
    server.clear_requests()
    render(layer)

    [export] = server.requests_to("/export")
    assert export.token_used is None
    assert project_layers() == [layer]
    assert window.siteTable.item(0, 4).text() == "not signed in"
    assert plugin.registry.sites() == []


def test_renew_now_fetches_a_new_token(plugin, server):
    fill_dialog(plugin, server, password=PASSWORD)
    press_add(plugin)
    plugin.show_sites()
    window = plugin.sites_dialog
    window.select_site(server.url)

    window.renewButton.click()

    wait_until(lambda: len(server.requests_to("generateToken")) == 2)
    wait_until(
        lambda: (
            plugin.registry.sites()[0].token.value
            == server.issued_tokens()[-1]["token"]
        )
    )


def test_enabling_the_plugin_on_an_open_project_repairs_its_layers(
    plugin, server, master_password, qgis_iface, tmp_path
):
    path = tmp_path / "secured.qgs"
    add_and_save(plugin, server, path, remember=True)
    plugin.unload()
    QgsProject.instance().clear()
    forget_network_cache()
    assert QgsProject.instance().read(str(path))
    [layer] = project_layers()
    assert centre_colour(render(layer, FULL_EXTENT)) != WILDFIRE_ORANGE

    late = secure_ags_plugin.classFactory(qgis_iface)
    late.initGui()
    try:
        wait_until(lambda: late.registry.sites(), message="no sign-in")
        wait_until(
            lambda: layer.isValid() and not layer.extent().isEmpty(),
            message="the layer was not repaired",
        )
        assert centre_colour(render(layer, FULL_EXTENT)) == WILDFIRE_ORANGE
        assert any("Signed in:" in m for m in messages(qgis_iface, "Success"))
    finally:
        late.unload()
        QgsProject.instance().clear()


def test_removing_a_sites_last_layer_forgets_the_site(plugin, server):
    fill_dialog(plugin, server, password=PASSWORD)
    press_add(plugin)
    assert [r.root_url for r in read_site_records()] == [server.url]

    QgsProject.instance().removeAllMapLayers()

    assert read_site_records() == []
