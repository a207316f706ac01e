"""The plugin's settings: remembered form fields, never a secret.

Stored with QgsSettings under ``secure_ags_plugin/``. The password and the
token are deliberately absent: they live in memory for one QGIS session.
"""

from __future__ import annotations

from dataclasses import dataclass

from qgis.core import QgsSettings

from ..arcgis.token import DEFAULT_EXPIRATION_MINUTES

SETTINGS_GROUP = "secure_ags_plugin"

# The Referer sent with a token's requests, unless the user sets another.
DEFAULT_REFERER = "https://qgis.org"


@dataclass
class RememberedFields:
    """What the dialog is pre-filled with."""

    username: str = ""
    token_url: str = ""
    service_url: str = ""
    referer: str = DEFAULT_REFERER
    allow_insecure_http: bool = False
    expiration_minutes: int = DEFAULT_EXPIRATION_MINUTES
    image_format: str = "png32"


def _key(name: str) -> str:
    return f"{SETTINGS_GROUP}/{name}"


def load_fields() -> RememberedFields:
    settings = QgsSettings()
    defaults = RememberedFields()
    try:
        expiration = int(
            settings.value(_key("expiration_minutes"), defaults.expiration_minutes)
        )
    except (TypeError, ValueError):
        expiration = defaults.expiration_minutes
    return RememberedFields(
        username=str(settings.value(_key("username"), "") or ""),
        token_url=str(settings.value(_key("token_url"), "") or ""),
        service_url=str(settings.value(_key("service_url"), "") or ""),
        referer=str(settings.value(_key("referer"), "") or "") or DEFAULT_REFERER,
        allow_insecure_http=str(
            settings.value(_key("allow_insecure_http"), "false")
        ).lower()
        in ("true", "1"),
        expiration_minutes=max(1, expiration),
        image_format=str(settings.value(_key("image_format"), defaults.image_format)),
    )


def save_fields(fields: RememberedFields) -> None:
    settings = QgsSettings()
    settings.setValue(_key("username"), fields.username)
    settings.setValue(_key("token_url"), fields.token_url)
    settings.setValue(_key("service_url"), fields.service_url)
    settings.setValue(_key("referer"), fields.referer)
    settings.setValue(_key("allow_insecure_http"), fields.allow_insecure_http)
    settings.setValue(_key("expiration_minutes"), fields.expiration_minutes)
    settings.setValue(_key("image_format"), fields.image_format)
