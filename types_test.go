package main

import (
	"testing"

	"patchward/ingest"
	"patchward/repo"
	pkgversion "patchward/updates/version"
)

// TestPackageTypesRegistered holds the one list of package types (updates/version.Types)
// together with its registrations: every type needs its version rule there, a metadata parser
// (or an explicit "none") in repo and a normaliser in ingest. Adding a distribution without one
// of them fails here.
func TestPackageTypesRegistered(t *testing.T) {
	if len(pkgversion.Types) == 0 {
		t.Fatal("updates/version.Types is empty")
	}
	seen := map[string]bool{}
	for _, typ := range pkgversion.Types {
		t.Run(typ.Name, func(t *testing.T) {
			if typ.Name == "" || seen[typ.Name] {
				t.Fatalf("type %q is empty or listed twice", typ.Name)
			}
			seen[typ.Name] = true
			if typ.Compare == nil {
				t.Errorf("%s has no version rule in updates/version.Types", typ.Name)
			}
			if listed, _ := repo.Metadata(typ.Name); !listed {
				t.Errorf("%s has no metadata parser in repo (register one, or nil for none by design)", typ.Name)
			}
			if !ingest.Normalizes(typ.Name) {
				t.Errorf("%s has no normaliser in ingest", typ.Name)
			}
		})
	}
}
