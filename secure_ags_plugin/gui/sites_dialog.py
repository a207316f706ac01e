"""The "Secured sites" window: who is signed in where, and until when."""

from __future__ import annotations

from dataclasses import dataclass

from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .text import tr


@dataclass(frozen=True)
class SiteRow:
    """One line of the window (no secret in here)."""

    root_url: str
    username: str
    expires: str
    layers: int
    state: str
    signed_in: bool


class SecuredSitesDialog(QDialog):
    """Lists signed-in sites and the project's others; renew, sign out, sign in."""

    renew_requested = pyqtSignal(str)
    sign_out_requested = pyqtSignal(str)
    sign_in_requested = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SecuredSitesDialog")
        self.setWindowTitle(tr("Secured ArcGIS Server sites"))
        self.resize(720, 260)
        self._rows: list[SiteRow] = []

        headers = [
            tr("Site"),
            tr("User"),
            tr("Token expires"),
            tr("Layers"),
            tr("State"),
        ]
        self.siteTable = QTableWidget(0, len(headers))
        self.siteTable.setObjectName("siteTable")
        self.siteTable.setHorizontalHeaderLabels(headers)
        self.siteTable.setSelectionBehavior(
            QAbstractItemView.SelectionBehavior.SelectRows
        )
        self.siteTable.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.siteTable.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.siteTable.itemSelectionChanged.connect(self._update_buttons)

        self.renewButton = self._button("renewButton", tr("Renew now"))
        self.signOutButton = self._button("signOutButton", tr("Sign out"))
        self.signInButton = self._button("signInButton", tr("Sign in…"))
        close = self._button("closeButton", tr("Close"))
        self.renewButton.clicked.connect(lambda: self._emit(self.renew_requested))
        self.signOutButton.clicked.connect(lambda: self._emit(self.sign_out_requested))
        self.signInButton.clicked.connect(lambda: self._emit(self.sign_in_requested))
        close.clicked.connect(self.close)

        buttons = QHBoxLayout()
        buttons.addStretch()
        for button in (self.renewButton, self.signOutButton, self.signInButton, close):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.siteTable)
        layout.addLayout(buttons)
        self._update_buttons()

    def show_rows(self, rows: list[SiteRow]) -> None:
        selected = self.selected_root()
        self._rows = rows
        self.siteTable.setRowCount(len(rows))
        for index, row in enumerate(rows):
            values = (
                row.root_url,
                row.username,
                row.expires,
                str(row.layers),
                row.state,
            )
            for column, value in enumerate(values):
                self.siteTable.setItem(index, column, QTableWidgetItem(value))
            if row.root_url == selected:
                self.siteTable.selectRow(index)
        self.siteTable.resizeColumnsToContents()
        self._update_buttons()

    def select_site(self, root_url: str) -> None:
        for index, row in enumerate(self._rows):
            if row.root_url == root_url:
                self.siteTable.selectRow(index)

    def selected_root(self) -> str:
        row = self._selected()
        return row.root_url if row else ""

    def _selected(self) -> SiteRow | None:
        indexes = self.siteTable.selectionModel().selectedRows()
        if not indexes or indexes[0].row() >= len(self._rows):
            return None
        return self._rows[indexes[0].row()]

    def _update_buttons(self) -> None:
        row = self._selected()
        self.renewButton.setEnabled(bool(row and row.signed_in))
        self.signOutButton.setEnabled(bool(row and row.signed_in))
        self.signInButton.setEnabled(bool(row and not row.signed_in))

    def _emit(self, signal) -> None:
        root = self.selected_root()
        if root:
            signal.emit(root)

    def _button(self, name: str, text: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        return button
