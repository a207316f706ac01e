"""Where in a project the plugin keeps its sites, and a cheap check for them.

Kept apart from ``project`` so that QGIS start-up can ask "does this project
have secured sites?" without loading the rest.
"""

from __future__ import annotations

PROJECT_SCOPE = "SecureArcGISServer"
SITES_KEY = "sites"


def project_has_sites(project) -> bool:
    text, found = project.readEntry(PROJECT_SCOPE, SITES_KEY, "")
    return bool(found and text and text != "[]")
