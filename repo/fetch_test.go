package repo

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

func TestFetchErrors(t *testing.T) {
	big := strings.Repeat("x", 2000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sized":
			w.Write([]byte(big)) // small enough for net/http to send a Content-Length
		case "/chunked":
			w.Write([]byte(big[:1000]))
			w.(http.Flusher).Flush() // no Content-Length: the cap must hold while reading
			w.Write([]byte(big[1000:]))
		case "/gone":
			http.Error(w, "gone", http.StatusGone)
		case "/forbidden":
			http.Error(w, "no", http.StatusForbidden)
		}
	}))
	defer srv.Close()
	abs, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	f, err := newFetcher(Options{MaxDecompressed: 1500, AllowFileURLs: true, AllowNetworks: loopback}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		url     string
		wantErr error
		want    string
	}{
		{srv.URL + "/sized", ErrTooLarge, ""},
		{srv.URL + "/chunked", ErrTooLarge, ""},
		{srv.URL + "/gone", ErrNotFound, "410"},
		{srv.URL + "/forbidden", nil, "403 Forbidden"},
		{"file://" + abs + "/nope", ErrNotFound, ""},
		{"file://" + abs, ErrNotFound, "directory"},
		{"file:///dev/null", nil, "not a regular file"},
		{"ftp://example.invalid/x", nil, "unsupported url scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := f.get(context.Background(), tt.url, validators{})
			if err == nil {
				t.Fatal("got no error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("got %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
