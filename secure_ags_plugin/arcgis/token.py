"""Referer-bound ArcGIS Server tokens: asking for one, and knowing when it lapses.

A token is good until ``expires_at``, minus one safety margin so that a new
one is in place before the server starts refusing the old one. For short
tokens a fixed margin would eat the whole lifetime, so the margin is then a
share of the lifetime instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from .errors import ResponseError, ServerError, SignInFailed
from .urls import redact

if TYPE_CHECKING:
    from .http import HttpClient

# Renew this long before the server's expiry time...
REFRESH_MARGIN_SECONDS = 300.0
# ...or, for tokens shorter than four margins, this share of their lifetime.
SHORT_TOKEN_MARGIN_SHARE = 0.25

DEFAULT_EXPIRATION_MINUTES = 60


@dataclass(frozen=True)
class Credentials:
    """What generateToken needs. The password never leaves memory."""

    token_url: str
    username: str
    password: str = field(repr=False)
    referer: str
    expiration_minutes: int = DEFAULT_EXPIRATION_MINUTES


@dataclass(frozen=True)
class Token:
    """A token, when it was issued and when it lapses (epoch seconds)."""

    value: str = field(repr=False)
    issued_at: float
    expires_at: float
    referer: str

    @property
    def lifetime(self) -> float:
        return self.expires_at - self.issued_at

    @property
    def refresh_margin(self) -> float:
        return min(REFRESH_MARGIN_SECONDS, self.lifetime * SHORT_TOKEN_MARGIN_SHARE)

    @property
    def refresh_at(self) -> float:
        """When a new token should be asked for."""
        return self.expires_at - self.refresh_margin

    def needs_refresh(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) >= self.refresh_at

    def expired(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) >= self.expires_at


def token_request_form(credentials: Credentials) -> dict[str, str]:
    """The generateToken body: a referer-bound token, answered as JSON."""
    return {
        "username": credentials.username,
        "password": credentials.password,
        "client": "referer",
        "referer": credentials.referer,
        "expiration": str(int(credentials.expiration_minutes)),
        "f": "json",
    }


def generate_token(
    http: HttpClient,
    credentials: Credentials,
    *,
    clock: Callable[[], float] = time.time,
) -> Token:
    """POST the credentials to the token URL and return the token granted.

    Raises ``SignInFailed`` when the server refuses the credentials, and
    another ``ArcGISError`` for every other failure.
    """
    try:
        answer = http.post_form(
            credentials.token_url,
            token_request_form(credentials),
            headers={"Referer": credentials.referer},
        )
    except ServerError as exc:
        raise SignInFailed(
            exc.message, code=exc.code, details=exc.details, url=exc.url
        ) from exc

    return token_from_answer(
        answer,
        requested_minutes=credentials.expiration_minutes,
        referer=credentials.referer,
        issued_at=clock(),
        url=credentials.token_url,
    )


def token_from_answer(
    answer: dict[str, Any],
    *,
    requested_minutes: int,
    referer: str,
    issued_at: float,
    url: str = "",
) -> Token:
    """Read generateToken's answer: ``token``, and ``expires`` in epoch ms.

    The server may grant less than was asked, so its ``expires`` wins. It can
    never grant more, so a later time is taken as the two clocks disagreeing,
    and so is a time already past: then the requested lifetime is used.
    """
    value = answer.get("token")
    if not isinstance(value, str) or not value.strip():
        raise ResponseError(
            "The token service answered without a token.", url=redact(url)
        )

    requested_seconds = max(1, int(requested_minutes)) * 60.0
    lifetime = requested_seconds
    expires_ms = answer.get("expires")
    try:
        granted = float(expires_ms) / 1000.0 - issued_at
    except (TypeError, ValueError):
        granted = 0.0
    if 0.0 < granted <= requested_seconds:
        lifetime = granted

    return Token(
        value=value.strip(),
        issued_at=issued_at,
        expires_at=issued_at + lifetime,
        referer=referer,
    )
