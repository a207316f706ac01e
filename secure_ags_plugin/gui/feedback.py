"""The one place where outcomes become what the user sees.

Every failure ends here as an exception; this module picks the message bar
level, the title, the words and how long the message stays, and writes the
full story to the QGIS log panel under the plugin's tag. Nothing secret is
in either: exceptions carry URLs with tokens removed, and the log filter
hides anything that still looks like one.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from qgis.core import Qgis

from ..arcgis import errors
from ..core.add_service import LayerFailed
from .text import tr

LOG = logging.getLogger(__name__)

SUCCESS_SECONDS = 5
WARNING_SECONDS = 10
# Failures stay until the user closes them: they carry things to act on.
FAILURE_SECONDS = 0


def describe(error: BaseException) -> tuple[str, str]:
    """A title and a sentence or two for ``error``: what failed, and why."""
    if isinstance(error, errors.InputError):
        return tr("Check the form"), error.message
    if isinstance(error, errors.SignInFailed):
        return tr("Sign-in failed"), _with_details(error)
    if isinstance(error, errors.CertificateError):
        return tr("Certificate not trusted"), _with_details(
            error,
            tr(
                "The connection was not made, to keep your password safe. If this "
                "server uses a private certificate authority, add it under "
                "Settings → Options → Authentication → Certificate Manager "
                "and to the system's trusted certificates."
            ),
        )
    if isinstance(error, errors.RequestTimedOut):
        return tr("Server too slow"), _with_details(error)
    if isinstance(error, errors.ConnectionFailed):
        return tr("Cannot reach the server"), _with_details(error)
    if isinstance(error, errors.TokenRejected):
        return tr("Token rejected"), _with_details(error)
    if isinstance(error, errors.AccessDenied):
        return tr("Access denied"), _with_details(
            error, tr("Your account may not use this service.")
        )
    if isinstance(error, errors.NotFound):
        return tr("Service not found"), _with_details(error)
    if isinstance(error, errors.NotAMapService):
        return tr("Unsupported service"), _with_details(error)
    if isinstance(error, errors.SiteNotSupported):
        return tr("Site not supported"), _with_details(error)
    if isinstance(error, LayerFailed):
        return tr("Layer could not be opened"), _with_details(error)
    if isinstance(error, errors.ResponseError):
        return tr("Unexpected answer"), _with_details(error)
    if isinstance(error, errors.ArcGISError):
        return tr("ArcGIS Server error"), _with_details(error)
    return tr("Unexpected error"), tr(
        "Something went wrong inside the plugin; the QGIS log panel "
        "(Secure ArcGIS Server tab) has the details."
    )


def _with_details(error: errors.ArcGISError, advice: str = "") -> str:
    parts = [error.message]
    if error.details:
        parts.append(" ".join(_sentence(detail) for detail in error.details))
    if error.url:
        parts.append(tr("Server: {host}.").format(host=_host(error.url)))
    if advice:
        parts.append(advice)
    return " ".join(parts)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _host(url: str) -> str:
    try:
        parts = urlsplit(url)
        return parts.netloc.rsplit("@", 1)[-1] or url
    except ValueError:
        return url


class Feedback:
    """Pushes messages to a QGIS message bar and logs the full story."""

    def __init__(self, message_bar) -> None:
        self._bar = message_bar

    def success(self, title: str, text: str) -> None:
        LOG.info("%s: %s", title, text)
        self._bar.pushMessage(
            title, text, level=Qgis.MessageLevel.Success, duration=SUCCESS_SECONDS
        )

    def failure(self, error: BaseException, *, context: str = "") -> None:
        """Report a failure (Critical) in words; the log gets the cause too."""
        self._report(error, Qgis.MessageLevel.Critical, FAILURE_SECONDS, context)

    def degraded(self, error: BaseException, *, context: str = "") -> None:
        """Report something that works less well than it should (Warning)."""
        self._report(error, Qgis.MessageLevel.Warning, WARNING_SECONDS, context)

    def warning(self, title: str, text: str) -> None:
        LOG.warning("%s: %s", title, text)
        self._bar.pushMessage(
            title, text, level=Qgis.MessageLevel.Warning, duration=WARNING_SECONDS
        )

    def _report(self, error: BaseException, level, duration: int, context: str) -> None:
        title, text = describe(error)
        if context:
            title = f"{context}: {title}"

        if isinstance(error, errors.ArcGISError):
            LOG.log(
                logging.ERROR
                if level == Qgis.MessageLevel.Critical
                else logging.WARNING,
                "%s — %s [%s at %s]",
                title,
                text,
                type(error).__name__,
                error.url or "no URL",
            )
        else:
            LOG.error("%s", title, exc_info=error)

        self._bar.pushMessage(title, text, level=level, duration=duration)
