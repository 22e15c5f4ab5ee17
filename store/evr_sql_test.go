package store

import (
	"context"
	"testing"
)

// TestSQLEVR: the host page's versions are built in SQL; they must read exactly as
// PackageKey.EVR builds them in Go, epoch and release present or not.
func TestSQLEVR(t *testing.T) {
	ctx := context.Background()
	db, _ := openUITestDB(t)
	keys := []PackageKey{
		{Type: "deb", Name: "a", Arch: "amd64", Version: "1.0", Release: "1+deb12u1"},
		{Type: "deb", Name: "b", Arch: "amd64", Epoch: "1", Version: "2.36.1", Release: "8+deb12u1"},
		{Type: "deb", Name: "c", Arch: "all", Version: "20230311"},
		{Type: "rpm", Name: "d", Arch: "x86_64", Epoch: "2", Version: "9.0"},
		{Type: "rpm", Name: "e", Arch: "noarch", Epoch: "0", Version: "1.2", Release: "3.el9"},
		{Type: "arch", Name: "f", Arch: "x86_64", Version: "1:2-3-4"},
	}
	for _, k := range keys {
		var got string
		err := db.write.QueryRowContext(ctx, `SELECT `+sqlEVR("p")+` FROM (SELECT ? AS epoch, ? AS version, ? AS release) p`,
			k.Epoch, k.Version, k.Release).Scan(&got)
		if err != nil {
			t.Fatal(err)
		}
		if got != k.EVR() {
			t.Errorf("%+v: SQL gives %q, EVR() %q", k, got, k.EVR())
		}
	}
}
