"""A minimal QGIS interface for running the plugin outside the QGIS desktop.

The demo and the benchmarks use it: a real main window with a Web menu and
a Web toolbar, a real map canvas, and a message bar that also remembers
what it showed so it can be printed.
"""

from __future__ import annotations

from qgis.core import Qgis
from qgis.gui import QgsMapCanvas, QgsMessageBar
from qgis.PyQt.QtWidgets import QMainWindow, QMenu, QToolBar

LEVEL_NAMES = {
    Qgis.MessageLevel.Info: "Info",
    Qgis.MessageLevel.Warning: "Warning",
    Qgis.MessageLevel.Critical: "Critical",
    Qgis.MessageLevel.Success: "Success",
}


class RecordingMessageBar(QgsMessageBar):
    """A message bar that keeps (level, title, text) of every message."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.shown: list[tuple[str, str, str]] = []

    def pushMessage(
        self, title, text="", *args, level=Qgis.MessageLevel.Info, duration=-1, **kwargs
    ):
        self.shown.append((LEVEL_NAMES.get(level, str(level)), title, text))
        super().pushMessage(title, text, level, duration)


class HeadlessInterface:
    """The part of QgisInterface the plugin uses."""

    def __init__(self) -> None:
        self._window = QMainWindow()
        self._canvas = QgsMapCanvas(self._window)
        self._window.setCentralWidget(self._canvas)
        self._bar = RecordingMessageBar(self._window)
        self._web_menu = QMenu("&Web", self._window)
        self._window.menuBar().addMenu(self._web_menu)
        self._plugin_menus: dict[str, QMenu] = {}
        self._web_toolbar = QToolBar("Web Toolbar", self._window)
        self._window.addToolBar(self._web_toolbar)

    def mainWindow(self):
        return self._window

    def mapCanvas(self):
        return self._canvas

    def messageBar(self):
        return self._bar

    def webMenu(self):
        return self._web_menu

    def addPluginToWebMenu(self, name, action):
        menu = self._plugin_menus.get(name)
        if menu is None:
            menu = self._web_menu.addMenu(name)
            self._plugin_menus[name] = menu
        menu.addAction(action)

    def removePluginWebMenu(self, name, action):
        menu = self._plugin_menus.get(name)
        if menu is not None:
            menu.removeAction(action)

    def addWebToolBarIcon(self, action):
        self._web_toolbar.addAction(action)

    def removeWebToolBarIcon(self, action):
        self._web_toolbar.removeAction(action)
