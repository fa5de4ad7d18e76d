#!/usr/bin/env bash
# The Debian packages xxgk drives for real, installed when missing (`make demo` and `make test` call
# this): Chromium (scripted listings, anti-bot challenges); LibreOffice (DOC/WPS/RTF/XLS, and the
# replica's PDF/DOC fixtures); Tesseract with chi_sim and eng (scans); poppler's pdftoppm (the
# replica's scans); a CJK font for LibreOffice to render Chinese with; redis-server (distributed
# crawls: the tests start one on 127.0.0.1).
set -euo pipefail
PACKAGES=(chromium libreoffice-writer libreoffice-calc tesseract-ocr tesseract-ocr-chi-sim
  tesseract-ocr-eng poppler-utils fonts-noto-cjk redis-server)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "xxgk needs these programs (Debian names): ${missing[*]}; install them with your package manager." >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing Debian packages: ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
