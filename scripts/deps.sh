#!/bin/sh
# Installs the Debian packages cgiauth needs when they are missing and we
# run as root; otherwise names them and fails.
set -u
PKGS="build-essential pkg-config libmongoc-dev libbson-dev libcjson-dev
libcurl4-openssl-dev libssl-dev check lighttpd python3 python3-mockupdb
python3-mongomock"
missing=""
for p in $PKGS; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case "$s" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "cgiauth: missing Debian packages:$missing" >&2
	echo "cgiauth: install them with: sudo apt-get install$missing" >&2
	exit 1
fi
echo "cgiauth: installing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2 || exit 1
# shellcheck disable=SC2086
apt-get install -y -q $missing >&2 || exit 1
