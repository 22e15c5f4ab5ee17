package ui

import (
	"net/http"
	"regexp"
	"strings"
)

var pathParam = regexp.MustCompile(`\{([a-z]+)\}`)

// openAPI builds the OpenAPI 3 document from the route table, so it lists exactly the API
// routes that exist, with the role each needs.
func (s *server) openAPI() map[string]any {
	paths := map[string]map[string]any{}
	for _, rt := range s.routeTable() {
		if !rt.API {
			continue
		}
		op := map[string]any{
			"summary":         rt.Summary,
			"x-required-role": rt.Role,
			"operationId":     strings.ToLower(rt.Method) + strings.NewReplacer("/api/v1", "", "/", "_", "{", "", "}", "", "-", "_", ".", "_").Replace(rt.Path),
			"responses": map[string]any{
				"200": map[string]any{"description": "OK", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}},
				"401": map[string]any{"description": "No session and no valid API key", "content": errorContent},
				"403": map[string]any{"description": "The role of the session or key is not enough", "content": errorContent},
				"404": map[string]any{"description": "Not found", "content": errorContent},
			},
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			typ := "string"
			if m[1] == "id" && !strings.Contains(rt.Path, "/cves/") {
				typ = "integer"
			}
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": typ}})
		}
		if rt.Path == "/api/v1/hosts" {
			for _, q := range []string{"q", "os", "tag", "arch", "domain", "reboot", "security", "stale", "sort", "dir", "page", "all"} {
				params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}})
			}
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.Method == http.MethodPost || rt.Method == http.MethodPatch || rt.Method == http.MethodPut {
			op["requestBody"] = map[string]any{"required": false, "content": map[string]any{
				"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}}
		}
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "patchward API", "version": "1",
			"description": "Every list and detail of the web UI and its actions. Authenticate with the session cookie or " +
				"`Authorization: Bearer <API key of kind api>`; the key's role applies (viewer reads, operator acts on hosts " +
				"and repositories, admin manages users and keys). Reports are uploaded with POST /api/v1/reports (the intake, " +
				"documented separately)."},
		"servers": []any{map[string]any{"url": "/"}},
		"components": map[string]any{"securitySchemes": map[string]any{
			"bearer":  map[string]any{"type": "http", "scheme": "bearer"},
			"session": map[string]any{"type": "apiKey", "in": "cookie", "name": sessionCookie},
		}, "schemas": map[string]any{"Error": map[string]any{"type": "object", "properties": map[string]any{
			"error": map[string]any{"type": "string"}}}}},
		"security": []any{map[string]any{"bearer": []any{}}, map[string]any{"session": []any{}}},
		"paths":    paths,
	}
}

var errorContent = map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}

func (s *server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	s.apiJSON(w, http.StatusOK, s.openAPI())
}
