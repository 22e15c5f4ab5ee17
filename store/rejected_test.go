package store

import (
	"bytes"
	"context"
	"testing"
)

func TestSaveRejectedUploadCaps(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		lim     RejectedLimits
		want    int // newest kept
		rawSize int
	}{
		{"count", RejectedLimits{Count: 3}, 3, 100},
		{"bytes", RejectedLimits{Bytes: 250}, 2, 100},
		{"both, count first", RejectedLimits{Count: 2, Bytes: 1 << 20}, 2, 100},
		{"none", RejectedLimits{}, 5, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := openIngestTestDB(t)
			var ids []int64
			for range 5 {
				id, err := db.SaveRejectedUpload(ctx, Report{Protocol: "1", RemoteAddr: "10.0.0.1"}, "bad",
					bytes.Repeat([]byte("x"), tt.rawSize), tt.lim)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			rs, err := db.Reports(ctx, ReportFilter{Status: ReportRejected})
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != tt.want {
				t.Fatalf("got %d rejected reports kept, want %d", len(rs), tt.want)
			}
			for _, r := range rs {
				if r.ID < ids[len(ids)-tt.want] {
					t.Errorf("kept report %d, want only the newest %d of %v", r.ID, tt.want, ids)
				}
			}
		})
	}
}
