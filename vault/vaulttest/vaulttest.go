package vaulttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/vault"
)

// Run checks that the Vault returned by open behaves as [vault.Vault]
// documents: ErrNotFound for missing refs, round-trips, overwrite, List
// ordering and metadata, Delete, concurrent Sets from goroutines,
// references that resolve, invalid refs and cancelled contexts rejected,
// and that secret values never appear in errors, references or the
// formatted Secret. open is called once per
// subtest and must return a new, empty vault.
func Run(t *testing.T, open func(t *testing.T) vault.Vault) {
	t.Helper()
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, v vault.Vault)
	}{
		{"GetMissing", testGetMissing},
		{"SetGet", testSetGet},
		{"Overwrite", testOverwrite},
		{"List", testList},
		{"Metadata", testMetadata},
		{"ReadAll", testReadAll},
		{"Delete", testDelete},
		{"DeleteMissing", testDeleteMissing},
		{"ConcurrentSet", testConcurrentSet},
		{"InvalidRef", testInvalidRef},
		{"CancelledContext", testCancelledContext},
		{"Reference", testReference},
		{"Resolve", testResolve},
		{"SecretRedacted", testSecretRedacted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

// Refs and values used by the suite. Values are distinctive so that a leak
// into an error or reference is easy to spot.
var (
	refA = vault.Ref{Provider: "xero", Environment: "production", Field: "client_id"}
	refB = vault.Ref{Provider: "xero", Environment: "production", Field: "client_secret"}
	refC = vault.Ref{Provider: "qbo", Environment: "sandbox", Field: "client_id"}
)

func value(name string) vault.Secret {
	return vault.NewSecret("vaulttest-secret-" + name + "-d0nt-l3ak")
}

// noLeak fails t if err's message contains any of the values.
func noLeak(t *testing.T, err error, values ...vault.Secret) {
	t.Helper()
	if err == nil {
		return
	}
	for _, v := range values {
		if strings.Contains(err.Error(), v.Reveal()) {
			t.Errorf("error %q contains a secret value", err)
		}
	}
}

func mustSet(t *testing.T, v vault.Vault, ref vault.Ref, s vault.Secret) {
	t.Helper()
	if err := v.Set(context.Background(), ref, s, vault.Meta{}); err != nil {
		noLeak(t, err, s)
		t.Fatalf("Set(%s) error = %v", ref, err)
	}
}

func mustGet(t *testing.T, v vault.Vault, ref vault.Ref, want vault.Secret) {
	t.Helper()
	got, err := v.Get(context.Background(), ref)
	if err != nil {
		noLeak(t, err, want)
		t.Fatalf("Get(%s) error = %v", ref, err)
	}
	if got.Reveal() != want.Reveal() {
		t.Errorf("Get(%s) returned a different value than was set", ref)
	}
}

func wantNotFound(t *testing.T, err error, op string, ref vault.Ref) {
	t.Helper()
	if !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("%s(%s) error = %v, want one wrapping vault.ErrNotFound", op, ref, err)
	}
}

func testGetMissing(t *testing.T, v vault.Vault) {
	_, err := v.Get(context.Background(), refA)
	wantNotFound(t, err, "Get", refA)
	mustSet(t, v, refB, value("b"))
	_, err = v.Get(context.Background(), refA)
	wantNotFound(t, err, "Get", refA)
	noLeak(t, err, value("b"))
}

func testSetGet(t *testing.T, v vault.Vault) {
	values := map[vault.Ref]vault.Secret{
		refA: value("a"),
		refB: vault.NewSecret("with spaces, \"quotes\", <html> & unicode ✓\nand a newline"),
		refC: vault.NewSecret(""),
	}
	for ref, s := range values {
		mustSet(t, v, ref, s)
	}
	for ref, s := range values {
		mustGet(t, v, ref, s)
	}
}

func testOverwrite(t *testing.T, v vault.Vault) {
	mustSet(t, v, refA, value("old"))
	mustSet(t, v, refA, value("new"))
	mustGet(t, v, refA, value("new"))
	entries, err := v.List(context.Background())
	if err != nil {
		t.Fatalf("List() error = %v", err)
	}
	if len(entries) != 1 {
		t.Errorf("List() after overwrite has %d entries, want 1", len(entries))
	}
}

// testReadAll checks vault.ReadAll, which uses the backend's GetAll when it
// has one: every value, exactly, and nothing else.
func testReadAll(t *testing.T, v vault.Vault) {
	all, err := vault.ReadAll(context.Background(), v)
	if err != nil || len(all) != 0 {
		t.Fatalf("ReadAll() on empty vault = %v, %v; want none", all, err)
	}
	for _, ref := range []vault.Ref{refA, refB, refC} {
		mustSet(t, v, ref, value(ref.String()))
	}
	all, err = vault.ReadAll(context.Background(), v)
	if err != nil {
		t.Fatalf("ReadAll() error = %v", err)
	}
	if len(all) != 3 {
		t.Errorf("ReadAll() has %d values, want 3", len(all))
	}
	for _, ref := range []vault.Ref{refA, refB, refC} {
		if got := all[ref]; got.Reveal() != value(ref.String()).Reveal() {
			t.Errorf("ReadAll()[%s] is not the value set", ref)
		}
	}
}

func testList(t *testing.T, v vault.Vault) {
	entries, err := v.List(context.Background())
	if err != nil {
		t.Fatalf("List() on empty vault error = %v", err)
	}
	if len(entries) != 0 {
		t.Fatalf("List() on empty vault = %v, want none", entries)
	}

	before := time.Now().Add(-time.Second)
	for _, ref := range []vault.Ref{refB, refC, refA} {
		mustSet(t, v, ref, value(ref.Field))
	}
	after := time.Now().Add(time.Second)

	entries, err = v.List(context.Background())
	if err != nil {
		t.Fatalf("List() error = %v", err)
	}
	want := []vault.Ref{refC, refA, refB} // sorted by String()
	if len(entries) != len(want) {
		t.Fatalf("List() = %v, want refs %v", entries, want)
	}
	for i, e := range entries {
		if e.Ref != want[i] {
			t.Errorf("List()[%d].Ref = %s, want %s", i, e.Ref, want[i])
		}
		if e.SetAt.Before(before) || e.SetAt.After(after) {
			t.Errorf("List()[%d].SetAt = %v, want the time of Set, between %v and %v", i, e.SetAt, before, after)
		}
	}
}

func testDelete(t *testing.T, v vault.Vault) {
	mustSet(t, v, refA, value("a"))
	mustSet(t, v, refB, value("b"))
	if err := v.Delete(context.Background(), refA); err != nil {
		t.Fatalf("Delete(%s) error = %v", refA, err)
	}
	_, err := v.Get(context.Background(), refA)
	wantNotFound(t, err, "Get", refA)
	mustGet(t, v, refB, value("b"))
	entries, err := v.List(context.Background())
	if err != nil {
		t.Fatalf("List() error = %v", err)
	}
	if len(entries) != 1 || entries[0].Ref != refB {
		t.Errorf("List() after Delete = %v, want only %s", entries, refB)
	}
}

func testDeleteMissing(t *testing.T, v vault.Vault) {
	wantNotFound(t, v.Delete(context.Background(), refA), "Delete", refA)
	mustSet(t, v, refB, value("b"))
	err := v.Delete(context.Background(), refA)
	wantNotFound(t, err, "Delete", refA)
	noLeak(t, err, value("b"))
	mustGet(t, v, refB, value("b"))
}

func testConcurrentSet(t *testing.T, v vault.Vault) {
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			ref := vault.Ref{Provider: "conc", Environment: "test", Field: fmt.Sprintf("field_%02d", i)}
			errs[i] = v.Set(context.Background(), ref, value(ref.Field), vault.Meta{SetBy: ref.Field})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Set #%d error = %v", i, err)
		}
	}
	entries, err := v.List(context.Background())
	if err != nil {
		t.Fatalf("List() error = %v", err)
	}
	if len(entries) != n {
		t.Errorf("List() after %d concurrent Sets has %d entries, want %d", n, len(entries), n)
	}
	for i := range n {
		ref := vault.Ref{Provider: "conc", Environment: "test", Field: fmt.Sprintf("field_%02d", i)}
		mustGet(t, v, ref, value(ref.Field))
	}
}

func testInvalidRef(t *testing.T, v vault.Vault) {
	ctx := context.Background()
	s := value("invalid")
	for _, ref := range []vault.Ref{{}, {Provider: "Xero", Environment: "production", Field: "client_id"}, {Provider: "xero", Environment: "production", Field: "a/b"}} {
		if err := v.Set(ctx, ref, s, vault.Meta{}); err == nil {
			t.Errorf("Set(%q) error = nil, want invalid ref error", ref)
		} else {
			noLeak(t, err, s)
		}
		if _, err := v.Get(ctx, ref); err == nil || errors.Is(err, vault.ErrNotFound) {
			t.Errorf("Get(%q) error = %v, want invalid ref error", ref, err)
		}
		if err := v.Delete(ctx, ref); err == nil || errors.Is(err, vault.ErrNotFound) {
			t.Errorf("Delete(%q) error = %v, want invalid ref error", ref, err)
		}
	}
	entries, err := v.List(ctx)
	if err != nil {
		t.Fatalf("List() error = %v", err)
	}
	if len(entries) != 0 {
		t.Errorf("List() after invalid Sets = %v, want none", entries)
	}
}

func testCancelledContext(t *testing.T, v vault.Vault) {
	mustSet(t, v, refA, value("a"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := value("cancelled")
	if err := v.Set(ctx, refB, s, vault.Meta{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Set with cancelled ctx error = %v, want context.Canceled", err)
	} else {
		noLeak(t, err, s)
	}
	if _, err := v.Get(ctx, refA); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with cancelled ctx error = %v, want context.Canceled", err)
	}
	if err := v.Delete(ctx, refA); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete with cancelled ctx error = %v, want context.Canceled", err)
	}
	if _, err := v.List(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("List with cancelled ctx error = %v, want context.Canceled", err)
	}
	mustGet(t, v, refA, value("a"))
	if _, err := v.Get(context.Background(), refB); !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("Get(%s) after cancelled Set error = %v, want ErrNotFound", refB, err)
	}
}

func testReference(t *testing.T, v vault.Vault) {
	s := value("reference")
	mustSet(t, v, refA, s)
	got := v.Reference(refA)
	if got == "" {
		t.Fatal("Reference() is empty")
	}
	if strings.Contains(got, s.Reveal()) {
		t.Errorf("Reference() = %q contains the value", got)
	}
	if v.Reference(refB) == got {
		t.Errorf("Reference() is %q for two different refs", got)
	}
}

// testMetadata checks that Set keeps every metadata field as given, that
// List returns it, and that an overwrite replaces it.
func testMetadata(t *testing.T, v vault.Vault) {
	ctx := context.Background()
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))
	full := vault.Meta{
		SetAt: at, SetBy: "priya@example.com",
		RotatedAt: at.AddDate(0, 6, 0), RotatedBy: "sam@example.com",
		ExpiresAt: at.AddDate(2, 0, 0),
	}
	if err := v.Set(ctx, refA, value("a"), full); err != nil {
		t.Fatalf("Set(%s) error = %v", refA, err)
	}
	if err := v.Set(ctx, refB, value("b"), vault.Meta{SetAt: at, SetBy: "priya@example.com"}); err != nil {
		t.Fatalf("Set(%s) error = %v", refB, err)
	}
	checkMeta := func(want map[vault.Ref]vault.Meta) {
		t.Helper()
		entries, err := v.List(ctx)
		if err != nil {
			t.Fatalf("List() error = %v", err)
		}
		if len(entries) != len(want) {
			t.Fatalf("List() has %d entries, want %d", len(entries), len(want))
		}
		for _, e := range entries {
			if !e.Meta.Equal(want[e.Ref]) {
				t.Errorf("List() meta of %s = %+v, want %+v", e.Ref, e.Meta, want[e.Ref])
			}
		}
	}
	checkMeta(map[vault.Ref]vault.Meta{refA: full, refB: {SetAt: at, SetBy: "priya@example.com"}})

	replaced := vault.Meta{SetAt: at.Add(time.Hour), SetBy: "ops"}
	if err := v.Set(ctx, refA, value("a2"), replaced); err != nil {
		t.Fatalf("Set(%s) error = %v", refA, err)
	}
	checkMeta(map[vault.Ref]vault.Meta{refA: replaced, refB: {SetAt: at, SetBy: "priya@example.com"}})
}

// testResolve checks that what Reference returns resolves to the value, and
// that a reference to nothing is not found.
func testResolve(t *testing.T, v vault.Vault) {
	ctx := context.Background()
	mustSet(t, v, refA, value("resolve"))
	got, err := v.Resolve(ctx, v.Reference(refA))
	if err != nil {
		noLeak(t, err, value("resolve"))
		t.Fatalf("Resolve(%q) error = %v", v.Reference(refA), err)
	}
	if got.Reveal() != value("resolve").Reveal() {
		t.Errorf("Resolve(%q) is not the value set", v.Reference(refA))
	}
	_, err = v.Resolve(ctx, v.Reference(refB))
	wantNotFound(t, err, "Resolve", refB)
	noLeak(t, err, value("resolve"))
	if _, err := v.Resolve(ctx, "not a reference"); err == nil || errors.Is(err, vault.ErrNotFound) {
		t.Errorf("Resolve(%q) error = %v, want a malformed-reference error", "not a reference", err)
	}
}

func testSecretRedacted(t *testing.T, v vault.Vault) {
	mustSet(t, v, refA, value("fmt"))
	s, err := v.Get(context.Background(), refA)
	if err != nil {
		t.Fatalf("Get(%s) error = %v", refA, err)
	}
	printed := fmt.Sprintf("%v %s %+v %#v %q %x %d", s, s, s, s, s, s, s)
	if strings.Contains(printed, s.Reveal()) {
		t.Errorf("formatted Secret %q contains the value", printed)
	}
	b, err := json.Marshal(map[string]any{"value": s, "entry": struct{ S vault.Secret }{s}})
	if err != nil {
		t.Fatalf("json.Marshal error = %v", err)
	}
	if strings.Contains(string(b), s.Reveal()) {
		t.Errorf("json.Marshal = %s contains the value", b)
	}
}
