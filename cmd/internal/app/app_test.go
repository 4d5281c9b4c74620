package app

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseSince(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: "7d", want: now.Add(-7 * 24 * time.Hour)},
		{in: "12h", want: now.Add(-12 * time.Hour)},
		{in: "2w", want: now.Add(-14 * 24 * time.Hour)},
		{in: "2026-11-01", want: time.Date(2026, 11, 1, 0, 0, 0, 0, time.Local)},
		{in: "2026-11-01T08:00:00Z", want: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)},
		{in: "lastweek", wantErr: true},
		{in: "7", wantErr: true},
		{in: "-7d", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseSince(tt.in, now)
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestPlural(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0 errors", 1: "1 error", 2: "2 errors"} {
		if got := plural(n, "error"); got != want {
			t.Errorf("plural(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestReportExitCodes checks how errors become exit codes and what the
// user reads on standard error.
func TestReportExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        error
		wantCode   int
		wantStderr string
	}{
		{"nil", nil, exitOK, ""},
		{"not ready, already reported", errNotReady, exitNotReady, ""},
		{"usage with hint", usageError(errors.New("bad flag"), "see: acctsetup --help"), exitUsage,
			"acctsetup: error: bad flag\nacctsetup: hint: see: acctsetup --help\n"},
		{"refused", failure(errors.New("depends on undone steps")), exitNotReady, "acctsetup: error: depends on undone steps\n"},
		{"backend", backendError(errors.New("database is locked")), exitBackend, "acctsetup: error: database is locked\n"},
		{"joined errors one per line", usageError(errors.Join(errors.New("a.toml:1: x"), errors.New("a.toml:2: y"))), exitUsage,
			"acctsetup: error: a.toml:1: x\nacctsetup: error: a.toml:2: y\n"},
		{"a library's own error is a usage error", errors.New("flag provided but not defined: -x"), exitUsage,
			"acctsetup: error: flag provided but not defined: -x\n"},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		a := &app{io: IO{ErrOut: &stderr}}
		if got := a.report(tt.err); got != tt.wantCode || stderr.String() != tt.wantStderr {
			t.Errorf("%s: report = %d, %q; want %d, %q", tt.name, got, stderr.String(), tt.wantCode, tt.wantStderr)
		}
	}
}

// TestFlagsAfterArguments: urfave/cli v2 stops at the first argument, so
// interspersed flags are parsed by hand; both orders must agree.
func TestFlagsAfterArguments(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, args := range [][]string{
		{"providers", "show", "--json", "xero"},
		{"providers", "show", "xero", "--json"},
		{"--no-color", "providers", "show", "xero", "--json=true"},
	} {
		var out bytes.Buffer
		code := Main(context.Background(), append([]string{"acctsetup"}, args...), IO{In: strings.NewReader(""), Out: &out, ErrOut: &out},
			func(string) string { return "" })
		if code != exitOK || !strings.HasPrefix(out.String(), "{\n  \"id\": \"xero\"") {
			t.Errorf("%v: exit %d, output %.60q; want JSON for xero", args, code, out.String())
		}
	}
	var errOut bytes.Buffer
	code := Main(context.Background(), []string{"acctsetup", "providers", "show", "xero", "--env"}, IO{In: strings.NewReader(""), Out: &errOut, ErrOut: &errOut},
		func(string) string { return "" })
	if code != exitUsage || !strings.Contains(errOut.String(), "flag provided but not defined: --env") {
		t.Errorf("unknown trailing flag: exit %d, %q", code, errOut.String())
	}
}
