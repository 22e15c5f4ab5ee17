package ui

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"patchward/ui/output"
)

var pathParam = regexp.MustCompile(`\{([a-z]+)\}`)

// openAPI builds the OpenAPI 3 document from the route table, so it lists exactly the API
// routes that exist with the role each needs, and from apiShapes, which says what each reads
// and answers. problems lists what could not be described (a route without a shape, a type
// the reflection does not know); the document is still whole, with those parts left open.
func (s *server) openAPI() (doc map[string]any, problems []string) {
	g := newSchemaGen()
	paths := map[string]map[string]any{}
	for _, rt := range s.routeTable() {
		if !rt.API {
			continue
		}
		key := rt.Method + " " + rt.Path
		sh, ok := apiShapes[key]
		if !ok {
			g.problem("%s: no entry in apiShapes", key)
			sh = apiShape{Answer: reflect.TypeFor[map[string]any]()}
		}
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = g.operation(rt, sh)
	}
	responses := map[string]any{}
	for name, why := range commonResponses {
		responses[name] = errorResponse(why)
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "patchward API", "version": "1",
			"description": "Every list and detail of the web UI and its actions. Authenticate with the session cookie or " +
				"`Authorization: Bearer <API key of kind api>`; the key's role applies (viewer reads, operator acts on hosts " +
				"and repositories, admin manages users and keys). Reports are uploaded with POST /api/v1/reports (the intake, " +
				"documented separately). Field names are snake_case; a list is {\"items\": [...], \"total\": N}, where " +
				"total counts every match, not just this page."},
		"servers": []any{map[string]any{"url": "/"}},
		"components": map[string]any{"securitySchemes": map[string]any{
			"bearer":  map[string]any{"type": "http", "scheme": "bearer"},
			"session": map[string]any{"type": "apiKey", "in": "cookie", "name": sessionCookie},
		}, "schemas": g.schemas, "responses": responses},
		"security": []any{map[string]any{"bearer": []any{}}, map[string]any{"session": []any{}}},
		"paths":    paths,
	}, g.problems
}

// operation describes one route: parameters, request body and every answer it can give.
func (g *schemaGen) operation(rt route, sh apiShape) map[string]any {
	status := cmp.Or(sh.Status, http.StatusOK)
	ok := map[string]any{"description": http.StatusText(status)}
	if sh.Answer != nil {
		ok["content"] = jsonContent(g.answer(sh.Answer))
	}
	responses := map[string]any{strconv.Itoa(status): ok, "401": responseRef("Unauthorized"), "403": responseRef("Forbidden")}
	params := g.pathParams(rt.Path)
	if len(params) > 0 {
		responses["404"] = responseRef("NotFound")
	}
	for _, p := range sh.Query {
		params = append(params, p.parameter())
	}
	op := map[string]any{
		"summary":         rt.Summary,
		"x-required-role": rt.Role,
		"operationId":     operationID(rt),
		"responses":       responses,
	}
	if sh.Body != nil {
		op["requestBody"] = map[string]any{"required": true, "content": jsonContent(g.request(sh.Body))}
		responses["400"] = responseRef("BadRequest")
	}
	for code, why := range sh.Errors {
		responses[strconv.Itoa(code)] = errorResponse(why)
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if sh.Note != "" {
		op["description"] = sh.Note
	}
	return op
}

func (g *schemaGen) pathParams(path string) []any {
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		schema := map[string]any{"type": "string"}
		if m[1] == "id" && !strings.Contains(path, "/cves/") {
			schema = map[string]any{"type": "integer", "format": "int64"}
		}
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": schema})
	}
	return params
}

func operationID(rt route) string {
	return strings.ToLower(rt.Method) + strings.NewReplacer("/api/v1", "", "/", "_", "{", "", "}", "", "-", "_", ".", "_").Replace(rt.Path)
}

func jsonContent(schema map[string]any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

// commonResponses are the failures many routes share, referenced from components/responses.
var commonResponses = map[string]string{
	"Unauthorized": "No session and no valid API key",
	"Forbidden":    "The role of the session or key is not enough",
	"NotFound":     "There is no such object",
	"BadRequest":   "The JSON body could not be read, or a value in it is not acceptable",
}

func responseRef(name string) map[string]any {
	return map[string]any{"$ref": "#/components/responses/" + name}
}

func errorResponse(why string) map[string]any {
	return map[string]any{"description": why, "content": jsonContent(map[string]any{"$ref": "#/components/schemas/Error"})}
}

// apiParam is one query parameter a handler reads.
type apiParam struct {
	Name, Type, Desc string // Type is a JSON Schema type: string, integer or boolean
	Enum             []string
}

func (p apiParam) parameter() map[string]any {
	schema := map[string]any{"type": p.Type}
	if len(p.Enum) > 0 {
		schema["enum"] = anySlice(p.Enum)
	}
	out := map[string]any{"name": p.Name, "in": "query", "required": false, "schema": schema}
	if p.Desc != "" {
		out["description"] = p.Desc
	}
	return out
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// schemaGen turns Go types into JSON Schemas (OpenAPI 3.0 flavour). Named structs become
// components/schemas referenced with $ref, so each is described once.
type schemaGen struct {
	schemas  map[string]any
	names    map[reflect.Type]string
	taken    map[string]reflect.Type
	problems []string
}

func newSchemaGen() *schemaGen {
	errorSchema := map[string]any{"type": "object", "required": []any{"error"},
		"properties": map[string]any{"error": map[string]any{"type": "string"}}}
	return &schemaGen{schemas: map[string]any{"Error": errorSchema}, names: map[reflect.Type]string{},
		taken: map[string]reflect.Type{"Error": reflect.TypeFor[map[string]string]()}} // what apiError writes
}

func (g *schemaGen) problem(format string, args ...any) {
	g.problems = append(g.problems, fmt.Sprintf(format, args...))
}

var timeType = reflect.TypeFor[time.Time]()

// answer is the schema of what apiJSON writes for a value of type t, following output.Value's
// rules: snake_case names (json tags win), omitempty fields optional, embedded structs
// flattened, nil slices and maps written as [] and {}, nil pointers as null.
func (g *schemaGen) answer(t reflect.Type) map[string]any {
	if t == timeType { // output.Value writes the zero time as null
		return nullable(map[string]any{"type": "string", "format": "date-time"})
	}
	if t.Implements(output.JSONMarshaler) || t.Implements(output.TextMarshaler) {
		if t.Kind() == reflect.Pointer && t.Elem() == timeType {
			return g.answer(t.Elem())
		}
		g.problem("%s encodes itself: describe it in schemaGen.answer", t)
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return nullable(g.answer(t.Elem()))
	case reflect.Interface:
		return map[string]any{} // any JSON value, null included
	case reflect.Struct:
		if t.Name() == "" {
			return g.structSchema(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + g.component(t)}
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "format": "byte", "nullable": true} // base64; nil is null
		}
		return map[string]any{"type": "array", "items": g.answer(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.answer(t.Elem())}
	}
	if s := scalarSchema(t); s != nil {
		return s
	}
	g.problem("%s cannot be encoded as JSON", t)
	return map[string]any{}
}

func scalarSchema(t reflect.Type) map[string]any {
	switch t.Kind() {
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return map[string]any{"type": "integer", "format": "int32"}
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint64, reflect.Uintptr:
		return map[string]any{"type": "integer", "format": "int64"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	}
	return nil
}

// nullable allows null besides s. OpenAPI 3.0 ignores siblings of $ref, hence the allOf.
func nullable(s map[string]any) map[string]any {
	if _, ok := s["$ref"]; ok {
		return map[string]any{"allOf": []any{s}, "nullable": true}
	}
	if len(s) == 0 {
		return s // already allows null
	}
	s["nullable"] = true
	return s
}

// component names t's schema in components/schemas, describing it on first use.
func (g *schemaGen) component(t reflect.Type) string {
	if n, ok := g.names[t]; ok {
		return n
	}
	n := typeName(t)
	if _, clash := g.taken[n]; clash {
		pkg := t.PkgPath()
		n = exportName(pkg[strings.LastIndexByte(pkg, '/')+1:]) + n
		for i := 2; g.taken[n] != nil; i++ {
			n = strings.TrimRight(n, "0123456789") + strconv.Itoa(i)
		}
	}
	g.names[t], g.taken[n] = n, t
	g.schemas[n] = map[string]any{} // a placeholder, so that a recursive type refers to itself
	g.schemas[n] = g.structSchema(t)
	return n
}

// typeName is a component name for a named type: apiList[patchward/store.Host] -> HostList.
func typeName(t reflect.Type) string {
	n := t.Name()
	i := strings.IndexByte(n, '[')
	if i < 0 {
		return exportName(n)
	}
	base, args := n[:i], n[i+1:len(n)-1]
	var b strings.Builder
	for _, a := range strings.Split(args, ",") {
		a = a[strings.LastIndexAny(a, "./")+1:]
		b.WriteString(exportName(strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, a)))
	}
	if base == "apiList" {
		return b.String() + "List"
	}
	return exportName(base) + "Of" + b.String()
}

func exportName(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// structSchema describes a struct as output.Value writes it.
func (g *schemaGen) structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	optional := map[string]bool{}
	g.fields(t, props, optional)
	var required []any
	for _, name := range slices.Sorted(maps.Keys(props)) {
		if !optional[name] {
			required = append(required, name)
		}
	}
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// fields adds t's fields the way output.Value does; a later field of the same name replaces an
// earlier one, as it does in output.Value's map.
func (g *schemaGen) fields(t reflect.Type, props map[string]any, optional map[string]bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" && opts == "" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			g.fields(f.Type, props, optional)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = output.SnakeCase(f.Name)
		}
		props[name] = g.answer(f.Type)
		if enum := answerEnums[t.String()+"."+f.Name]; enum != nil {
			props[name].(map[string]any)["enum"] = anySlice(enum)
		}
		optional[name] = strings.Contains(","+opts+",", ",omitempty,")
	}
}

// request is the schema of a JSON body that apiDecode reads into a value of struct type t:
// encoding/json matches the json tags, and unknown fields are refused. A field tagged
// openapi:"required" is one the handler refuses to do without; openapi:"enum=a|b" lists
// the values it accepts.
func (g *schemaGen) request(t reflect.Type) map[string]any {
	if t.Kind() != reflect.Struct {
		g.problem("request body %s: want a struct", t)
		return map[string]any{}
	}
	props := map[string]any{}
	var required []any
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() || f.Anonymous {
			g.problem("request body %s: field %s needs a json tag naming it", t, f.Name)
			continue
		}
		s := g.answer(f.Type)
		for opt := range strings.SplitSeq(f.Tag.Get("openapi"), ",") {
			switch {
			case opt == "required":
				required = append(required, name)
			case strings.HasPrefix(opt, "enum="):
				s["enum"] = anySlice(strings.Split(strings.TrimPrefix(opt, "enum="), "|"))
			case opt != "":
				g.problem("request body %s: field %s: unknown openapi tag option %q", t, f.Name, opt)
			}
		}
		props[name] = s
	}
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if required != nil {
		s["required"] = required
	}
	return s
}

func (s *server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	doc, problems := s.openAPI()
	if len(problems) > 0 {
		s.log.Warn("openapi document incomplete", "problems", strings.Join(problems, "; "))
	}
	s.apiJSON(w, http.StatusOK, doc)
}
