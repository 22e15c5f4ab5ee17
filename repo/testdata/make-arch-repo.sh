#!/bin/sh
# Tiny pacman repo built with repo-add (pacman's own tool), without makepkg (which refuses to
# run as root). Copied from shared/recipes/make-arch-repo.sh; adds xz and zstd copies of the
# database, laid out as mirrors serve it: <repo>/os/<arch>/<repo>.db.
# Needs: apt-get install -y --no-install-recommends pacman-package-manager libarchive-tools zstd xz-utils
set -eu
OUT=${1:?usage: make-arch-repo.sh OUTDIR}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
D="$OUT/fixture/os/x86_64"; mkdir -p "$D"; D=$(realpath "$D")
mkpkg() { # name pkgver-pkgrel (epoch allowed: 1:2.0-1)
  d="$W/$1-$2"; mkdir -p "$d/usr/share/$1"; echo "$2" > "$d/usr/share/$1/VERSION"
  printf 'pkgname = %s\npkgbase = %s\npkgver = %s\npkgdesc = tiny fixture package\nurl = https://example.invalid/\nbuilddate = 1700000000\npackager = Fixture <fixture@example.invalid>\nsize = 4\narch = any\nlicense = MIT\n' "$1" "$1" "$2" > "$d/.PKGINFO"
  (cd "$d" && bsdtar --uid 0 --gid 0 -cf - .PKGINFO usr | zstd -q -19 -o "$D/$1-$2-any.pkg.tar.zst")
}
mkpkg hello-fixture 1.0-1
mkpkg hello-fixture 1.1-1
mkpkg other-fixture 1:2.0-1
repo-add -q "$D/fixture.db.tar.gz" "$D/hello-fixture-1.1-1-any.pkg.tar.zst" "$D/other-fixture-1:2.0-1-any.pkg.tar.zst"
rm -f "$D"/*.pkg.tar.zst "$D/fixture.db" "$D/fixture.files" "$D"/fixture.files.tar.gz
cp "$D/fixture.db.tar.gz" "$D/fixture.db"                 # what pacman fetches
gzip -dc "$D/fixture.db.tar.gz" | xz -9 > "$OUT/fixture-db.tar.xz"
gzip -dc "$D/fixture.db.tar.gz" | zstd -q -19 -o "$OUT/fixture-db.tar.zst"
rm -f "$D/fixture.db.tar.gz"
