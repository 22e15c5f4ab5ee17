package updates

import (
	"cmp"
	"slices"
	"strings"

	"patchward/store"
	"patchward/updates/version"
)

// Input is what Find needs for one computation.
type Input struct {
	Installed []store.Package
	Repos     []Repo
	// Modules are the enabled dnf module streams ("name:stream").
	Modules []string
}

// Repo is one of the computation's repositories.
type Repo struct {
	ID       int64
	Priority int // higher wins: apt pin, or the negated yum/dnf/zypper priority
	Security bool
	Enabled  bool
	// Packages must be sorted by Name (store.ComputationInput delivers them so; SortByName
	// sorts a hand-built list), so that Find can search it without indexing 60,000 packages
	// per computation.
	Packages []store.Package
	// ByName optionally indexes Packages by name (as store.RepoInput.ByName does); when nil,
	// Find binary-searches Packages.
	ByName map[string][]store.Package
	// Modular and ModuleNames describe the repo's module streams (see store.RepoInput).
	Modular     map[int64][]string
	ModuleNames map[string][]string
	// Errata lists the errata of the repo by the name of the package they fix.
	Errata map[string][]store.ErratumFix
}

// SortByName sorts pkgs the way Repo.Packages must be sorted.
func SortByName(pkgs []store.Package) {
	slices.SortFunc(pkgs, func(a, b store.Package) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
}

// InputFrom converts the store's loaded input; the package slices are shared, not copied.
func InputFrom(in store.ComputationInput) Input {
	out := Input{Installed: in.Installed, Repos: make([]Repo, len(in.Repos)), Modules: in.Modules}
	for i, r := range in.Repos {
		out.Repos[i] = Repo{ID: r.ID, Priority: r.Priority, Security: r.Security, Enabled: r.Enabled,
			Packages: r.Packages, ByName: r.ByName, Modular: r.Modular, ModuleNames: r.ModuleNames, Errata: r.Errata}
	}
	return out
}

// candidate is one version offered for an installed package, with what the repos say about it.
type candidate struct {
	pkg      store.Package
	priority int  // the highest priority of the enabled repos offering it
	security bool // whether any of them is a security repo
	repo     Repo // the best of them: security first, then priority, then lowest id
}

// Find returns the updates for one computation, ordered by old package id.
//
// For each installed package (when a name is installed in several versions, as rpm's
// installonly kernels are, only the highest is considered) the candidates are the packages of
// enabled repos with the same type and name and a compatible arch (see archCompatible). Repo
// priorities decide before versions do, as the package managers do it:
//
//   - deb, like apt's candidate selection: among the versions newer than the installed one, the
//     highest priority wins, then the highest version; the installed version keeps its place
//     when its own repos' priority is higher. So a backports pin 100 never replaces a version
//     installed from main (500), but a version installed from backports follows backports.
//   - rpm and the rest, like dnf's priority masking: only the best-priority repos offering the
//     name at all count (the installed version's repos included), and the highest version
//     among them is taken. So a better (negated) yum priority masks newer versions elsewhere.
//
// If the installed version is in no repo, its own priority plays no part. The winner is an
// update when it is newer than the installed version; its repo is the best repo offering it
// (security first, then priority, then lowest id).
//
// Module streams filter the candidates as dnf does: a package that is an artifact of a module
// stream is a candidate only when one of its streams is enabled, and while a stream is enabled
// the non-modular packages of the names it provides are hidden. So a modular package never
// updates a host without its stream.
//
// An update lists the errata (of the enabled repos) that fix a version newer than the installed
// one and not newer than the winner; it is a security update when a repo offering the winner is a
// security repo or one of those errata is a security erratum.
func Find(in Input) []store.ComputedUpdate {
	ups, _ := find(in, nil)
	return ups
}

// FindLocal is Find, and also the installed packages that come from no repository: the ones
// no enabled repository offers in their installed version and none offers a newer version
// of. They are what `apt list --installed` marks [installed,local] (ids, ascending). Of a name
// installed in several versions only the highest is judged, as for updates.
func FindLocal(in Input) (ups []store.ComputedUpdate, local []int64) {
	return find(in, nil)
}

// find is FindLocal, taking each installed package's answer from m when it has one.
func find(in Input, m *memo) (out []store.ComputedUpdate, local []int64) {
	for _, inst := range highestInstalled(in.Installed) {
		u, ok, loc := m.findOne(inst, in.Repos, in.Modules)
		if ok {
			out = append(out, u)
		} else if loc {
			local = append(local, inst.ID)
		}
	}
	slices.SortFunc(out, func(a, b store.ComputedUpdate) int { return cmp.Compare(a.OldPackageID, b.OldPackageID) })
	slices.Sort(local)
	return out, local
}

type nameArch struct{ typ, name, arch string }

// highestInstalled returns the installed packages that are not superseded by a higher
// installed version of the same type, name and arch. Only rpm installonly packages (kernels)
// are normally installed twice, so the common case is one cheap pass over a name count.
func highestInstalled(installed []store.Package) []store.Package {
	// dpkg cannot install two versions of one name and arch, so deb packages need no check.
	var count map[string]int32
	dups := false
	for _, p := range installed {
		if p.Type == "deb" {
			continue
		}
		if count == nil {
			count = make(map[string]int32, len(installed))
		}
		count[p.Name]++
		dups = dups || count[p.Name] > 1
	}
	if !dups {
		return installed
	}
	best := make(map[nameArch]store.Package)
	for _, p := range installed {
		if count[p.Name] <= 1 {
			continue
		}
		k := nameArch{p.Type, p.Name, p.Arch}
		if b, ok := best[k]; !ok || Compare(p.PackageKey, b.PackageKey) > 0 {
			best[k] = p
		}
	}
	out := make([]store.Package, 0, len(installed))
	for _, p := range installed {
		if count[p.Name] <= 1 || best[nameArch{p.Type, p.Name, p.Arch}].ID == p.ID {
			out = append(out, p)
		}
	}
	return out
}

// findOne is the update of inst, if any (ok), and whether inst comes from no repository
// (local: no enabled repo offers its version, and there is no update).
func findOne(inst store.Package, repos []Repo, modules []string) (u store.ComputedUpdate, ok, local bool) {
	u, ok, known := findUpdate(inst, repos, modules)
	return u, ok, !ok && !known
}

// findUpdate is findOne's update, and whether an enabled repo offers inst's own version.
func findUpdate(inst store.Package, repos []Repo, modules []string) (store.ComputedUpdate, bool, bool) {
	cands, instPrio, instKnown := candidates(inst, repos, modules)
	if inst.Type == "deb" {
		// apt never considers versions older than the installed one (below pin 1000), so
		// they cannot mask newer ones as they do in dnf's priority contest.
		cands = slices.DeleteFunc(cands, func(c candidate) bool { return Compare(c.pkg.PackageKey, inst.PackageKey) <= 0 })
	}
	if len(cands) == 0 {
		return store.ComputedUpdate{}, false, instKnown
	}
	top := cands[0].priority
	for _, c := range cands[1:] {
		top = max(top, c.priority)
	}
	if instKnown && instPrio > top {
		return store.ComputedUpdate{}, false, true // the installed version's repo outranks every other version
	}
	win := -1
	for i, c := range cands {
		if c.priority == top && (win < 0 || Compare(c.pkg.PackageKey, cands[win].pkg.PackageKey) > 0) {
			win = i
		}
	}
	w := cands[win]
	if Compare(w.pkg.PackageKey, inst.PackageKey) <= 0 {
		return store.ComputedUpdate{}, false, instKnown
	}
	u := store.ComputedUpdate{OldPackageID: inst.ID, NewPackageID: w.pkg.ID, RepoID: w.repo.ID, Security: w.security}
	u.Errata, u.Security = errataFor(inst, w.pkg.PackageKey, repos, u.Security)
	return u, true, instKnown
}

// errataFor returns the ids of the errata fixing a version of inst newer than it and not newer
// than to, and whether the update is security (already, or because one of them is).
func errataFor(inst store.Package, to store.PackageKey, repos []Repo, security bool) ([]int64, bool) {
	var ids []int64
	for _, r := range repos {
		if !r.Enabled {
			continue
		}
		for _, f := range r.Errata[inst.Name] {
			if f.Package.Type != inst.Type || !archCompatible(inst.Type, inst.Arch, f.Package.Arch) ||
				Compare(f.Package, inst.PackageKey) <= 0 || Compare(f.Package, to) > 0 {
				continue
			}
			if !slices.Contains(ids, f.ErratumID) {
				ids = append(ids, f.ErratumID)
			}
			security = security || f.Security
		}
	}
	slices.Sort(ids)
	return ids, security
}

// moduleAllowed reports whether dnf would consider p with these module streams enabled: a
// modular package only from an enabled stream, a non-modular one only when no enabled stream
// provides its name.
func moduleAllowed(p store.Package, repos []Repo, enabled []string) bool {
	modular := false
	for _, r := range repos {
		streams, ok := r.Modular[p.ID]
		if !ok {
			continue
		}
		modular = true
		for _, s := range streams {
			if slices.Contains(enabled, s) {
				return true
			}
		}
	}
	if modular {
		return false
	}
	for _, r := range repos {
		for _, s := range r.ModuleNames[p.Name] {
			if slices.Contains(enabled, s) {
				return false
			}
		}
	}
	return true
}

// candidates collects the other versions offered for inst, one per distinct package, and the
// priority of the installed version: the highest priority of the repos containing it exactly
// (known is false when none does).
func candidates(inst store.Package, repos []Repo, modules []string) (cands []candidate, instPrio int, known bool) {
	withModules := false
	for _, r := range repos {
		withModules = withModules || r.ModuleNames != nil
	}
	for _, r := range repos {
		if !r.Enabled {
			continue
		}
		for _, p := range sameName(r, inst.Name) {
			if p.PackageKey == inst.PackageKey {
				if !known || r.Priority > instPrio {
					instPrio, known = r.Priority, true
				}
				continue
			}
			if eligible(inst, p) && (!withModules || moduleAllowed(p, repos, modules)) {
				cands = addCandidate(cands, p, r)
			}
		}
	}
	return cands, instPrio, known
}

// sameName returns the repo's packages called name.
func sameName(r Repo, name string) []store.Package {
	if r.ByName != nil {
		return r.ByName[name]
	}
	lo, _ := slices.BinarySearchFunc(r.Packages, name, func(p store.Package, name string) int {
		return strings.Compare(p.Name, name)
	})
	hi := lo
	for hi < len(r.Packages) && r.Packages[hi].Name == name {
		hi++
	}
	return r.Packages[lo:hi]
}

// eligible reports whether p may replace inst: same type, compatible arch, and not a Gentoo
// live ebuild (9999).
func eligible(inst, p store.Package) bool {
	if p.Type != inst.Type || !archCompatible(inst.Type, inst.Arch, p.Arch) {
		return false
	}
	if p.Type == "gentoo" && strings.HasPrefix(p.Version, "9999") {
		return false
	}
	return true
}

// archCompatible reports whether the package manager upgrades an installed package of arch
// have into one of arch want. Architecture-independent packages may switch with the native
// arch (apt treats foo:amd64 and foo:all as the same package; dnf replaces noarch with x86_64
// and back; pacman's any likewise), but two different machine arches never cross (i686 and
// x86_64 multilib packages stay apart).
func archCompatible(typ, have, want string) bool {
	if have == want {
		return !isSourceArch(want)
	}
	t, _ := version.Lookup(typ)
	indep := t.IndepArch
	if indep == "" {
		return false
	}
	if isSourceArch(have) || isSourceArch(want) {
		return false
	}
	return have == indep || want == indep
}

func isSourceArch(a string) bool { return a == "src" || a == "nosrc" || a == "source" }

// addCandidate records that repo r offers p, merging with an earlier repo offering the same
// package: the candidate's priority is the best of its repos', it is security if any of them
// is, and its repo is the best one.
func addCandidate(cands []candidate, p store.Package, r Repo) []candidate {
	for i := range cands {
		c := &cands[i]
		if c.pkg.PackageKey != p.PackageKey {
			continue
		}
		c.priority = max(c.priority, r.Priority)
		c.security = c.security || r.Security
		if betterRepo(r, c.repo) {
			c.repo = r
		}
		return cands
	}
	return append(cands, candidate{pkg: p, priority: r.Priority, security: r.Security, repo: r})
}

// betterRepo orders the repos offering one package as Patchman's find_best_repo does: a
// security repo first, then the higher priority, then the lower id for a stable answer.
func betterRepo(a, b Repo) bool {
	if a.Security != b.Security {
		return a.Security
	}
	if a.Priority != b.Priority {
		return a.Priority > b.Priority
	}
	return a.ID < b.ID
}
