package repo

import (
	"strings"
	"testing"
	"time"
)

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want []string
	}{
		{"zero is fine", Options{}, nil},
		{"never disable", Options{MaxFailures: -1}, nil},
		{"all bad", Options{Timeout: -time.Second, Concurrency: -1, MaxDecompressed: -1, MaxFailures: -2},
			[]string{"timeout", "concurrency", "max_decompressed_bytes", "max_failures"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate()
			if (err != nil) != (len(tt.want) > 0) {
				t.Fatalf("got %v, want errors about %v", err, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %v, want it to mention %s", err, w)
				}
			}
		})
	}
	d := Options{}.withDefaults()
	if d.Timeout != DefaultTimeout || d.Concurrency != DefaultConcurrency || d.MaxDecompressed != DefaultMaxDecompressed ||
		d.MaxFailures != DefaultMaxFailures || d.UserAgent != "patchward/dev" {
		t.Errorf("got defaults %+v", d)
	}
}
