package ui

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// get fetches url; it may run on other goroutines, so failures are reported with t.Error.
func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Error(err)
		return &http.Response{}, nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Error(err)
	}
	return resp, body
}

// TestAdmissionOrder: with every slot taken, waiting requests are served in arrival order.
func TestAdmissionOrder(t *testing.T) {
	a := newAdmission(1)
	hold := make(chan struct{})
	var mu sync.Mutex
	var order []string
	srv := httptest.NewServer(a.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hold" {
			<-hold
		}
		mu.Lock()
		order = append(order, r.URL.Path)
		mu.Unlock()
	})))
	defer srv.Close()
	var wg sync.WaitGroup
	wg.Go(func() { get(t, srv.URL+"/hold") })
	waitFor(t, "the first request to take the slot", func() bool { return len(a.slots) == 1 })
	want := []string{"/a", "/b", "/c", "/d", "/e"}
	for i, p := range want {
		wg.Go(func() { get(t, srv.URL+p) })
		waitFor(t, p+" to queue", func() bool { return a.queued.Load() == int64(i+1) })
	}
	close(hold)
	wg.Wait()
	if got := strings.Join(order, " "); got != "/hold "+strings.Join(want, " ") {
		t.Errorf("served in order %q, want /hold then %v", got, want)
	}
}

// TestAdmissionBuffers: a small answer keeps its status, headers and body; a large one frees
// its slot once past the buffer and streams the rest intact; actions are never queued.
func TestAdmissionBuffers(t *testing.T) {
	a := newAdmission(1)
	big := bytes.Repeat([]byte("0123456789abcdef"), (admitBuffer+admitBuffer/2)/16)
	bigWritten, finishBig := make(chan struct{}), make(chan struct{})
	hold := make(chan struct{})
	srv := httptest.NewServer(a.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost:
			io.WriteString(w, "posted")
		case r.URL.Path == "/small":
			w.Header().Set("X-Test", "kept")
			w.WriteHeader(http.StatusTeapot)
			io.WriteString(w, "short answer")
		case r.URL.Path == "/big":
			w.Write(big)
			close(bigWritten)
			<-finishBig
			io.WriteString(w, "tail")
		case r.URL.Path == "/hold":
			<-hold
		}
	})))
	defer srv.Close()

	resp, body := get(t, srv.URL+"/small")
	if resp.StatusCode != http.StatusTeapot || resp.Header.Get("X-Test") != "kept" || string(body) != "short answer" {
		t.Errorf("small answer: %d %q %q", resp.StatusCode, resp.Header.Get("X-Test"), body)
	}

	done := make(chan []byte)
	go func() {
		_, b := get(t, srv.URL+"/big")
		done <- b
	}()
	<-bigWritten
	// The big answer's handler is still running, yet its slot is free for others.
	if resp, body := get(t, srv.URL+"/small"); resp.StatusCode != http.StatusTeapot || string(body) != "short answer" {
		t.Errorf("while a big answer streams: %d %q", resp.StatusCode, body)
	}
	close(finishBig)
	if b := <-done; !bytes.Equal(b, append(append([]byte(nil), big...), "tail"...)) {
		t.Errorf("big answer: %d bytes, want %d", len(b), len(big)+4)
	}

	go get(t, srv.URL+"/hold")
	waitFor(t, "the slot to be taken", func() bool { return len(a.slots) == 1 })
	resp, err := http.Post(srv.URL+"/form", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "posted" {
		t.Errorf("POST while the slot is taken: %q", b)
	}
	close(hold)
}
