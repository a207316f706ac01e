"""Signed-in sites, and the hooks that put their tokens on QGIS's requests.

QGIS calls the request preprocessor for every request it creates, on the
thread that creates it (render threads included), so the preprocessor does
no more than a dictionary look-up and two header writes. The look-up table
is rebuilt whole on the main thread whenever a site comes or goes, and
swapped in with one assignment, so readers never see it half-built.

Answers come back through ``QgsNetworkAccessManager.finished``, on the main
thread. An answer to a request the preprocessor stamped tells its site
whether the server took the token: a 498 or 499 status, or an image request
answered with something that is not an image, is a rejection.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from qgis.core import QgsDataSourceUri, QgsNetworkAccessManager, QgsProject
from qgis.PyQt.QtCore import QObject, QUrl, QUrlQuery, pyqtSignal
from qgis.PyQt.QtNetwork import QNetworkRequest

from ..arcgis.errors import TOKEN_ERROR_CODES
from ..arcgis.urls import SiteRoot
from .compat import user_request_attribute

if TYPE_CHECKING:
    from .site import SecuredSite

LOG = logging.getLogger(__name__)

ARCGIS_RASTER_PROVIDER = "arcgismapserver"
ARCGIS_VECTOR_PROVIDER = "arcgisfeatureserver"
ARCGIS_PROVIDERS = (ARCGIS_RASTER_PROVIDER, ARCGIS_VECTOR_PROVIDER)

# Where the preprocessor notes which token generation a request carried.
GENERATION_ATTRIBUTE = user_request_attribute(5201)

_DEFAULT_PORTS = {"http": 80, "https": 443}
_STATUS = QNetworkRequest.Attribute.HttpStatusCodeAttribute
_CACHE_CONTROL = QNetworkRequest.Attribute.CacheLoadControlAttribute
_ALWAYS_NETWORK = QNetworkRequest.CacheLoadControl.AlwaysNetwork


def expects_image(url: QUrl) -> bool:
    """True for ArcGIS requests whose answer should be a picture."""
    path = url.path()
    if "/tile/" in path or "/arcgisoutput/" in path:
        return True
    if path.endswith("/export") or path.endswith("/export/"):
        query = QUrlQuery(url)
        return query.queryItemValue("f").lower() in ("image", "kmz")
    return False


class SiteRegistry(QObject):
    """The signed-in sites, and the QGIS network hooks that serve them."""

    site_renewed = pyqtSignal(object)  # SecuredSite
    site_renewal_failed = pyqtSignal(object, object, bool)  # site, error, final
    site_still_rejected = pyqtSignal(object)  # SecuredSite

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sites: dict[SiteRoot, SecuredSite] = {}
        self._by_host: dict[str, tuple[SecuredSite, ...]] = {}
        self._preprocessor_id: str | None = None

    # -- installing and removing the hooks --------------------------------------------

    def install(self) -> None:
        """Start adding tokens to requests and watching the answers."""
        if self._preprocessor_id is not None:
            return
        self._preprocessor_id = QgsNetworkAccessManager.setRequestPreprocessor(
            self.preprocess
        )
        QgsNetworkAccessManager.instance().finished.connect(self._on_reply)

    def uninstall(self) -> None:
        """Remove the hooks and forget every site. Nothing is touched after."""
        if self._preprocessor_id is not None:
            QgsNetworkAccessManager.removeRequestPreprocessor(self._preprocessor_id)
            self._preprocessor_id = None
            QgsNetworkAccessManager.instance().finished.disconnect(self._on_reply)

        for site in self._sites.values():
            site.stop()
            site.deleteLater()
        self._sites = {}
        self._by_host = {}

    # -- the sites --------------------------------------------------------------------

    def sites(self) -> list[SecuredSite]:
        return list(self._sites.values())

    def site(self, root: SiteRoot) -> SecuredSite | None:
        return self._sites.get(root)

    def add(self, site: SecuredSite) -> None:
        """Register a new site (replacing any earlier one at the same root)."""
        old = self._sites.get(site.root)
        if old is not None and old is not site:
            old.stop()
            old.deleteLater()

        site.setParent(self)
        site.renewed.connect(lambda: self._on_site_renewed(site))
        site.renewal_failed.connect(
            lambda error, final: self.site_renewal_failed.emit(site, error, final)
        )
        site.still_rejected.connect(lambda: self.site_still_rejected.emit(site))
        self._sites[site.root] = site
        self._rebuild_lookup()

    def use_token(
        self,
        root: SiteRoot,
        credentials,
        token,
        server_version: float,
    ) -> SecuredSite:
        """Start using ``token`` for ``root``, adding the site if it is new."""
        from ..arcgis.service import HEADER_TOKEN_MIN_VERSION
        from .site import SecuredSite

        token_in_header = server_version >= HEADER_TOKEN_MIN_VERSION
        site = self._sites.get(root)
        if site is None:
            site = SecuredSite(
                root, credentials, token, token_in_header=token_in_header
            )
            self.add(site)
        else:
            site.token_in_header = token_in_header
            site.use_token(token, credentials)
        site.server_version = server_version
        return site

    def remove(self, root: SiteRoot) -> None:
        site = self._sites.pop(root, None)
        if site is None:
            return
        site.stop()
        site.deleteLater()
        self._rebuild_lookup()

    def sign_out(self, root: SiteRoot) -> None:
        """Forget the site's token and password; its layers stop drawing."""
        self.remove(root)
        LOG.info("%s: signed out", root)
        for layer in layers_of(root):
            layer.triggerRepaint()

    def _rebuild_lookup(self) -> None:
        by_host: dict[str, list[SecuredSite]] = {}
        for site in self._sites.values():
            by_host.setdefault(site.root.host, []).append(site)

        # Longest site path first, so /arcgis2 is not taken for /arcgis.
        self._by_host = {
            host: tuple(sorted(group, key=lambda s: len(s.root.path), reverse=True))
            for host, group in by_host.items()
        }

    def site_for_url(self, url: QUrl) -> SecuredSite | None:
        """The site whose root ``url`` lies under, if any.

        Looked up by host first: a request to any other server costs one
        dictionary look-up.
        """
        candidates = self._by_host.get(url.host())
        if not candidates:
            return None
        scheme = url.scheme()
        port = url.port(_DEFAULT_PORTS.get(scheme, -1))
        path = url.path()
        for site in candidates:
            root = site.root
            if root.port == port and root.scheme == scheme and root.contains_path(path):
                return site
        return None

    # -- the hooks --------------------------------------------------------------------

    def preprocess(self, request: QNetworkRequest) -> None:
        """Add the token and the Referer to a request for a signed-in site."""
        if not self._by_host:
            return
        url = request.url()
        site = self.site_for_url(url)
        if site is None:
            return
        auth = site.request_auth
        if auth is None:
            return

        request.setRawHeader(b"Referer", auth.referer)
        request.setAttribute(GENERATION_ATTRIBUTE, auth.generation)
        if "/tile/" not in url.path():
            # QGIS prefers its cache for ArcGIS answers and would replay a
            # refusal it got before the token was in place. Map images and
            # descriptions are asked afresh; tiles keep QGIS's cache, and a
            # refused tile is dropped from it (see _on_reply).
            request.setAttribute(_CACHE_CONTROL, _ALWAYS_NETWORK)
        if auth.header_value is not None:
            request.setRawHeader(b"X-Esri-Authorization", auth.header_value)
        else:
            query = QUrlQuery(url)
            query.removeAllQueryItems("token")
            query.addQueryItem("token", auth.query_token)
            url.setQuery(query)
            request.setUrl(url)

    def _on_reply(self, content) -> None:
        request = content.request()
        url = request.url()
        status = content.attribute(_STATUS)
        content_type = bytes(content.rawHeader(b"Content-Type")).lower()
        if status in TOKEN_ERROR_CODES:
            rejected = True
        elif status == 200 and expects_image(url):
            rejected = not content_type.startswith(b"image/")
        else:
            rejected = False

        # A refused picture must not be replayed from the cache later, even
        # one asked for before the user signed in.
        if rejected:
            self._forget_cached(url)

        generation = request.attribute(GENERATION_ATTRIBUTE)
        site = self.site_for_url(url) if generation is not None else None
        if site is None:
            return

        if rejected:
            LOG.warning(
                "%s: the server refused a request (HTTP %s, %s)",
                site.root,
                status,
                content_type.decode("ascii", "replace") or "no content type",
            )
            site.token_rejected(int(generation))
        elif status is not None and 200 <= int(status) < 300:
            site.token_accepted(int(generation))

    @staticmethod
    def _forget_cached(url: QUrl) -> None:
        """Drop a failed answer from QGIS's cache so a repaint asks again."""
        cache = QgsNetworkAccessManager.instance().cache()
        if cache is not None:
            cache.remove(url)

    def _on_site_renewed(self, site: SecuredSite) -> None:
        for layer in layers_of(site.root):
            layer.triggerRepaint()
        self.site_renewed.emit(site)


def layer_site_root(layer) -> SiteRoot | None:
    """The site an ArcGIS layer draws from, or None for other layers."""
    if layer.providerType() not in ARCGIS_PROVIDERS:
        return None
    url = QgsDataSourceUri(layer.source()).param("url")
    return SiteRoot.from_url(url) if url else None


def layers_of(root: SiteRoot) -> list:
    """The project's ArcGIS layers that draw from site ``root``."""
    layers = QgsProject.instance().mapLayers().values()
    return [layer for layer in layers if layer_site_root(layer) == root]
