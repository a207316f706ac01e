"""One exception family for everything that can go wrong talking to ArcGIS.

Every failure is turned into one of these as early as possible, with
``raise ... from`` so the cause is kept, and with the server's own message and
details where it gave them. The user-facing wording lives elsewhere (the
plugin's feedback module); these classes carry the facts.

    ArcGISError
    ├── InputError            the user's input cannot be used as it is
    ├── SiteNotSupported      not a token-secured stand-alone ArcGIS Server
    ├── TransportError        no usable answer came back
    │   ├── ConnectionFailed  refused, reset, unknown host, unreachable
    │   ├── RequestTimedOut   the server took too long
    │   └── CertificateError  the TLS certificate is not trusted
    ├── ResponseError         an answer came, but not one ArcGIS gives
    │                         (HTML page, invalid JSON, unexpected status)
    └── ServerError           ArcGIS said no, with a code and a message
        ├── SignInFailed      generateToken refused the credentials
        ├── TokenRejected     498 (invalid, expired, wrong referer) or 499
        ├── AccessDenied      403
        └── NotFound          404
"""

from __future__ import annotations

from collections.abc import Iterable


class ArcGISError(Exception):
    """The root of the family: a message, the server's details, and a URL.

    ``url`` is always stored without any token or password in it.
    """

    def __init__(
        self,
        message: str,
        *,
        details: Iterable[str] = (),
        url: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = tuple(str(item) for item in details if str(item).strip())
        self.url = url

    def __str__(self) -> str:
        if not self.details:
            return self.message
        return f"{self.message} ({'; '.join(self.details)})"


class InputError(ArcGISError):
    """A field is empty, a URL is malformed, or plain HTTP was not allowed."""

    def __init__(self, message: str, *, field: str = "", **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.field = field


class SiteNotSupported(ArcGISError):
    """The site does not use ArcGIS token security, or signs in via a portal."""

    def __init__(self, message: str, *, portal_url: str = "", **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.portal_url = portal_url


class TransportError(ArcGISError):
    """The request did not produce an answer to read."""


class ConnectionFailed(TransportError):
    """Refused, reset, unknown host or unreachable network."""


class RequestTimedOut(TransportError):
    """The server did not answer within the time allowed."""


class CertificateError(TransportError):
    """The server's TLS certificate could not be verified."""


class ResponseError(ArcGISError):
    """An answer came back, but it is not an ArcGIS answer.

    For example an HTML sign-in page from a web adaptor, a body that is not
    valid JSON, or an HTTP error status without an ArcGIS error in it.
    """

    def __init__(self, message: str, *, status: int = 0, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.status = status


class ServerError(ArcGISError):
    """ArcGIS answered with ``{"error": {...}}`` or an error status."""

    def __init__(self, message: str, *, code: int = 0, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.code = code


class SignInFailed(ServerError):
    """generateToken refused: wrong credentials, locked account, bad referer."""


class TokenRejected(ServerError):
    """The token is missing (499) or invalid, expired or revoked (498)."""


class AccessDenied(ServerError):
    """The signed-in user may not use this resource (403)."""


class NotFound(ServerError):
    """The service or resource does not exist (404)."""


class NotAMapService(ResponseError):
    """The URL answers, but with something other than a MapServer."""


TOKEN_ERROR_CODES = frozenset({498, 499})


def server_error_for(
    code: int, message: str, details: Iterable[str], url: str
) -> ServerError:
    """Return the most specific ServerError for an ArcGIS error code."""
    if code in TOKEN_ERROR_CODES:
        error_class: type[ServerError] = TokenRejected
    elif code == 403:
        error_class = AccessDenied
    elif code == 404:
        error_class = NotFound
    else:
        error_class = ServerError
    return error_class(message, code=code, details=details, url=url)
