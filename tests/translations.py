"""`make translations`: keep the .ts files current with the code, then compile.

Collects every user-facing string: ``tr("...")`` calls in the plugin's
Python (context ``SecureArcGISServer``, the one ``gui/text.tr`` uses) and
the texts of the Designer ``.ui`` files (context: the form's class name, as
``uic`` asks for them). Each ``secure_ags_plugin/i18n/*.ts`` file is then
rewritten with every current string, keeping the translations it already
had; strings no longer in the code are dropped. With ``--compile``, each
``.ts`` is compiled into a ``.qm`` with Qt's ``lrelease``.

``python tests/translations.py --check`` exits 1 when a .ts file is not
current, without writing anything.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

PLUGIN = Path(__file__).resolve().parents[1] / "secure_ags_plugin"
I18N = PLUGIN / "i18n"
PYTHON_CONTEXT = "SecureArcGISServer"
UI_PROPERTIES = {"text", "toolTip", "windowTitle", "placeholderText", "suffix"}
LRELEASE = ("lrelease", "/usr/lib/qt5/bin/lrelease", "lrelease-qt5")


def python_strings() -> list[str]:
    """The literal arguments of every tr() call, both arms of a conditional."""
    found: list[str] = []
    for path in sorted(PLUGIN.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name != "tr":
                continue
            for literal in _literals(node.args[0]):
                if literal not in found:
                    found.append(literal)
    return found


def _literals(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    return []


def ui_strings() -> dict[str, list[str]]:
    """Each .ui form's translatable texts, by the form's class name."""
    contexts: dict[str, list[str]] = {}
    for path in sorted(PLUGIN.rglob("*.ui")):
        root = ElementTree.parse(path).getroot()
        context = root.findtext("class") or path.stem
        texts = contexts.setdefault(context, [])
        for prop in root.iter("property"):
            if prop.get("name") not in UI_PROPERTIES:
                continue
            string = prop.find("string")
            usable = string is not None and string.text and string.get("notr") != "true"
            if usable and string.text not in texts:
                texts.append(string.text)
    return contexts


def current_contexts() -> dict[str, list[str]]:
    contexts = {PYTHON_CONTEXT: python_strings()}
    contexts.update(ui_strings())
    return contexts


def read_translations(path: Path) -> dict[tuple[str, str], str]:
    if not path.exists():
        return {}
    known = {}
    for context in ElementTree.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            text = translation.text if translation is not None else ""
            if text and translation.get("type") != "unfinished":
                known[(name, message.findtext("source") or "")] = text
    return known


def render_ts(language: str, contexts: dict, known: dict) -> str:
    root = ElementTree.Element("TS", version="2.1", language=language)
    for name, sources in contexts.items():
        context = ElementTree.SubElement(root, "context")
        ElementTree.SubElement(context, "name").text = name
        for source in sources:
            message = ElementTree.SubElement(context, "message")
            ElementTree.SubElement(message, "source").text = source
            translation = ElementTree.SubElement(message, "translation")
            text = known.get((name, source))
            if text:
                translation.text = text
            else:
                translation.set("type", "unfinished")
    ElementTree.indent(root)
    body = ElementTree.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n"


def compile_ts(path: Path) -> Path:
    tool = next((t for t in LRELEASE if shutil.which(t) or Path(t).exists()), None)
    if tool is None:
        raise SystemExit("lrelease not found: apt-get install qttools5-dev-tools")
    target = path.with_suffix(".qm")
    subprocess.run([tool, "-silent", str(path), "-qm", str(target)], check=True)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report staleness")
    parser.add_argument("--compile", action="store_true", help="also build .qm files")
    arguments = parser.parse_args()

    contexts = current_contexts()
    stale = []
    for path in sorted(I18N.glob("*.ts")):
        language = path.stem.rsplit("_", 1)[-1]
        text = render_ts(language, contexts, read_translations(path))
        if path.read_text(encoding="utf-8") != text:
            stale.append(path)
            if not arguments.check:
                path.write_text(text, encoding="utf-8")
        if arguments.compile and not arguments.check:
            compile_ts(path)

    for path in stale:
        print(f"{'not current' if arguments.check else 'updated'}: {path}")
    return 1 if arguments.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
