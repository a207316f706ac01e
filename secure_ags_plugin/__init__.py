"""Secure ArcGIS Server: token-secured ArcGIS MapServer layers in QGIS."""


def classFactory(iface):  # noqa: N802 - the name QGIS looks for
    """Called by QGIS to create the plugin; imports stay light until then."""
    from .plugin import SecureAgsPlugin

    return SecureAgsPlugin(iface)
