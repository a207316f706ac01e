"""One log for the plugin, in the QGIS log panel under the plugin's tag.

Modules log through ``logging.getLogger(__name__)``. The handler installed
here forwards those records to ``QgsMessageLog``, after a filter has hidden
anything shaped like a token, a password or a bearer header, as a last line
of defence: the code itself never hands a secret to the logger.
"""

from __future__ import annotations

import logging
import re

from qgis.core import Qgis, QgsMessageLog

LOG_TAG = "Secure ArcGIS Server"
PACKAGE_LOGGER = __name__.rsplit(".", 2)[0]

_SECRET_PATTERNS = (
    re.compile(r"(?i)\b(token|password|passwd)=([^&\s\"']+)"),
    re.compile(r"(?i)\"(token|password)\"\s*:\s*\"[^\"]*\""),
    re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"),
)

_LEVELS = (
    (logging.ERROR, Qgis.MessageLevel.Critical),
    (logging.WARNING, Qgis.MessageLevel.Warning),
    (logging.INFO, Qgis.MessageLevel.Info),
)


def hide_secrets(text: str) -> str:
    """Replace the value of anything that looks like a token or password."""
    text = _SECRET_PATTERNS[0].sub(lambda m: f"{m.group(1)}=***", text)
    text = _SECRET_PATTERNS[1].sub(lambda m: f'"{m.group(1)}": "***"', text)
    return _SECRET_PATTERNS[2].sub(lambda m: f"{m.group(1)} ***", text)


class QgisLogHandler(logging.Handler):
    """Sends log records to the QGIS log panel, secrets hidden."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = hide_secrets(self.format(record))
        except Exception:
            text = f"{record.name}: unprintable log record"

        level = next(
            (qgis_level for floor, qgis_level in _LEVELS if record.levelno >= floor),
            Qgis.MessageLevel.Info,
        )
        QgsMessageLog.logMessage(text, LOG_TAG, level, notifyUser=False)


def install_log_handler() -> logging.Handler:
    """Attach the QGIS handler to the plugin's logger; return it for removal."""
    handler = QgisLogHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger(PACKAGE_LOGGER)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return handler


def remove_log_handler(handler: logging.Handler) -> None:
    logging.getLogger(PACKAGE_LOGGER).removeHandler(handler)
