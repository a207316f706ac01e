"""The "Add Secured ArcGIS Service" dialog: fields in, a ServiceForm out.

The layout is in ``secured_service_dialog.ui`` (Qt Designer). The dialog
makes no network call: it hands the fields over through ``submitted`` or
``list_requested``, asks for a folder's or a service's contents through
``folder_requested`` and ``service_requested`` when the user opens one in
the tree, and is told by the plugin what came back.
"""

from __future__ import annotations

import os

from qgis.PyQt import uic
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import QDialog, QLineEdit, QTreeWidgetItem, QWidget

from ..arcgis.catalog import FolderListing, LayerRef, ServiceRef
from ..arcgis.urls import SiteRoot
from ..core.add_service import IMAGE_FORMATS, LayerChoice, ServiceForm
from ..core.settings import RememberedFields, load_fields, save_fields
from .text import tr

UI_FILE = os.path.join(os.path.dirname(__file__), "secured_service_dialog.ui")
FormBase, _ = uic.loadUiType(UI_FILE)

ITEM_ROLE = Qt.ItemDataRole.UserRole
LOADED_ROLE = Qt.ItemDataRole.UserRole + 1

FOLDER_ITEM = "folder"
SERVICE_ITEM = "service"
LAYER_ITEM = "layer"
PLACEHOLDER_ITEM = "placeholder"


class SecuredServiceDialog(QDialog, FormBase):
    """Collects the sign-in fields and shows the site's catalog as a tree."""

    submitted = pyqtSignal(object)  # ServiceForm
    list_requested = pyqtSignal(object)  # ServiceForm
    folder_requested = pyqtSignal(object, str)  # SiteRoot, folder
    service_requested = pyqtSignal(object, object)  # SiteRoot, ServiceRef

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setupUi(self)
        self.setObjectName("SecuredServiceDialog")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        for image_format in IMAGE_FORMATS:
            self.imageFormat.addItem(image_format.upper(), image_format)

        self._root: SiteRoot | None = None
        self.serviceTree.itemExpanded.connect(self._on_expanded)
        self.formSubmit.clicked.connect(self._submit)
        self.connectButton.clicked.connect(self._list)
        self.closeButton.clicked.connect(self.close)
        self._fill(load_fields())

    # -- the form ---------------------------------------------------------------------

    def form(self) -> ServiceForm:
        """The fields as typed, nothing checked yet."""
        return ServiceForm(
            username=self.username.text(),
            password=self.password.text(),
            token_url=self.tokenUrl.text(),
            service_url=self.serviceUrl.text(),
            referer=self.referer.text(),
            allow_insecure_http=self.allowInsecureHttp.isChecked(),
            expiration_minutes=self.expirationMinutes.value(),
            image_format=self.imageFormat.currentData() or IMAGE_FORMATS[0],
            sublayers_as_vector=self.sublayersAsVector.isChecked(),
            remember_credentials=self.rememberCredentials.isChecked(),
        )

    def set_busy(self, busy: bool, text: str = "") -> None:
        """While working: the buttons are off and the dialog says why."""
        self.formSubmit.setEnabled(not busy)
        self.connectButton.setEnabled(not busy)
        self.statusLabel.setText(text if busy else "")

    def show_failure(self, text: str, field: str = "") -> None:
        """Keep everything typed, say what failed, and point at the field."""
        self.set_busy(False)
        self.statusLabel.setText(text)
        widget = getattr(self, field, None) if field else None
        if isinstance(widget, QWidget):
            widget.setFocus()
            if isinstance(widget, QLineEdit):
                widget.selectAll()

    def show_success(self) -> None:
        """The layers are in: forget the typed password, keep the rest."""
        self.set_busy(False)
        self.password.clear()

    def show_token_url(self, url: str) -> None:
        self.tokenUrl.setText(url)

    # -- the catalog tree -------------------------------------------------------------

    def checked_choices(self) -> list[LayerChoice]:
        """What is ticked: whole services, or the ticked layers of a service."""
        if self._root is None:
            return []
        choices = []
        top = self.serviceTree.invisibleRootItem()
        for item in self._items(top, recursive=True):
            data = item.data(0, ITEM_ROLE)
            if not data or data[0] != SERVICE_ITEM:
                continue
            _, name, service_type = data
            layer_ids = tuple(
                child.data(0, ITEM_ROLE)[3]
                for child in self._items(item, recursive=True)
                if child.data(0, ITEM_ROLE)[0] == LAYER_ITEM
                and child.checkState(0) == Qt.CheckState.Checked
            )
            if layer_ids or item.checkState(0) == Qt.CheckState.Checked:
                choices.append(
                    LayerChoice(
                        root=self._root,
                        service=name,
                        service_type=service_type,
                        layer_ids=layer_ids,
                        as_vector=self.sublayersAsVector.isChecked(),
                        image_format=self.imageFormat.currentData() or IMAGE_FORMATS[0],
                    )
                )
        return choices

    def show_listing(self, root: SiteRoot, listing: FolderListing) -> None:
        """Show a folder's contents: at the top for the first listing."""
        if root != self._root or not listing.folder:
            self._root = root
            self.serviceTree.clear()
            parent = self.serviceTree.invisibleRootItem()
        else:
            parent = self._find(FOLDER_ITEM, listing.folder)
            if parent is None:
                return
            parent.takeChildren()

        parent.setData(0, LOADED_ROLE, True)
        for folder in listing.folders:
            item = QTreeWidgetItem(parent, [folder.rsplit("/", 1)[-1], tr("Folder")])
            item.setData(0, ITEM_ROLE, (FOLDER_ITEM, folder))
            self._add_placeholder(item, "")
        for service in listing.services:
            item = QTreeWidgetItem(parent, [service.title, service.service_type])
            item.setData(
                0, ITEM_ROLE, (SERVICE_ITEM, service.name, service.service_type)
            )
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Unchecked)
            self._add_placeholder(item, "")

        if not listing.folder:
            self.statusLabel.setText(
                tr("Signed in. Tick services or layers, then press Add Services.")
            )

    def show_layers(
        self, root: SiteRoot, service: str, layers: tuple[LayerRef, ...]
    ) -> None:
        """Show a service's layers under it, nested as the service nests them."""
        parent = self._find(SERVICE_ITEM, service) if root == self._root else None
        if parent is None:
            return
        parent.takeChildren()
        parent.setData(0, LOADED_ROLE, True)
        service_type = parent.data(0, ITEM_ROLE)[2]

        items = {-1: parent}
        for layer in layers:
            container = items.get(layer.parent_id, parent)
            kind = (
                tr("Group")
                if layer.is_group
                else layer.geometry_type.replace("esriGeometry", "") or tr("Layer")
            )
            item = QTreeWidgetItem(container, [layer.name, kind])
            item.setData(
                0, ITEM_ROLE, (LAYER_ITEM, service, service_type, layer.layer_id)
            )
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Unchecked)
            items[layer.layer_id] = item
        parent.setExpanded(True)

    def show_load_failure(self, kind: str, key: str, text: str) -> None:
        """Say in the tree that a folder or service could not be opened."""
        item = self._find(kind, key)
        if item is None:
            return
        item.takeChildren()
        item.setData(0, LOADED_ROLE, False)
        self._add_placeholder(item, tr("Could not load: {reason}").format(reason=text))

    def _add_placeholder(self, parent: QTreeWidgetItem, text: str) -> None:
        placeholder = QTreeWidgetItem(parent, [text, ""])
        placeholder.setData(0, ITEM_ROLE, (PLACEHOLDER_ITEM,))
        placeholder.setFlags(Qt.ItemFlag.NoItemFlags)

    def _on_expanded(self, item: QTreeWidgetItem) -> None:
        data = item.data(0, ITEM_ROLE)
        if not data or item.data(0, LOADED_ROLE) or self._root is None:
            return
        if data[0] not in (FOLDER_ITEM, SERVICE_ITEM):
            return
        item.takeChildren()
        self._add_placeholder(item, tr("Loading…"))
        item.setData(0, LOADED_ROLE, True)
        if data[0] == FOLDER_ITEM:
            self.folder_requested.emit(self._root, data[1])
        else:
            self.service_requested.emit(self._root, ServiceRef(data[1], data[2]))

    def _find(self, kind: str, key: str) -> QTreeWidgetItem | None:
        for item in self._items(self.serviceTree.invisibleRootItem(), recursive=True):
            data = item.data(0, ITEM_ROLE)
            if data and data[0] == kind and data[1] == key:
                return item
        return None

    def _items(self, parent: QTreeWidgetItem, recursive: bool = False):
        for index in range(parent.childCount()):
            child = parent.child(index)
            yield child
            if recursive:
                yield from self._items(child, recursive=True)

    # -- buttons and remembered fields ------------------------------------------------

    def _submit(self) -> None:
        self._remember()
        self.submitted.emit(self.form())

    def _list(self) -> None:
        self._remember()
        self.list_requested.emit(self.form())

    def _remember(self) -> None:
        form = self.form()
        save_fields(
            RememberedFields(
                username=form.username.strip(),
                token_url=form.token_url.strip(),
                service_url=form.service_url.strip(),
                referer=form.referer.strip(),
                allow_insecure_http=form.allow_insecure_http,
                expiration_minutes=form.expiration_minutes,
                image_format=form.image_format,
            )
        )

    def _fill(self, fields: RememberedFields) -> None:
        self.username.setText(fields.username)
        self.tokenUrl.setText(fields.token_url)
        self.serviceUrl.setText(fields.service_url)
        self.referer.setText(fields.referer)
        self.allowInsecureHttp.setChecked(fields.allow_insecure_http)
        self.expirationMinutes.setValue(fields.expiration_minutes)
        index = self.imageFormat.findData(fields.image_format)
        self.imageFormat.setCurrentIndex(max(0, index))
