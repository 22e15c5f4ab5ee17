package repo

import (
	"testing"

	pkgversion "patchward/updates/version"
)

// TestMetadataParsersAreListedTypes: every registered parser belongs to a type of the one list
// (the root package's test checks the other direction).
func TestMetadataParsersAreListedTypes(t *testing.T) {
	for typ := range metadataParsers {
		if _, ok := pkgversion.Lookup(typ); !ok {
			t.Errorf("metadata parser for %q, which is not in updates/version.Types", typ)
		}
	}
}
