#!/usr/bin/env bash
# Part of `make lint`: QGIS's own PyQt5-to-PyQt6 migration script, run on a
# copy of the plugin, must find nothing to change.
#
# The script ships in QGIS's source, not in Debian's binary packages, so it
# is taken from Debian's source package of QGIS 3.40 (trixie) once, and run
# with PyQt6 from PyPI in its own virtual environment, both cached in build/.
# QGIS built for Qt6 is not available here, so the script checks Qt's classes
# and tests/qt6_check.py checks QGIS's own (Qgis.MessageLevel and the like).
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=$(pwd)/build/qt6-migration
SCRIPT=$CACHE/pyqt5_to_pyqt6.py
mkdir -p "$CACHE"

if [ ! -f "$SCRIPT" ]; then
    echo "Fetching QGIS's migration script from Debian's QGIS 3.40 source package"
    work=$(mktemp -d)
    mkdir -p "$work/lists/partial"
    echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
        "http://deb.debian.org/debian trixie main" > "$work/sources.list"
    options=(-q -o "Dir::Etc::SourceList=$work/sources.list"
             -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$work/lists")
    apt-get "${options[@]}" update > /dev/null
    (cd "$work" && apt-get "${options[@]}" source --download-only qgis > /dev/null 2>&1)
    tar -xJf "$work"/qgis_*.orig.tar.xz -C "$work" --wildcards \
        '*/scripts/pyqt5_to_pyqt6/pyqt5_to_pyqt6.py'
    cp "$work"/qgis-*/scripts/pyqt5_to_pyqt6/pyqt5_to_pyqt6.py "$SCRIPT"
    rm -rf "$work"
fi

if [ ! -x "$CACHE/venv/bin/python" ]; then
    /usr/bin/python3 -m venv "$CACHE/venv"
    "$CACHE/venv/bin/pip" install -q --disable-pip-version-check \
        PyQt6 PyQt6-QScintilla tokenize-rt
fi

copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
tar -C secure_ags_plugin --exclude=__pycache__ -cf - . | tar -C "$copy" -xf -

status=0
QT_QPA_PLATFORM=offscreen "$CACHE/venv/bin/python" "$SCRIPT" "$copy" || status=$?
changes=$(diff -r -x metadata.txt secure_ags_plugin "$copy" -x __pycache__ || true)
if [ "$status" -ne 0 ] || [ -n "$changes" ]; then
    echo "QGIS's PyQt5-to-PyQt6 migration script would change the plugin:"
    echo "$changes"
    exit 1
fi
echo "QGIS's PyQt5-to-PyQt6 migration script: nothing to change"
