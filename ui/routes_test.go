package ui

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// samplePath fills a route pattern's wildcards with values that exist in the test fleet.
func samplePath(pattern string) string {
	p := strings.TrimSuffix(pattern, "{$}")
	r := strings.NewReplacer("{id}", "1", "{name}", "web1.example.org")
	switch {
	case strings.HasPrefix(p, "/packages/"), strings.HasPrefix(p, "/api/v1/packages/"):
		r = strings.NewReplacer("{name}", "bash")
	case strings.Contains(p, "/errata/"):
		r = strings.NewReplacer("{name}", "DSA-5900-1")
	case strings.Contains(p, "/cves/"):
		r = strings.NewReplacer("{id}", "CVE-2026-1111")
	}
	return r.Replace(p)
}

// TestEveryRouteAuthorization walks the whole route table as nobody and as each role: nobody
// is sent to log in (pages) or refused (posts, API), a role below the route's is refused, and
// a sufficient role is let through (whatever the handler then says, it is not 401/403/5xx).
func TestEveryRouteAuthorization(t *testing.T) {
	env := newTestEnv(t)
	routes := env.srv.routeTable()
	// Reads first, so that a delete earlier in the walk cannot turn a later read into a 404.
	slices.SortStableFunc(routes, func(a, b route) int {
		return cmp.Compare(boolInt(a.Method != http.MethodGet), boolInt(b.Method != http.MethodGet))
	})
	if len(routes) < 60 {
		t.Fatalf("route table: got %d routes, want the full table", len(routes))
	}
	users := []struct{ name, role string }{{"", ""}, {viewerName, roleViewer}, {operatorName, roleOperator}, {adminName, roleAdmin}}
	for _, u := range users {
		t.Run("as "+orDash(u.role), func(t *testing.T) {
			// A database per role: admin's deletes must not change what the others see.
			e := newTestEnv(t)
			var hdr map[string]string
			if u.name != "" {
				c := e.session(t, u.name)
				hdr = map[string]string{"Cookie": c.Name + "=" + c.Value}
			}
			for _, rt := range routes {
				if rt.Role == rolePublic {
					continue
				}
				target := samplePath(rt.Path)
				var body map[string]string
				if rt.API && rt.Method != http.MethodGet && rt.Method != http.MethodDelete {
					body = map[string]string{"Content-Type": "application/json"}
				}
				rec := e.doRaw(t, rt.Method, target, "{}", merge(hdr, body))
				code := rec.Code
				switch {
				case u.role == "":
					want := http.StatusUnauthorized
					if !rt.API && rt.Method == http.MethodGet {
						want = http.StatusSeeOther
					}
					if code != want || (want == http.StatusSeeOther && !strings.HasPrefix(rec.Header().Get("Location"), "/login")) {
						t.Errorf("%s %s as nobody: got %d (Location %q), want %d to the login", rt.Method, target, code, rec.Header().Get("Location"), want)
					}
				case !allowed(u.role, rt.Role):
					if code != http.StatusForbidden {
						t.Errorf("%s %s as %s (needs %s): got %d, want 403", rt.Method, target, u.role, rt.Role, code)
					}
				default:
					if code == http.StatusUnauthorized || code == http.StatusForbidden || code >= 500 {
						t.Errorf("%s %s as %s: got %d, want it let through; body %.300s", rt.Method, target, u.role, code, rec.Body.String())
					}
					if rt.Method == http.MethodGet && code != http.StatusOK {
						t.Errorf("GET %s as %s: got %d, want 200; body %.300s", target, u.role, code, rec.Body.String())
					}
				}
			}
		})
	}
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// TestUnknownPathsNeedLogin: addresses outside the table answer only after authentication.
func TestUnknownPathsNeedLogin(t *testing.T) {
	env := newTestEnv(t)
	for _, p := range []string{"/nope", "/api/v1/nope", "/hosts/web1.example.org/nope"} {
		rec := env.do(t, http.MethodGet, p, nil, nil, nil)
		if rec.Code != http.StatusSeeOther && rec.Code != http.StatusUnauthorized {
			t.Errorf("GET %s as nobody: got %d, want a login redirect or 401", p, rec.Code)
		}
	}
	for _, p := range []string{"/login", "/static/app.css"} {
		if rec := env.do(t, http.MethodGet, p, nil, nil, nil); rec.Code != http.StatusOK {
			t.Errorf("GET %s as nobody: got %d, want 200 (public)", p, rec.Code)
		}
	}
}

// TestOpenAPIListsEveryAPIRoute: the document is built from the table and parses as JSON.
func TestOpenAPIListsEveryAPIRoute(t *testing.T) {
	env := newTestEnv(t)
	c := env.session(t, viewerName)
	rec := env.do(t, http.MethodGet, "/api/v1/openapi.json", nil, c, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("openapi: got %d", rec.Code)
	}
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi version: got %q, want 3.x", doc.OpenAPI)
	}
	for _, rt := range env.srv.routeTable() {
		if !rt.API {
			continue
		}
		op, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]
		if !ok {
			t.Errorf("%s %s: missing from the OpenAPI document", rt.Method, rt.Path)
			continue
		}
		if op["x-required-role"] != rt.Role {
			t.Errorf("%s %s: role %v, want %s", rt.Method, rt.Path, op["x-required-role"], rt.Role)
		}
	}
	if _, ok := doc.Paths["/api/v1/reports"]["post"]; ok {
		t.Error("POST /api/v1/reports is the intake's, not the UI's")
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
