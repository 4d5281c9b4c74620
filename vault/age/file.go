package agevault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"filippo.io/age"
	"golang.org/x/sys/unix"

	"github.com/acctsetup/acctsetup/vault"
)

// ageIntro is the first line of every binary age file.
const ageIntro = "age-encryption.org/v1\n"

func (v *Vault) lockPath() string { return v.path + ".lock" }

// load reads the vault under a shared lock. A missing file is an empty vault,
// and reading it creates neither the vault nor its lock file.
func (v *Vault) load(ctx context.Context) (*contents, error) {
	if _, err := os.Stat(v.path); errors.Is(err, fs.ErrNotExist) {
		return emptyContents(), nil
	}
	unlock, err := lock(ctx, v.lockPath(), unix.LOCK_SH)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return v.read()
}

// update applies change to the vault under an exclusive lock and writes the
// result atomically. If change or anything else fails, the file is untouched.
func (v *Vault) update(ctx context.Context, change func(*contents) error) error {
	if err := os.MkdirAll(filepath.Dir(v.path), 0o700); err != nil {
		return fmt.Errorf("agevault: create directory for vault file %q: %w", v.path, err)
	}
	unlock, err := lock(ctx, v.lockPath(), unix.LOCK_EX)
	if err != nil {
		return err
	}
	defer unlock()

	// Re-read under the lock so that changes made by other processes since
	// any earlier read are kept.
	c, err := v.read()
	if err != nil {
		return err
	}
	if err := change(c); err != nil {
		return err
	}
	data, err := v.encrypt(c)
	if err != nil {
		return err
	}
	return writeAtomic(v.path, data)
}

func emptyContents() *contents {
	return &contents{secrets: make(map[vault.Ref]secretJSON)}
}

// read decrypts and decodes the vault file. The caller holds the lock.
func (v *Vault) read() (*contents, error) {
	data, err := os.ReadFile(v.path)
	if errors.Is(err, fs.ErrNotExist) {
		return emptyContents(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("agevault: read vault file: %w", err)
	}
	if !bytes.HasPrefix(data, []byte(ageIntro)) {
		return nil, kind(ErrDamaged, fmt.Errorf("agevault: vault file %q is not an age-encrypted file", v.path))
	}
	if v.identity == nil {
		return nil, fmt.Errorf("agevault: decrypt vault file %q: no identity given", v.path)
	}
	r, err := age.Decrypt(bytes.NewReader(data), v.identity)
	if err != nil {
		return nil, v.decryptError(err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		return nil, kind(ErrDamaged, fmt.Errorf("agevault: decrypt vault file %q: %w", v.path, err))
	}
	c, err := unmarshal(plain)
	if err != nil {
		return nil, kind(ErrDamaged, fmt.Errorf("agevault: vault file %q is corrupted: %w", v.path, err))
	}
	return c, nil
}

func (v *Vault) decryptError(err error) error {
	var noMatch *age.NoIdentityMatchError
	if !errors.As(err, &noMatch) && !errors.Is(err, age.ErrIncorrectIdentity) {
		return kind(ErrDamaged, fmt.Errorf("agevault: vault file %q is damaged or truncated: %w", v.path, err))
	}
	id := "identity"
	if v.identityPath != "" {
		id = fmt.Sprintf("identity %q", v.identityPath)
	}
	if x, ok := v.identity.(*age.X25519Identity); ok {
		id += fmt.Sprintf(" (public key %s)", x.Recipient())
	}
	return kind(ErrWrongIdentity, fmt.Errorf("agevault: %s does not match vault file %q: %w", id, v.path, err))
}

// Kinds of failure to read the vault file, for callers that advise
// differently on each; test with errors.Is.
var (
	// ErrWrongIdentity: the identity is not one of the file's recipients.
	ErrWrongIdentity = errors.New("agevault: identity does not match the vault file")
	// ErrDamaged: the file is not age, is truncated, or is not the
	// documented JSON once decrypted.
	ErrDamaged = errors.New("agevault: vault file damaged")
)

// kindError is err, also matching its kind with errors.Is.
type kindError struct{ kind, err error }

func kind(k, err error) error        { return &kindError{kind: k, err: err} }
func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.err, e.kind} }

// encrypt encodes and encrypts c to the vault's recipients.
func (v *Vault) encrypt(c *contents) ([]byte, error) {
	if len(v.recipients) == 0 {
		return nil, fmt.Errorf("agevault: write vault file %q: no recipients to encrypt to", v.path)
	}
	plain, err := c.marshal()
	if err != nil {
		return nil, fmt.Errorf("agevault: encode vault file %q: %w", v.path, err)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, v.recipients...)
	if err != nil {
		return nil, fmt.Errorf("agevault: encrypt vault file %q: %w", v.path, err)
	}
	if _, err := w.Write(plain); err != nil {
		return nil, fmt.Errorf("agevault: encrypt vault file %q: %w", v.path, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("agevault: encrypt vault file %q: %w", v.path, err)
	}
	return buf.Bytes(), nil
}

// writeAtomic replaces path with data: it writes a temporary file (mode
// 0600) in the same directory, fsyncs it, renames it over path and fsyncs
// the directory, so path holds either the old or the new data, never a mix.
func writeAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("agevault: write vault file %q: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("agevault: write vault file %q: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("agevault: write vault file %q: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("agevault: write vault file %q: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("agevault: write vault file %q: %w", path, err)
	}
	return syncDir(dir)
}

// syncDir fsyncs dir so that a rename into it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("agevault: sync directory %q: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("agevault: sync directory %q: %w", dir, err)
	}
	return nil
}
