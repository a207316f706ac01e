"""Signing in and adding secured services: from the form's fields to layers.

None of the steps makes the main thread wait on the network:

1. Read the form (main thread, no network): empty fields, malformed URLs and
   plain HTTP are refused before anything is sent. The server or service URL
   may point anywhere inside a site (see ``arcgis.catalog.locate``).
2. In a background task: find the token URL in ``rest/info`` when none was
   given, generate a referer-bound token, then read what the URL points at
   with it: a folder listing, or the service's description, so that a missing
   service, a 403 or a URL that is not a service is reported as such.
3. Main thread: register the site, so the preprocessor starts adding the
   token and the Referer to QGIS's requests for it.
4. For a folder or site: hand the listing to the dialog's tree. For a
   service: build its layers in a background task (their providers read the
   service while being built, through the preprocessor), then add them to
   the project on the main thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any

from qgis.core import (
    QgsApplication,
    QgsDataSourceUri,
    QgsMapLayer,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QObject, pyqtSignal

from ..arcgis.catalog import (
    FOLDER,
    LAYER,
    SITE,
    FolderListing,
    Location,
    discover_token_url,
    locate,
    parse_layers,
    read_folder,
)
from ..arcgis.errors import ArcGISError, InputError, NotAMapService
from ..arcgis.service import (
    check_feature_layer_answer,
    check_service_answer,
    crs_from_reference,
    current_version,
    read_service,
)
from ..arcgis.token import Credentials, Token, generate_token
from ..arcgis.urls import SiteRoot, parse_http_url, require_secure_transport
from .compat import error_summary
from .network import http_client, proxies_for
from .project import store_credentials
from .registry import (
    ARCGIS_RASTER_PROVIDER,
    ARCGIS_VECTOR_PROVIDER,
    SiteRegistry,
    layers_of,
)
from .tasks import CallableTask, run_in_background

LOG = logging.getLogger(__name__)

IMAGE_FORMATS = ("png32", "png24", "png", "jpg")
DEFAULT_IMAGE_FORMAT = "png32"


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
    image_format: str = DEFAULT_IMAGE_FORMAT
    sublayers_as_vector: bool = False
    remember_credentials: bool = False


@dataclass(frozen=True)
class ServiceRequest:
    """A form that has been checked: ready to be sent."""

    credentials: Credentials
    location: Location

    @property
    def root(self) -> SiteRoot:
        return self.location.root


@dataclass(frozen=True)
class LayerChoice:
    """One thing to add: a whole service, or some of its layers.

    ``layer_ids`` empty means the whole service. MapServer layers become map
    images unless ``as_vector``; FeatureServer layers are always features.
    """

    root: SiteRoot
    service: str
    service_type: str
    layer_ids: tuple[int, ...] = ()
    as_vector: bool = False
    image_format: str = DEFAULT_IMAGE_FORMAT

    @property
    def url(self) -> str:
        return f"{self.root.url}/rest/services/{self.service}/{self.service_type}"

    @property
    def title(self) -> str:
        return self.service.rsplit("/", 1)[-1]


def read_form(form: ServiceForm) -> ServiceRequest:
    """Check every field and say which one is wrong, before any request."""
    username = form.username.strip()
    if not username:
        raise InputError("Enter your user name.", field="username")
    if not form.password:
        raise InputError("Enter your password.", field="password")

    location = locate(form.service_url)
    token_url = ""
    if form.token_url.strip():
        token_url = parse_http_url(
            form.token_url, field="tokenUrl", label="The token URL"
        )

    referer = form.referer.strip()
    if not referer or any(character.isspace() for character in referer):
        raise InputError(
            "Enter a referer without spaces (any URL identifying this QGIS).",
            field="referer",
        )

    for url, label in ((token_url, "The token URL"), (location.root.url, "The URL")):
        if url:
            require_secure_transport(
                url, allow_insecure=form.allow_insecure_http, label=label
            )

    if form.image_format not in IMAGE_FORMATS:
        raise InputError("Choose an image format from the list.", field="imageFormat")

    credentials = Credentials(
        token_url=token_url,
        username=username,
        password=form.password,
        referer=referer,
        expiration_minutes=max(1, int(form.expiration_minutes)),
    )
    return ServiceRequest(credentials, location)


# -- building layers -----------------------------------------------------------------


@dataclass(frozen=True)
class LayerPlan:
    """A layer to build: its name, provider and data source (never a token)."""

    name: str
    provider: str
    source: str
    group: str = ""


def plan_layers(
    choice: LayerChoice, description: dict[str, Any] | None
) -> list[LayerPlan]:
    """Turn a choice into the layers to build, using the service's description
    where it is needed (a whole FeatureServer, or to skip group layers)."""
    layers = {layer.layer_id: layer for layer in parse_layers(description or {})}
    crs = crs_from_reference((description or {}).get("spatialReference"))

    if choice.service_type == "MapServer" and not choice.as_vector:
        if not choice.layer_ids:
            return [
                LayerPlan(
                    choice.title,
                    ARCGIS_RASTER_PROVIDER,
                    raster_source(choice.url, crs, choice.image_format),
                )
            ]
        group = choice.title if len(choice.layer_ids) > 1 else ""
        return [
            LayerPlan(
                layers[layer_id].name
                if layer_id in layers
                else f"{choice.title} {layer_id}",
                ARCGIS_RASTER_PROVIDER,
                raster_source(choice.url, crs, choice.image_format, layer_id),
                group,
            )
            for layer_id in choice.layer_ids
        ]

    layer_ids = choice.layer_ids or tuple(
        layer.layer_id for layer in layers.values() if not layer.is_group
    )
    layer_ids = tuple(
        layer_id
        for layer_id in layer_ids
        if not (layer_id in layers and layers[layer_id].is_group)
    )
    if not layer_ids:
        raise NotAMapService(
            "This service has no feature layers to add.", url=choice.url
        )
    group = choice.title if len(layer_ids) > 1 else ""
    return [
        LayerPlan(
            layers[layer_id].name
            if layer_id in layers
            else f"{choice.title} {layer_id}",
            ARCGIS_VECTOR_PROVIDER,
            vector_source(f"{choice.url}/{layer_id}", crs),
            group,
        )
        for layer_id in layer_ids
    ]


def raster_source(
    url: str, crs: str, image_format: str, layer_id: int | None = None
) -> str:
    uri = QgsDataSourceUri()
    uri.setParam("url", url)
    if crs:
        uri.setParam("crs", crs)
    uri.setParam("format", image_format)
    if layer_id is not None:
        uri.setParam("layer", str(layer_id))
    return uri.uri(False)


def vector_source(url: str, crs: str) -> str:
    uri = QgsDataSourceUri()
    uri.setParam("url", url)
    if crs:
        uri.setParam("crs", crs)
    return uri.uri(False)


def check_feature_layers(http, plans: list[LayerPlan], token: Token) -> None:
    """Read each feature layer's description before QGIS builds it.

    QGIS 3.22's feature provider crashes QGIS when a layer description is an
    error answer (a wrong layer ID, a rejected token), so each one is read
    here first, with the token, and a layer that is not a feature layer is
    refused in words instead.
    """
    for plan in plans:
        if plan.provider != ARCGIS_VECTOR_PROVIDER:
            continue
        url = QgsDataSourceUri(plan.source).param("url")
        check_feature_layer_answer(read_service(http, url, token), plan.name, url)


def build_layers(plans: list[LayerPlan]) -> list[tuple[LayerPlan, QgsMapLayer]]:
    """Build each layer (its provider reads the server), off the main thread,
    then hand it over to the main thread."""
    main_thread = QgsApplication.instance().thread()
    built = []
    for plan in plans:
        if plan.provider == ARCGIS_RASTER_PROVIDER:
            layer: QgsMapLayer = QgsRasterLayer(plan.source, plan.name, plan.provider)
        else:
            layer = QgsVectorLayer(plan.source, plan.name, plan.provider)
        layer.moveToThread(main_thread)
        built.append((plan, layer))
    return built


def layer_error_text(layer: QgsMapLayer) -> str:
    """Why a layer is invalid, from the layer or else from its provider."""
    text = error_summary(layer.error())
    provider = layer.dataProvider()
    if not text and provider is not None:
        text = error_summary(provider.error())
    return text or "QGIS gave no reason."


def add_to_project(built: list[tuple[LayerPlan, QgsMapLayer]]) -> list[QgsMapLayer]:
    """Add the valid layers, grouped as planned; raise if none is valid."""
    failures = [(plan, layer) for plan, layer in built if not layer.isValid()]
    if failures and len(failures) == len(built):
        plan, layer = failures[0]
        raise LayerFailed(
            "QGIS could not open the service as a layer.",
            details=[layer_error_text(layer)],
            url=QgsDataSourceUri(plan.source).param("url"),
        )

    project = QgsProject.instance()
    root = project.layerTreeRoot()
    groups: dict[str, Any] = {}
    added = []
    for plan, layer in built:
        if not layer.isValid():
            LOG.warning("Skipped %s: %s", plan.name, layer_error_text(layer))
            continue
        if project.addMapLayer(layer, not plan.group) is None:
            LOG.warning("QGIS did not take %s into the project", plan.name)
            continue
        if plan.group:
            group = groups.get(plan.group)
            if group is None:
                group = groups[plan.group] = root.insertGroup(0, plan.group)
            group.addLayer(layer)
        added.append(layer)
    return added


# -- the jobs ------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedIn:
    """What the sign-in task found."""

    credentials: Credentials
    token: Token
    server_version: float
    listing: FolderListing | None = None
    plans: tuple[LayerPlan, ...] = ()


class LayerJob(QObject):
    """What the two jobs share: background steps that end in added layers.

    Ends with exactly one of ``succeeded`` or ``failed``; ``finished`` is set
    then, or when the job is cancelled, after which nothing is reported.
    """

    succeeded = pyqtSignal(list)  # the layers added
    failed = pyqtSignal(object)  # an exception, ArcGISError where it can be

    def __init__(self, registry: SiteRegistry, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._registry = registry
        self._task: CallableTask | None = None
        self.finished = False

    def cancel(self) -> None:
        """Stop caring about the outcome: nothing is added, nothing reported."""
        self.finished = True
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def _on_built(self, built, error: BaseException | None) -> None:
        self._task = None
        if self.finished:
            return
        if error is None:
            try:
                layers = add_to_project(built)
            except ArcGISError as exc:
                error = exc
        if error is not None:
            self._fail(error)
            return

        LOG.info("Added %s", ", ".join(layer.name() for layer in layers))
        self.finished = True
        self.succeeded.emit(layers)

    def _fail(self, error: BaseException) -> None:
        self.finished = True
        self.failed.emit(error)


class AddServiceJob(LayerJob):
    """One press of "Add Services" (or "List Services") on the form.

    Ends with ``succeeded`` (layers added), ``listed`` (a folder listing for
    the tree) or ``failed``.
    """

    token_url_found = pyqtSignal(str)
    listed = pyqtSignal(object, object)  # SiteRoot, FolderListing

    def __init__(
        self,
        registry: SiteRegistry,
        form: ServiceForm,
        *,
        list_only: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(registry, parent)
        self._form = form
        self._list_only = list_only
        self._request: ServiceRequest | None = None
        self._new_site = False

    def start(self) -> None:
        """Check the form, then go on in the background. Returns at once."""
        try:
            self._request = read_form(self._form)
        except ArcGISError as exc:
            self._fail(exc)
            return

        request = self._request
        proxies = proxies_for(request.root.url)
        LOG.info("Signing in to %s as %s", request.root, request.credentials.username)
        choice = self._choice_for(request.location)
        list_only = self._list_only or request.location.kind in (SITE, FOLDER)

        def work() -> SignedIn:
            http = http_client(proxies)
            credentials = request.credentials
            if not credentials.token_url:
                credentials = replace(
                    credentials, token_url=discover_token_url(http, request.root)
                )
            token = generate_token(http, credentials)

            if list_only:
                listing = read_folder(
                    http, request.root, request.location.folder, token
                )
                return SignedIn(credentials, token, listing.current_version, listing)

            description = read_service(http, choice.url, token)
            check_service_answer(description, choice.service_type, choice.url)
            plans = plan_layers(choice, description)
            check_feature_layers(http, plans, token)
            return SignedIn(
                credentials, token, current_version(description), plans=tuple(plans)
            )

        self._task = run_in_background(
            f"Signing in to {request.root.host}", work, self._on_signed_in
        )

    def _choice_for(self, location: Location) -> LayerChoice:
        return LayerChoice(
            root=location.root,
            service=location.service,
            service_type=location.service_type,
            layer_ids=() if location.layer_id is None else (location.layer_id,),
            as_vector=self._form.sublayers_as_vector and location.kind == LAYER,
            image_format=self._form.image_format,
        )

    def _on_signed_in(
        self, result: SignedIn | None, error: BaseException | None
    ) -> None:
        self._task = None
        if self.finished:
            return
        if error is not None:
            self._fail(error)
            return

        request = self._request
        if not request.credentials.token_url:
            self.token_url_found.emit(result.credentials.token_url)
        self._new_site = self._registry.site(request.root) is None
        site = self._registry.use_token(
            request.root, result.credentials, result.token, result.server_version
        )
        if self._form.remember_credentials:
            site.authcfg = store_credentials(
                result.credentials.username,
                result.credentials.password,
                label=f"Secure ArcGIS Server: {result.credentials.username} at "
                f"{request.root.host}",
                authcfg=site.authcfg,
            )

        if result.listing is not None:
            self.finished = True
            self.listed.emit(request.root, result.listing)
            return

        plans = list(result.plans)
        self._task = run_in_background(
            f"Opening {request.location.service}",
            lambda: build_layers(plans),
            self._on_built,
        )

    def _fail(self, error: BaseException) -> None:
        # A site signed in only for this job goes again when nothing came of it.
        if self._new_site and self._request and not layers_of(self._request.root):
            self._registry.remove(self._request.root)
        super()._fail(error)


class AddLayersJob(LayerJob):
    """Adds what was ticked in the catalog, for a site already signed in."""

    def __init__(
        self,
        registry: SiteRegistry,
        choices: list[LayerChoice],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(registry, parent)
        self._choices = choices

    def start(self) -> None:
        sites = {
            choice.root: self._registry.site(choice.root) for choice in self._choices
        }
        missing = [
            root for root, site in sites.items() if site is None or site.token is None
        ]
        if missing:
            self._fail(
                InputError(
                    "Sign in to the server again before adding services.",
                    field="formSubmit",
                )
            )
            return

        choices = self._choices
        tokens = {root: site.token for root, site in sites.items()}
        proxies = proxies_for(choices[0].root.url)

        def work() -> list[tuple[LayerPlan, QgsMapLayer]]:
            http = http_client(proxies)
            plans: list[LayerPlan] = []
            for choice in choices:
                token = tokens[choice.root]
                description = read_service(http, choice.url, token)
                check_service_answer(description, choice.service_type, choice.url)
                planned = plan_layers(choice, description)
                check_feature_layers(http, planned, token)
                plans.extend(planned)
            return build_layers(plans)

        self._task = run_in_background("Adding ArcGIS layers", work, self._on_built)
