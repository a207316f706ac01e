"""Translation of user-facing text, kept apart so importing it costs nothing."""

from qgis.PyQt.QtCore import QCoreApplication

TRANSLATION_CONTEXT = "SecureArcGISServer"


def tr(text: str) -> str:
    """The user's language for ``text``, where a translation is installed."""
    return QCoreApplication.translate(TRANSLATION_CONTEXT, text)
