"""`make demo`: sign in to a local ArcGIS Server stand-in and add its secured map.

Starts the stand-in on 127.0.0.1 with a secured sample service (user
``user1``, password ``user1``). With a display and the QGIS desktop
installed, opens QGIS in a throwaway profile with the plugin enabled and its
dialog filled in; press "Add Services". Without a display, runs the same
flow headless: the real dialog, first with a wrong password and then with
the right one, the real layer, a PNG of the drawn map, and the messages a
user would have seen.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
sys.path[:0] = [str(ROOT), str(TESTS)]

from standin import StandIn  # noqa: E402

OUTPUT = ROOT / "build" / "demo"
SERVICE = "Wildfire_secure_ac"


def main() -> int:
    with StandIn() as server:
        print(f"ArcGIS Server stand-in: {server.url}")
        print(f"  token URL:   {server.token_url}")
        print(f"  service URL: {server.service_url(SERVICE)}")
        print("  user: user1, password: user1\n")

        if os.environ.get("DISPLAY") and shutil.which("qgis"):
            return run_desktop(server)
        return run_headless(server)


# -- without a display ---------------------------------------------------------------


def run_headless(server: StandIn) -> int:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ.setdefault(
        "QGIS_CUSTOM_CONFIG_PATH", tempfile.mkdtemp(prefix="qgis-demo-")
    )
    from qgis.core import QgsApplication
    from qgis.PyQt.QtCore import QCoreApplication

    app = QgsApplication([], True)
    app.initQgis()

    import secure_ags_plugin
    from headless_iface import HeadlessInterface

    iface = HeadlessInterface()
    plugin = secure_ags_plugin.classFactory(iface)
    plugin.initGui()

    print("Web menu → Secure ArcGIS Server → Add Secured ArcGIS Service…")
    plugin.action.trigger()
    dialog = plugin.dialog
    dialog.username.setText("user1")
    dialog.tokenUrl.setText(server.token_url)
    dialog.serviceUrl.setText(server.service_url(SERVICE))

    for password in ("not-the-password", "user1"):
        dialog.password.setText(password)
        print(f"Pressing 'Add Services' with password {password!r}")
        press(dialog)

    print("\nMessages shown in the message bar:")
    for level, title, text in iface.messageBar().shown:
        print(f"  [{level}] {title}: {text}")

    from qgis.core import QgsProject

    layers = QgsProject.instance().mapLayersByName(SERVICE)
    if not layers:
        print("\nNo layer was added.")
        return 1

    picture = draw(layers[0], OUTPUT / "secured-map.png")
    exports = server.requests_to("/export")
    print(f"\nLayer '{layers[0].name()}' drawn to {picture}")
    signed = all(r.token_used and r.headers.get("referer") for r in exports)
    print(
        f"The stand-in served {len(exports)} map image(s), each with the token "
        f"and Referer: {signed}"
    )

    plugin.unload()
    QgsProject.instance().removeAllMapLayers()
    iface.mainWindow().deleteLater()
    del plugin, iface, dialog
    QCoreApplication.processEvents()
    app.exitQgis()
    return 0


def press(dialog) -> None:
    from qgis.PyQt.QtCore import QCoreApplication, QEventLoop

    dialog.formSubmit.click()
    deadline = time.monotonic() + 30
    while not dialog.formSubmit.isEnabled() and time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def draw(layer, path: Path) -> Path:
    from qgis.core import QgsMapRendererParallelJob, QgsMapSettings
    from qgis.PyQt.QtCore import QCoreApplication, QSize
    from qgis.PyQt.QtGui import QColor

    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(layer.crs())
    settings.setExtent(layer.extent())
    settings.setOutputSize(QSize(800, 500))
    settings.setBackgroundColor(QColor("white"))

    job = QgsMapRendererParallelJob(settings)
    done = []
    job.finished.connect(lambda: done.append(True))
    job.start()
    while not done:
        QCoreApplication.processEvents()

    path.parent.mkdir(parents=True, exist_ok=True)
    job.renderedImage().save(str(path))
    return path


# -- with a display ------------------------------------------------------------------

_FILL_DIALOG = """
from qgis.utils import plugins
plugin = plugins["secure_ags_plugin"]
plugin.action.trigger()
dialog = plugin.dialog
dialog.username.setText("user1")
dialog.password.setText("user1")
dialog.tokenUrl.setText({token_url!r})
dialog.serviceUrl.setText({service_url!r})
"""


def run_desktop(server: StandIn) -> int:
    profiles = Path(tempfile.mkdtemp(prefix="qgis-demo-profiles-"))
    profile = profiles / "profiles" / "demo"
    plugins = profile / "python" / "plugins"
    plugins.mkdir(parents=True)
    shutil.copytree(ROOT / "secure_ags_plugin", plugins / "secure_ags_plugin")
    settings = profile / "QGIS" / "QGIS3.ini"
    settings.parent.mkdir(parents=True)
    settings.write_text("[PythonPlugins]\nsecure_ags_plugin=true\n", encoding="utf-8")

    script = profiles / "fill_dialog.py"
    script.write_text(
        _FILL_DIALOG.format(
            token_url=server.token_url, service_url=server.service_url(SERVICE)
        ),
        encoding="utf-8",
    )

    print("Opening QGIS with the plugin in a throwaway profile; press 'Add Services'.")
    print("The stand-in stops when QGIS closes.")
    completed = subprocess.run(
        [
            "qgis",
            "--profiles-path",
            str(profiles),
            "--profile",
            "demo",
            "--nologo",
            "--code",
            str(script),
        ],
        check=False,
    )
    shutil.rmtree(profiles, ignore_errors=True)
    return completed.returncode


if __name__ == "__main__":
    sys.exit(main())
