"""Secure ArcGIS Server: token-secured ArcGIS MapServer layers in QGIS."""


def classFactory(iface):
    """Called by QGIS to create the plugin; imports stay light until then."""
    from .plugin import SecureAgsPlugin

    return SecureAgsPlugin(iface)
