"""`make lint`, last step: what would stop the plugin from loading on Qt6.

Reads every Python file of the plugin and reports:

- Qt imported from PyQt5/PyQt6 directly instead of through ``qgis.PyQt``;
- ``exec_()`` and other calls removed in PyQt6;
- enums reached without their enum's name (``Qt.AlignLeft`` instead of
  ``Qt.AlignmentFlag.AlignLeft``), found by asking the installed PyQt5 and
  QGIS classes which of their attributes are enum members;
- compiled resources, ``QRegExp``, ``qApp`` and ``QVariant()``, gone in Qt6.

Prints one line per finding and exits 1 when there is any.
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

QT_MODULES = ("QtCore", "QtGui", "QtWidgets", "QtNetwork", "QtXml")
REMOVED_CALLS = {"exec_": "exec()", "print_": "print()"}
REMOVED_NAMES = {
    "QRegExp": "QRegularExpression",
    "qApp": "QApplication.instance()",
    "resources_rc": "icon files loaded by path",
}


def qt_classes() -> dict[str, object]:
    """Every class the plugin can import from qgis.PyQt, qgis.core, qgis.gui."""
    classes: dict[str, object] = {}
    for name in QT_MODULES:
        module = importlib.import_module(f"qgis.PyQt.{name}")
        classes.update({k: v for k, v in vars(module).items() if isinstance(v, type)})
    for name in ("qgis.core", "qgis.gui"):
        module = importlib.import_module(name)
        classes.update({k: v for k, v in vars(module).items() if isinstance(v, type)})
    return classes


def is_unscoped_enum_member(owner: object, attribute: str) -> bool:
    """True when ``owner.attribute`` is an enum value reached past its enum."""
    value = getattr(owner, attribute, None)
    if value is None or isinstance(value, type) or callable(value):
        return False
    enum_type = type(value)
    enum_name = getattr(enum_type, "__name__", "")
    if enum_type in (int, float, str, bool, bytes) or not enum_name:
        return False
    return getattr(owner, enum_name, None) is enum_type and enum_name != attribute


def check_file(path: Path, classes: dict[str, object]) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    findings = []

    def report(node: ast.AST, text: str) -> None:
        findings.append(f"{path}:{node.lineno}:{node.col_offset + 1}: {text}")

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            top = node.module.split(".")[0]
            if top in ("PyQt5", "PyQt6"):
                report(node, f"import from qgis.PyQt, not {node.module}")
            for alias in node.names:
                if alias.name in REMOVED_NAMES:
                    report(
                        node,
                        f"{alias.name} is gone in Qt6; use {REMOVED_NAMES[alias.name]}",
                    )
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in ("PyQt5", "PyQt6"):
                    report(node, f"import from qgis.PyQt, not {alias.name}")
        elif isinstance(node, ast.Attribute):
            if node.attr in REMOVED_CALLS:
                report(
                    node,
                    f"{node.attr}() is gone in PyQt6; use {REMOVED_CALLS[node.attr]}",
                )
            elif isinstance(node.value, ast.Name) and node.value.id in classes:
                owner = classes[node.value.id]
                if is_unscoped_enum_member(owner, node.attr):
                    enum_name = type(getattr(owner, node.attr)).__name__
                    report(
                        node,
                        f"scoped enum needed: {node.value.id}.{enum_name}.{node.attr}",
                    )
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "QVariant"
            and not node.args
        ):
            report(node, "QVariant() is gone in PyQt6; use qgis.core.NULL")
    return findings


def main(folders: list[str]) -> int:
    from qgis.core import QgsApplication

    app = QgsApplication([], False)  # noqa: F841 - class introspection needs it
    classes = qt_classes()
    findings = []
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.py")):
            findings.extend(check_file(path, classes))
    for finding in findings:
        print(finding)
    print(f"Qt6 check: {len(findings)} finding(s) in {', '.join(folders)}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["secure_ags_plugin"]))
