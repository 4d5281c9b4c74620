// Package tomlfile decodes TOML files strictly, for provider descriptors and
// the acctsetup config alike: syntax errors, type mismatches, bad values and
// unknown keys all become an *Error naming the file, the line and the key.
package tomlfile

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// Error is one problem in a TOML file, located as precisely as the file
// allows: the file, the line (0 when unknown) and the key's path, such as
// "steps[2].kind".
type Error struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": %s", e.Field)
	}
	fmt.Fprintf(&b, ": %s", e.Msg)
	return b.String()
}

// Decode decodes data into v. Keys v has no field for are errors: a typo in
// a descriptor or config must not be silently ignored.
func Decode(file string, data []byte, v any) error {
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(v)
	if err != nil {
		return locate(file, data, err)
	}
	if err := checkKeys(file, data, md, reflect.TypeOf(v)); err != nil {
		return err
	}
	undecoded := md.Undecoded()
	if len(undecoded) == 0 {
		return nil
	}
	loc := NewLocator(data)
	var errs []error
	seen := map[string]bool{}
	for _, key := range undecoded {
		plain := key.String()
		if seen[plain] {
			continue
		}
		seen[plain] = true
		occs := loc.occurrences[plain]
		if len(occs) == 0 {
			errs = append(errs, &Error{File: file, Field: plain, Msg: "unknown key"})
		}
		for _, o := range occs { // the key may repeat in every [[array]] element
			errs = append(errs, &Error{File: file, Line: o.line, Field: o.path, Msg: "unknown key"})
		}
	}
	return errors.Join(errs...)
}

// checkKeys reports what the TOML library (v1.6.0) lets pass: a key that
// names a field only when case is ignored, though TOML keys are
// case-sensitive (and "path" and "PATH" would both fill one field, the
// last in map order winning), and a value that is not a table for a map
// field, which it drops without an error (its unifyMap tests tmap, not
// mapping, for nil; see https://github.com/BurntSushi/toml/pull/491).
func checkKeys(file string, data []byte, md toml.MetaData, t reflect.Type) error {
	var (
		errs []error
		loc  *Locator
		seen = map[string]bool{}
	)
	for _, key := range md.Keys() {
		plain := key.String()
		field, exact, ok := fieldType(t, key)
		if !ok || seen[plain] {
			continue // no field: Undecoded reports it
		}
		var msg string
		switch typ := md.Type(key...); {
		case !exact:
			msg = "unknown key (keys are case-sensitive)"
		case field.Kind() == reflect.Map && typ != "Hash":
			msg = "must be a table, not " + tomlTypeName(typ)
		default:
			continue
		}
		seen[plain] = true
		if loc == nil {
			l := NewLocator(data)
			loc = &l
		}
		line, path := loc.find(plain, func(value string) bool { return value != "" && value[0] != '{' })
		if path == "" {
			path = plain
		}
		errs = append(errs, &Error{File: file, Line: line, Field: path, Msg: msg})
	}
	return errors.Join(errs...)
}

// fieldType follows key from t through struct fields (named by their toml
// tags), pointers, slices and map values. It returns the type the key's
// value decodes into, whether each field's name matched exactly, not only
// when case is ignored, and whether the key names a field at all.
func fieldType(t reflect.Type, key toml.Key) (field reflect.Type, exact, ok bool) {
	exact = true
	for _, piece := range key {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Map:
			t = t.Elem()
		case reflect.Struct:
			f, matched := structField(t, piece)
			if f == nil {
				return nil, false, false
			}
			t, exact = f.Type, exact && matched
		default:
			return nil, false, false
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t, exact, true
}

// structField returns the field of struct type t that the TOML library
// decodes key into, and whether its name is key exactly.
func structField(t reflect.Type, key string) (*reflect.StructField, bool) {
	var folded *reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "" {
			name = f.Name
		}
		switch {
		case !f.IsExported() || name == "-":
		case name == key:
			return &f, true
		case folded == nil && strings.EqualFold(name, key):
			folded = &f
		}
	}
	return folded, false
}

// tomlTypeName turns the library's name of a TOML type into words.
func tomlTypeName(t string) string {
	switch t {
	case "String":
		return "a string"
	case "Integer":
		return "a whole number"
	case "Float":
		return "a number"
	case "Bool":
		return "true or false"
	case "Datetime":
		return "a date"
	}
	return "a list"
}

var (
	lastKeyPattern  = regexp.MustCompile(`^toml: (?:line \d+ )?\(last key "([^"]*)"\): (.*)$`)
	mismatchPattern = regexp.MustCompile(`^incompatible types: TOML value has type (.+); destination has type (.+)$`)
	quotedPattern   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
)

// locate turns a decoding error into an *Error. The TOML library places
// type and value errors at the last occurrence of a key, which is wrong for
// [[array]] elements, so those are placed here: at the occurrence whose
// value has the reported type, or holds the reported value.
func locate(file string, data []byte, err error) error {
	var generic map[string]any
	if _, syntaxErr := toml.Decode(string(data), &generic); syntaxErr != nil {
		var pe toml.ParseError
		if errors.As(syntaxErr, &pe) {
			return &Error{File: file, Line: pe.Position.Line, Field: pe.LastKey, Msg: pe.Message}
		}
		return &Error{File: file, Msg: syntaxErr.Error()}
	}
	key, msg := "", err.Error()
	var pe toml.ParseError
	if errors.As(err, &pe) {
		key, msg = pe.LastKey, pe.Message
	} else if m := lastKeyPattern.FindStringSubmatch(msg); m != nil {
		key, msg = m[1], m[2]
	}
	match := func(string) bool { return true }
	if m := mismatchPattern.FindStringSubmatch(msg); m != nil {
		got := m[1]
		msg = fmt.Sprintf("must be %s, not %s", typeName(m[2]), typeName(got))
		match = func(value string) bool { return literalType(value) == got }
	} else if quoted := quotedPattern.FindAllString(msg, -1); len(quoted) > 0 {
		match = func(value string) bool {
			for _, q := range quoted {
				if strings.Contains(value, q) {
					return true
				}
			}
			return false
		}
	}
	line, path := NewLocator(data).find(key, match)
	if path == "" {
		path = key
	}
	return &Error{File: file, Line: line, Field: path, Msg: msg}
}

// literalType names a TOML value's type the way the library reports it
// (its fmtType: %T with "interface {}" written "any").
func literalType(value string) string {
	switch v := strings.TrimSpace(value); {
	case v == "":
		return ""
	case v[0] == '"' || v[0] == '\'':
		return "string"
	case v[0] == '[':
		return "[]any"
	case v[0] == '{':
		return "map[string]any"
	case v == "true" || v == "false":
		return "bool"
	case strings.ContainsAny(v, ".eE") && !strings.ContainsAny(v, "-:T"):
		return "float64"
	case strings.ContainsAny(v, ":T") || strings.Count(v, "-") >= 2:
		return "time.Time"
	}
	return "int64"
}

// typeName turns a type from the library's message into words: a Go type
// for the TOML value, the kind it wanted ("slice", "boolean", "float",
// "integer", ...) for the destination.
func typeName(t string) string {
	switch {
	case t == "string" || strings.HasPrefix(t, "primitive"):
		return "a string"
	case t == "int64" || strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint"):
		return "a whole number"
	case t == "float64" || t == "float":
		return "a number"
	case t == "bool" || t == "boolean":
		return "true or false"
	case strings.HasPrefix(t, "[]") || t == "slice":
		return "a list"
	case strings.HasPrefix(t, "map") || strings.HasPrefix(t, "struct"):
		return "a table"
	case t == "time.Time":
		return "a date"
	}
	return t
}

// Locator finds the line of a key from its dotted path, with
// array-of-tables indexes ("steps[2].kind") or without ("steps.kind", the
// first occurrence). The TOML library keeps key positions private, so this
// reads the plain layout our files use: [table] and [[array]] headers
// followed by key = value lines; text inside multi-line strings is skipped.
// The zero Locator knows no lines.
type Locator struct {
	lines       map[string]int          // indexed or plain path -> first line
	occurrences map[string][]occurrence // plain path -> every occurrence
}

type occurrence struct {
	line  int
	path  string // with array indexes
	value string // the raw text after "="; "" for headers
}

var (
	headerLine = regexp.MustCompile(`^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?`)
	keyLine    = regexp.MustCompile(`^\s*([A-Za-z0-9_\-]+)\s*=\s*(.*)$`)
)

// NewLocator indexes the keys of a TOML document.
func NewLocator(data []byte) Locator {
	l := Locator{lines: make(map[string]int), occurrences: make(map[string][]occurrence)}
	counts := make(map[string]int)
	table, plain := "", ""
	record := func(path, plainPath, value string, n int) {
		if _, ok := l.lines[path]; !ok {
			l.lines[path] = n
		}
		if _, ok := l.lines[plainPath]; !ok {
			l.lines[plainPath] = n
		}
		l.occurrences[plainPath] = append(l.occurrences[plainPath], occurrence{line: n, path: path, value: value})
	}
	inString := "" // the delimiter of the multi-line string being read
	for i, text := range strings.Split(string(data), "\n") {
		n := i + 1
		if inString != "" {
			if strings.Count(text, inString)%2 == 1 {
				inString = ""
			}
			continue
		}
		if m := headerLine.FindStringSubmatch(text); m != nil {
			plain = m[2]
			table = plain
			if m[1] == "[[" {
				table = fmt.Sprintf("%s[%d]", plain, counts[plain])
				counts[plain]++
			}
			record(table, plain, "", n)
			continue
		}
		if m := keyLine.FindStringSubmatch(text); m != nil {
			record(join(table, m[1]), join(plain, m[1]), m[2], n)
			for _, delim := range []string{`"""`, `'''`} {
				if strings.Count(m[2], delim)%2 == 1 {
					inString = delim
				}
			}
		}
	}
	return l
}

func join(table, key string) string {
	if table == "" {
		return key
	}
	return table + "." + key
}

// KeyLine returns the line where the key or table at path is written, and
// whether it is written at all.
func (l Locator) KeyLine(path string) (int, bool) {
	n, ok := l.lines[path]
	return n, ok
}

// Line returns the line of path, or of its nearest enclosing table, or 0.
func (l Locator) Line(path string) int {
	for path != "" {
		if n, ok := l.lines[path]; ok {
			return n
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// find returns the line and indexed path of the first occurrence of the
// plain path whose value satisfies match, or of the first occurrence.
func (l Locator) find(plain string, match func(value string) bool) (int, string) {
	occs := l.occurrences[plain]
	for _, o := range occs {
		if match(o.value) {
			return o.line, o.path
		}
	}
	if len(occs) > 0 {
		return occs[0].line, occs[0].path
	}
	return l.Line(plain), ""
}
