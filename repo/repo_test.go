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

func TestReleaseVerAndExpand(t *testing.T) {
	tests := []struct{ os, want string }{
		{"Rocky Linux 9.3 (Blue Onyx)", "9"}, {"Fedora Linux 40", "40"}, {"AlmaLinux 8.10", "8"}, {"Arch Linux", ""},
	}
	for _, tt := range tests {
		if got := releaseVer(tt.os); got != tt.want {
			t.Errorf("releaseVer(%q): got %q, want %q", tt.os, got, tt.want)
		}
	}
	got := expandVars("https://mirrors.example.org/mirrorlist?arch=$basearch&repo=BaseOS-$releasever&x=${arch}", "x86_64", "9")
	if want := "https://mirrors.example.org/mirrorlist?arch=x86_64&repo=BaseOS-9&x=x86_64"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
