package output

import (
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Column is one column of a row type's table: CSV today, the tables of HTML, Markdown and PDF
// reports later. Its Header is the csv tag's name if there is one, else the JSON name.
type Column struct {
	Header string
	index  []int
	join   string // separator of a slice's elements
	prefix string // put before a non-empty value
}

// Text is the column's value in row, a value of the row type, as plain text: integers in
// decimal, booleans as true/false, times in UTC RFC 3339 ("" when zero), slices joined.
func (c Column) Text(row reflect.Value) string {
	s := text(row.FieldByIndex(c.index), c.join)
	if s != "" && c.prefix != "" {
		s = c.prefix + s
	}
	return s
}

var timeType = reflect.TypeFor[time.Time]()

func text(v reflect.Value, join string) string {
	if v.Type() == timeType {
		t := v.Interface().(time.Time)
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	case reflect.Pointer:
		if v.IsNil() {
			return ""
		}
		return text(v.Elem(), join)
	case reflect.Slice, reflect.Array:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = text(v.Index(i), join)
		}
		return strings.Join(parts, join)
	}
	return fmt.Sprint(v.Interface()) // not reached: ColumnsOf refuses other kinds
}

// textable reports whether Text can write a value of type t.
func textable(t reflect.Type) bool {
	if t == timeType {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return textable(t.Elem())
	}
	return false
}

var columnCache sync.Map // reflect.Type -> []Column

// ColumnsOf lists the columns of row type t (a struct): its exported fields in declaration
// order, embedded structs flattened, named as in JSON unless a `csv:"Name"` tag says otherwise.
// A `csv:"-"` or `json:"-"` field is left out. Tag options: join=comma joins a slice with ", "
// (a space otherwise), prefix=X writes X before a non-empty value. A field that is not plain
// text (a nested struct or map) must be left out explicitly, or ColumnsOf fails.
func ColumnsOf(t reflect.Type) ([]Column, error) {
	if c, ok := columnCache.Load(t); ok {
		return c.([]Column), nil
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("columns of %s: not a struct", t)
	}
	var cols []Column
	if err := addColumns(t, nil, &cols); err != nil {
		return nil, fmt.Errorf("columns of %s: %w", t, err)
	}
	columnCache.Store(t, cols)
	return cols, nil
}

func addColumns(t reflect.Type, index []int, cols *[]Column) error {
	for i := range t.NumField() {
		f := t.Field(i)
		jname, jopts, _ := strings.Cut(f.Tag.Get("json"), ",")
		cname, copts, _ := strings.Cut(f.Tag.Get("csv"), ",")
		if (jname == "-" && jopts == "") || cname == "-" {
			continue
		}
		idx := append(append([]int(nil), index...), i)
		if f.Anonymous && jname == "" && f.Type.Kind() == reflect.Struct {
			if err := addColumns(f.Type, idx, cols); err != nil {
				return err
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if !textable(f.Type) {
			return fmt.Errorf("field %s (%s) is not text: tag it csv:\"-\"", f.Name, f.Type)
		}
		c := Column{Header: cmpOr(cname, jname, SnakeCase(f.Name)), index: idx, join: " "}
		for _, o := range strings.Split(copts, ",") {
			switch k, v, _ := strings.Cut(o, "="); k {
			case "join":
				if v == "comma" {
					c.join = ", "
				}
			case "prefix":
				c.prefix = v
			}
		}
		*cols = append(*cols, c)
	}
	return nil
}

func cmpOr(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// CSVOption changes how WriteCSV writes a table; it sees the row type's own headers and the
// columns it may change.
type CSVOption func(own []string, cols []Column)

// RenameColumn gives the column the row type calls name the header to, for headers that are
// data (the two host names of a comparison).
func RenameColumn(name, to string) CSVOption {
	return func(own []string, cols []Column) {
		for i := range cols {
			if own[i] == name {
				cols[i].Header = to
			}
		}
	}
}

// csvFlushEvery bounds how many rows wait in memory before they go to the writer.
const csvFlushEvery = 64

// WriteCSV writes a header and one record per row to w, flushing as it goes, so an export of a
// whole fleet is never held in memory. Every value is defused with Safe.
func WriteCSV[T any](w io.Writer, rows iter.Seq[T], opts ...CSVOption) error {
	cols, err := ColumnsOf(reflect.TypeFor[T]())
	if err != nil {
		return err
	}
	own := make([]string, len(cols))
	for i, c := range cols {
		own[i] = c.Header
	}
	cols = append([]Column(nil), cols...)
	for _, o := range opts {
		o(own, cols)
	}
	cw := csv.NewWriter(w)
	rec := make([]string, len(cols))
	for i, c := range cols {
		rec[i] = Safe(c.Header)
	}
	if err := cw.Write(rec); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	n := 0
	for row := range rows {
		v := reflect.ValueOf(&row).Elem()
		for i, c := range cols {
			rec[i] = Safe(c.Text(v))
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
		if n++; n%csvFlushEvery == 0 {
			if cw.Flush(); cw.Error() != nil {
				return fmt.Errorf("write csv: %w", cw.Error())
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// Safe defuses spreadsheet formulas in values that came from hosts (CSV injection): a value
// starting with = + - @ tab or CR gets a leading quote, unless it is a number.
func Safe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return "'" + v
		}
	}
	return v
}

// Rows yields f of each element of s, converting store values to rows as they are written
// instead of building a second slice.
func Rows[S, T any](s []S, f func(S) T) iter.Seq[T] {
	return func(yield func(T) bool) {
		for _, v := range s {
			if !yield(f(v)) {
				return
			}
		}
	}
}
