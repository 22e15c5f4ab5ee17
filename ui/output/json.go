// Package output is patchward's one outbound encoding layer: the JSON of the API and of the
// CLI's --json, and the CSV exports, all written from the same row types (rows.go), so a field
// added to a row type appears in every format at once. JSON field names are snake_case derived
// from the Go names (json tags win); CSV columns are the same names unless a csv tag says
// otherwise. Formats that come later (HTML, Markdown, PDF evidence reports) belong here too,
// reading the columns through Columns.
package output

import (
	"encoding"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"
	"unicode"
)

// Value turns v into plain maps, slices and values whose struct field names are snake_case
// (LastReport -> last_report, URLs -> urls, OSGroup -> os_group), so that every answer follows
// one naming rule however the types are declared. A time is written in UTC, and the zero time
// (something that never happened: a host that never reported) as null. Explicit json tags win. Map keys are data
// (package names, statuses) and are left exactly as they are.
func Value(v any) any {
	return reflectValue(reflect.ValueOf(v))
}

// MarshalJSON is v encoded as the API answers it: Value, indented by two spaces, and a final
// newline.
func MarshalJSON(v any) ([]byte, error) {
	b, err := json.MarshalIndent(Value(v), "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// WriteJSON writes v to w exactly as the API encodes it; the CLI's --json uses it so that the
// command line and /api/v1 cannot drift apart.
func WriteJSON(w io.Writer, v any) error {
	b, err := MarshalJSON(v)
	if err != nil {
		return fmt.Errorf("encode json: %w", err)
	}
	_, err = w.Write(b)
	return err
}

var (
	// JSONMarshaler and TextMarshaler are the interfaces of types that encode themselves
	// (time.Time and friends); Value leaves them to encoding/json.
	JSONMarshaler = reflect.TypeFor[json.Marshaler]()
	TextMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

func reflectValue(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if t := v.Type(); t == timeType {
		if tm := v.Interface().(time.Time); !tm.IsZero() {
			return tm.UTC()
		}
		return nil // never happened: null, not 0001-01-01
	} else if t.Implements(JSONMarshaler) || t.Implements(TextMarshaler) {
		return v.Interface()
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return reflectValue(v.Elem())
	case reflect.Struct:
		out := map[string]any{}
		structValue(v, out)
		return out
	case reflect.Slice:
		switch v.Type().Elem().Kind() {
		case reflect.Uint8:
			return v.Interface()
		case reflect.String, reflect.Bool, reflect.Int, reflect.Int32, reflect.Int64, reflect.Float64:
			// Plain values need no renaming: encoding/json writes them as they are (a list of
			// 10,000 host names is not copied into a []any), nil as [] like every other list.
			if v.IsNil() {
				return []any{}
			}
			if v.Type().Elem().PkgPath() == "" { // not a named type that might encode itself
				return v.Interface()
			}
		}
		fallthrough
	case reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = reflectValue(v.Index(i))
		}
		return out
	case reflect.Map:
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			out[fmt.Sprint(it.Key().Interface())] = reflectValue(it.Value())
		}
		return out
	default:
		return v.Interface()
	}
}

// structValue adds v's exported fields to out; embedded structs without a tag are flattened,
// as encoding/json does.
func structValue(v reflect.Value, out map[string]any) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" && opts == "" {
			continue
		}
		fv := v.Field(i)
		if f.Anonymous && name == "" && fv.Kind() == reflect.Struct {
			structValue(fv, out) // promoted fields, even of an unexported embedded type
			continue
		}
		if !f.IsExported() {
			continue
		}
		if strings.Contains(","+opts+",", ",omitempty,") && fv.IsZero() {
			continue
		}
		if name == "" {
			name = SnakeCase(f.Name)
		}
		out[name] = reflectValue(fv)
	}
}

// SnakeCase converts a Go field name to snake_case, keeping acronyms whole and treating a
// trailing "s" after an acronym as a plural (IDs -> ids, CVEs -> cves).
func SnakeCase(s string) string {
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
