package ui

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"unicode"
)

// apiValue turns v into plain maps, slices and values whose struct field names are snake_case
// (LastReport -> last_report, URLs -> urls, OSGroup -> os_group), so that every /api/v1 answer
// follows one naming rule however the store types are declared. Explicit json tags win. Map
// keys are data (package names, statuses) and are left exactly as they are.
func apiValue(v any) any {
	return apiReflect(reflect.ValueOf(v))
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

func apiReflect(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if t := v.Type(); t.Implements(jsonMarshaler) || t.Implements(textMarshaler) {
		return v.Interface() // time.Time and friends encode themselves
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return apiReflect(v.Elem())
	case reflect.Struct:
		out := map[string]any{}
		apiStruct(v, out)
		return out
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return v.Interface()
		}
		fallthrough
	case reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = apiReflect(v.Index(i))
		}
		return out
	case reflect.Map:
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			out[fmt.Sprint(it.Key().Interface())] = apiReflect(it.Value())
		}
		return out
	default:
		return v.Interface()
	}
}

// apiStruct adds v's exported fields to out; embedded structs without a tag are flattened, as
// encoding/json does.
func apiStruct(v reflect.Value, out map[string]any) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" && opts == "" {
			continue
		}
		fv := v.Field(i)
		if f.Anonymous && name == "" && fv.Kind() == reflect.Struct {
			apiStruct(fv, out) // promoted fields, even of an unexported embedded type
			continue
		}
		if !f.IsExported() {
			continue
		}
		if strings.Contains(","+opts+",", ",omitempty,") && fv.IsZero() {
			continue
		}
		if name == "" {
			name = snakeCase(f.Name)
		}
		out[name] = apiReflect(fv)
	}
}

// snakeCase converts a Go field name to snake_case, keeping acronyms whole and treating a
// trailing "s" after an acronym as a plural (IDs -> ids, CVEs -> cves).
func snakeCase(s string) string {
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if i > 0 && unicode.IsUpper(c) {
			prev := r[i-1]
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			plural := i+1 < len(r) && r[i+1] == 's' && (i+2 == len(r) || unicode.IsUpper(r[i+2]))
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower && !plural) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}
