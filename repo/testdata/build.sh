#!/bin/sh
# Regenerates the fixture repositories in this directory with Debian's and RPM's own tools.
# Derived from shared/recipes/make-deb-repo.sh and make-rpm-repo.sh. Run from anywhere:
#   sh repo/testdata/build.sh
# Needs: dpkg-dev apt-utils gnupg xz-utils rpm createrepo-c zstd pacman-package-manager libarchive-tools.
# Output (committed): deb/repo (dists/bookworm/main/binary-amd64 with Packages{,.gz,.xz}, by-hash,
# Release/InRelease/Release.gpg signed by deb/fixture-key.asc), rpm/repo (createrepo_c, gz, with
# updateinfo) and rpm/repo-zst (the same metadata recompressed with zstd).
# The signing key is generated afresh on each run, so InRelease differs between runs.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$HERE/deb" "$HERE/rpm" "$HERE/arch" "$HERE/apk"
sh "$HERE/make-deb-repo.sh" "$HERE/deb"
sh "$HERE/make-rpm-repo.sh" "$HERE/rpm"
sh "$HERE/make-arch-repo.sh" "$HERE/arch"
sh "$HERE/make-apk-repo.sh" "$HERE/apk"
