package app

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/vault/onepassword"
	"github.com/acctsetup/acctsetup/vault/onepassword/optest"
	"github.com/acctsetup/acctsetup/vault/totp"
)

// TestMigrateAgeToOnePasswordAndBack moves a team's secrets from the age
// file to (a fake of) 1Password and back: every value and every metadata
// field survives both moves, and each move is read back before the state
// points at the new backend.
func TestMigrateAgeToOnePasswordAndBack(t *testing.T) {
	dir := t.TempDir()
	configPath := filepath.Join(dir, "acctsetup.toml")
	service := optest.New("Integrations")
	actor := "priya"
	run := func(t *testing.T, stdin string, args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		env := func(k string) string {
			if k == "ACCTSETUP_ACTOR" {
				return actor
			}
			return ""
		}
		code := mainWith(context.Background(), append([]string{"acctsetup", "--config", configPath}, args...),
			IO{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}, env,
			func(a *app) {
				a.now = func() time.Time { return migrateClock }
				a.onePassword = func(context.Context) (onepassword.API, error) { return service, nil }
			})
		if code != exitOK {
			t.Fatalf("acctsetup %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
		}
		return out.String()
	}
	useBackend := func(t *testing.T, backend string) {
		t.Helper()
		text := "[vault]\nbackend = \"" + backend + "\"\nonepassword_vault = \"Integrations\"\n"
		if err := os.WriteFile(configPath, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	values := map[string]string{ // ID FIELD ENV -> value
		"xero client_id production":                "0123456789ABCDEF0123456789ABCDEF",
		"xero client_secret production":            "Zq9Secret-abcdefghijklmnopqrstuvwxyz",
		"businesscentral client_secret production": "Bc8~abcdefghijklmnopqrstuvwxyz.0123456",
		"codat webhook_signing_secret sandbox":     "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"quickbooksonline client_secret sandbox":   "qbo0123456789abcdefghijklmnopqrstuvwxyzAB",
		"businesscentral client_id sandbox":        "6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b",
		"sageaccounting client_secret production":  "sage-0123456789abcdefghijklmnopqrstuv",
		"codat api_key production":                 "codatApiKey0123456789abcdefghij",
		"xero client_secret sandbox":               "Zq9Sandbox-abcdefghijklmnopqrstuvwxyz",
		"quickbooksonline client_id production":    "ABqbo0123456789abcdefghijklmnopqrstuvwxyzAB",
	}
	useBackend(t, "age")
	for key, value := range values {
		f := strings.Fields(key)
		run(t, value, "secret", "set", f[0], f[1], "--env", f[2])
	}
	actor = "sam"
	run(t, "Bc8~rotatedabcdefghijklmnopqrstuvwxyz.01", "secret", "rotate", "businesscentral", "client_secret", "--env", "production")
	values["businesscentral client_secret production"] = "Bc8~rotatedabcdefghijklmnopqrstuvwxyz.01"
	seed := "otpauth://totp/Xero:team?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Xero"
	run(t, seed, "otp", "enroll", "xero", "--env", "production", "--code", currentCode(t, seed))

	before := secretList(t, run(t, "", "secret", "list", "--json"))
	check := func(t *testing.T, wantScheme string) {
		t.Helper()
		after := secretList(t, run(t, "", "secret", "list", "--json"))
		if len(after) != len(before) {
			t.Fatalf("secret list has %d secrets, want %d", len(after), len(before))
		}
		for i := range before {
			b, a := before[i], after[i]
			if !strings.HasPrefix(a.Reference, wantScheme) {
				t.Errorf("%s/%s/%s reference = %q, want %s...", a.Provider, a.Environment, a.Field, a.Reference, wantScheme)
			}
			b.Reference, a.Reference = "", ""
			if !sameJSON(t, a, b) {
				t.Errorf("metadata changed:\n before %+v\n after  %+v", b, a)
			}
		}
		for key, want := range values {
			f := strings.Fields(key)
			if got := strings.TrimSpace(run(t, "", "secret", "get", f[0], f[1], "--env", f[2], "--reveal")); got != want {
				t.Errorf("%s: value changed", key)
			}
		}
		if got := run(t, "", "otp", "code", "xero", "--env", "production"); strings.TrimSpace(got) != currentCode(t, seed) {
			t.Errorf("otp code after migration = %q", got)
		}
	}

	out := run(t, "", "vault", "migrate", "--to", "onepassword")
	if !strings.Contains(out, "copied 11 secret(s) with their metadata from age file") {
		t.Errorf("migrate said %q", out)
	}
	useBackend(t, "onepassword")
	// Nothing may come from the age file any more.
	if err := os.Rename(filepath.Join(dir, ".acctsetup", "vault.age"), filepath.Join(dir, "vault.age.bak")); err != nil {
		t.Fatal(err)
	}
	check(t, "op://Integrations/")
	if service.TotalCalls() == 0 {
		t.Fatal("the fake 1Password was never called")
	}

	out = run(t, "", "vault", "migrate", "--to", "age")
	if !strings.Contains(out, `copied 11 secret(s) with their metadata from 1Password vault "Integrations" to age file`) {
		t.Errorf("migrate back said %q", out)
	}
	useBackend(t, "age")
	check(t, "age://")
}

// currentCode returns a seed's code at the tests' fixed time; agreement
// with oathtool is tested separately.
func currentCode(t *testing.T, seed string) string {
	t.Helper()
	k, err := totp.Parse(seed)
	if err != nil {
		t.Fatal(err)
	}
	code, _, err := k.Code(migrateClock)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// migrateClock is the time every command of the migration test runs at.
var migrateClock = time.Date(2026, 11, 26, 9, 0, 7, 0, time.UTC)

func secretList(t *testing.T, out string) []secretJSON {
	t.Helper()
	var list []secretJSON
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("secret list --json: %v\n%s", err, out)
	}
	slices.SortFunc(list, func(a, b secretJSON) int {
		return strings.Compare(a.Provider+a.Environment+a.Field, b.Provider+b.Environment+b.Field)
	})
	return list
}

func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(ja, jb)
}
