// Package assets embeds patchward's static files (vendored Pico CSS and htmx, and the app's own
// stylesheet and keyboard-shortcut script) and serves them under content-hashed URLs, so
// browsers may cache them forever and a new release still reaches every browser at once.
package assets

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed static
var staticFS embed.FS

// Prefix is the URL path under which Handler is expected to be mounted.
const Prefix = "/static/"

type file struct {
	name   string // original name, e.g. "pico.min.css"
	hashed string // name with content hash, e.g. "pico.min.3fa2c1d0.css"
	body   []byte
	gz     []byte // body gzip'd once at start (nil when that does not make it smaller)
	ctype  string
}

// compressible are the types worth gzipping: Pico's CSS goes from 83 KB to ~12 KB on the wire.
func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "javascript") || strings.Contains(ctype, "svg")
}

func gzipped(body []byte) []byte {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil
	}
	zw.Write(body)
	if zw.Close() != nil || buf.Len() >= len(body) {
		return nil
	}
	return buf.Bytes()
}

type index struct {
	byName   map[string]*file
	byHashed map[string]*file
}

// files indexes the embedded set once, on first use. The set is fixed at build time, so a
// failure here is a broken build, not bad input.
var files = sync.OnceValue(func() index {
	idx := index{byName: map[string]*file{}, byHashed: map[string]*file{}}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic("assets: read embedded static dir: " + err.Error())
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		body, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic("assets: read " + e.Name() + ": " + err.Error())
		}
		f := &file{name: e.Name(), body: body, hashed: hashedName(e.Name(), body)}
		if f.ctype = mime.TypeByExtension(path.Ext(e.Name())); f.ctype == "" {
			f.ctype = "text/plain; charset=utf-8"
		}
		if compressible(f.ctype) {
			f.gz = gzipped(body)
		}
		idx.byName[f.name] = f
		idx.byHashed[f.hashed] = f
	}
	return idx
})

// hashedName inserts the first 8 bytes of the content's SHA-256 before the extension.
func hashedName(name string, body []byte) string {
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:8])
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + h + ext
}

// URL returns the content-hashed URL of the named static file (e.g. "pico.min.css"). An unknown
// name yields the unhashed URL, which Handler answers with 404, so a typo shows up in tests.
func URL(name string) string {
	if f, ok := files().byName[name]; ok {
		return Prefix + f.hashed
	}
	return Prefix + name
}

// Handler serves the static files. Hashed names are cached for a year as immutable; plain
// names (licences, or a stale link) are served but must be revalidated.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, Prefix)
		idx := files()
		f, hashed := idx.byHashed[name], true
		if f == nil {
			f, hashed = idx.byName[name], false
		}
		if f == nil {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.ctype)
		h.Set("X-Content-Type-Options", "nosniff")
		body := f.body
		if f.gz != nil {
			h.Add("Vary", "Accept-Encoding")
			if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				h.Set("Content-Encoding", "gzip")
				body = f.gz
			}
		}
		if hashed {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		// ServeContent would answer Range requests with ranges of the gzip'd bytes; static
		// files are small, so serve them whole.
		r.Header.Del("Range")
		http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(body))
	})
}
