#!/bin/sh
# Build a tiny signed Debian repo: pool/, Packages{,.gz,.xz}, by-hash, Release, InRelease, Release.gpg.
# Copied from shared/recipes/make-deb-repo.sh.
# Needs: apt-get install -y --no-install-recommends dpkg-dev apt-utils gnupg xz-utils
set -eu
OUT=${1:?usage: make-deb-repo.sh OUTDIR}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
export SOURCE_DATE_EPOCH=1700000000
mkdir -p "$OUT/repo"
mk() { # name version arch ; pool file name drops the epoch, as Debian does
  d="$W/build/$1_$2_$3"; mkdir -p "$d/DEBIAN" "$d/usr/share/$1"
  echo "$2" > "$d/usr/share/$1/VERSION"
  printf 'Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: Fixture <fixture@example.invalid>\nSection: misc\nPriority: optional\nDescription: tiny fixture package\n Used as a test fixture.\n' "$1" "$2" "$3" > "$d/DEBIAN/control"
  p="$OUT/repo/pool/main/$(printf %s "$1" | cut -c1)/$1"; mkdir -p "$p"
  dpkg-deb --root-owner-group -Zxz --build "$d" "$p/$1_${2#*:}_$3.deb" >/dev/null
}
mk hello-fixture 1.0-1 all
mk hello-fixture 1.0-1+deb12u1 all
mk other-fixture 2.0~rc1-1 amd64
mk epoch-fixture 1:0.9-1 all
mk epoch-fixture 1.0-1 all
cd "$OUT/repo"
B=dists/bookworm; P=$B/main/binary-amd64; mkdir -p "$P"
dpkg-scanpackages --multiversion --arch amd64 pool /dev/null > $P/Packages 2>/dev/null
gzip -9nkf $P/Packages; xz -9kf $P/Packages; bzip2 -9kf $P/Packages; zstd -q -19 -f -o $P/Packages.zst $P/Packages
mkdir -p $P/by-hash/SHA256
for f in $P/Packages $P/Packages.gz $P/Packages.xz $P/Packages.bz2 $P/Packages.zst; do cp $f $P/by-hash/SHA256/$(sha256sum $f | cut -d' ' -f1); done
rm -f $B/Release $B/InRelease $B/Release.gpg        # else Release lists itself
apt-ftparchive \
  -o APT::FTPArchive::Release::Origin=Fixture -o APT::FTPArchive::Release::Label=Fixture \
  -o APT::FTPArchive::Release::Suite=bookworm -o APT::FTPArchive::Release::Codename=bookworm \
  -o APT::FTPArchive::Release::Architectures=amd64 -o APT::FTPArchive::Release::Components=main \
  -o APT::FTPArchive::Release::Acquire-By-Hash=yes \
  -o "APT::FTPArchive::Release::Date=Tue, 14 Nov 2023 22:13:20 UTC" \
  release $B > "$W/Release" && mv "$W/Release" $B/Release
export GNUPGHOME="$W/gnupg"; mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'Fixture Repo <repo@example.invalid>' ed25519 sign never
gpg --batch --yes --quiet --local-user repo@example.invalid --clearsign -o $B/InRelease $B/Release
gpg --batch --yes --quiet --local-user repo@example.invalid -abs -o $B/Release.gpg $B/Release
gpg --batch --export repo@example.invalid > "$OUT/fixture-keyring.gpg"
gpg --batch --armor --export repo@example.invalid > "$OUT/fixture-key.asc"
# A second key that signs nothing: "a keyring that does not hold the signer" in tests.
gpg --batch --quiet --passphrase '' --quick-gen-key 'Other Repo <other@example.invalid>' ed25519 sign never
gpg --batch --export other@example.invalid > "$OUT/other-keyring.gpg"
# A flat repository (no dists/): Packages, Release, InRelease in one directory.
F=flat; mkdir -p $F
cp $P/Packages $F/Packages; xz -9kf $F/Packages
(cd $F && apt-ftparchive -o "APT::FTPArchive::Release::Date=Tue, 14 Nov 2023 22:13:20 UTC" release . > "$W/Release") && mv "$W/Release" $F/Release
gpg --batch --yes --quiet --local-user repo@example.invalid --clearsign -o $F/InRelease $F/Release
