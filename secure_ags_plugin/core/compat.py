"""What differs between the QGIS and Qt versions the plugin runs on.

Every version check lives here, behind a name that says what it gives, so
the rest of the code reads the same on QGIS 3.22 (Qt5) and QGIS 4 (Qt6).
"""

from __future__ import annotations

from qgis.PyQt.QtNetwork import QNetworkRequest


def user_request_attribute(offset: int):
    """A QNetworkRequest attribute code in the range Qt leaves to programs.

    Qt5 enums are integers; Qt6 enums are Python enums whose members stop at
    ``User``, so a code above it may have to be passed as a plain integer.
    """
    user = QNetworkRequest.Attribute.User
    code = int(getattr(user, "value", user)) + offset
    try:
        return QNetworkRequest.Attribute(code)
    except ValueError:
        return code


def error_summary(error) -> str:
    """The text of a QgsError, or '' for an empty one.

    QGIS 3.22 crashes in ``QgsError.summary()`` when the error holds no
    message, which is how a layer that failed without saying why looks.
    """
    if error is None or error.isEmpty():
        return ""
    return error.summary()
