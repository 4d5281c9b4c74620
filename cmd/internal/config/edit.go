package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/acctsetup/acctsetup/providers/tomlfile"
)

// SetVaultRecipients rewrites the file's [vault] recipients to the given
// list, leaving every other line, comments included, as it was. The new
// text is checked by parsing it before the file is replaced atomically:
// it must hold the recipients and every other setting the file held.
// It returns a function that puts the old file back, for a caller whose
// next step fails.
func (c *Config) SetVaultRecipients(recipients []string) (restore func() error, err error) {
	if c.File == "" {
		return nil, errors.New("config: there is no config file to record recipients in")
	}
	old, err := os.ReadFile(c.File)
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", c.File, err)
	}
	edited, check, err := editRecipients(c.File, old, recipients)
	if err != nil {
		return nil, err
	}
	if err := writeFile(c.File, edited); err != nil {
		return nil, err
	}
	c.Vault.Recipients = recipients
	c.loc = check.loc
	return func() error { return writeFile(c.File, old) }, nil
}

// editRecipients returns data, the text of the config file, with the vault
// recipients set, and the config it parses to. It refuses an edit that
// would change anything else, such as one placed inside a multi-line string
// the locator did not see.
func editRecipients(file string, data []byte, recipients []string) ([]byte, *Config, error) {
	orig, err := Parse(file, data)
	if err != nil {
		return nil, nil, err
	}
	edited, err := setArray(data, orig.loc, "vault", "recipients", recipients)
	if err != nil {
		return nil, nil, fmt.Errorf("config: %s: %w", file, err)
	}
	check, err := Parse(file, edited)
	if err != nil {
		return nil, nil, fmt.Errorf("config: editing %s would break it: %w", file, err)
	}
	before, after := *orig, *check
	before.Vault.Recipients, after.Vault.Recipients = recipients, recipients
	before.loc, after.loc = tomlfile.Locator{}, tomlfile.Locator{}
	if !slices.Equal(check.Vault.Recipients, recipients) || !reflect.DeepEqual(before, after) {
		return nil, nil, fmt.Errorf("config: %s: could not place vault.recipients; edit it by hand", file)
	}
	return edited, check, nil
}

// setArray returns data with table.key set to values: the existing
// assignment replaced in place, or a new one added after the table's
// header, or a new table at the end.
func setArray(data []byte, loc tomlfile.Locator, table, key string, values []string) ([]byte, error) {
	var b strings.Builder
	b.WriteString(key + " = [")
	for _, v := range values {
		b.WriteString("\n  " + strconv.Quote(v) + ",")
	}
	if len(values) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("]")
	assignment := b.String()

	lines := bytes.SplitAfter(data, []byte("\n"))
	offset := func(line int) int { // byte offset of a 1-based line's start
		n := 0
		for _, l := range lines[:line-1] {
			n += len(l)
		}
		return n
	}
	if line, ok := loc.KeyLine(table + "." + key); ok {
		start := offset(line)
		end, err := valueEnd(data, start)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		return slices.Concat(data[:start], []byte(assignment), data[end:]), nil
	}
	if line, ok := loc.KeyLine(table); ok {
		at := offset(line + 1)
		if line == len(lines) || !bytes.HasSuffix(lines[line-1], []byte("\n")) {
			return slices.Concat(data, []byte("\n"+assignment+"\n")), nil
		}
		return slices.Concat(data[:at], []byte(assignment+"\n"), data[at:]), nil
	}
	sep := "\n"
	if len(data) > 0 && !bytes.HasSuffix(data, []byte("\n")) {
		sep = "\n\n"
	}
	return slices.Concat(data, []byte(sep+"["+table+"]\n"+assignment+"\n")), nil
}

// valueEnd returns the offset just past the array assigned on the line
// that starts at start: the closing bracket that balances the first
// opening one, skipping strings and comments.
func valueEnd(data []byte, start int) (int, error) {
	eq := bytes.IndexByte(data[start:], '=')
	if eq < 0 {
		return 0, errors.New("no = in the assignment")
	}
	depth := 0
	for i := start + eq + 1; i < len(data); i++ {
		switch data[i] {
		case '"', '\'':
			quote := data[i]
			for i++; i < len(data) && data[i] != quote; i++ {
				if quote == '"' && data[i] == '\\' {
					i++
				}
			}
		case '#':
			for i < len(data) && data[i] != '\n' {
				i++
			}
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return i + 1, nil
			}
		case ' ', '\t', '\n', '\r', ',':
		default:
			if depth == 0 {
				return 0, errors.New("the value is not an array")
			}
		}
	}
	return 0, errors.New("the array is not closed")
}

// writeFile replaces path atomically, keeping its mode.
func writeFile(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	return nil
}
