package agevault

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

// messages is every fixed text of unmarshal's errors: a value it holds
// is no echo of the input.
const messages = "invalid JSON at byte offset: field has the wrong type: a time is not in RFC 3339 form truncated " +
	"unknown field trailing data after the JSON object unsupported format version (want 2) secret duplicate ref " +
	"updated_at belongs to version 1; version 2 has set_at vault: invalid ref provider environment field must match [a-z0-9]+ [a-z][a-z0-9_]*"

// FuzzContents decodes arbitrary decrypted vault files (seeds: both format
// versions and the broken ones in testdata/fuzz/FuzzContents). Whatever the
// input, no error quotes a secret value; and contents that decode
//
//   - encode to JSON that decodes to the same secrets and metadata;
//   - can still be written after each secret is set again with its own
//     metadata, as "secret rotate" and "vault migrate" do.
func FuzzContents(f *testing.F) {
	f.Add([]byte(`{"version":2,"secrets":[{"provider":"xero","environment":"production","field":"client_secret",` +
		`"value":"s3cret-Zq81xP","set_at":"2025-01-02T03:04:05.123456789Z","set_by":"priya@example.com",` +
		`"rotated_at":"2026-06-02T09:00:00Z","rotated_by":"sam@example.com","expires_at":"2028-06-02T09:00:00Z"}]}`))
	f.Add([]byte(`{"version":1,"secrets":[{"provider":"xero","environment":"sandbox","field":"client_id",` +
		`"value":"id-Vb93kL","updated_at":"2024-05-06T07:08:09+02:00"}]}`))
	f.Add([]byte(`{"version":2,"secrets":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := unmarshal(data)
		if err != nil {
			checkNoValue(t, data, err)
			return
		}
		encoded, err := c.marshal()
		if err != nil {
			t.Fatalf("contents that decode do not encode: %v", err)
		}
		checkSame(t, c, encoded)
		for ref, s := range c.secrets {
			c.set(ref, s.Value, s.meta())
		}
		rewritten, err := c.marshal()
		if err != nil {
			t.Fatalf("contents that decode cannot be written back after setting each secret again: %v", err)
		}
		checkSame(t, c, rewritten)
	})
}

// checkNoValue checks that err quotes none of the values in data, when
// data is JSON enough to find them.
func checkNoValue(t *testing.T, data []byte, err error) {
	t.Helper()
	var doc any
	if json.Unmarshal(data, &doc) != nil {
		return
	}
	var values, others []string
	var walk func(v any, key string)
	walk = func(v any, key string) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				others = append(others, k)
				walk(e, k)
			}
		case []any:
			for _, e := range v {
				walk(e, key)
			}
		case string:
			if strings.EqualFold(key, "value") {
				values = append(values, v)
			} else {
				others = append(others, v)
			}
		}
	}
	walk(doc, "")
	for _, v := range values {
		if len(v) < 4 || !strings.Contains(err.Error(), v) || strings.Contains(messages, v) ||
			strings.Contains(strings.Join(others, "\x00"), v) {
			continue
		}
		t.Fatalf("the error quotes the secret value %q: %v", v, err)
	}
}

// checkSame checks that encoded decodes to c's secrets.
func checkSame(t *testing.T, c *contents, encoded []byte) {
	t.Helper()
	back, err := unmarshal(encoded)
	if err != nil {
		t.Fatalf("encoded contents do not decode: %v\n%s", err, encoded)
	}
	if len(back.secrets) != len(c.secrets) {
		t.Fatalf("%d secrets encoded, %d decoded", len(c.secrets), len(back.secrets))
	}
	for ref, s := range c.secrets {
		b, ok := back.secrets[ref]
		if !ok || b.Value != s.Value || !b.meta().Equal(s.meta()) {
			t.Fatalf("secret %s: encoded %+v, decoded %+v", ref, s, b)
		}
	}
}

// FuzzParseRecipients parses arbitrary recipient lists, one element per
// line of the input, as config's [vault] recipients and "vault recipients
// add" give them. Whatever the input, an error never holds a private key
// (AGE-SECRET-KEY-..., or a PEM "PRIVATE KEY"); and age encrypts to a list
// that parses.
func FuzzParseRecipients(f *testing.F) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		id.Recipient().String(),
		id.String(),
		strings.ToLower(id.String()),
		"# team keys\n\n" + id.Recipient().String(),
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN someone@example.com",
		"ssh-ed25519 AAAAnotbase64",
		"bob@example.com",
		"age1notakey",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input string) {
		lines := strings.Split(input, "\n")
		rs, err := ParseRecipients(lines)
		if err != nil {
			for _, line := range lines {
				if leaked := privateKey(line, err.Error()); leaked != "" {
					t.Fatalf("ParseRecipients(%q): the error holds %q of a private key: %v", lines, leaked, err)
				}
			}
			return
		}
		if _, err := age.Encrypt(&bytes.Buffer{}, rs...); err != nil && len(rs) > 0 {
			t.Fatalf("recipients that parse do not encrypt: %v", err)
		}
	})
}

// privateKey returns the part of line, a private key, that msg holds, or
// "" when line is no private key or msg holds no part of it long enough
// to be key material.
func privateKey(line, msg string) string {
	// The error's own wording names the marker; only what comes from the
	// line counts ("AGE-SECRET-KEY-." is not in "(AGE-SECRET-KEY-...)").
	msg = strings.ReplaceAll(msg, "(AGE-SECRET-KEY-...)", "")
	upper := strings.ToUpper(line)
	if !strings.Contains(upper, "AGE-SECRET-KEY-") && !strings.Contains(upper, "PRIVATE KEY") {
		return ""
	}
	for _, field := range strings.Fields(line) {
		if len(field) >= 16 && strings.Contains(msg, field) {
			return field
		}
	}
	return ""
}

// FuzzLoadIdentity reads arbitrary identity files. Whatever the file, an
// error never holds key material; an identity that loads is the file's
// first X25519 key, and decrypts what is encrypted to its recipient.
func FuzzLoadIdentity(f *testing.F) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("# created: 2025-01-02T03:04:05Z\n# public key: " + id.Recipient().String() + "\n" + id.String() + "\n"))
	f.Add([]byte(id.String()))
	f.Add([]byte(strings.ToLower(id.String())))
	f.Add([]byte("AGE-PLUGIN-YUBIKEY-1QQQQQQ\n" + id.String()))
	f.Add([]byte("AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "identity.txt")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := loadIdentity(path)
		if err != nil {
			// The path and the error's own wording are not from the file.
			msg := strings.NewReplacer(path, "", "(AGE-SECRET-KEY-1...)", "").Replace(err.Error())
			for _, field := range strings.Fields(string(data)) {
				if len(field) >= 16 && strings.Contains(msg, field) {
					t.Fatalf("the error holds %q from the file: %v", field, err)
				}
			}
			return
		}
		if !bytes.Contains(bytes.ToUpper(data), []byte(got.String())) {
			t.Fatalf("loaded %s, which the file does not hold", got.Recipient())
		}
		var sealed bytes.Buffer
		w, err := age.Encrypt(&sealed, got.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("probe")); err != nil || w.Close() != nil {
			t.Fatalf("encrypt: %v", err)
		}
		if _, err := age.Decrypt(&sealed, got); err != nil {
			t.Fatalf("the loaded identity does not decrypt what is encrypted to it: %v", err)
		}
	})
}
