"""The plugin object QGIS loads: menu entry, toolbar button, and wiring.

``initGui`` records how to undo each thing it adds, in one list, and
``unload`` runs that list backwards, so the two cannot drift apart.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Callable

from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from .core.log import install_log_handler, remove_log_handler
from .core.registry import SiteRegistry, layer_site_root
from .gui.text import tr

if TYPE_CHECKING:
    from .core.add_service import ServiceForm
    from .gui.feedback import Feedback

LOG = logging.getLogger(__name__)

MENU_NAME = "&Secure ArcGIS Server"
ACTION_NAME = "addSecuredServiceAction"
ICON_PATH = os.path.join(os.path.dirname(__file__), "icon.svg")


class SecureAgsPlugin:
    """Adds token-secured ArcGIS MapServer layers and keeps their tokens fresh."""

    def __init__(self, iface) -> None:
        self.iface = iface
        self.registry: SiteRegistry | None = None
        self._feedback: Feedback | None = None
        self.action: QAction | None = None
        self.dialog = None
        self._job = None
        self._loader = None
        self._undo: list[Callable[[], None]] = []

    def initGui(self) -> None:  # noqa: N802 - QGIS's name
        handler = install_log_handler()
        self._undo.append(lambda: remove_log_handler(handler))

        self._add_action()
        self._add_registry()

    def unload(self) -> None:
        """Undo everything initGui did; after this no request is touched."""
        if self._job is not None:
            self._job.cancel()
            self._job = None

        if self._loader is not None:
            self._loader.cancel_all()
            self._loader = None

        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None

        while self._undo:
            self._undo.pop()()

        self.registry = None
        self.action = None
        self._feedback = None

    # -- what initGui adds -------------------------------------------------

    def _add_action(self) -> None:
        main_window = self.iface.mainWindow()
        action = QAction(QIcon(ICON_PATH), tr("Add Secured ArcGIS Service…"),
                         main_window)
        action.setObjectName(ACTION_NAME)
        action.setToolTip(tr("Sign in to a token-secured ArcGIS Server and add "
                             "one of its MapServer services"))
        action.triggered.connect(self.show_dialog)
        self.action = action

        self.iface.addPluginToWebMenu(MENU_NAME, action)
        self.iface.addWebToolBarIcon(action)

        def remove_action() -> None:
            self.iface.removeWebToolBarIcon(action)
            self.iface.removePluginWebMenu(MENU_NAME, action)
            action.triggered.disconnect(self.show_dialog)
            action.setParent(None)
            action.deleteLater()

        self._undo.append(remove_action)

    def _add_registry(self) -> None:
        registry = SiteRegistry()
        registry.site_renewal_failed.connect(self._on_renewal_failed)
        registry.site_still_rejected.connect(self._on_still_rejected)
        registry.install()
        self.registry = registry

        def remove_registry() -> None:
            registry.site_renewal_failed.disconnect(self._on_renewal_failed)
            registry.site_still_rejected.disconnect(self._on_still_rejected)
            registry.uninstall()
            registry.deleteLater()

        self._undo.append(remove_registry)

    @property
    def feedback(self) -> "Feedback":
        """Where outcomes are reported; built on first use to keep start-up light."""
        if self._feedback is None:
            from .gui.feedback import Feedback

            self._feedback = Feedback(self.iface.messageBar())
        return self._feedback

    # -- the dialog and the jobs -------------------------------------------

    def show_dialog(self) -> None:
        if self.dialog is None:
            from .core.catalog_loader import CatalogLoader
            from .gui.dialog import SecuredServiceDialog

            dialog = SecuredServiceDialog(self.iface.mainWindow())
            loader = CatalogLoader(self.registry, dialog)
            dialog.submitted.connect(self.add_service)
            dialog.list_requested.connect(self.list_services)
            dialog.folder_requested.connect(loader.load_folder)
            dialog.service_requested.connect(loader.load_layers)
            loader.folder_loaded.connect(dialog.show_listing)
            loader.layers_loaded.connect(dialog.show_layers)
            loader.failed.connect(self._on_load_failed)
            self.dialog = dialog
            self._loader = loader
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()

    def add_service(self, form: "ServiceForm"):
        """Add what is ticked in the tree, or else what the form's URL names.

        Returns the job, which has started and finishes in the background,
        or None when another one is still running.
        """
        choices = self.dialog.checked_choices() if self.dialog is not None else []
        if choices:
            from .core.add_service import AddLayersJob

            return self._start(AddLayersJob(self.registry, choices),
                               tr("Adding the ticked services…"))
        return self._sign_in(form, list_only=False)

    def list_services(self, form: "ServiceForm"):
        """Sign in and fill the dialog's tree with the site's catalog."""
        return self._sign_in(form, list_only=True)

    def _sign_in(self, form: "ServiceForm", *, list_only: bool):
        from .core.add_service import AddServiceJob

        job = AddServiceJob(self.registry, form, list_only=list_only)
        if self.dialog is not None:
            job.token_url_found.connect(self.dialog.show_token_url)
        job.listed.connect(self._on_listed)
        return self._start(job, tr("Signing in…"))

    def _start(self, job, busy_text: str):
        if self._job is not None and not self._job.finished:
            return None
        job.succeeded.connect(self._on_added)
        job.failed.connect(self._on_failed)
        self._job = job
        if self.dialog is not None:
            self.dialog.set_busy(True, busy_text)
        job.start()
        return job

    def _on_listed(self, root, listing) -> None:
        self._job = None
        if self.dialog is not None:
            self.dialog.set_busy(False)
            self.dialog.show_listing(root, listing)

    def _on_added(self, layers: list) -> None:
        self._job = None
        root = layer_site_root(layers[0]) if layers else None
        self.feedback.success(
            tr("Secured layer added") if len(layers) == 1 else tr("Secured layers added"),
            tr("{names} from {host} is on the map." if len(layers) == 1
               else "{names} from {host} are on the map.").format(
                names=", ".join(layer.name() for layer in layers),
                host=root.host if root else "",
            ),
        )
        if self.dialog is not None:
            self.dialog.show_success()
            self.dialog.close()

    def _on_failed(self, error: BaseException) -> None:
        self._job = None
        self.feedback.failure(error)
        if self.dialog is not None:
            from .gui.feedback import describe

            self.dialog.show_failure(describe(error)[1], getattr(error, "field", ""))

    def _on_load_failed(self, kind: str, key: str, error: BaseException) -> None:
        self.feedback.failure(error)
        if self.dialog is not None:
            from .gui.feedback import describe

            self.dialog.show_load_failure(kind, key, describe(error)[1])

    def _on_renewal_failed(self, site, error, final: bool) -> None:
        context = tr("Token renewal for {host}").format(host=site.root.host)
        if final:
            self.feedback.failure(error, context=context)
        else:
            self.feedback.degraded(error, context=context)

    def _on_still_rejected(self, site) -> None:
        self.feedback.warning(
            tr("Token rejected"),
            tr(
                "{host} refuses the renewed token as well. Its layers may not "
                "draw; check the referer and your permissions, then sign in again."
            ).format(host=site.root.host),
        )
