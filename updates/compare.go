package updates

import (
	"strings"

	"patchward/store"
	"patchward/updates/version"
)

// Compare orders two packages' versions with the rules of their package type (see
// version.Types). Packages of different types are never upgrades of each other; they are
// ordered by type name only so that the result stays deterministic.
func Compare(a, b store.PackageKey) int {
	if a.Type != b.Type {
		return min(max(strings.Compare(a.Type, b.Type), -1), 1)
	}
	return version.Compare(a.Type, evr(a), evr(b))
}

func evr(k store.PackageKey) version.EVR {
	return version.EVR{Epoch: k.Epoch, Version: k.Version, Release: k.Release}
}
