package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run executes one acctsetup command in-process in the current folder.
func run(tb testing.TB, stdin string, args ...string) int {
	tb.Helper()
	env := map[string]string{"ACCTSETUP_ACTOR": "bench"}
	streams := IO{In: strings.NewReader(stdin), Out: io.Discard, ErrOut: io.Discard}
	return Main(context.Background(), append([]string{"acctsetup"}, args...), streams, func(k string) string { return env[k] })
}

// BenchmarkCheck measures the main job on the embedded defaults: every
// built-in provider and environment, state in SQLite, secrets in the age
// vault (one decryption per run), with part of Xero done.
func BenchmarkCheck(b *testing.B) {
	b.Chdir(b.TempDir())
	run(b, "", "step", "done", "xero", "create-login")
	run(b, "0123456789ABCDEF0123456789ABCDEF", "secret", "set", "xero", "client_id", "--env", "production")
	run(b, "Zq9Secret-abcdefghijklmnopqrstuvwxyz", "secret", "set", "xero", "client_secret", "--env", "production")
	if code := run(b, "", "check"); code != exitNotReady {
		b.Fatalf("check exited %d, want %d", code, exitNotReady)
	}
	b.ResetTimer()
	for b.Loop() {
		run(b, "", "check")
	}
}

// BenchmarkProvidersList measures a command that must not open the state
// store or the vault: decoding and validating every descriptor.
func BenchmarkProvidersList(b *testing.B) {
	b.Chdir(b.TempDir())
	for b.Loop() {
		if code := run(b, "", "providers", "list"); code != exitOK {
			b.Fatalf("providers list exited %d", code)
		}
	}
	if _, err := os.Stat(".acctsetup"); err == nil {
		b.Fatal("providers list created .acctsetup")
	}
}

// BenchmarkCheckScale measures check as the catalogue grows: every
// built-in provider, plus copies of the Xero module under other IDs from
// --providers-dir, each checked in both environments. The cost per
// provider is decoding its descriptor and evaluating two checklists; the
// state store and the vault are read once whatever the count.
func BenchmarkCheckScale(b *testing.B) {
	xero, err := os.ReadFile(filepath.Join("..", "..", "..", "providers", "xero", "xero.toml"))
	if err != nil {
		b.Fatal(err)
	}
	for _, extra := range []int{0, 50, 200} {
		b.Run(fmt.Sprintf("extra=%d", extra), func(b *testing.B) {
			b.Chdir(b.TempDir())
			if err := os.Mkdir("more", 0o755); err != nil {
				b.Fatal(err)
			}
			for i := range extra {
				id := fmt.Sprintf("xerocopy%d", i)
				text := strings.Replace(string(xero), `id = "xero"`, `id = "`+id+`"`, 1)
				if err := os.WriteFile(filepath.Join("more", id+".toml"), []byte(text), 0o644); err != nil {
					b.Fatal(err)
				}
			}
			run(b, "0123456789ABCDEF0123456789ABCDEF", "secret", "set", "xero", "client_id", "--env", "production")
			if code := run(b, "", "check", "--providers-dir", "more"); code != exitNotReady {
				b.Fatalf("check exited %d, want %d", code, exitNotReady)
			}
			b.ResetTimer()
			for b.Loop() {
				run(b, "", "check", "--providers-dir", "more")
			}
		})
	}
}
