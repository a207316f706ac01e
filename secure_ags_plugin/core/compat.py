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
