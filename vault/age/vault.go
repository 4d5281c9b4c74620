package agevault

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"filippo.io/age"

	"github.com/acctsetup/acctsetup/vault"
)

// Vault is an age-encrypted file holding secrets. It is safe for concurrent
// use by goroutines and by processes on the same machine.
type Vault struct {
	path         string
	identity     age.Identity
	identityPath string // for error messages; may be empty
	recipients   []age.Recipient
}

var (
	_ vault.Vault      = (*Vault)(nil)
	_ vault.BulkReader = (*Vault)(nil)
)

// Option configures [Open].
type Option func(*Vault)

// WithIdentityPath records the file identity was loaded from, so that errors
// (for example an identity that does not match the vault file) can name it.
func WithIdentityPath(path string) Option {
	return func(v *Vault) { v.identityPath = path }
}

// Open returns the vault stored at path, decrypted with identity and written
// to recipients plus, when identity is an *age.X25519Identity, its own
// recipient. The file need not exist: a missing file is an empty vault, and
// only the first write creates it (and its parent directory, mode 0700).
// Every write re-encrypts the whole file to exactly these recipients, so
// recipients must list everyone who should keep access, not only the writer.
// Open does no I/O, so a wrong identity or a corrupted file is reported by
// the first method call.
func Open(path string, identity age.Identity, recipients []age.Recipient, opts ...Option) *Vault {
	v := &Vault{path: path, identity: identity}
	seen := make(map[string]bool)
	add := func(r age.Recipient) {
		if x, ok := r.(*age.X25519Recipient); ok {
			if seen[x.String()] {
				return
			}
			seen[x.String()] = true
		}
		v.recipients = append(v.recipients, r)
	}
	if x, ok := identity.(*age.X25519Identity); ok {
		add(x.Recipient())
	}
	for _, r := range recipients {
		add(r)
	}
	for _, opt := range opts {
		opt(v)
	}
	return v
}

// Get implements [vault.Vault].
func (v *Vault) Get(ctx context.Context, ref vault.Ref) (vault.Secret, error) {
	if err := check(ctx, "get", ref); err != nil {
		return vault.Secret{}, err
	}
	c, err := v.load(ctx)
	if err != nil {
		return vault.Secret{}, err
	}
	s, ok := c.secrets[ref]
	if !ok {
		return vault.Secret{}, fmt.Errorf("agevault: get %s from %q: %w", ref, v.path, vault.ErrNotFound)
	}
	return vault.NewSecret(s.Value), nil
}

// Set implements [vault.Vault].
func (v *Vault) Set(ctx context.Context, ref vault.Ref, value vault.Secret, meta vault.Meta) error {
	if err := check(ctx, "set", ref); err != nil {
		return err
	}
	return v.update(ctx, func(c *contents) error {
		c.set(ref, value.Reveal(), meta)
		return nil
	})
}

// Delete implements [vault.Vault].
func (v *Vault) Delete(ctx context.Context, ref vault.Ref) error {
	if err := check(ctx, "delete", ref); err != nil {
		return err
	}
	return v.update(ctx, func(c *contents) error {
		if _, ok := c.secrets[ref]; !ok {
			return fmt.Errorf("agevault: delete %s from %q: %w", ref, v.path, vault.ErrNotFound)
		}
		delete(c.secrets, ref)
		return nil
	})
}

// List implements [vault.Vault].
func (v *Vault) List(ctx context.Context) ([]vault.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("agevault: list: %w", err)
	}
	c, err := v.load(ctx)
	if err != nil {
		return nil, err
	}
	entries := make([]vault.Entry, 0, len(c.secrets))
	for _, s := range c.sorted() {
		entries = append(entries, vault.Entry{Ref: s.ref(), Meta: s.meta()})
	}
	return entries, nil
}

// Rewrap re-encrypts the vault file to the recipients given to Open without
// changing any secret, so that an added recipient can read it and a removed
// one cannot read what is written from now on. With no file yet there is
// nothing to do.
func (v *Vault) Rewrap(ctx context.Context) error {
	if _, err := os.Lstat(v.path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return v.update(ctx, func(*contents) error { return nil })
}

// GetAll implements [vault.BulkReader]: one decryption for every value.
func (v *Vault) GetAll(ctx context.Context) (map[vault.Ref]vault.Secret, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("agevault: read all: %w", err)
	}
	c, err := v.load(ctx)
	if err != nil {
		return nil, err
	}
	all := make(map[vault.Ref]vault.Secret, len(c.secrets))
	for ref, s := range c.secrets {
		all[ref] = vault.NewSecret(s.Value)
	}
	return all, nil
}

// Reference implements [vault.Vault]; it returns "age://" + ref.String().
func (v *Vault) Reference(ref vault.Ref) string { return "age://" + ref.String() }

// Resolve implements [vault.Vault] for the references Reference returns.
func (v *Vault) Resolve(ctx context.Context, reference string) (vault.Secret, error) {
	ref, err := vault.ParseReference("age", reference)
	if err != nil {
		return vault.Secret{}, fmt.Errorf("agevault: %w", err)
	}
	return v.Get(ctx, ref)
}

func check(ctx context.Context, op string, ref vault.Ref) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("agevault: %s %s: %w", op, ref, err)
	}
	return ref.Validate()
}
