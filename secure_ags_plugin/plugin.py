"""The plugin object QGIS loads: menu entry, toolbar button, and wiring.

``initGui`` records how to undo each thing it adds, in one list, and
``unload`` runs that list backwards, so the two cannot drift apart.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Callable

from qgis.core import QgsApplication, QgsProject
from qgis.PyQt.QtCore import QCoreApplication, QTimer, QTranslator
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from .core.log import install_log_handler, remove_log_handler
from .core.project_keys import project_has_sites
from .gui.text import tr

if TYPE_CHECKING:
    from .core.add_service import ServiceForm
    from .core.registry import SiteRegistry
    from .gui.feedback import Feedback

LOG = logging.getLogger(__name__)

MENU_NAME = "&Secure ArcGIS Server"
ACTION_NAME = "addSecuredServiceAction"
SITES_ACTION_NAME = "securedSitesAction"
PLUGIN_DIR = os.path.dirname(__file__)
ICON_PATH = os.path.join(PLUGIN_DIR, "icon.svg")


class SecureAgsPlugin:
    """Adds token-secured ArcGIS MapServer layers and keeps their tokens fresh."""

    def __init__(self, iface) -> None:
        self.iface = iface
        self._registry: SiteRegistry | None = None
        self._loaded = False
        self._feedback: Feedback | None = None
        self.action: QAction | None = None
        self.dialog = None
        self.sites_dialog = None
        self.restorer = None
        self.sites_action = None
        self._job = None
        self._loader = None
        self._undo: list[Callable[[], None]] = []

    def initGui(self) -> None:
        handler = install_log_handler()
        self._undo.append(lambda: remove_log_handler(handler))

        self._loaded = True
        self._install_translator()
        self._add_action()
        self._watch_projects()

    def unload(self) -> None:
        """Undo everything initGui did; after this no request is touched."""
        if self._job is not None:
            self._job.cancel()
            self._job = None

        if self._loader is not None:
            self._loader.cancel_all()
            self._loader = None

        for window in (self.dialog, self.sites_dialog):
            if window is not None:
                window.close()
                window.deleteLater()
        self.dialog = None
        self.sites_dialog = None

        while self._undo:
            self._undo.pop()()

        self._loaded = False
        self._registry = None
        self.restorer = None
        self.action = None
        self.sites_action = None
        self._feedback = None

    # -- what initGui adds ------------------------------------------------------------

    def _install_translator(self) -> None:
        """Use the translation for QGIS's language, where the plugin has one."""
        language = (QgsApplication.locale() or "")[:2]
        path = os.path.join(PLUGIN_DIR, "i18n", f"secure_ags_plugin_{language}.qm")
        if not language or not os.path.exists(path):
            return
        translator = QTranslator()
        if not translator.load(path):
            LOG.warning("Could not load the %s translation", language)
            return
        QCoreApplication.installTranslator(translator)
        self._undo.append(lambda: QCoreApplication.removeTranslator(translator))

    def _add_action(self) -> None:
        main_window = self.iface.mainWindow()
        action = QAction(
            QIcon(ICON_PATH), tr("Add Secured ArcGIS Service…"), main_window
        )
        action.setObjectName(ACTION_NAME)
        action.setToolTip(
            tr(
                "Sign in to a token-secured ArcGIS Server and add "
                "its MapServer and FeatureServer services"
            )
        )
        action.triggered.connect(self.show_dialog)
        self.action = action

        sites_action = QAction(tr("Secured Sites…"), main_window)
        sites_action.setObjectName(SITES_ACTION_NAME)
        sites_action.setToolTip(
            tr(
                "Sites you are signed in to: renew, sign out, "
                "or sign in for the open project"
            )
        )
        sites_action.triggered.connect(self.show_sites)
        self.sites_action = sites_action

        self.iface.addPluginToWebMenu(MENU_NAME, action)
        self.iface.addPluginToWebMenu(MENU_NAME, sites_action)
        self.iface.addWebToolBarIcon(action)

        def remove_actions() -> None:
            self.iface.removeWebToolBarIcon(action)
            self.iface.removePluginWebMenu(MENU_NAME, action)
            self.iface.removePluginWebMenu(MENU_NAME, sites_action)
            action.triggered.disconnect(self.show_dialog)
            sites_action.triggered.disconnect(self.show_sites)
            for added in (action, sites_action):
                added.setParent(None)
                added.deleteLater()

        self._undo.append(remove_actions)

    @property
    def registry(self) -> SiteRegistry | None:
        """The signed-in sites; made, with its network hooks, on first need.

        Until a site is signed in there is nothing to add to any request, so
        QGIS starts without the preprocessor and the modules behind it.
        """
        if self._registry is None and self._loaded:
            self._add_registry()
        return self._registry

    def _add_registry(self) -> None:
        from .core.registry import SiteRegistry

        registry = SiteRegistry()
        registry.site_renewal_failed.connect(self._on_renewal_failed)
        registry.site_still_rejected.connect(self._on_still_rejected)
        registry.install()
        self._registry = registry

        def remove_registry() -> None:
            registry.site_renewal_failed.disconnect(self._on_renewal_failed)
            registry.site_still_rejected.disconnect(self._on_still_rejected)
            registry.uninstall()
            registry.deleteLater()

        self._undo.append(remove_registry)

    def _watch_projects(self) -> None:
        """Watch for projects with secured sites; load the restorer when one comes.

        Start-up only connects two signals: the restorer and what it imports
        load when a project (or the plugin on an open one) needs it.
        """
        project = QgsProject.instance()
        project.layerLoaded.connect(self._on_layer_loaded)
        project.readProject.connect(self._on_project_read)
        project.layersRemoved.connect(self._on_layers_removed)

        def disconnect_project() -> None:
            project.layerLoaded.disconnect(self._on_layer_loaded)
            project.readProject.disconnect(self._on_project_read)
            project.layersRemoved.disconnect(self._on_layers_removed)

        self._undo.append(disconnect_project)

        if project_has_sites(project):
            QTimer.singleShot(0, self._restore_open_project)

    def _on_layer_loaded(self, index: int, count: int) -> None:
        if index == 0 and project_has_sites(QgsProject.instance()):
            self._restorer().sign_in_before_layers()

    def _on_project_read(self, *args) -> None:
        if self.restorer is not None:
            self.restorer.repair_signed_in()

    def _on_layers_removed(self, *args) -> None:
        if project_has_sites(QgsProject.instance()):
            from .core.project import forget_sites_without_layers
            from .core.registry import layers_of

            forget_sites_without_layers(layers_of)

    def _restorer(self):
        if self.restorer is None:
            from .core.restore import ProjectRestorer

            restorer = ProjectRestorer(self.registry, self._ask_password)
            restorer.failed.connect(self._on_restore_failed)
            restorer.signed_in.connect(self._on_restored)
            self.restorer = restorer

            def remove_restorer() -> None:
                restorer.uninstall()
                restorer.deleteLater()

            self._undo.append(remove_restorer)
        return self.restorer

    def _restore_open_project(self) -> None:
        if self._loaded:
            self._restorer().restore_open_project()

    @property
    def feedback(self) -> Feedback:
        """Where outcomes are reported; built on first use to keep start-up light."""
        if self._feedback is None:
            from .gui.feedback import Feedback

            self._feedback = Feedback(self.iface.messageBar())
        return self._feedback

    # -- the dialog and the jobs ------------------------------------------------------

    def show_dialog(self) -> None:
        if self.dialog is None:
            from .core.catalog_loader import CatalogLoader
            from .core.network import preload_http_client
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
            preload_http_client()
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()

    def add_service(self, form: ServiceForm):
        """Add what is ticked in the tree, or else what the form's URL names.

        Returns the job, which has started and finishes in the background,
        or None when another one is still running.
        """
        choices = self.dialog.checked_choices() if self.dialog is not None else []
        if choices:
            from .core.add_service import AddLayersJob

            return self._start(
                AddLayersJob(self.registry, choices), tr("Adding the ticked services…")
            )
        return self._sign_in(form, list_only=False)

    def list_services(self, form: ServiceForm):
        """Sign in and fill the dialog's tree with the site's catalog."""
        return self._sign_in(form, list_only=True)

    def _sign_in(self, form: ServiceForm, *, list_only: bool):
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
        from .core.registry import layer_site_root

        self._job = None
        self._remember_sites(layers)
        root = layer_site_root(layers[0]) if layers else None
        self.feedback.success(
            tr("Secured layer added")
            if len(layers) == 1
            else tr("Secured layers added"),
            tr(
                "{names} from {host} is on the map."
                if len(layers) == 1
                else "{names} from {host} are on the map."
            ).format(
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

    def _remember_sites(self, layers: list) -> None:
        """Note in the project how to sign in again to these layers' sites."""
        from .core.project import record_for_site, remember_record
        from .core.registry import layer_site_root

        for root in {layer_site_root(layer) for layer in layers}:
            site = self.registry.site(root) if root else None
            if site is not None:
                remember_record(record_for_site(site))

    # -- project sign-in and the secured sites window ---------------------------------

    def _ask_password(self, record):
        from .gui.prompt import ask_password

        return ask_password(record, self.iface.mainWindow())

    def _on_restored(self, record) -> None:
        self.feedback.success(
            tr("Signed in"),
            tr("{host}: this project's secured layers can draw.").format(
                host=record.root.host
            ),
        )
        self._refresh_sites()

    def _on_restore_failed(self, record, error) -> None:
        self.feedback.failure(
            error,
            context=tr("Signing in to {host} for this project").format(
                host=record.root.host
            ),
        )

    def show_sites(self) -> None:
        if self.sites_dialog is None:
            from .gui.sites_dialog import SecuredSitesDialog

            dialog = SecuredSitesDialog(self.iface.mainWindow())
            dialog.renew_requested.connect(self._renew_site)
            dialog.sign_out_requested.connect(self._sign_out_site)
            dialog.sign_in_requested.connect(self._sign_in_site)
            self.registry.site_renewed.connect(self._refresh_sites)
            self._undo.append(
                lambda: self.registry.site_renewed.disconnect(self._refresh_sites)
            )
            self.sites_dialog = dialog
        self._refresh_sites()
        self.sites_dialog.show()
        self.sites_dialog.raise_()

    def site_rows(self) -> list:
        """The window's lines: signed-in sites, then the project's others."""
        import time

        from .arcgis.urls import SiteRoot
        from .core.project import read_site_records
        from .core.registry import layers_of
        from .gui.sites_dialog import SiteRow

        rows = []
        for site in self.registry.sites():
            expires = time.strftime("%H:%M:%S", time.localtime(site.token.expires_at))
            state = (
                tr("sign-in needed")
                if site.needs_sign_in
                else tr("renewing")
                if site.renewing
                else tr("signed in")
            )
            rows.append(
                SiteRow(
                    site.root.url,
                    site.credentials.username,
                    expires,
                    len(layers_of(site.root)),
                    state,
                    True,
                )
            )
        signed_in = {SiteRoot.from_url(row.root_url) for row in rows}
        for record in read_site_records():
            if record.root not in signed_in:
                rows.append(
                    SiteRow(
                        record.root_url,
                        record.username,
                        "—",
                        len(layers_of(record.root)),
                        tr("not signed in"),
                        False,
                    )
                )
        return rows

    def _refresh_sites(self, *args) -> None:
        if self.sites_dialog is not None:
            self.sites_dialog.show_rows(self.site_rows())

    def _site(self, root_url: str):
        from .arcgis.urls import SiteRoot

        return self.registry.site(SiteRoot.from_url(root_url))

    def _renew_site(self, root_url: str) -> None:
        site = self._site(root_url)
        if site is not None:
            site.needs_sign_in = False
            site.renew("asked by the user")
        self._refresh_sites()

    def _sign_out_site(self, root_url: str) -> None:
        from .arcgis.urls import SiteRoot

        self.registry.sign_out(SiteRoot.from_url(root_url))
        self._refresh_sites()

    def _sign_in_site(self, root_url: str) -> None:
        from .arcgis.urls import SiteRoot
        from .core.project import read_site_records

        root = SiteRoot.from_url(root_url)
        for record in read_site_records():
            if record.root == root:
                self._restorer().sign_in_later(record)

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
