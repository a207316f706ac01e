"""The QGIS side: tasks, the request preprocessor, tokens kept fresh, layers.

Modules here use qgis.core and Qt's core and network classes, never widgets,
so they run the same in a headless QGIS as on the desktop.
"""
