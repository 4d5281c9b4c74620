package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/acctsetup/acctsetup/providers/tomlfile"
)

func TestSetArray(t *testing.T) {
	t.Parallel()
	keys := []string{"age1new", "ssh-ed25519 AAAA team"}
	want := "recipients = [\n  \"age1new\",\n  \"ssh-ed25519 AAAA team\",\n]"
	tests := []struct {
		name, in, out string
	}{
		{"replace one line, keep the comment after it",
			"[vault]\nrecipients = [\"age1old\"] # the team\npath = \"v.age\"\n",
			"[vault]\n" + want + " # the team\npath = \"v.age\"\n"},
		{"replace several lines with comments and brackets in strings",
			"# top\n[vault]\nrecipients = [\n  \"age1old\", # ana\n  \"ssh-rsa ]x[\", # bo ]\n]\n\n[state]\ndsn = \"x\"\n",
			"# top\n[vault]\n" + want + "\n\n[state]\ndsn = \"x\"\n"},
		{"add after the table header",
			"[vault]\n# recipients = []\npath = \"v.age\"\n",
			"[vault]\n" + want + "\n# recipients = []\npath = \"v.age\"\n"},
		{"add after a header on the last line",
			"[state]\ndsn = \"x\"\n[vault]",
			"[state]\ndsn = \"x\"\n[vault]\n" + want + "\n"},
		{"add a table",
			"[state]\ndsn = \"x\"",
			"[state]\ndsn = \"x\"\n\n[vault]\n" + want + "\n"},
		{"other tables' recipients are not touched",
			"[mailbox]\nrecipients = [\"x\"]\n[vault]\n",
			"[mailbox]\nrecipients = [\"x\"]\n[vault]\n" + want + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := setArray([]byte(tt.in), tomlfile.NewLocator([]byte(tt.in)), "vault", "recipients", keys)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.out {
				t.Errorf("setArray =\n%s\nwant\n%s", got, tt.out)
			}
		})
	}
}

func TestSetVaultRecipients(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "acctsetup.toml")
	orig := "# our team\n[vault]\nrecipients = [\"age1old\"]\n\n[readiness]\nexpiry_warning_days = 14\n"
	if err := os.WriteFile(path, []byte(orig), 0o640); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, true)
	if err != nil {
		t.Fatal(err)
	}
	restore, err := c.SetVaultRecipients([]string{"age1old", "age1new"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := Load(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again.Vault.Recipients, []string{"age1old", "age1new"}) || again.Readiness.ExpiryWarningDays != 14 {
		t.Errorf("after SetVaultRecipients: recipients %v, expiry_warning_days %d", again.Vault.Recipients, again.Readiness.ExpiryWarningDays)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("mode after rewrite = %v, %v; want 0640 kept", fi.Mode(), err)
	}
	if err := restore(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != orig {
		t.Errorf("restore left\n%s\nwant\n%s", data, orig)
	}

	// Bad text is refused before the file changes.
	bad := "[vault]\nrecipients = \"age1old\"\n"
	if err := os.WriteFile(path, []byte(bad), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, true); err == nil {
		t.Fatal("Load accepted recipients as a string")
	}
	c.loc = tomlfile.NewLocator([]byte(bad))
	if _, err := c.SetVaultRecipients([]string{"age1new"}); err == nil {
		t.Error("SetVaultRecipients replaced a value that is not an array")
	}
	if data, _ := os.ReadFile(path); string(data) != bad {
		t.Errorf("file changed after a refused edit:\n%s", data)
	}

	if _, err := Defaults(t.TempDir()).SetVaultRecipients([]string{"age1new"}); err == nil {
		t.Error("SetVaultRecipients without a config file succeeded")
	}
}

// TestSetVaultRecipientsChangesNothingElse checks that an edit the
// locator places inside a multi-line string (its key quoted, so unseen) is
// refused rather than written: FuzzParse's edit property flags it.
func TestSetVaultRecipientsChangesNothingElse(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "acctsetup.toml")
	orig := "[state]\n\"dsn\" = \"\"\"\n[vault]\nrecipients = [\"b\"]\n\"\"\"\n[vault]\nrecipients = [\"b\"]\n"
	if err := os.WriteFile(path, []byte(orig), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, true)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.SetVaultRecipients([]string{"b"})
	if want := "could not place vault.recipients; edit it by hand"; err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("SetVaultRecipients error = %v, want one ending %q", err, want)
	}
	if data, _ := os.ReadFile(path); string(data) != orig {
		t.Errorf("the file became\n%s", data)
	}
}
