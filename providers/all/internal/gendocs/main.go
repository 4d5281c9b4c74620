// Command gendocs writes docs/providers from the built-in descriptors: a
// page per provider and the index. Run it through go generate:
//
//	go generate ./providers/all
//
// It removes the pages of providers that are gone, and writes a file only
// when its text changed.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/acctsetup/acctsetup/providers/all"
	"github.com/acctsetup/acctsetup/providers/providerdoc"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gendocs DIR")
		os.Exit(2)
	}
	if err := generate(os.Args[1]); err != nil {
		fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
		os.Exit(1)
	}
}

func generate(dir string) error {
	reg, err := all.Registry()
	if err != nil {
		return err
	}
	files := providerdoc.Files(reg.All(), all.HasProbe)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	for _, name := range providerdoc.Stale(names, files) {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	for name, text := range files {
		path := filepath.Join(dir, name)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, text) {
			continue
		}
		if err := os.WriteFile(path, text, 0o644); err != nil {
			return err
		}
	}
	return nil
}
