"""Secured layers that survive the project: signing in again when it opens.

When QGIS reads a project, it reads the project's properties first and
builds the layers after, reporting ``layerLoaded(0, n)`` in between. That is
when the plugin signs in to each site the project remembers, so the layers'
providers find a token in place and the layers open as usual.

Reading a project is one long step on the main thread, as it is for every
remote layer QGIS opens; the sign-in there is a short blocking request too.
Everywhere else (the plugin enabled after the project opened, a prompt
cancelled and signed in later from the menu) the sign-in runs in the
background, and the site's layers are repaired afterwards.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Callable

from qgis.core import (
    QgsDataProvider,
    QgsDataSourceUri,
    QgsNetworkAccessManager,
)
from qgis.PyQt.QtCore import QObject, QUrl, pyqtSignal

from ..arcgis.errors import ArcGISError
from ..arcgis.token import Credentials, Token, generate_token
from .network import http_client, proxies_for
from .project import (
    SiteRecord,
    load_credentials,
    read_site_records,
    remember_record,
    store_credentials,
)
from .registry import SiteRegistry, layers_of
from .tasks import run_in_background

LOG = logging.getLogger(__name__)

# Asked when the project opens and the site's password is not remembered:
# returns (password, remember) or None when the user cancels.
PasswordPrompt = Callable[[SiteRecord], "tuple[str, bool] | None"]


def credentials_for(record: SiteRecord, username: str, password: str) -> Credentials:
    return Credentials(
        token_url=record.token_url,
        username=username,
        password=password,
        referer=record.referer,
        expiration_minutes=record.expiration_minutes,
    )


def auth_label(record: SiteRecord, username: str) -> str:
    return f"Secure ArcGIS Server: {username} at {record.root.host}"


def remembered_authcfg(record: SiteRecord) -> str:
    """The record's authentication configuration, as the project now has it."""
    for current in read_site_records():
        if current.root == record.root:
            return current.authcfg
    return record.authcfg


def forget_cached_descriptions(layer) -> None:
    """Drop the service and layer descriptions QGIS cached for ``layer``.

    QGIS keeps the refusal it got while no token was in place and would read
    it again on reopening; the descriptions must come from the server.
    """
    cache = QgsNetworkAccessManager.instance().cache()
    if cache is None:
        return
    source = QgsDataSourceUri(layer.source())
    url = source.param("url")
    layer_id = source.param("layer")
    for address in (url, f"{url}/{layer_id}" if layer_id else ""):
        if address:
            cache.remove(QUrl(f"{address}?f=json"))


class ProjectRestorer(QObject):
    """Signs in to a project's sites and repairs their layers."""

    signed_in = pyqtSignal(object)  # SiteRecord
    failed = pyqtSignal(object, object)  # SiteRecord, error

    def __init__(
        self,
        registry: SiteRegistry,
        prompt: PasswordPrompt,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._registry = registry
        self._prompt = prompt
        self._tasks: set = set()
        self.declined: list[SiteRecord] = []

    def uninstall(self) -> None:
        """Stop any sign-in still running; nothing is reported after this."""
        for task in list(self._tasks):
            task.cancel()
        self._tasks.clear()

    def pending(self) -> list[SiteRecord]:
        """The project's sites that have layers and are not signed in."""
        return [
            record
            for record in read_site_records()
            if self._needs_sign_in(record) and layers_of(record.root)
        ]

    # -- while the project is read ----------------------------------------------------

    def sign_in_before_layers(self) -> None:
        """Called between reading a project's properties and its layers."""
        # The layers are not built yet, so every remembered site counts.
        self.declined = []
        for record in read_site_records():
            if self._needs_sign_in(record):
                self._sign_in_now(record)

    def _sign_in_now(self, record: SiteRecord) -> None:
        """Sign in before the layers are built (blocking, like the layers)."""
        credentials = self._credentials(record)
        if credentials is None:
            self.declined.append(record)
            return
        try:
            token = generate_token(
                http_client(proxies_for(record.token_url)), credentials
            )
        except ArcGISError as exc:
            self.failed.emit(record, exc)
            return
        self._use(record, credentials, token)

    def repair_signed_in(self) -> None:
        """After a project is read: reopen the layers of signed-in sites."""
        for record in read_site_records():
            if not self._needs_sign_in(record):
                self.repair(record)

    # -- later: the plugin enabled on an open project, or a sign-in from the menu -----

    def restore_open_project(self) -> None:
        """Sign in, in the background, to every site the open project needs."""
        for record in self.pending():
            self.sign_in_later(record)

    def sign_in_later(self, record: SiteRecord) -> None:
        """Sign in to ``record``'s site in the background, then repair its layers."""
        credentials = self._credentials(record)
        if credentials is None:
            return
        proxies = proxies_for(record.token_url)
        task = None

        def work() -> Token:
            return generate_token(http_client(proxies), credentials)

        def done(token: Token | None, error: BaseException | None) -> None:
            self._tasks.discard(task)
            if error is not None:
                self.failed.emit(record, error)
                return
            self._use(record, credentials, token)
            self.repair(record)

        task = run_in_background(f"Signing in to {record.root.host}", work, done)
        self._tasks.add(task)

    def repair(self, record: SiteRecord) -> None:
        """Reopen the site's layers that opened without it, redraw the others.

        A layer that QGIS opened while the server refused it is either
        unavailable, or (when its data source names a CRS) valid but with an
        empty extent, drawing nothing. Both are reopened.
        """
        for layer in layers_of(record.root):
            if not layer.isValid() or layer.extent().isEmpty():
                forget_cached_descriptions(layer)
                LOG.info(
                    "Reopening %s now that %s is signed in", layer.name(), record.root
                )
                layer.setDataSource(
                    layer.source(),
                    layer.name(),
                    layer.providerType(),
                    QgsDataProvider.ProviderOptions(),
                )
            layer.triggerRepaint()

    # -- shared -----------------------------------------------------------------------

    def _needs_sign_in(self, record: SiteRecord) -> bool:
        site = self._registry.site(record.root)
        return site is None or site.token is None or site.needs_sign_in

    def _credentials(self, record: SiteRecord) -> Credentials | None:
        remembered = load_credentials(record.authcfg)
        if remembered is not None:
            return credentials_for(record, *remembered)

        answer = self._prompt(record)
        if answer is None:
            LOG.info(
                "Sign-in to %s cancelled; its layers stay unavailable", record.root
            )
            return None
        password, remember = answer
        if remember:
            authcfg = store_credentials(
                record.username,
                password,
                label=auth_label(record, record.username),
                authcfg=record.authcfg,
            )
            if authcfg and authcfg != record.authcfg:
                remember_record(replace(record, authcfg=authcfg))
        return credentials_for(record, record.username, password)

    def _use(self, record: SiteRecord, credentials: Credentials, token: Token) -> None:
        site = self._registry.use_token(
            record.root, credentials, token, record.server_version
        )
        site.authcfg = remembered_authcfg(record)
        LOG.info("Signed in to %s for the project", record.root)
        self.signed_in.emit(record)
