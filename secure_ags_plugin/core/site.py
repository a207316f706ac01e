"""One signed-in ArcGIS Server site: its credentials, its token, its renewal.

The token is renewed ahead of its expiry by a timer, and again when the
server rejects it. A rejection counts only when the rejected request carried
the current token (requests are stamped with the token's generation), so a
burst of failures caused by one revoked token leads to one renewal. After a
renewal caused by a rejection, the new token must be seen working before a
further rejection may renew again: a server that refuses every token is told
to the user once instead of being asked for tokens in a loop.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from qgis.PyQt.QtCore import QObject, QTimer, pyqtSignal

from ..arcgis.errors import ArcGISError, TransportError
from ..arcgis.token import Credentials, Token, generate_token
from ..arcgis.urls import SiteRoot
from .network import http_client, proxies_for
from .tasks import CallableTask, run_in_background

LOG = logging.getLogger(__name__)

# A renewal that failed for a passing reason (network, timeout) is tried
# again after this long, at most this many times in a row.
RETRY_DELAY_SECONDS = 60.0
MAX_RENEWAL_ATTEMPTS = 5

# QTimer takes a signed 32-bit number of milliseconds.
LONGEST_TIMER_MS = 2**31 - 1


@dataclass(frozen=True)
class RequestAuth:
    """What the preprocessor adds to a request, ready to use as it is.

    Built once per token, so that the preprocessor, which runs for every
    request QGIS makes and on any thread, only copies values across.
    """

    referer: bytes
    generation: int
    header_value: bytes | None = None
    query_token: str | None = None


class SecuredSite(QObject):
    """A site's token, kept fresh for as long as the plugin is loaded.

    Lives on the main thread. The preprocessor reads ``request_auth`` from
    other threads: it is replaced whole, never changed in place.
    """

    renewed = pyqtSignal()
    # The error, and whether renewal has stopped until the user signs in.
    renewal_failed = pyqtSignal(object, bool)
    still_rejected = pyqtSignal()

    def __init__(
        self,
        root: SiteRoot,
        credentials: Credentials,
        token: Token,
        *,
        token_in_header: bool,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.root = root
        self.credentials = credentials
        self.token_in_header = token_in_header
        self.token: Token | None = None
        self.request_auth: RequestAuth | None = None
        self.needs_sign_in = False
        # Not secret; what the project stores to sign in again.
        self.server_version = 0.0
        self.authcfg = ""

        self._generation = 0
        self._renewal: CallableTask | None = None
        self._failed_attempts = 0
        self._awaiting_proof = False
        self._warned_still_rejected = False

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer)

        self.use_token(token)

    @property
    def renewing(self) -> bool:
        return self._renewal is not None

    def use_token(self, token: Token, credentials: Credentials | None = None) -> None:
        """Start using ``token`` (and new credentials, after a new sign-in)."""
        if credentials is not None:
            self.credentials = credentials
        self.token = token
        self.needs_sign_in = False
        self._failed_attempts = 0
        self._generation += 1

        referer = token.referer.encode("utf-8")
        if self.token_in_header:
            auth = RequestAuth(
                referer, self._generation, header_value=f"Bearer {token.value}".encode()
            )
        else:
            auth = RequestAuth(referer, self._generation, query_token=token.value)
        self.request_auth = auth

        self._schedule(token.refresh_at - time.time())
        LOG.info(
            "%s: token in use, renewal in %.0f s (expires in %.0f s)",
            self.root,
            max(0.0, token.refresh_at - time.time()),
            token.expires_at - time.time(),
        )

    def renew(self, reason: str) -> None:
        """Ask for a new token, unless one is already on its way."""
        if self._renewal is not None or self.needs_sign_in:
            return

        LOG.info("%s: renewing the token (%s)", self.root, reason)
        credentials = self.credentials
        proxies = proxies_for(credentials.token_url)

        def work() -> Token:
            return generate_token(http_client(proxies), credentials)

        self._renewal = run_in_background(
            f"Renewing the ArcGIS token for {self.root.host}", work, self._on_renewed
        )

    def token_rejected(self, generation: int) -> None:
        """A request that carried token ``generation`` was refused by the server."""
        if generation != self._generation or self._renewal is not None:
            return

        if self._awaiting_proof:
            if not self._warned_still_rejected:
                self._warned_still_rejected = True
                LOG.warning("%s: the server refuses the renewed token too", self.root)
                self.still_rejected.emit()
            return

        self._awaiting_proof = True
        self.renew("the server rejected the token")

    def token_accepted(self, generation: int) -> None:
        """A request with token ``generation`` got a real answer."""
        if generation == self._generation:
            self._awaiting_proof = False
            self._warned_still_rejected = False

    def stop(self) -> None:
        """Stop renewing and stop adding the token to requests."""
        self._timer.stop()
        self.request_auth = None
        if self._renewal is not None:
            self._renewal.cancel()
            self._renewal = None

    def _schedule(self, seconds: float) -> None:
        milliseconds = int(max(0.0, seconds) * 1000)
        self._timer.start(min(milliseconds, LONGEST_TIMER_MS))

    def _on_timer(self) -> None:
        if self.token is not None and not self.token.needs_refresh():
            self._schedule(self.token.refresh_at - time.time())
            return
        self.renew("the token is about to expire")

    def _on_renewed(self, token: Token | None, error: BaseException | None) -> None:
        self._renewal = None

        if error is None and token is not None:
            self.use_token(token)
            self.renewed.emit()
            return

        if not isinstance(error, ArcGISError):
            error = ArcGISError(f"Unexpected failure: {error!r}")

        self._failed_attempts += 1
        passing = isinstance(error, TransportError)
        if passing and self._failed_attempts < MAX_RENEWAL_ATTEMPTS:
            margin = self.token.refresh_margin if self.token else RETRY_DELAY_SECONDS
            delay = min(RETRY_DELAY_SECONDS, max(5.0, margin / MAX_RENEWAL_ATTEMPTS))
            LOG.warning(
                "%s: renewal failed (%s); trying again in %.0f s",
                self.root,
                error,
                delay,
            )
            self._schedule(delay)
            if self._failed_attempts == 1:
                self.renewal_failed.emit(error, False)
            return

        self.needs_sign_in = True
        self._timer.stop()
        LOG.error(
            "%s: renewal stopped until the user signs in again: %s", self.root, error
        )
        self.renewal_failed.emit(error, True)
