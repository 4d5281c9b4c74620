package providers

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/acctsetup/acctsetup/providers/tomlfile"
)

// DecodeFile reads and decodes a descriptor from disk.
func DecodeFile(path string) (*Provider, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("providers: read descriptor: %w", err)
	}
	return Decode(path, data)
}

// Decode parses a descriptor strictly (unknown keys are errors), then
// validates it. file names the descriptor in errors. Every problem found is
// returned, each a *tomlfile.Error, joined with errors.Join.
func Decode(file string, data []byte) (*Provider, error) {
	var p Provider
	if err := tomlfile.Decode(file, data, &p); err != nil {
		return nil, err
	}
	if err := p.validate(file, data); err != nil {
		return nil, err
	}
	return &p, nil
}

// LoadDir decodes every *.toml file in dir, in name order, for
// --providers-dir. It reports every bad file, not just the first.
func LoadDir(dir string) ([]*Provider, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("providers: providers dir: %w", err)
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.toml"))
	if err != nil {
		return nil, fmt.Errorf("providers: list %s: %w", dir, err)
	}
	return decodeAll(paths, DecodeFile)
}
