// Package vault stores provider credentials. It holds only the vocabulary the
// backends share: [Ref] names a secret, [Secret] carries a value that never
// prints, and [Vault] is the interface every backend implements. Backends live
// in sub-packages (vault/age for the local age-encrypted file) so that this
// package imports no backend and no other project package.
package vault

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned, wrapped, by [Vault.Get] and [Vault.Delete] when a
// Ref has no value. Test for it with errors.Is.
var ErrNotFound = errors.New("vault: secret not found")

// Meta is a secret's history, stored beside its value so that it travels
// with the secret when a team moves between backends. It never holds the
// value. Times are in UTC; backends keep at least whole seconds.
type Meta struct {
	SetAt     time.Time // when the value was stored by "secret set"
	SetBy     string    // who stored it
	RotatedAt time.Time // when it was last replaced by "secret rotate"; zero if never
	RotatedBy string
	ExpiresAt time.Time // when it stops being valid; zero if it does not expire
}

// UpdatedAt returns when the value last changed: RotatedAt, else SetAt.
func (m Meta) UpdatedAt() time.Time {
	if !m.RotatedAt.IsZero() {
		return m.RotatedAt
	}
	return m.SetAt
}

// Equal reports whether m and o record the same history, comparing times
// as instants.
func (m Meta) Equal(o Meta) bool {
	return m.SetAt.Equal(o.SetAt) && m.SetBy == o.SetBy &&
		m.RotatedAt.Equal(o.RotatedAt) && m.RotatedBy == o.RotatedBy &&
		m.ExpiresAt.Equal(o.ExpiresAt)
}

// UTC returns m with every time in UTC, as backends store them.
func UTC(m Meta) Meta {
	m.SetAt, m.RotatedAt, m.ExpiresAt = m.SetAt.UTC(), m.RotatedAt.UTC(), m.ExpiresAt.UTC()
	return m
}

// Entry describes one stored secret: its ref and metadata, never the value.
type Entry struct {
	Ref Ref
	Meta
}

// Vault is a secret store.
//
// Implementations are safe for concurrent use by multiple goroutines.
// Get and Delete on a Ref with no value return an error wrapping [ErrNotFound].
// Every method rejects a Ref that fails [Ref.Validate], and returns an error
// wrapping ctx.Err() if ctx is already done. Errors never contain secret
// values, so callers may print them.
type Vault interface {
	// Get returns the value stored for ref.
	Get(ctx context.Context, ref Ref) (Secret, error)
	// Set stores value and meta for ref, replacing any previous value and
	// metadata. A zero meta.SetAt is recorded as the time of the call.
	Set(ctx context.Context, ref Ref, value Secret, meta Meta) error
	// Delete removes the value stored for ref.
	Delete(ctx context.Context, ref Ref) error
	// List returns every stored secret's metadata, sorted by Ref.String().
	List(ctx context.Context) ([]Entry, error)
	// Reference returns the backend-qualified name of ref, suitable for
	// storing in state (for example "age://xero/production/client_id").
	// It never contains the value and does not check that the value exists.
	Reference(ref Ref) string
	// Resolve returns the value a reference names: one Reference returned,
	// or any other the backend understands (1Password resolves every
	// "op://vault/item/field"). A reference to nothing returns an error
	// wrapping [ErrNotFound].
	Resolve(ctx context.Context, reference string) (Secret, error)
}

// BulkReader is implemented by backends that can read every secret in one
// round trip: one decryption of an age file, one API call to a password
// manager whose service accounts have few reads an hour. Use [ReadAll].
type BulkReader interface {
	// GetAll returns every stored value by ref.
	GetAll(ctx context.Context) (map[Ref]Secret, error)
}

// ReadAll returns every value v stores, in one round trip when v is a
// [BulkReader], else by List and one Get each.
func ReadAll(ctx context.Context, v Vault) (map[Ref]Secret, error) {
	if b, ok := v.(BulkReader); ok {
		return b.GetAll(ctx)
	}
	entries, err := v.List(ctx)
	if err != nil {
		return nil, err
	}
	all := make(map[Ref]Secret, len(entries))
	for _, e := range entries {
		s, err := v.Get(ctx, e.Ref)
		if errors.Is(err, ErrNotFound) {
			continue // deleted since List
		}
		if err != nil {
			return nil, err
		}
		all[e.Ref] = s
	}
	return all, nil
}
