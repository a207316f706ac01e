"""Starting from the server: token URL discovery, the catalog tree, several
services at once, sublayers, cached services and feature layers."""

from __future__ import annotations

import pytest
from qgis.core import QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import Qt

from conftest import (
    centre_colour,
    fill_dialog,
    messages,
    press_add,
    project_layers,
    render,
    wait_until,
)
from standin import StandIn

WILDFIRE_ORANGE = (230, 110, 20)
TILES_BLUE = (40, 120, 220)


def press_list(plugin, timeout: float = 20.0) -> None:
    button = plugin.dialog.connectButton
    button.click()
    wait_until(button.isEnabled, timeout=timeout, message="listing did not finish")


def tree_item(dialog, *path: str):
    """The tree item reached by following item texts from the top."""
    parent = dialog.serviceTree.invisibleRootItem()
    for text in path:
        children = [parent.child(i) for i in range(parent.childCount())]
        matches = [child for child in children if child.text(0) == text]
        assert matches, f"{text!r} not among {[c.text(0) for c in children]}"
        parent = matches[0]
    return parent


def child_texts(item) -> list[str]:
    return [item.child(i).text(0) for i in range(item.childCount())]


def open_item(dialog, item) -> None:
    item.setExpanded(True)
    wait_until(
        lambda: "Loading…" not in child_texts(item),
        message=f"{item.text(0)} did not load",
    )


def layer_named(name: str):
    [layer] = QgsProject.instance().mapLayersByName(name)
    return layer


# -- discovery -----------------------------------------------------------------------


@pytest.mark.parametrize("security", ["token", "old-string"])
def test_empty_token_url_is_found_from_the_server(plugin, qgis_iface, security):
    with StandIn(security=security) as server:
        dialog = fill_dialog(plugin, server, tokenUrl="")

        press_add(plugin)

        assert dialog.tokenUrl.text() == server.token_url
        assert server.requests_to("rest/info")[0].method in ("GET", "POST")
        [layer] = project_layers()
        assert centre_colour(render(layer)) == WILDFIRE_ORANGE
    assert messages(qgis_iface, "Critical") == []


def test_site_without_token_security_is_said_in_words(plugin, qgis_iface):
    with StandIn(security="open") as server:
        fill_dialog(plugin, server, tokenUrl="", serviceUrl=server.url)

        press_add(plugin)

        assert server.requests_to("generateToken") == []
    [message] = messages(qgis_iface, "Critical")
    assert message.startswith("Site not supported:This site does not use ArcGIS token")
    assert project_layers() == []


def test_federated_server_asks_for_portal_sign_in(plugin, qgis_iface):
    with StandIn(security="federated") as server:
        fill_dialog(plugin, server, tokenUrl="", serviceUrl=server.url)

        press_add(plugin)

    [message] = messages(qgis_iface, "Critical")
    assert "federated with a portal" in message
    assert "https://portal.example.com/portal" in message


# -- the catalog ---------------------------------------------------------------------


def test_site_root_fills_the_tree_with_secured_services(plugin, standin):
    dialog = fill_dialog(plugin, standin, serviceUrl=standin.url)

    press_list(plugin)

    top = child_texts(dialog.serviceTree.invisibleRootItem())
    assert {"Secure", "Public", "Wildfire_secure_ac", "Restricted"} <= set(top) or {
        "Secure",
        "Public",
        "Wildfire_secure_ac",
    } <= set(top)
    catalog = standin.requests_to("/rest/services")[0]
    assert catalog.token_used == standin.issued_tokens()[-1]["token"]
    assert "Tick services" in dialog.statusLabel.text()
    assert project_layers() == []


def test_folders_are_read_only_when_opened(plugin, standin):
    dialog = fill_dialog(plugin, standin, serviceUrl=standin.url)
    press_list(plugin)
    assert standin.requests_to("/rest/services/Secure") == []

    folder = tree_item(dialog, "Secure")
    open_item(dialog, folder)

    assert child_texts(folder) == ["Tiles"]
    [request] = standin.requests_to("/rest/services/Secure")
    assert request.token_used is not None


def test_missing_folder_is_said_in_words(plugin, standin, qgis_iface):
    fill_dialog(plugin, standin, serviceUrl=standin.url + "/rest/services/Nowhere")

    press_list(plugin)

    [message] = messages(qgis_iface, "Critical")
    assert "There is no folder 'Nowhere' on this server." in message


def test_ticked_services_are_added_together(plugin, standin, qgis_iface):
    dialog = fill_dialog(plugin, standin, serviceUrl=standin.url)
    press_list(plugin)
    open_item(dialog, tree_item(dialog, "Secure"))
    tree_item(dialog, "Wildfire_secure_ac").setCheckState(0, Qt.CheckState.Checked)
    tree_item(dialog, "Secure", "Tiles").setCheckState(0, Qt.CheckState.Checked)

    press_add(plugin)

    assert centre_colour(render(layer_named("Wildfire_secure_ac"))) == WILDFIRE_ORANGE
    assert centre_colour(render(layer_named("Tiles"))) == TILES_BLUE
    assert standin.requests_to("/tile/")[-1].status == 200
    [message] = messages(qgis_iface, "Success")
    assert "Wildfire_secure_ac" in message and "Tiles" in message


def test_ticked_sublayers_become_a_group_of_layers(plugin, standin):
    dialog = fill_dialog(plugin, standin, serviceUrl=standin.url)
    press_list(plugin)
    service = tree_item(dialog, "Wildfire_secure_ac")
    open_item(dialog, service)
    assert child_texts(service) == [
        "Wildfire Response Points",
        "Wildfire Response Lines",
        "Wildfire Response Polygons",
    ]
    service.child(0).setCheckState(0, Qt.CheckState.Checked)
    service.child(2).setCheckState(0, Qt.CheckState.Checked)

    press_add(plugin)

    group = QgsProject.instance().layerTreeRoot().findGroup("Wildfire_secure_ac")
    assert group is not None
    names = [node.layer().name() for node in group.findLayers()]
    assert sorted(names) == ["Wildfire Response Points", "Wildfire Response Polygons"]
    sources = [node.layer().source() for node in group.findLayers()]
    assert sorted("layer='0'" in s or "layer='2'" in s for s in sources) == [True, True]


def test_jpg_image_format_is_asked_for(plugin, standin):
    dialog = fill_dialog(plugin, standin)
    dialog.imageFormat.setCurrentIndex(dialog.imageFormat.findData("jpg"))

    press_add(plugin)

    render(project_layers()[0])
    assert standin.requests_to("/export")[-1].query["format"] == "jpg"


# -- feature layers ------------------------------------------------------------------


def test_feature_layer_is_added_as_vector_with_token_on_every_query(plugin, standin):
    url = standin.service_url("Wildfire_secure_ac", "FeatureServer") + "/0"
    fill_dialog(plugin, standin, serviceUrl=url)

    press_add(plugin)

    [layer] = project_layers()
    assert isinstance(layer, QgsVectorLayer) and layer.isValid()
    features = list(layer.getFeatures())
    assert len(features) == 5
    assert all(feature["NAME"] for feature in features)
    queries = standin.requests_to("/FeatureServer/0/query")
    assert queries
    token = standin.issued_tokens()[-1]["token"]
    for record in queries:
        assert record.token_used == token
        assert record.headers.get("referer") == "https://qgis.org"


def test_attribute_table_opens_on_a_secured_feature_layer(plugin, standin):
    from qgis.core import QgsVectorLayerCache
    from qgis.gui import QgsAttributeTableModel

    url = standin.service_url("Wildfire_secure_ac", "FeatureServer") + "/2"
    fill_dialog(plugin, standin, serviceUrl=url)
    press_add(plugin)
    [layer] = project_layers()

    cache = QgsVectorLayerCache(layer, 100)
    model = QgsAttributeTableModel(cache)
    model.loadLayer()

    assert model.rowCount() == 2
    assert model.columnCount() >= 4


def test_whole_feature_server_becomes_a_group(plugin, standin):
    fill_dialog(
        plugin,
        standin,
        serviceUrl=standin.service_url("Wildfire_secure_ac", "FeatureServer"),
    )

    press_add(plugin)

    group = QgsProject.instance().layerTreeRoot().findGroup("Wildfire_secure_ac")
    counts = sorted(node.layer().featureCount() for node in group.findLayers())
    assert counts == [2, 3, 5]


def test_map_server_sublayer_can_be_added_as_features(plugin, standin):
    dialog = fill_dialog(
        plugin, standin, serviceUrl=standin.service_url("Wildfire_secure_ac") + "/1"
    )
    dialog.sublayersAsVector.setChecked(True)

    press_add(plugin)

    [layer] = project_layers()
    assert isinstance(layer, QgsVectorLayer)
    assert layer.featureCount() == 3


def test_wrong_feature_layer_id_is_refused_without_crashing(
    plugin, standin, qgis_iface
):
    url = standin.service_url("Wildfire_secure_ac", "FeatureServer") + "/9"
    fill_dialog(plugin, standin, serviceUrl=url)

    press_add(plugin)

    assert project_layers() == []
    assert messages(qgis_iface, "Critical")


# -- identify and legend -------------------------------------------------------------


def test_identify_and_legend_work_on_a_secured_map_layer(plugin, standin):
    from qgis.core import QgsPointXY, QgsRaster

    fill_dialog(plugin, standin)
    press_add(plugin)
    [layer] = project_layers()
    standin.clear_requests()

    on_a_point = QgsPointXY(-10000000, 4000000)
    result = layer.dataProvider().identify(
        on_a_point,
        QgsRaster.IdentifyFormat.IdentifyFormatText,
        layer.extent(),
        400,
        300,
    )
    legend = layer.dataProvider().getLegendGraphicFetcher(None)
    legend.start()
    wait_until(
        lambda: any(r.status == 200 for r in standin.requests_to("/legend")),
        message="the legend was not fetched",
    )

    texts = list(result.results().values())
    assert texts and "NAME = " in texts[0]
    for record in standin.requests:
        assert record.token_used is not None, record.path
        assert record.headers.get("referer") == "https://qgis.org", record.path
