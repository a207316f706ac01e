"""Fixtures shared by the tests: a QGIS of its own, the stand-in, the plugin.

QGIS runs offscreen with a throwaway settings folder, so the tests neither
need a display nor touch the user's own QGIS profile.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import pytest

TESTS = Path(__file__).resolve().parent
sys.path[:0] = [str(TESTS.parent), str(TESTS)]

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QGIS_CUSTOM_CONFIG_PATH", tempfile.mkdtemp(prefix="qgis-test-"))
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="xdg-runtime-"))

from standin import StandIn  # noqa: E402


def wait_until(
    condition: Callable[[], object], timeout: float = 15.0, message: str = ""
) -> object:
    """Let Qt run until ``condition()`` is true; fail after ``timeout`` s."""
    from qgis.PyQt.QtCore import QCoreApplication, QEventLoop

    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(message or f"timed out after {timeout} s waiting")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.005)


def pump(seconds: float) -> None:
    """Let Qt run for ``seconds`` (timers fire, tasks finish)."""
    from qgis.PyQt.QtCore import QCoreApplication, QEventLoop

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.005)


@pytest.fixture
def standin():
    """A token-secured ArcGIS Server stand-in on 127.0.0.1, stopped after."""
    server = StandIn().start()
    yield server
    server.stop()


@pytest.fixture
def plugin(qgis_iface, qgis_new_project):
    """The plugin, loaded as QGIS loads it, unloaded after the test."""
    from qgis.core import QgsSettings

    import secure_ags_plugin

    QgsSettings().remove("secure_ags_plugin")
    qgis_iface.messageBar().clear_messages()
    instance = secure_ags_plugin.classFactory(qgis_iface)
    instance.initGui()
    yield instance
    instance.unload()
    from qgis.core import QgsProject

    QgsProject.instance().removeAllMapLayers()


def render(layers, extent=None, size=(200, 150)):
    """Draw ``layers`` as QGIS would (render threads and all) and return the image.

    Every call asks for a slightly different extent unless one is given, so
    QGIS's network cache cannot answer in the server's place.
    """
    from qgis.core import QgsMapRendererParallelJob, QgsMapSettings, QgsRectangle
    from qgis.PyQt.QtCore import QSize

    layers = layers if isinstance(layers, list) else [layers]
    render.calls = getattr(render, "calls", 0) + 1
    if extent is None:
        full = layers[0].extent()
        shrink = full.width() * 0.001 * render.calls
        extent = QgsRectangle(
            full.xMinimum() + shrink, full.yMinimum(), full.xMaximum(), full.yMaximum()
        )

    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(layers[0].crs())
    settings.setExtent(extent)
    settings.setOutputSize(QSize(*size))

    job = QgsMapRendererParallelJob(settings)
    done = []
    job.finished.connect(lambda: done.append(True))
    job.start()
    wait_until(lambda: done, timeout=30, message="the map did not finish drawing")
    return job.renderedImage()


def centre_colour(image) -> tuple[int, int, int]:
    colour = image.pixelColor(image.width() // 2, image.height() // 2)
    return (colour.red(), colour.green(), colour.blue())


def fill_dialog(plugin, server, **fields):
    """Open the dialog as a user would and type the fields into it."""
    plugin.action.trigger()
    dialog = plugin.dialog
    values = {
        "username": "user1",
        "password": "user1",
        "tokenUrl": server.token_url,
        "serviceUrl": server.service_url("Wildfire_secure_ac"),
    }
    values.update(fields)
    for name, value in values.items():
        getattr(dialog, name).setText(value)
    return dialog


def press_add(plugin, timeout: float = 20.0):
    """Press "Add Services" and wait until the plugin is done with it."""
    button = plugin.dialog.formSubmit
    button.click()
    wait_until(
        button.isEnabled, timeout=timeout, message="adding the service did not finish"
    )


def messages(iface, level_name: str) -> list[str]:
    from qgis.core import Qgis

    return iface.messageBar().get_messages(getattr(Qgis.MessageLevel, level_name))


def project_layers():
    from qgis.core import QgsProject

    return list(QgsProject.instance().mapLayers().values())
