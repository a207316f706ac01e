#!/usr/bin/env bash
# `make test-matrix`: the whole suite on each QGIS a user is likely to have.
#
#   QGIS 3.22  Debian 12 (bookworm), this machine's own QGIS
#   QGIS 3.40  Debian 13 (trixie), in a Debian root under build/roots/
#   QGIS 3.44  Debian unstable (sid), in a Debian root under build/roots/
#
# Each root is made once with debootstrap and QGIS is installed into it from
# Debian's packages; later runs reuse it. The project is copied into the
# root and tested there, offscreen, exactly as `make test` does here. One
# line per version is printed at the end, and kept in build/matrix.txt.
#
# Needs root (debootstrap, chroot, mounts). MATRIX="bookworm trixie" limits
# the versions; DEBIAN_MIRROR picks the mirror; MATRIX_ROOTS keeps the roots
# elsewhere (CI keeps them between runs).

set -uo pipefail

cd "$(dirname "$0")/.."
PROJECT=$(pwd)
ROOTS=${MATRIX_ROOTS:-$PROJECT/build/roots}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITES=${MATRIX:-bookworm trixie sid}
RESULTS=$PROJECT/build/matrix.txt
PACKAGES=python3-qgis,qgis-providers,python3-venv,python3-pip,python3-requests,openssl,ca-certificates,locales

mkdir -p "$ROOTS" "$PROJECT/build"
: > "$RESULTS"

summary_of() {
    # The closing pytest line of a log ("N passed, M failed in T s").
    grep -E "^(=+ )?[0-9]+ (passed|failed|error)" "$1" | tail -n 1 | tr -d '=' \
        | sed 's/^ *//; s/ *$//' || true
}

qgis_version_in() {
    local root=$1
    chroot "$root" dpkg-query -W -f='${Version}' python3-qgis 2>/dev/null \
        | sed 's/[+~-].*//'
}

make_root() {
    local suite=$1 root=$ROOTS/$1
    if [ -x "$root/usr/bin/python3" ] && chroot "$root" dpkg -s python3-qgis \
            >/dev/null 2>&1; then
        return 0
    fi

    command -v debootstrap >/dev/null || {
        apt-get update -q && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends debootstrap
    }
    echo "== making a Debian $suite root with QGIS (once; several minutes)"
    rm -rf "$root"
    debootstrap --variant=minbase --include="$PACKAGES" "$suite" "$root" "$MIRROR" \
        > "$ROOTS/$suite-debootstrap.log" 2>&1 || {
        echo "debootstrap of $suite failed; see $ROOTS/$suite-debootstrap.log"
        return 1
    }
}

mount_root() {
    local root=$1
    mount -t proc proc "$root/proc"
    mount --bind /dev "$root/dev"
    mount --bind /dev/pts "$root/dev/pts"
    mount -t tmpfs tmpfs "$root/dev/shm"
    mount -t tmpfs tmpfs "$root/tmp"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
}

unmount_root() {
    local root=$1
    for point in tmp dev/shm dev/pts dev proc; do
        umount -l "$root/$point" 2>/dev/null || true
    done
}

install_python_packages() {
    # pip inside the root first; where it cannot fetch, download the wheels
    # here for the root's Python and install them there without an index.
    local root=$1
    if chroot "$root" /work/.venv/bin/pip install -q --disable-pip-version-check \
            -r /work/tests/requirements.txt >/dev/null 2>&1; then
        return 0
    fi
    local version wheels=$root/tmp/wheels
    version=$(chroot "$root" python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    python3 -m pip download -q --only-binary=:all: --python-version "$version" \
        -d "$wheels" -r tests/requirements.txt && \
        chroot "$root" /work/.venv/bin/pip install -q --no-index \
            --find-links /tmp/wheels -r /work/tests/requirements.txt
}

run_in_root() {
    local suite=$1 root=$ROOTS/$1 log=$PROJECT/build/matrix-$1.log
    make_root "$suite" || { echo "QGIS ?    (Debian $suite): no root" >> "$RESULTS"; return; }

    rm -rf "$root/work" && mkdir -p "$root/work"
    tar -C "$PROJECT" --exclude=./.venv --exclude=./build --exclude=.git \
        --exclude=__pycache__ -cf - . | tar -C "$root/work" -xf -

    mount_root "$root"
    trap 'unmount_root "$root"' RETURN
    chroot "$root" python3 -m venv --system-site-packages /work/.venv
    if ! install_python_packages "$root" > "$log" 2>&1; then
        echo "QGIS $(qgis_version_in "$root") (Debian $suite): test tools not installed" \
            >> "$RESULTS"
        return
    fi
    chroot "$root" env -i PATH=/usr/bin:/bin HOME=/tmp LANG=C.UTF-8 \
        QT_QPA_PLATFORM=offscreen PYTHONPYCACHEPREFIX=/tmp/pycache \
        sh -c 'cd /work/tests && ../.venv/bin/python -m pytest -q -p no:cacheprovider' \
        >> "$log" 2>&1
    echo "QGIS $(qgis_version_in "$root") (Debian $suite): $(summary_of "$log")" \
        >> "$RESULTS"
}

run_here() {
    local log=$PROJECT/build/matrix-bookworm.log
    make -s test > "$log" 2>&1
    local version
    version=$(dpkg-query -W -f='${Version}' python3-qgis | sed 's/[+~-].*//')
    echo "QGIS $version (Debian bookworm, this machine): $(summary_of "$log")" \
        >> "$RESULTS"
}

for suite in $SUITES; do
    if [ "$suite" = bookworm ]; then
        run_here
    else
        run_in_root "$suite"
    fi
done

echo
echo "Version matrix:"
cat "$RESULTS"
! grep -qvE ": [0-9]+ passed(, [0-9]+ (skipped|warnings?|deselected))*( in .*)?$" \
    "$RESULTS"
