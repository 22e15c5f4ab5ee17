package ingest

import (
	"testing"

	"patchward/updates/version"
)

// TestNormalizersAreListedTypes: every registered normaliser belongs to a type of the one list
// (the root package's test checks the other direction).
func TestNormalizersAreListedTypes(t *testing.T) {
	for typ := range normalizers {
		if _, ok := version.Lookup(typ); !ok {
			t.Errorf("normaliser for %q, which is not in updates/version.Types", typ)
		}
	}
}
