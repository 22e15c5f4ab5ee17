package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestAgentUpdateKey: the key is made once and the same after reopening the database.
func TestAgentUpdateKey(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	db := OpenTestFile(t, path)
	k1, err := db.AgentUpdateKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := db.AgentUpdateKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !k1.Equal(k2) {
		t.Error("second call made a new key")
	}
	db.Close()
	db = OpenTestFile(t, path)
	k3, err := db.AgentUpdateKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !k1.Equal(k3) {
		t.Error("reopened database has another key")
	}
}
