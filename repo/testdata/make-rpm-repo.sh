#!/bin/sh
# Build a tiny RPM-MD repo (gz, plus a zstd copy) with an updateinfo security advisory.
# Copied from shared/recipes/make-rpm-repo.sh; adds an epoch-2 package.
# Needs: apt-get install -y --no-install-recommends rpm createrepo-c zstd   (dnf optional, as oracle)
set -eu
OUT=${1:?usage: make-rpm-repo.sh OUTDIR}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
mkdir -p "$W/SPECS" "$OUT/repo"
export SOURCE_DATE_EPOCH=1700000000
cat > "$W/SPECS/hello.spec" <<'EOF'
Name:           hello-fixture
Version:        %{ver}
Release:        %{rel}%{?dist}
Summary:        Tiny fixture package
License:        MIT
BuildArch:      noarch
%if "%{?epochnum}" != ""
Epoch:          %{epochnum}
%endif

%description
Tiny noarch package used as a test fixture.

%install
mkdir -p %{buildroot}/usr/share/hello-fixture
echo "%{version}-%{release}" > %{buildroot}/usr/share/hello-fixture/VERSION

%files
/usr/share/hello-fixture/VERSION
EOF
cat > "$W/SPECS/other.spec" <<'EOF'
Name:           other-fixture
Version:        1.0^git20240101
Release:        1
Summary:        Second fixture package with a caret version
License:        MIT
BuildArch:      noarch
Requires:       hello-fixture >= 1.0

%description
Second tiny fixture.

%install
mkdir -p %{buildroot}/usr/share/other-fixture
touch %{buildroot}/usr/share/other-fixture/x

%files
/usr/share/other-fixture/x
EOF
rb() { rpmbuild --quiet -bb --define "_topdir $W/build" --define "use_source_date_epoch_as_buildtime 1" \
  --define "clamp_mtime_to_source_date_epoch 1" --define "_buildhost fixture.invalid" "$@"; }
rb --define "ver 1.0" --define "rel 1" --define "dist .el9" "$W/SPECS/hello.spec"
rb --define "ver 1.1" --define "rel 1" --define "dist .el9" "$W/SPECS/hello.spec"
rb --define "ver 1.1" --define "rel 2" --define "dist .el9" "$W/SPECS/hello.spec"
rb --define "ver 0.9" --define "rel 3" --define "dist .el9" --define "epochnum 2" "$W/SPECS/hello.spec"
rb "$W/SPECS/other.spec"
cp "$W"/build/RPMS/noarch/*.rpm "$OUT/repo/"
touch -d @$SOURCE_DATE_EPOCH "$OUT"/repo/*.rpm          # createrepo records file mtime
createrepo_c --quiet --no-database --revision $SOURCE_DATE_EPOCH --set-timestamp-to-revision "$OUT/repo"
cat > "$W/updateinfo.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="security@example.invalid" status="stable" type="security" version="2.0">
    <id>FIXTURE-2024:0001</id>
    <title>Important: hello-fixture security update</title>
    <issued date="2024-01-15 00:00:00"/>
    <updated date="2024-01-16 00:00:00"/>
    <severity>Important</severity>
    <summary>An update for hello-fixture is now available.</summary>
    <description>Fixes CVE-2024-0001 in hello-fixture.</description>
    <references>
      <reference href="https://example.invalid/CVE-2024-0001" id="CVE-2024-0001" type="cve" title="CVE-2024-0001"/>
      <reference href="https://example.invalid/show_bug.cgi?id=1" id="1" type="bugzilla" title="hello-fixture: overflow"/>
    </references>
    <pkglist>
      <collection short="fixture-9">
        <name>Fixture Linux 9</name>
        <package name="hello-fixture" version="1.1" release="2.el9" epoch="0" arch="noarch" src="hello-fixture-1.1-2.el9.src.rpm">
          <filename>hello-fixture-1.1-2.el9.noarch.rpm</filename>
        </package>
      </collection>
    </pkglist>
  </update>
  <update from="bugs@example.invalid" status="stable" type="bugfix" version="2.0">
    <id>FIXTURE-2024:0002</id>
    <title>hello-fixture bug fix update</title>
    <issued date="2024-01-10 00:00:00"/>
    <severity>None</severity>
    <summary>Bug fix</summary>
    <description>Bug fix release.</description>
    <references/>
    <pkglist>
      <collection short="fixture-9">
        <name>Fixture Linux 9</name>
        <package name="hello-fixture" version="1.1" release="1.el9" epoch="0" arch="noarch" src="hello-fixture-1.1-1.el9.src.rpm">
          <filename>hello-fixture-1.1-1.el9.noarch.rpm</filename>
        </package>
      </collection>
    </pkglist>
  </update>
</updates>
EOF
modifyrepo_c --mdtype=updateinfo "$W/updateinfo.xml" "$OUT/repo/repodata" >/dev/null
# modules.yaml: one module stream (hello-fixture:1.1 with its 1.1-2 build), a defaults document.
cat > "$W/modules.yaml" <<'EOF'
---
document: modulemd
version: 2
data:
  name: hello-fixture
  stream: "1.1"
  version: 9040020240115000000
  context: 9edba152
  arch: noarch
  summary: Fixture module
  description: >-
    A module stream used as a test fixture.
    name: not-a-field
  license:
    module:
    - MIT
  profiles:
    common:
      rpms:
      - hello-fixture
  artifacts:
    rpms:
    - hello-fixture-0:1.1-2.el9.noarch
    - hello-fixture-0:1.1-2.el9.src
...
---
document: modulemd-defaults
version: 1
data:
  module: hello-fixture
  stream: "1.1"
...
EOF
modifyrepo_c --mdtype=modules "$W/modules.yaml" "$OUT/repo/repodata" >/dev/null
# zstd variant (createrepo_c 0.17.3 in bookworm cannot write zstd itself): recompress + re-register
rm -rf "$OUT/repo-zst"; mkdir -p "$OUT/repo-zst"; cp -a "$OUT/repo/." "$OUT/repo-zst/"
cd "$OUT/repo-zst/repodata"
for t in primary filelists other updateinfo modules; do
  gz=$(ls ./*-$t.*.gz)
  ext=xml; [ $t = modules ] && ext=yaml
  gzip -dc "$gz" | zstd -q -19 -o $t.$ext.zst
  modifyrepo_c --remove $t . >/dev/null
  modifyrepo_c --no-compress --mdtype=$t $t.$ext.zst . >/dev/null 2>&1   # warns "unsupported type of compression": harmless
  rm -f $t.$ext.zst
done
