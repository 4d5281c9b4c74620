package providers

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acctsetup/acctsetup/providers/tomlfile/tomlfiletest"
)

// FuzzDecode decodes arbitrary descriptors, seeded with every built-in one
// (and the broken variants in testdata/fuzz/FuzzDecode). Whatever the
// input, Decode returns a provider or errors, never both, and:
//
//   - every error is a *tomlfile.Error naming the file, on a line the file
//     has (or 0), in words (see tomlfiletest.CheckErrors), and decoding
//     the same text again fails too;
//   - a decoded provider validates again, with the same compiled rules;
//   - no credential's Check quotes the value it refused (value is a secret
//     the descriptor does not hold), and every rule's Words are a sound
//     prefilter: a subject the rule matches contains one of them.
func FuzzDecode(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("*", "*.toml"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no built-in descriptors: %v", err)
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "S3cr3t-value", "Your app has been approved")
	}
	f.Add([]byte(baseDescriptor), "S3cr3t value with spaces", "App approved")
	f.Fuzz(func(t *testing.T, data []byte, value, subject string) {
		p, err := Decode(testFile, data)
		if err != nil {
			if p != nil {
				t.Fatalf("Decode returned a provider and an error: %v", err)
			}
			if err := tomlfiletest.CheckErrors(testFile, data, err); err != nil {
				t.Fatal(err)
			}
			// Only the first type mismatch the TOML library meets is
			// reported, and it walks tables in map order: decoding again
			// may name another one, but must fail.
			if again, _ := Decode(testFile, data); again != nil {
				t.Fatalf("Decode failed with %v, then succeeded", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("a decoded provider does not validate: %v", err)
		}
		checkCredentials(t, p, data, value)
		checkWords(t, p, subject)
	})
}

// checkCredentials checks that checking a value against each credential
// never puts the value in the error.
func checkCredentials(t *testing.T, p *Provider, data []byte, value string) {
	t.Helper()
	value = "S3cr3t" + value // "S3cr3t" is in no message: only an echo puts value in one
	if bytes.Contains(data, []byte(value)) {
		return // the descriptor itself names it, in a rule or pattern
	}
	for _, c := range p.Credentials {
		err := c.Check(value)
		if err == nil {
			continue
		}
		var re *RuleError
		if !errors.As(err, &re) {
			t.Fatalf("Check(%q) of %s: error %T %v is not a *RuleError", value, c.Name, err, err)
		}
		if strings.Contains(err.Error(), value) {
			t.Fatalf("Check(%q) of %s: the error quotes the value: %v", value, c.Name, err)
		}
	}
}

// checkWords checks that a subject a rule matches holds one of its Words
// (the server-side search terms), and that Classify agrees with the rules.
func checkWords(t *testing.T, p *Provider, subject string) {
	t.Helper()
	lower := strings.ToLower(subject)
	anyMatch := false
	for _, r := range p.Signals.Rules {
		if !r.subject.MatchString(subject) { // compiled by Decode
			continue
		}
		anyMatch = true
		words := r.Words()
		if words != nil && !containsAny(lower, words) {
			t.Fatalf("rule %s (%q) matches %q, which holds none of its words %q", r.ID, r.Subject, subject, words)
		}
	}
	if _, ok := p.Signals.Classify(subject); ok != anyMatch {
		t.Fatalf("Classify(%q) matched = %v, but a rule's expression matching it is %v", subject, ok, anyMatch)
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
