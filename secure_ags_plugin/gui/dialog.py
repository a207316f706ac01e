"""The "Add Secured ArcGIS Service" dialog: fields in, a ServiceForm out.

The layout is in ``secured_service_dialog.ui`` (Qt Designer). The dialog
makes no network call: it hands the fields over through ``submitted`` and is
told by the plugin when the work is busy, done, or failed.
"""

from __future__ import annotations

from pathlib import Path

from qgis.PyQt import uic
from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import QDialog, QLineEdit, QWidget

from ..core.add_service import ServiceForm
from ..core.settings import RememberedFields, load_fields, save_fields
from .text import tr

UI_FILE = Path(__file__).with_name("secured_service_dialog.ui")
FormBase, _ = uic.loadUiType(str(UI_FILE))


class SecuredServiceDialog(QDialog, FormBase):
    """Collects username, password, token URL, service URL and referer."""

    submitted = pyqtSignal(object)  # ServiceForm

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setupUi(self)
        self.setObjectName("SecuredServiceDialog")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)

        self.formSubmit.clicked.connect(self._submit)
        self.closeButton.clicked.connect(self.close)
        self._fill(load_fields())

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
        )

    def set_busy(self, busy: bool) -> None:
        """While signing in: the button is off and the dialog says why."""
        self.formSubmit.setEnabled(not busy)
        self.statusLabel.setText(tr("Signing in and reading the service…") if busy else "")

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
        """The layer is in: forget the typed password, keep the rest."""
        self.set_busy(False)
        self.password.clear()

    def _submit(self) -> None:
        form = self.form()
        save_fields(
            RememberedFields(
                username=form.username.strip(),
                token_url=form.token_url.strip(),
                service_url=form.service_url.strip(),
                referer=form.referer.strip(),
                allow_insecure_http=form.allow_insecure_http,
                expiration_minutes=form.expiration_minutes,
            )
        )
        self.submitted.emit(form)

    def _fill(self, fields: RememberedFields) -> None:
        self.username.setText(fields.username)
        self.tokenUrl.setText(fields.token_url)
        self.serviceUrl.setText(fields.service_url)
        self.referer.setText(fields.referer)
        self.allowInsecureHttp.setChecked(fields.allow_insecure_http)
        self.expirationMinutes.setValue(fields.expiration_minutes)
