#!/usr/bin/env bash
# Installs the bench's GeoPandas peer from Debian's packages when missing (idempotent; root or sudo).
set -euo pipefail
PY=/usr/bin/python3
if "$PY" -c 'import geopandas, xlsxwriter, rtree' 2>/dev/null; then exit 0; fi
echo "[bench] installing python3-geopandas, python3-xlsxwriter and python3-rtree from Debian" >&2
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q python3-geopandas python3-xlsxwriter python3-rtree >&2 || {
  $SUDO apt-get update -q >&2
  $SUDO apt-get install -y -q python3-geopandas python3-xlsxwriter python3-rtree >&2
}
"$PY" -c 'import geopandas, xlsxwriter, rtree'
