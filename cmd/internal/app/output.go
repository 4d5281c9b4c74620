package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
)

// writeJSON prints v as indented JSON.
func (a *app) writeJSON(v any) error {
	enc := json.NewEncoder(a.io.Out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

type table struct {
	w *tabwriter.Writer
}

// table starts a column-aligned table with a header row.
func (a *app) table(header ...string) *table {
	t := &table{w: tabwriter.NewWriter(a.io.Out, 0, 0, 2, ' ', 0)}
	t.row(header...)
	return t
}

func (t *table) row(cells ...string) {
	fmt.Fprintln(t.w, strings.TrimRight(strings.Join(cells, "\t"), "\t"))
}

func (t *table) flush() error { return t.w.Flush() }

// colour wraps s in an ANSI colour when standard output is a terminal and
// neither --no-color nor NO_COLOR is set.
func (a *app) colour(code, s string) string {
	if !a.io.OutTTY || a.globals.noColor || a.getenv("NO_COLOR") != "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

const (
	red    = "31"
	green  = "32"
	yellow = "33"
	dim    = "2"
)
