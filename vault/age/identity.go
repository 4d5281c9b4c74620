package agevault

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"
)

// LoadOrCreateIdentity returns the X25519 identity stored at path, creating
// one on first use.
//
// An existing file must not be accessible by group or others (mode&0077 == 0);
// otherwise LoadOrCreateIdentity refuses it and says to run "chmod 600 path".
// It is parsed in age-keygen format (comment lines allowed), and the first
// X25519 identity in it is used.
//
// A missing file is created, with its parent directory (mode 0700), as mode
// 0600 in age-keygen format, so that "age -d -i path" can use it too. Creation
// is atomic: a concurrent caller either creates the file or loads the one the
// other created, and never sees it half-written. created reports whether this
// call created it.
func LoadOrCreateIdentity(path string) (id *age.X25519Identity, created bool, err error) {
	id, err = loadIdentity(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return id, false, err
	}
	id, err = createIdentity(path)
	if errors.Is(err, fs.ErrExist) {
		// Another process created it first: use theirs.
		id, err = loadIdentity(path)
		return id, false, err
	}
	return id, err == nil, err
}

// loadIdentity returns an error wrapping fs.ErrNotExist if path does not exist.
func loadIdentity(path string) (*age.X25519Identity, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("agevault: identity file: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("agevault: identity file %q is accessible by group or others (mode %04o); "+
			"restrict it with: chmod 600 %s", path, perm, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("agevault: identity file: %w", err)
	}
	// age's parse errors never quote key material.
	ids, err := age.ParseIdentities(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("agevault: identity file %q: %w", path, err)
	}
	for _, id := range ids {
		if x, ok := id.(*age.X25519Identity); ok {
			return x, nil
		}
	}
	return nil, fmt.Errorf("agevault: identity file %q holds no X25519 identity (AGE-SECRET-KEY-1...)", path)
}

// createIdentity generates an identity and writes it to path, failing with an
// error wrapping fs.ErrExist if path already exists.
func createIdentity(path string) (*age.X25519Identity, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, fmt.Errorf("agevault: generate identity: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("agevault: create identity file %q: %w", path, err)
	}
	content := fmt.Sprintf("# created: %s\n# public key: %s\n%s\n",
		time.Now().UTC().Format(time.RFC3339), id.Recipient(), id)

	// Write a private temporary file, then hard-link it into place: the link
	// fails if path exists, and path never holds a partial key.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("agevault: create identity file %q: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(content)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), path)
	}
	if err != nil {
		return nil, fmt.Errorf("agevault: create identity file %q: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return nil, err
	}
	return id, nil
}
