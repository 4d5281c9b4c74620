package config

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text, want string
	}{
		{
			name: "unknown key",
			text: "[vault]\nbackend = \"age\"\npathh = \"v.age\"\n",
			want: "a.toml:3: vault.pathh: unknown key",
		},
		{
			name: "bad backend and environment together",
			text: "[vault]\nbackend = \"vaultwarden\"\n\n[[providers]]\nid = \"xero\"\nenvironments = [\"prod\"]\n",
			want: "a.toml:2: vault.backend: must be age or onepassword, not \"vaultwarden\"\n" +
				"a.toml:6: providers[0].environments: must be sandbox or production, not \"prod\"",
		},
		{
			name: "onepassword needs a vault",
			text: "[vault]\nbackend = \"onepassword\"\n",
			want: "a.toml:1: vault.onepassword_vault: is required with backend = \"onepassword\"",
		},
		{
			name: "unknown database",
			text: "[state]\ndsn = \"mysql://u:pw@db/x\"\n",
			want: "a.toml:2: state.dsn: must start with sqlite:// or postgres://, not \"mysql://\"",
		},
		{
			name: "mailbox checks",
			text: "[mailbox]\nport = 70000\ntls = \"ssl\"\nauth = \"oauth\"\n",
			want: "a.toml:1: mailbox.host: is required\n" +
				"a.toml:2: mailbox.port: must be a port number, not 70000\n" +
				"a.toml:3: mailbox.tls: must be implicit, starttls or none, not \"ssl\"\n" +
				"a.toml:4: mailbox.auth: must be password or xoauth2, not \"oauth\"\n" +
				"a.toml:1: mailbox.username: is required\n" +
				"a.toml:1: mailbox.authserv_id: is required: only Authentication-Results added by the receiving server it names are trusted",
		},
		{
			name: "provider listed twice, second one located",
			text: "[[providers]]\nid = \"xero\"\n\n[[providers]]\nid = \"xero\"\n",
			want: "a.toml:5: providers[1].id: provider \"xero\" is listed twice",
		},
		{
			name: "redirect URIs keyed by an unknown environment",
			text: "[[providers]]\nid = \"xero\"\nredirect_uris = { staging = [\"https://x\"] }\n",
			want: "a.toml:3: providers[0].redirect_uris: keys must be sandbox or production, not \"staging\"",
		},
		{
			name: "wrong type",
			text: "[readiness]\nexpiry_warning_days = \"thirty\"\n",
			want: "a.toml:2: readiness.expiry_warning_days: must be a whole number, not a string",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("a.toml", []byte(tt.text))
			if err == nil || err.Error() != tt.want {
				t.Errorf("Parse() error =\n%v\nwant\n%s", err, tt.want)
			}
		})
	}
}

func TestParseResolvesPathsBesideTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "team", "acctsetup.toml")
	c, err := Parse(path, []byte("[state]\ndsn = \"sqlite://state/a.db\"\n[vault]\npath = \"/abs/v.age\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.StateDSN(), "sqlite://"+filepath.Join(dir, "team", "state", "a.db"); got != want {
		t.Errorf("StateDSN() = %q, want %q", got, want)
	}
	if got := c.Path(c.Vault.Path); got != "/abs/v.age" {
		t.Errorf("Path(vault.path) = %q, want the absolute path kept", got)
	}
	if got, want := c.Path(c.Vault.Identity), filepath.Join(dir, "team", ".acctsetup", "identity.txt"); got != want {
		t.Errorf("default identity = %q, want %q", got, want)
	}
	if c.Readiness.ExpiryWarningDays != 30 {
		t.Errorf("ExpiryWarningDays = %d, want the default 30", c.Readiness.ExpiryWarningDays)
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c := Defaults("/work/x")
	tests := []struct{ name, got, want string }{
		{"state", c.StateDSN(), "sqlite:///work/x/.acctsetup/state.db"},
		{"vault backend", c.Vault.Backend, "age"},
		{"vault path", c.Path(c.Vault.Path), "/work/x/.acctsetup/vault.age"},
		{"file", c.File, ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if c.Mailbox != nil || len(c.Providers) != 0 {
		t.Errorf("defaults have a mailbox or providers: %+v", c)
	}
}

func TestMailboxDefaults(t *testing.T) {
	t.Parallel()
	c, err := Parse("a.toml", []byte("[mailbox]\nhost = \"imap.example.com\"\nusername = \"team@example.com\"\nauthserv_id = \"mx.example.com\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := c.Mailbox
	if m.Port != 993 || m.TLS != "implicit" || m.Auth != "password" || len(m.Folders) != 1 || m.Folders[0] != "INBOX" {
		t.Errorf("mailbox defaults = %+v", m)
	}
}

func TestLoad(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := Load(DefaultFile, false)
	if err != nil || c.File != "" {
		t.Fatalf("Load without a file = %+v, %v; want the defaults", c, err)
	}
	c, err = Load(filepath.Join("team", "missing.toml"), true)
	if err != nil || c.Missing != filepath.Join("team", "missing.toml") || filepath.Base(c.Dir) != "team" {
		t.Errorf("Load(explicit missing) = %+v, %v; want the defaults beside it, Missing set", c, err)
	}
	if err := os.WriteFile(DefaultFile, []byte("[[providers]]\nid = \"xero\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err = Load(DefaultFile, false)
	if err != nil || c.File != DefaultFile || len(c.Providers) != 1 {
		t.Errorf("Load(existing) = %+v, %v", c, err)
	}
}

func TestProviderConfig(t *testing.T) {
	t.Parallel()
	c, err := Parse("a.toml", []byte("[[providers]]\nid = \"codat\"\n[[providers]]\nid = \"xero\"\nowner = \"priya@example.com\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	pc, i, ok := c.ProviderConfig("xero")
	if !ok || i != 1 || pc.Owner != "priya@example.com" {
		t.Errorf("ProviderConfig(xero) = %+v, %d, %v", pc, i, ok)
	}
	if _, _, ok := c.ProviderConfig("sageaccounting"); ok {
		t.Error("ProviderConfig(sageaccounting) found a provider that is not listed")
	}
}
