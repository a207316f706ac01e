"""Every user-facing string goes through tr(); a translation compiles and loads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from qgis.core import QgsApplication, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QTranslator

import secure_ags_plugin
from secure_ags_plugin.arcgis.errors import InputError
from secure_ags_plugin.gui.feedback import describe

TESTS = Path(__file__).resolve().parents[1]
GERMAN = TESTS.parent / "secure_ags_plugin" / "i18n" / "secure_ags_plugin_de.ts"


def test_translation_files_list_every_current_string():
    result = subprocess.run(
        [sys.executable, str(TESTS / "translations.py"), "--check"],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def german(tmp_path):
    """The German .ts compiled now with lrelease, installed for the test."""
    compiled = tmp_path / "de.qm"
    subprocess.run(
        ["lrelease", "-silent", str(GERMAN), "-qm", str(compiled)], check=True
    )
    translator = QTranslator()
    assert translator.load(str(compiled))
    QCoreApplication.installTranslator(translator)
    yield translator
    QCoreApplication.removeTranslator(translator)


def test_compiled_german_translation_reaches_dialog_and_messages(german):
    from secure_ags_plugin.gui.dialog import SecuredServiceDialog

    dialog = SecuredServiceDialog()

    assert dialog.formSubmit.text() == "Dienste hinzufügen"
    assert dialog.connectButton.text() == "Dienste &auflisten"
    assert describe(InputError("x"))[0] == "Formular prüfen"
    dialog.deleteLater()


def test_plugin_loads_the_translation_for_qgis_language(qgis_iface, qgis_new_project):
    settings = QgsSettings()
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", "de_DE")
    try:
        assert QgsApplication.locale().startswith("de")
        plugin = secure_ags_plugin.classFactory(qgis_iface)
        plugin.initGui()
        german_text = plugin.action.text()
        plugin.unload()
        english = secure_ags_plugin.classFactory(qgis_iface)
        settings.setValue("locale/userLocale", "en_US")
        english.initGui()
        english_text = english.action.text()
        english.unload()
    finally:
        settings.remove("locale/overrideFlag")
        settings.remove("locale/userLocale")

    assert german_text == "Gesicherten ArcGIS-Dienst hinzufügen…"
    assert english_text == "Add Secured ArcGIS Service…"
