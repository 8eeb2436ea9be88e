#!/usr/bin/env bash
# pgvector for the local PostgreSQL 15 (Debian 12 has no package for it): built from Debian's
# pgvector source package against postgresql-server-dev-15. Does nothing when it is installed.
set -euo pipefail
pg_config=/usr/lib/postgresql/15/bin/pg_config
[ -x "$pg_config" ] || { echo "PostgreSQL 15 is not installed here; pgvector tests will be skipped"; exit 0; }
[ -f "$($pg_config --sharedir)/extension/vector.control" ] && exit 0

work=$(mktemp -d)
sources=/etc/apt/sources.list.d/pgvector-source.sources
trap 'rm -rf "$work" "$sources"' EXIT
cat > "$sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-server-dev-15 make gcc dpkg-dev >/dev/null
(cd "$work" && apt-get source -q pgvector >/dev/null 2>&1)
cd "$work"/pgvector-*/
make -s PG_CONFIG="$pg_config" >/dev/null
make -s PG_CONFIG="$pg_config" install >/dev/null
rm -f "$sources"
apt-get update -q >/dev/null
echo "pgvector installed"
