// Package tomlfile decodes TOML files strictly, for provider descriptors and
// the acctsetup config alike: syntax errors, type mismatches and unknown keys
// all become an *Error naming the file, the line and the key.
package tomlfile

import (
	"bytes"
	"errors"
	"fmt"
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
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return &Error{File: file, Line: pe.Position.Line, Field: pe.LastKey, Msg: strings.TrimPrefix(pe.Message, "toml: ")}
		}
		return &Error{File: file, Msg: err.Error()}
	}
	undecoded := md.Undecoded()
	if len(undecoded) == 0 {
		return nil
	}
	loc := NewLocator(data)
	errs := make([]error, 0, len(undecoded))
	for _, key := range undecoded {
		path := key.String()
		errs = append(errs, &Error{File: file, Line: loc.Line(path), Field: path, Msg: "unknown key"})
	}
	return errors.Join(errs...)
}

// Locator finds the line of a key from its dotted path, with
// array-of-tables indexes ("steps[2].kind") or without ("steps.kind", the
// first occurrence). The TOML library keeps key positions private, so this
// reads the plain layout our files use: [table] and [[array]] headers
// followed by key = value lines. The zero Locator knows no lines.
type Locator struct {
	lines map[string]int
}

var (
	headerLine = regexp.MustCompile(`^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?`)
	keyLine    = regexp.MustCompile(`^\s*([A-Za-z0-9_\-]+)\s*=`)
)

// NewLocator indexes the keys of a TOML document.
func NewLocator(data []byte) Locator {
	l := Locator{lines: make(map[string]int)}
	counts := make(map[string]int)
	table, plain := "", ""
	record := func(path string, n int) {
		if _, ok := l.lines[path]; !ok {
			l.lines[path] = n
		}
	}
	for i, text := range strings.Split(string(data), "\n") {
		n := i + 1
		if m := headerLine.FindStringSubmatch(text); m != nil {
			plain = m[2]
			table = plain
			if m[1] == "[[" {
				table = fmt.Sprintf("%s[%d]", plain, counts[plain])
				counts[plain]++
			}
			record(table, n)
			record(plain, n)
			continue
		}
		if m := keyLine.FindStringSubmatch(text); m != nil {
			record(join(table, m[1]), n)
			record(join(plain, m[1]), n)
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
