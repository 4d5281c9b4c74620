package config

import (
	"bytes"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/acctsetup/acctsetup/providers/tomlfile"
	"github.com/acctsetup/acctsetup/providers/tomlfile/tomlfiletest"
)

// fuzzFile names the config file in FuzzParse's errors.
const fuzzFile = "acctsetup.toml"

// FuzzParse parses arbitrary config files (seeds: the file "init" writes
// and the variants in testdata/fuzz/FuzzParse, and those below), then, when
// one parses, sets its vault recipients the way "vault recipients add"
// does. Whatever the input:
//
//   - Parse returns a config or errors, never both; every error is a
//     *tomlfile.Error naming the file and a line it has (see
//     tomlfiletest.CheckErrors), parsing again fails too, and no error
//     quotes the state DSN's password;
//   - a parsed config is complete: filling in defaults again changes
//     nothing, and it passes its own checks; and it keeps every value the
//     file gives, none dropped or changed;
//   - an edit of the vault recipients, as SetVaultRecipients makes it,
//     changes nothing else, and can be made again.
func FuzzParse(f *testing.F) {
	f.Add([]byte("[mailbox]\nhost = \"imap.example.com\"\nusername = \"team@example.com\"\nauthserv_id = \"mx.example.com\"\n"), "age1new\nssh-ed25519 AAAA team")
	f.Add([]byte("[vault]\nrecipients = [\"age1old\"] # the team\npath = \"v.age\"\n"), "age1new")
	f.Add([]byte("[state]\ndsn = \"postgres://acctsetup:s3cret-pw@db.example.com/acctsetup\"\n"), "")
	f.Fuzz(func(t *testing.T, data []byte, recipients string) {
		c, err := Parse(fuzzFile, data)
		if err != nil {
			if c != nil {
				t.Fatalf("Parse returned a config and an error: %v", err)
			}
			checkParseErrors(t, data, err)
			return
		}
		again := *c
		again.fill()
		if !reflect.DeepEqual(&again, c) {
			t.Fatalf("fill is not idempotent:\nparsed:  %+v\nrefilled: %+v", c, &again)
		}
		if err := c.check(); err != nil {
			t.Fatalf("a parsed config fails its checks: %v", err)
		}
		checkKept(t, c, data)
		checkEdit(t, c, data, strings.Split(recipients, "\n"))
	})
}

// checkParseErrors checks the errors of a config that does not parse.
func checkParseErrors(t *testing.T, data []byte, err error) {
	t.Helper()
	if err := tomlfiletest.CheckErrors(fuzzFile, data, err); err != nil {
		t.Fatal(err)
	}
	if again, _ := Parse(fuzzFile, data); again != nil {
		t.Fatalf("Parse failed with %v, then succeeded", err)
	}
	var loose struct {
		State State `toml:"state"`
	}
	if _, derr := toml.Decode(string(data), &loose); derr != nil {
		return
	}
	if u, uerr := url.Parse(loose.State.DSN); uerr == nil {
		if pw, ok := u.User.Password(); ok && len(pw) >= 6 && strings.Contains(err.Error(), pw) {
			t.Fatalf("the error quotes the DSN's password %q: %v", pw, err)
		}
	}
}

// checkEdit sets the vault recipients of c, parsed from data, as
// SetVaultRecipients does.
// An edit it makes keeps every other setting and can be made again: then
// it changes nothing, and it can set other recipients.
func checkEdit(t *testing.T, c *Config, data []byte, recipients []string) {
	t.Helper()
	edited, after, err := editRecipients(fuzzFile, data, recipients)
	if err != nil {
		return // SetVaultRecipients refuses: edit it by hand
	}
	before, got := *c, *after
	before.Vault.Recipients, got.Vault.Recipients = nil, nil
	before.loc, got.loc = tomlfile.Locator{}, tomlfile.Locator{}
	if !reflect.DeepEqual(before, got) || !slices.Equal(after.Vault.Recipients, recipients) {
		t.Fatalf("setting vault.recipients to %q made\n%+v\nof\n%+v", recipients, got, before)
	}
	again, _, err := editRecipients(fuzzFile, edited, recipients)
	if err != nil || !bytes.Equal(again, edited) {
		t.Fatalf("setting the same recipients again: %v; the file was\n%s\nand became\n%s", err, edited, again)
	}
	if _, _, err := editRecipients(fuzzFile, edited, append(slices.Clone(recipients), "age1other")); err != nil {
		t.Fatalf("recipients set once cannot be set again: %v\n%s", err, edited)
	}
}

// checkKept checks that c, written back as TOML, holds every value data
// gives: the decoder dropped or changed none.
func checkKept(t *testing.T, c *Config, data []byte) {
	t.Helper()
	var given, kept map[string]any
	if _, err := toml.Decode(string(data), &given); err != nil {
		t.Fatalf("a file that parses is not TOML: %v", err)
	}
	var buf strings.Builder
	if err := toml.NewEncoder(&buf).Encode(c); err != nil {
		t.Fatalf("encode the parsed config: %v", err)
	}
	if _, err := toml.Decode(buf.String(), &kept); err != nil {
		t.Fatalf("the parsed config, encoded, is not TOML: %v\n%s", err, buf.String())
	}
	if path := lost(given, kept, ""); path != "" {
		t.Fatalf("the value of %s is lost: the file gives %v, the config holds\n%s", path, given, buf.String())
	}
}

// lost returns the path of the first value of given that kept does not
// hold, or "".
func lost(given, kept any, path string) string {
	switch g := given.(type) {
	case map[string]any:
		k, ok := kept.(map[string]any)
		if !ok {
			return path
		}
		for key, v := range g {
			if p := lost(v, k[key], path+"."+key); p != "" {
				return p
			}
		}
		return ""
	case []map[string]any:
		return lost(anys(g), kept, path)
	case []any:
		k, ok := kept.([]any)
		if km, isTables := kept.([]map[string]any); isTables {
			k, ok = anys(km), true
		}
		if !ok || len(k) != len(g) {
			return path
		}
		for i := range g {
			if p := lost(g[i], k[i], fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
		return ""
	}
	if !reflect.DeepEqual(given, kept) {
		return path
	}
	return ""
}

func anys[T any](s []T) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
