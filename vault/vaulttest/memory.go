// Package vaulttest helps test code that uses a [vault.Vault]: [Run] is a
// conformance suite every backend must pass, and [Memory] is an in-memory
// Vault for tests of code that needs one.
package vaulttest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/acctsetup/acctsetup/vault"
)

// Memory is an in-memory [vault.Vault]. The zero value is an empty vault,
// ready to use. It is safe for concurrent use.
type Memory struct {
	mu      sync.Mutex
	secrets map[vault.Ref]memoryEntry
}

type memoryEntry struct {
	value vault.Secret
	meta  vault.Meta
}

var _ vault.Vault = (*Memory)(nil)

// Get implements [vault.Vault].
func (m *Memory) Get(ctx context.Context, ref vault.Ref) (vault.Secret, error) {
	if err := check(ctx, ref); err != nil {
		return vault.Secret{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.secrets[ref]
	if !ok {
		return vault.Secret{}, fmt.Errorf("vaulttest: get %s: %w", ref, vault.ErrNotFound)
	}
	return e.value, nil
}

// Set implements [vault.Vault].
func (m *Memory) Set(ctx context.Context, ref vault.Ref, value vault.Secret, meta vault.Meta) error {
	if err := check(ctx, ref); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.secrets == nil {
		m.secrets = make(map[vault.Ref]memoryEntry)
	}
	if meta.SetAt.IsZero() {
		meta.SetAt = time.Now()
	}
	m.secrets[ref] = memoryEntry{value: value, meta: vault.UTC(meta)}
	return nil
}

// Delete implements [vault.Vault].
func (m *Memory) Delete(ctx context.Context, ref vault.Ref) error {
	if err := check(ctx, ref); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.secrets[ref]; !ok {
		return fmt.Errorf("vaulttest: delete %s: %w", ref, vault.ErrNotFound)
	}
	delete(m.secrets, ref)
	return nil
}

// List implements [vault.Vault].
func (m *Memory) List(ctx context.Context) ([]vault.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("vaulttest: list: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	entries := make([]vault.Entry, 0, len(m.secrets))
	for ref, e := range m.secrets {
		entries = append(entries, vault.Entry{Ref: ref, Meta: e.meta})
	}
	slices.SortFunc(entries, func(a, b vault.Entry) int {
		return cmp.Compare(a.Ref.String(), b.Ref.String())
	})
	return entries, nil
}

// Reference implements [vault.Vault]; it returns "memory://" + ref.String().
func (m *Memory) Reference(ref vault.Ref) string { return "memory://" + ref.String() }

// Resolve implements [vault.Vault] for the references Reference returns.
func (m *Memory) Resolve(ctx context.Context, reference string) (vault.Secret, error) {
	ref, err := vault.ParseReference("memory", reference)
	if err != nil {
		return vault.Secret{}, err
	}
	return m.Get(ctx, ref)
}

func check(ctx context.Context, ref vault.Ref) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("vaulttest: %s: %w", ref, err)
	}
	return ref.Validate()
}
