"""Adding a secured MapServer: from the form's fields to a layer that draws.

The steps, none of which makes the main thread wait on the network:

1. Read the form (main thread, no network): empty fields, malformed URLs and
   plain HTTP are refused here, before anything is sent.
2. In a background task: generate a referer-bound token, then read the
   MapServer's description with it, so that a missing service, a 403 or a
   URL that is not a MapServer is reported as such.
3. Main thread: register the site, so the preprocessor starts adding the
   token and the Referer to QGIS's requests for it.
4. In a background task: build the QGIS layer. Its provider reads the service
   while being built, through the preprocessor, so this also runs off the
   main thread; the finished layer is handed over to the main thread.
5. Main thread: add the layer to the project.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from qgis.core import QgsApplication, QgsDataSourceUri, QgsProject, QgsRasterLayer
from qgis.PyQt.QtCore import QObject, pyqtSignal

from ..arcgis.errors import ArcGISError, InputError
from ..arcgis.service import MapServiceInfo, read_map_service
from ..arcgis.token import Credentials, Token, generate_token
from ..arcgis.urls import (
    MapServiceUrl,
    SiteRoot,
    parse_http_url,
    parse_map_service_url,
    require_secure_transport,
)
from .network import http_client, proxies_for
from .registry import ARCGIS_RASTER_PROVIDER, SiteRegistry, layers_of
from .site import SecuredSite
from .tasks import CallableTask, run_in_background

LOG = logging.getLogger(__name__)

IMAGE_FORMAT = "png32"


class LayerFailed(ArcGISError):
    """QGIS could not open the service as a layer, though the server answered."""


@dataclass(frozen=True)
class ServiceForm:
    """The dialog's fields, exactly as the user typed them."""

    username: str
    password: str = field(repr=False)
    token_url: str
    service_url: str
    referer: str
    allow_insecure_http: bool = False
    expiration_minutes: int = 60


@dataclass(frozen=True)
class ServiceRequest:
    """A form that has been checked: ready to be sent."""

    credentials: Credentials
    service: MapServiceUrl
    root: SiteRoot


def read_form(form: ServiceForm) -> ServiceRequest:
    """Check every field and say which one is wrong, before any request."""
    username = form.username.strip()
    if not username:
        raise InputError("Enter your user name.", field="username")
    if not form.password:
        raise InputError("Enter your password.", field="password")

    token_url = parse_http_url(form.token_url, field="tokenUrl", label="The token URL")
    service = parse_map_service_url(form.service_url)

    referer = form.referer.strip()
    if not referer or any(character.isspace() for character in referer):
        raise InputError(
            "Enter a referer without spaces (any URL identifying this QGIS).",
            field="referer",
        )

    require_secure_transport(
        token_url, allow_insecure=form.allow_insecure_http, label="The token URL"
    )
    require_secure_transport(
        service.url, allow_insecure=form.allow_insecure_http, label="The service URL"
    )

    credentials = Credentials(
        token_url=token_url,
        username=username,
        password=form.password,
        referer=referer,
        expiration_minutes=max(1, int(form.expiration_minutes)),
    )
    return ServiceRequest(credentials, service, SiteRoot.from_url(service.url))


def layer_source(info: MapServiceInfo) -> str:
    """The layer's data source: where the service is, and never a token."""
    uri = QgsDataSourceUri()
    uri.setParam("url", info.service.url)
    if info.crs:
        uri.setParam("crs", info.crs)
    uri.setParam("format", IMAGE_FORMAT)
    if info.service.sublayer is not None:
        uri.setParam("layer", str(info.service.sublayer))
    return uri.uri(False)


def build_layer(source: str, name: str) -> QgsRasterLayer:
    """Build the layer (reads the service), then hand it to the main thread."""
    layer = QgsRasterLayer(source, name, ARCGIS_RASTER_PROVIDER)
    layer.moveToThread(QgsApplication.instance().thread())
    return layer


class AddServiceJob(QObject):
    """One press of "Add Services", from the fields to the layer or an error."""

    succeeded = pyqtSignal(object)  # QgsRasterLayer, already in the project
    failed = pyqtSignal(object)  # ArcGISError

    def __init__(
        self, registry: SiteRegistry, form: ServiceForm, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._registry = registry
        self._form = form
        self._request: ServiceRequest | None = None
        self._task: CallableTask | None = None
        self._new_site = False
        self.finished = False

    def start(self) -> None:
        """Check the form, then go on in the background. Returns at once."""
        try:
            self._request = read_form(self._form)
        except ArcGISError as exc:
            self._fail(exc)
            return

        request = self._request
        proxies = proxies_for(request.credentials.token_url)
        LOG.info(
            "Signing in to %s as %s for %s",
            request.credentials.token_url,
            request.credentials.username,
            request.service.url,
        )

        def sign_in_and_read() -> tuple[Token, MapServiceInfo]:
            http = http_client(proxies)
            token = generate_token(http, request.credentials)
            return token, read_map_service(http, request.service, token)

        self._task = run_in_background(
            f"Signing in to {request.root.host}", sign_in_and_read, self._on_signed_in
        )

    def cancel(self) -> None:
        """Stop caring about the outcome: nothing is added, nothing reported."""
        self.finished = True
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def _on_signed_in(self, result, error: BaseException | None) -> None:
        self._task = None
        if self.finished:
            return
        if error is not None:
            self._fail(error)
            return

        token, info = result
        request = self._request
        site = self._registry.site(request.root)
        if site is None:
            site = SecuredSite(
                request.root,
                request.credentials,
                token,
                token_in_header=info.accepts_header_token,
            )
            self._registry.add(site)
            self._new_site = True
        else:
            site.token_in_header = info.accepts_header_token
            site.use_token(token, request.credentials)

        source = layer_source(info)
        name = info.service.title
        self._task = run_in_background(
            f"Opening {name}", lambda: build_layer(source, name), self._on_layer_built
        )

    def _on_layer_built(self, layer, error: BaseException | None) -> None:
        self._task = None
        if self.finished:
            return
        if error is None and not layer.isValid():
            error = LayerFailed(
                "QGIS could not open the service as a map layer.",
                details=[layer.error().summary()],
                url=self._request.service.url,
            )
        if error is not None:
            if self._new_site and not layers_of(self._request.root):
                self._registry.remove(self._request.root)
            self._fail(error)
            return

        QgsProject.instance().addMapLayer(layer)
        LOG.info("Added %s from %s", layer.name(), self._request.service.url)
        self.finished = True
        self.succeeded.emit(layer)

    def _fail(self, error: BaseException) -> None:
        self.finished = True
        self.failed.emit(error)
