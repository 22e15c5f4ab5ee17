package updates

import (
	"sync"

	"patchward/store"
)

// memo remembers findOne's answer per installed package for one exact repo state (the
// repos, their priorities and flags, and their mirrors' package lists). The answer for an
// installed package depends only on that package and the repos, and a fleet has few distinct
// repo states but thousands of hosts installing mostly the same packages, so a full recompute
// mostly looks answers up instead of comparing versions again.
type memo struct {
	mu sync.Mutex
	m  map[int64]memoAnswer
}

// maxRepoStates bounds the memos a Finder keeps: a fleet has a few dozen distinct repo states.
const maxRepoStates = 256

type memoAnswer struct {
	up    store.ComputedUpdate
	ok    bool
	local bool
}

// memos hands out one memo per repo state. A Finder keeps them for its life; when a refresh
// has changed more repo states than maxRepoStates, all are dropped (answers are only a cache).
type memos struct {
	mu sync.Mutex
	m  map[string]*memo
}

func (ms *memos) get(repoState string) *memo {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.m == nil {
		ms.m = make(map[string]*memo)
	}
	m, ok := ms.m[repoState]
	if !ok && len(ms.m) >= maxRepoStates {
		clear(ms.m)
	}
	if !ok {
		m = &memo{m: make(map[int64]memoAnswer)}
		ms.m[repoState] = m
	}
	return m
}

// findOne is the package-level findOne through the memo; a nil memo computes every time.
func (m *memo) findOne(inst store.Package, repos []Repo, modules []string) (store.ComputedUpdate, bool, bool) {
	if m == nil {
		return findOne(inst, repos, modules)
	}
	m.mu.Lock()
	a, hit := m.m[inst.ID]
	m.mu.Unlock()
	if hit {
		return a.up, a.ok, a.local
	}
	a.up, a.ok, a.local = findOne(inst, repos, modules)
	m.mu.Lock()
	m.m[inst.ID] = a
	m.mu.Unlock()
	return a.up, a.ok, a.local
}
