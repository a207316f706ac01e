"""The password prompt shown when a project needs a site it is not signed in to."""

from __future__ import annotations

from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ..core.project import SiteRecord
from .text import tr


class SignInPrompt(QDialog):
    """Pre-filled with the site and the username: only the password to type."""

    def __init__(self, record: SiteRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SignInPrompt")
        self.setWindowTitle(tr("Sign in to ArcGIS Server"))

        intro = QLabel(
            tr("This project has layers from {site}. Sign in to draw them.").format(
                site=record.root_url
            )
        )
        intro.setWordWrap(True)
        self.username = QLineEdit(record.username)
        self.username.setObjectName("username")
        self.username.setReadOnly(True)
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.rememberCredentials = QCheckBox(
            tr("Remember my credentials (QGIS authentication database)")
        )
        self.rememberCredentials.setObjectName("rememberCredentials")

        form = QFormLayout()
        form.addRow(tr("Username"), self.username)
        form.addRow(tr("Password"), self.password)
        form.addRow("", self.rememberCredentials)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.setObjectName("buttons")
        buttons.accepted.connect(self._accept_if_filled)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.password.setFocus()

    def _accept_if_filled(self) -> None:
        if self.password.text():
            self.accept()


def ask_password(record: SiteRecord, parent: QWidget | None = None):
    """Show the prompt; (password, remember), or None when cancelled."""
    prompt = SignInPrompt(record, parent)
    try:
        if prompt.exec() != QDialog.DialogCode.Accepted:
            return None
        return prompt.password.text(), prompt.rememberCredentials.isChecked()
    finally:
        prompt.password.clear()
        prompt.deleteLater()
