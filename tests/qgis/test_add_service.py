"""Adding a secured MapServer from the dialog, in real QGIS, over real HTTP."""

from __future__ import annotations

from qgis.core import QgsRaster, QgsRasterLayer
from qgis.PyQt.QtWidgets import QAction, QDialog, QLineEdit

from conftest import (
    centre_colour,
    fill_dialog,
    messages,
    press_add,
    project_layers,
    render,
    wait_until,
)
from secure_ags_plugin.core.add_service import ServiceForm

WILDFIRE_ORANGE = (230, 110, 20)
BASEMAP_GREEN = (90, 160, 90)


def test_action_is_in_the_web_menu_and_opens_the_dialog(plugin, qgis_iface):
    action = qgis_iface.mainWindow().findChild(QAction, "addSecuredServiceAction")

    assert action is plugin.action
    qgis_iface.addPluginToWebMenu.assert_any_call("&Secure ArcGIS Server", action)
    qgis_iface.addWebToolBarIcon.assert_called_with(action)

    action.trigger()
    dialog = qgis_iface.mainWindow().findChild(QDialog, "SecuredServiceDialog")
    assert dialog is not None and dialog.isVisible()
    assert dialog.password.echoMode() == QLineEdit.EchoMode.Password
    assert dialog.referer.text() == "https://qgis.org"
    assert dialog.formSubmit.text() == "Add Services"
    assert not dialog.allowInsecureHttp.isChecked()


def test_secured_service_is_added_and_draws(plugin, standin, qgis_iface):
    fill_dialog(plugin, standin)

    press_add(plugin)

    [layer] = project_layers()
    assert isinstance(layer, QgsRasterLayer) and layer.isValid()
    assert layer.name() == "Wildfire_secure_ac"
    assert layer.providerType() == "arcgismapserver"
    assert centre_colour(render(layer)) == WILDFIRE_ORANGE
    assert messages(qgis_iface, "Success") == [
        "Secured layer added:Wildfire_secure_ac from 127.0.0.1 is on the map."
    ]
    assert not plugin.dialog.isVisible()
    assert plugin.dialog.password.text() == ""


def test_token_is_asked_for_with_a_post_carrying_the_form(plugin, standin):
    fill_dialog(plugin, standin, referer="https://maps.example.org/viewer")
    plugin.dialog.expirationMinutes.setValue(90)

    press_add(plugin)

    [request] = standin.requests_to("generateToken")
    assert request.method == "POST"
    assert request.query == {}
    assert request.form == {
        "username": "user1",
        "password": "user1",
        "client": "referer",
        "referer": "https://maps.example.org/viewer",
        "expiration": "90",
        "f": "json",
    }


def test_every_request_to_the_site_carries_the_token_and_referer(plugin, standin):
    fill_dialog(plugin, standin)
    press_add(plugin)
    [layer] = project_layers()
    standin.clear_requests()

    render(layer)
    legend = layer.dataProvider().getLegendGraphicFetcher(None)
    legend.start()
    wait_until(lambda: standin.requests_to("/legend"), message="no legend request")
    centre = layer.extent().center()
    text_format = QgsRaster.IdentifyFormat.IdentifyFormatText
    layer.dataProvider().identify(centre, text_format, layer.extent(), 200, 150)

    seen = standin.requests
    paths = {record.path.rsplit("/", 1)[-1] for record in seen}
    assert {"export", "legend", "identify"} <= paths
    token = standin.issued_tokens()[-1]["token"]
    for record in seen:
        assert record.token_used == token, record.path
        assert record.headers.get("referer") == "https://qgis.org", record.path
        assert record.status == 200, record.path


def test_data_source_holds_no_token(plugin, standin):
    fill_dialog(plugin, standin)
    press_add(plugin)
    [layer] = project_layers()

    token = standin.issued_tokens()[-1]["token"]
    assert token not in layer.source()
    assert "token" not in layer.source().lower()


def test_token_and_referer_reach_no_other_server(plugin, standin):
    from standin import StandIn

    with StandIn(host="127.0.0.2") as other, StandIn() as other_port:
        fill_dialog(plugin, standin)
        press_add(plugin)
        [secured] = project_layers()
        basemaps = [
            QgsRasterLayer(
                f"url='{server.service_url('Public/Basemap')}' format='png32'",
                "basemap",
                "arcgismapserver",
            )
            for server in (other, other_port)
        ]

        image = render([secured, *basemaps])

        assert all(layer.isValid() for layer in basemaps)
        assert centre_colour(image) == WILDFIRE_ORANGE
        foreign = other.requests + other_port.requests
        assert any(record.path.endswith("/export") for record in foreign)
        for record in foreign:
            assert record.token_used is None, record.path
            assert "x-esri-authorization" not in record.headers
            assert record.headers.get("referer") != "https://qgis.org"


def test_adding_returns_before_the_server_answers(plugin, standin):
    standin.delay_seconds = 1.0
    form = ServiceForm(
        username="user1",
        password="user1",
        token_url=standin.token_url,
        service_url=standin.service_url("Wildfire_secure_ac"),
        referer="https://qgis.org",
    )

    job = plugin.add_service(form)

    assert not job.finished and project_layers() == []
    wait_until(lambda: job.finished)
    assert len(project_layers()) == 1


def test_old_server_gets_the_token_in_the_query_string(plugin):
    from standin import StandIn

    with StandIn(current_version=10.51, accept_header_token=False) as old:
        fill_dialog(plugin, old)
        press_add(plugin)
        [layer] = project_layers()

        assert centre_colour(render(layer)) == WILDFIRE_ORANGE
        export = old.requests_to("/export")[-1]
        assert export.query["token"] == old.issued_tokens()[-1]["token"]
        assert "x-esri-authorization" not in export.headers


def test_sublayer_url_adds_that_sublayer(plugin, standin):
    fill_dialog(
        plugin, standin, serviceUrl=standin.service_url("Wildfire_secure_ac") + "/2"
    )

    press_add(plugin)

    [layer] = project_layers()
    assert layer.isValid()
    assert "layer='2'" in layer.source()
