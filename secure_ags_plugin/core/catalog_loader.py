"""Loading a site's folders and a service's layers, one at a time, on demand.

The tree in the dialog asks for a folder when the user opens it; the
request runs in a background task with the site's current token, and the
answer comes back on the main thread as a signal.
"""

from __future__ import annotations

from qgis.PyQt.QtCore import QObject, pyqtSignal

from ..arcgis.catalog import ServiceRef, parse_layers, read_folder
from ..arcgis.errors import InputError
from ..arcgis.service import read_service
from ..arcgis.urls import SiteRoot
from .network import http_client, proxies_for
from .registry import SiteRegistry
from .tasks import CallableTask, run_in_background


class CatalogLoader(QObject):
    """Reads folders and service layers for the dialog's tree."""

    folder_loaded = pyqtSignal(object, object)  # SiteRoot, FolderListing
    layers_loaded = pyqtSignal(object, str, object)  # SiteRoot, service, layers
    # kind ("folder" or "service"), key (folder or service name), error
    failed = pyqtSignal(str, str, object)

    def __init__(self, registry: SiteRegistry, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._registry = registry
        self._tasks: set[CallableTask] = set()

    def load_folder(self, root: SiteRoot, folder: str) -> None:
        token = self._token(root, "folder", folder)
        if token is None:
            return
        proxies = proxies_for(root.url)

        def work():
            return read_folder(http_client(proxies), root, folder, token)

        def done(listing, error) -> None:
            if error is not None:
                self.failed.emit("folder", folder, error)
            else:
                self.folder_loaded.emit(root, listing)

        self._start(f"Listing {folder} on {root.host}", work, done)

    def load_layers(self, root: SiteRoot, service: ServiceRef) -> None:
        token = self._token(root, "service", service.name)
        if token is None:
            return
        proxies = proxies_for(root.url)
        url = f"{root.url}/rest/services/{service.name}/{service.service_type}"

        def work():
            return parse_layers(read_service(http_client(proxies), url, token))

        def done(layers, error) -> None:
            if error is not None:
                self.failed.emit("service", service.name, error)
            else:
                self.layers_loaded.emit(root, service.name, layers)

        self._start(f"Reading {service.name} on {root.host}", work, done)

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self._tasks.clear()

    def _token(self, root: SiteRoot, kind: str, key: str):
        site = self._registry.site(root)
        if site is None or site.token is None:
            self.failed.emit(kind, key, InputError("Sign in to the server again."))
            return None
        return site.token

    def _start(self, description, work, done) -> None:
        task: CallableTask | None = None

        def finished(result, error) -> None:
            self._tasks.discard(task)
            done(result, error)

        task = run_in_background(description, work, finished)
        self._tasks.add(task)
