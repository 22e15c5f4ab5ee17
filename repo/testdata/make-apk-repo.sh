#!/bin/sh
# Tiny Alpine repo index built by hand following the apk index format: APKINDEX.tar.gz is
# gzip streams (signature, then the index) of a tar with DESCRIPTION and APKINDEX; APKINDEX
# has one stanza per package ("C:" checksum, "P:" name, "V:" version, "A:" arch, ...).
# Served as <repo>/<arch>/APKINDEX.tar.gz. Needs: tar gzip
set -eu
OUT=${1:?usage: make-apk-repo.sh OUTDIR}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
D="$OUT/v3.19/main/x86_64"; mkdir -p "$D"
cat > "$W/APKINDEX" <<'IDX'
C:Q1Fixture0000000000000000000000000=
P:hello-fixture
V:1.0-r0
A:x86_64
S:1000
I:4096
T:tiny fixture package
U:https://example.invalid/
L:MIT
o:hello-fixture
m:Fixture <fixture@example.invalid>
t:1700000000
D:so:libc.musl-x86_64.so.1

C:Q1Fixture1111111111111111111111111=
P:hello-fixture
V:1.1-r2
A:x86_64
S:1000
I:4096
T:tiny fixture package
U:https://example.invalid/
L:MIT
o:hello-fixture
t:1700000000

C:Q1Fixture2222222222222222222222222=
P:other-fixture
V:2.0_rc1-r0
A:noarch
S:1000
I:4096
T:second fixture
U:https://example.invalid/
L:MIT
o:other-fixture
t:1700000000

IDX
echo "v3.19 fixture" > "$W/DESCRIPTION"
printf 'not a real signature\n' > "$W/.SIGN.RSA.fixture.rsa.pub"
touch -d @1700000000 "$W/APKINDEX" "$W/DESCRIPTION" "$W/.SIGN.RSA.fixture.rsa.pub"
# signature stream: a tar segment without end-of-archive blocks, as abuild-sign writes it
(cd "$W" && tar --owner=0 --group=0 --numeric-owner -cf - .SIGN.RSA.fixture.rsa.pub | head -c 1024 | gzip -9n > sig.gz)
(cd "$W" && tar --owner=0 --group=0 --numeric-owner -cf - DESCRIPTION APKINDEX | gzip -9n > idx.gz)
cat "$W/sig.gz" "$W/idx.gz" > "$D/APKINDEX.tar.gz"
