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

// tempPath is where a write prepares the new file. One name is enough: only
// the holder of the exclusive lock writes it, and a file left there by a
// writer that was killed is replaced by the next one.
func (v *Vault) tempPath() string {
	dir, base := filepath.Split(v.path)
	return filepath.Join(dir, "."+base+".tmp")
}

// load reads the vault under a shared lock. A missing file is an empty vault,
// and reading it creates neither the vault nor its lock file.
func (v *Vault) load(ctx context.Context) (*contents, error) {
	if _, err := os.Lstat(v.path); errors.Is(err, fs.ErrNotExist) {
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
	return writeAtomic(v.path, v.tempPath(), data)
}

func emptyContents() *contents {
	return &contents{secrets: make(map[vault.Ref]secretJSON)}
}

// read decrypts and decodes the vault file. The caller holds the lock.
func (v *Vault) read() (*contents, error) {
	data, err := readFile("vault file", v.path)
	if errors.Is(err, fs.ErrNotExist) {
		return emptyContents(), nil
	}
	if err != nil {
		return nil, err
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
	// ErrNotRegular: the vault file, its lock or its temporary file is a
	// symbolic link (or a FIFO, a directory...), which is never followed.
	ErrNotRegular = errors.New("agevault: not a regular file")
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

// writeAtomic replaces path with data: it writes tmp (mode 0600, in the
// same directory), fsyncs it, renames it over path and fsyncs the
// directory, so path holds either the old or the new data, never a mix.
// The caller holds the exclusive lock, so a file already at tmp was left by
// a writer that was killed: it is removed first. A symbolic link there is
// refused, never followed.
func writeAtomic(path, tmp string, data []byte) (err error) {
	if err := removeStale(tmp); err != nil {
		return err
	}
	f, err := openFile("temporary file", tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("agevault: write vault file %q: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("agevault: write vault file %q: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("agevault: write vault file %q: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("agevault: write vault file %q: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// removeStale removes the regular file a killed writer left at tmp, if
// any. Anything else there (a link, a directory) acctsetup never made.
func removeStale(tmp string) error {
	fi, err := os.Lstat(tmp)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("agevault: temporary file %q: %w", tmp, err)
	case !fi.Mode().IsRegular():
		return notRegular("temporary file", tmp, fi.Mode())
	}
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("agevault: remove temporary file %q left by an interrupted write: %w", tmp, err)
	}
	return nil
}

// openFile opens the vault's file, lock or temporary file without
// following a symbolic link (O_NOFOLLOW), and only if it is a regular file,
// so that whoever can create a link or a FIFO beside the vault cannot make
// acctsetup write, create or wait on another file. what names the file in
// errors.
func openFile(what, path string, flag int, perm fs.FileMode) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, notRegular(what, path, fi.Mode()) // a FIFO would block the open below
	}
	f, err := os.OpenFile(path, flag|unix.O_NOFOLLOW, perm)
	if errors.Is(err, unix.ELOOP) {
		return nil, notRegular(what, path, fs.ModeSymlink)
	}
	if err != nil {
		return nil, fmt.Errorf("agevault: open %s: %w", what, err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = notRegular(what, path, fi.Mode())
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

// readFile reads the file at path with openFile's care.
func readFile(what, path string) ([]byte, error) {
	f, err := openFile(what, path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("agevault: read %s %q: %w", what, path, err)
	}
	return data, nil
}

// notRegular is the error for a vault, lock or temporary file that is a
// symbolic link or another kind of file acctsetup never makes.
func notRegular(what, path string, mode fs.FileMode) error {
	is := "not a regular file"
	if mode&fs.ModeSymlink != 0 {
		is = "a symbolic link"
	}
	return kind(ErrNotRegular, fmt.Errorf("agevault: %s %q is %s, which acctsetup does not follow or replace", what, path, is))
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
