package app

import (
	"context"
	"io"
	"os"
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
