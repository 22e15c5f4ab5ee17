package ui

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// pageWeight is what a browser without a cache transfers for a page with gzip: the HTML plus
// every stylesheet, script and icon it links.
func pageWeight(t testing.TB, h http.Handler, cookie *http.Cookie, path string) (html, total int) {
	get := func(p string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, p, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", p, rec.Code)
		}
		return rec
	}
	rec := get(path)
	html = rec.Body.Len()
	total = html
	// Parse the uncompressed page for its links.
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	plain := httptest.NewRecorder()
	h.ServeHTTP(plain, req)
	doc, err := goquery.NewDocumentFromReader(plain.Body)
	if err != nil {
		t.Fatal(err)
	}
	doc.Find(`link[rel="stylesheet"], link[rel="icon"], script[src]`).Each(func(_ int, s *goquery.Selection) {
		src := s.AttrOr("href", s.AttrOr("src", ""))
		total += get(src).Body.Len()
	})
	return html, total
}

// TestPageWeight keeps every main page under 150 KB transferred (HTML + CSS + JS, gzip).
func TestPageWeight(t *testing.T) {
	env := newTestEnv(t)
	c := env.session(t, adminName)
	for _, p := range []string{"/", "/hosts", "/hosts/web1.example.org?packages=1", "/repos", "/packages", "/errata", "/admin"} {
		html, total := pageWeight(t, env.h, c, p)
		t.Logf("%s: html %d bytes, with assets %d bytes", p, html, total)
		if total > 150<<10 {
			t.Errorf("%s: %d bytes transferred, want under 150 KB", p, total)
		}
	}
}
