package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// oathtool returns the path of the OATH Toolkit's oathtool, skipping the
// test when it is missing unless ACCTSETUP_REQUIRE_TOOLS is set (as in CI).
func oathtool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("oathtool")
	if err != nil {
		if os.Getenv("ACCTSETUP_REQUIRE_TOOLS") != "" {
			t.Fatal("oathtool is required (ACCTSETUP_REQUIRE_TOOLS is set) but not installed: apt-get install oathtool")
		}
		t.Skip("oathtool is not installed (apt-get install oathtool); skipping the interoperability test")
	}
	return path
}

// oathCode is what oathtool prints for a TOTP seed at t.
func oathCode(t *testing.T, tool, alg string, digits, period int, seed string, at time.Time) string {
	t.Helper()
	out, err := exec.Command(tool, "--totp="+alg, "-d", fmt.Sprint(digits), "-s", fmt.Sprintf("%ds", period),
		"-b", seed, "-N", fmt.Sprintf("@%d", at.Unix())).CombinedOutput()
	if err != nil {
		t.Fatalf("oathtool: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestOTPMatchesOathtool enrols seeds through the command line with the
// code oathtool gives, then checks that "otp code" prints what oathtool
// prints at the same moment: for each algorithm, digit count and period,
// with the RFC 6238 seeds and random ones.
func TestOTPMatchesOathtool(t *testing.T) {
	tool := oathtool(t)
	random := func(n int) string {
		b := make([]byte, n)
		rand.Read(b)
		return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
	}
	rfc := map[string]string{ // RFC 6238 appendix B
		"SHA1":   "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
		"SHA256": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA",
		"SHA512": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA",
	}
	enrolledAt := time.Date(2026, 11, 26, 9, 30, 7, 0, time.UTC)
	for _, alg := range []string{"SHA1", "SHA256", "SHA512"} {
		for _, digits := range []int{6, 8} {
			for _, period := range []int{30, 60, 15} {
				for kind, seed := range map[string]string{"rfc": rfc[alg], "random": random(20)} {
					name := fmt.Sprintf("%s/%d/%ds/%s", alg, digits, period, kind)
					// Not parallel: urfave/cli's global help flag is written on every run.
					t.Run(name, func(t *testing.T) {
						config := filepath.Join(t.TempDir(), "acctsetup.toml")
						run := func(at time.Time, stdin string, args ...string) (int, string, string) {
							var out, errOut bytes.Buffer
							args = append([]string{"acctsetup", "--config", config}, args...)
							code := mainWith(context.Background(), args, IO{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut},
								func(string) string { return "" }, func(a *app) { a.now = func() time.Time { return at } })
							return code, out.String(), errOut.String()
						}
						// Lower case with spaces, as authenticator apps show seeds.
						var spaced strings.Builder
						for i, r := range strings.ToLower(seed) {
							if i > 0 && i%4 == 0 {
								spaced.WriteString("%20")
							}
							spaced.WriteRune(r)
						}
						uri := fmt.Sprintf("otpauth://totp/Xero:team?secret=%s&algorithm=%s&digits=%d&period=%d", spaced.String(), alg, digits, period)
						want := oathCode(t, tool, alg, digits, period, seed, enrolledAt)
						if code, _, stderr := run(enrolledAt, uri, "otp", "enroll", "xero", "--env", "production", "--code", want); code != exitOK {
							t.Fatalf("otp enroll with oathtool's code exited %d: %s", code, stderr)
						}
						for _, later := range []time.Duration{0, 7 * time.Minute, 1000 * time.Hour} {
							at := enrolledAt.Add(later)
							code, stdout, stderr := run(at, "", "otp", "code", "xero", "--env", "production", "--json")
							if code != exitOK {
								t.Fatalf("otp code exited %d: %s", code, stderr)
							}
							var got otpCodeJSON
							if err := json.Unmarshal([]byte(stdout), &got); err != nil {
								t.Fatalf("otp code --json: %v\n%s", err, stdout)
							}
							if want := oathCode(t, tool, alg, digits, period, seed, at); got.Code != want {
								t.Errorf("at %s: otp code = %s, oathtool = %s", at.Format(time.RFC3339), got.Code, want)
							}
							if left := period - int(at.Unix()%int64(period)); got.ValidFor != left {
								t.Errorf("at %s: valid_for_seconds = %d, want %d", at.Format(time.RFC3339), got.ValidFor, left)
							}
						}
					})
				}
			}
		}
	}
}
