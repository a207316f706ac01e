"""The plugin's own HTTP calls to ArcGIS, and how their answers are read.

Built on ``requests``. Every way a call can fail ends as an ``ArcGISError``
(see ``errors``). Redirects are not followed: a redirected token request
would turn into a GET that loses its body, and a redirect to another host
would take the token with it; the user is told where the server points.
"""

from __future__ import annotations

import json
import logging
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from .errors import (
    TOKEN_ERROR_CODES,
    ArcGISError,
    CertificateError,
    ConnectionFailed,
    RequestTimedOut,
    ResponseError,
    TokenRejected,
    server_error_for,
)
from .urls import redact

LOG = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 10.0
READ_TIMEOUT_SECONDS = 30.0

# No ArcGIS answer the plugin reads comes near this; a larger body is not one.
MAX_ANSWER_BYTES = 16 * 1024 * 1024

_HTML_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


@dataclass
class HttpClient:
    """Sends form POSTs to ArcGIS and returns the JSON answer as a dict.

    ``proxies`` follow requests' format; the QGIS side fills them from the
    QGIS proxy settings. ``verify`` stays True in the plugin: certificates
    are always checked.
    """

    proxies: Mapping[str, str] = field(default_factory=dict)
    verify: bool | str = True
    timeout: tuple[float, float] = field(
        default_factory=lambda: (CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS)
    )
    user_agent: str = "QGIS Secure ArcGIS Server plugin"

    def post_form(
        self,
        url: str,
        form: Mapping[str, Any],
        *,
        headers: Mapping[str, str] | None = None,
    ) -> dict:
        """POST ``form`` (credentials and tokens stay out of the URL)."""
        all_headers = {"User-Agent": self.user_agent, **(headers or {})}

        try:
            with requests.post(
                url,
                data=dict(form),
                headers=all_headers,
                timeout=self.timeout,
                verify=self.verify,
                proxies=dict(self.proxies),
                allow_redirects=False,
                stream=True,
            ) as response:
                body = _read_limited(response, url)
                status = response.status_code
                location = response.headers.get("Location", "")
                challenge = response.headers.get("WWW-Authenticate", "")
        except ArcGISError:
            raise
        except requests.RequestException as exc:
            raise transport_error(exc, url) from exc

        LOG.info("POST %s answered HTTP %s", redact(url), status)

        if 300 <= status < 400:
            raise ResponseError(
                "The server redirected the request instead of answering it.",
                details=[f"It points to {redact(location)}"] if location else [],
                status=status,
                url=redact(url),
            )

        if status == 401 and challenge:
            raise ResponseError(
                "The web server in front of ArcGIS asks for its own sign-in "
                "(web-tier authentication), which this plugin does not do.",
                details=[f"It asks for: {challenge.split()[0]}"],
                status=status,
                url=redact(url),
            )

        return parse_json_answer(status, body, url)


def _read_limited(response: requests.Response, url: str) -> bytes:
    """Read the body, refusing one that is larger than any ArcGIS answer."""
    chunks = []
    size = 0
    for chunk in response.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise ResponseError(
                "The server's answer is far larger than an ArcGIS answer.",
                details=[f"More than {MAX_ANSWER_BYTES // (1024 * 1024)} MiB"],
                status=response.status_code,
                url=redact(url),
            )
        chunks.append(chunk)

    # Older urllib3 hands over a body cut short without complaint.
    declared = response.headers.get("Content-Length", "")
    encoded = response.headers.get("Content-Encoding", "identity") != "identity"
    if declared.isdigit() and not encoded and size < int(declared):
        raise ConnectionFailed(
            "The connection broke before the whole answer arrived.",
            details=[f"{size} of {declared} bytes"],
            url=redact(url),
        )
    return b"".join(chunks)


def transport_error(exc: requests.RequestException, url: str) -> ArcGISError:
    """Name what went wrong on the way to the server, in words."""
    safe_url = redact(url)

    if isinstance(exc, requests.exceptions.SSLError):
        return CertificateError(
            "The server's security certificate is not trusted.",
            details=[_innermost_reason(exc)],
            url=safe_url,
        )

    if isinstance(
        exc,
        (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ),
    ):
        return ConnectionFailed(
            "The connection broke before the whole answer arrived.",
            details=[_innermost_reason(exc)],
            url=safe_url,
        )

    if isinstance(exc, requests.exceptions.Timeout):
        return RequestTimedOut("The server did not answer in time.", url=safe_url)

    if isinstance(exc, requests.exceptions.ConnectionError):
        cause = _innermost(exc)
        if isinstance(cause, socket.gaierror) or "resolve" in str(exc).lower():
            message = "The server name could not be found."
        elif isinstance(cause, ConnectionRefusedError) or "refused" in str(exc):
            message = "The server refused the connection (nothing is listening)."
        else:
            message = "The connection to the server failed."
        return ConnectionFailed(message, details=[_innermost_reason(exc)], url=safe_url)

    return ResponseError(
        "The request could not be sent.", details=[type(exc).__name__], url=safe_url
    )


def _innermost(exc: BaseException) -> BaseException:
    """Follow ``__cause__``/``__context__`` and exception args to the root."""
    seen = set()
    current: BaseException = exc
    while id(current) not in seen:
        seen.add(id(current))
        nested = current.__cause__ or current.__context__
        if nested is None:
            nested = next(
                (arg for arg in current.args if isinstance(arg, BaseException)), None
            )
        if nested is None:
            nested = getattr(current, "reason", None)
            if not isinstance(nested, BaseException):
                nested = None
        if nested is None:
            break
        current = nested
    return current


def _innermost_reason(exc: BaseException) -> str:
    reason = str(_innermost(exc)) or type(_innermost(exc)).__name__
    return reason if len(reason) <= 300 else reason[:297] + "..."


def parse_json_answer(status: int, body: bytes, url: str) -> dict:
    """Turn an HTTP answer into ArcGIS's JSON object, or raise.

    ArcGIS reports most errors with HTTP 200 and ``{"error": {...}}``; some
    deployments use the real status instead. Both end as the same exception.
    """
    safe_url = redact(url)
    text = body.lstrip()

    if text[:1] == b"<":
        raise ResponseError(
            "The server answered with a web page, not ArcGIS data. "
            "Check the URL; a sign-in page here means a web adaptor or proxy "
            "asks for its own login.",
            details=[_html_title(body)],
            status=status,
            url=safe_url,
        )

    try:
        answer = json.loads(text.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        if status in TOKEN_ERROR_CODES:
            raise TokenRejected(
                "The server rejected the token.", code=status, url=safe_url
            ) from exc
        raise ResponseError(
            "The server's answer is not valid JSON.",
            details=[f"HTTP {status}, {len(body)} bytes"],
            status=status,
            url=safe_url,
        ) from exc

    if not isinstance(answer, dict):
        raise ResponseError(
            "The server's answer is not an ArcGIS JSON object.",
            status=status,
            url=safe_url,
        )

    if "error" in answer:
        raise error_from_json(answer["error"], status, safe_url)

    if status >= 400:
        raise ResponseError(
            f"The server answered with HTTP error {status}.",
            status=status,
            url=safe_url,
        )

    return answer


def error_from_json(error: Any, status: int, safe_url: str) -> ArcGISError:
    """Build the exception for an ArcGIS ``error`` object of any shape."""
    if not isinstance(error, dict):
        error = {"message": str(error)}

    code = _as_int(error.get("code"), default=status if status >= 400 else 0)
    message = str(error.get("message") or f"The server reported error {code}.")
    return server_error_for(code, message, _details(error.get("details")), safe_url)


def _as_int(value: Any, *, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _details(value: Any) -> list[str]:
    """ArcGIS sends details as a list, a string, or (rarely) an object."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [f"{key}: {item}" for key, item in value.items()]
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return [str(value)]


def _html_title(body: bytes) -> str:
    match = _HTML_TITLE.search(body[:65536])
    if not match:
        return "The page has no title."
    title = " ".join(match.group(1).decode("utf-8", "replace").split())
    return f"Page title: {title[:120]}"
