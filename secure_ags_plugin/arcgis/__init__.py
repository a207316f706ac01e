"""The ArcGIS Server protocol: tokens, URLs, service descriptions, errors.

Nothing in this package imports QGIS or Qt, so it can be tested and reused
without them.
"""
