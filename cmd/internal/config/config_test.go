package config

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/acctsetup/acctsetup/mailbox"
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
				"a.toml:1: mailbox.authserv_id: is required: only Authentication-Results added by the receiving server it names are trusted" +
				" (for Microsoft 365, whose results name no server: trust = \"exchange_online\")",
		},
		{
			name: "unknown preset",
			text: "[mailbox]\npreset = \"yahoo\"\nhost = \"imap.example.com\"\nusername = \"u\"\nauthserv_id = \"mx.example.com\"\n",
			want: "a.toml:2: mailbox.preset: must be gmail or microsoft365, not \"yahoo\"",
		},
		{
			// What the preset would have filled in is not reported missing too.
			name: "unknown preset alone",
			text: "[mailbox]\npreset = \"outlook\"\nusername = \"u\"\n\n[[providers]]\nid = \"xero\"\nenvironments = [\"staging\"]\n",
			want: "a.toml:2: mailbox.preset: must be gmail or microsoft365, not \"outlook\"\n" +
				"a.toml:7: providers[0].environments: must be sandbox or production, not \"staging\"",
		},
		{
			name: "xoauth2 without a flow",
			text: "[mailbox]\nhost = \"imap.example.com\"\nusername = \"u\"\nauth = \"xoauth2\"\nauthserv_id = \"mx.example.com\"\n",
			want: "a.toml:1: mailbox.oauth: is required with auth = \"xoauth2\": google or microsoft365 (a preset sets it), or password_ref naming a token kept current elsewhere",
		},
		{
			name: "oauth checks",
			text: "[mailbox]\npreset = \"gmail\"\nusername = \"u\"\noauth = \"yahoo\"\ntoken_url = \"http://tokens.example.com/token\"\n",
			want: "a.toml:4: mailbox.oauth: must be google or microsoft365, not \"yahoo\"\n" +
				"a.toml:5: mailbox.token_url: \"http://tokens.example.com/token\" must be https (http only to a loopback address)",
		},
		{
			name: "oauth with a password",
			text: "[mailbox]\npreset = \"microsoft365\"\nusername = \"u\"\nauth = \"password\"\noauth = \"microsoft365\"\n",
			want: "a.toml:5: mailbox.oauth: needs auth = \"xoauth2\", not \"password\"",
		},
		{
			name: "oauth and password_ref",
			text: "[mailbox]\npreset = \"gmail\"\nusername = \"u\"\npassword_ref = \"op://v/i/f\"\n",
			want: "a.toml:4: mailbox.password_ref: is not used with oauth: acctsetup mailbox login --oauth stores the client credentials",
		},
		{
			name: "token URL without a flow",
			text: "[mailbox]\nhost = \"h\"\nusername = \"u\"\nauthserv_id = \"mx\"\ntoken_url = \"https://t.example/token\"\n",
			want: "a.toml:5: mailbox.token_url: needs oauth = google or microsoft365",
		},
		{
			name: "unknown trust",
			text: "[mailbox]\nhost = \"h\"\nusername = \"u\"\ntrust = \"arc\"\n",
			want: "a.toml:4: mailbox.trust: must be authserv_id or exchange_online, not \"arc\"",
		},
		{
			name: "exchange online and an authserv-id",
			text: "[mailbox]\nhost = \"h\"\nusername = \"u\"\ntrust = \"exchange_online\"\nauthserv_id = \"mx\"\n",
			want: "a.toml:5: mailbox.authserv_id: is not used with trust = \"exchange_online\": remove one of them",
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

// TestMailboxPresets: a preset fills what the file leaves out, and what the
// file says wins.
func TestMailboxPresets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		want       Mailbox
		trust      mailbox.Trust
	}{
		{"gmail", "preset = \"gmail\"\n",
			Mailbox{Host: "imap.gmail.com", Port: 993, TLS: "implicit", Auth: "xoauth2", OAuth: "google", Trust: TrustAuthservID, AuthservID: "mx.google.com"},
			mailbox.Trust{AuthservID: "mx.google.com"}},
		{"microsoft365", "preset = \"microsoft365\"\n",
			Mailbox{Host: "outlook.office365.com", Port: 993, TLS: "implicit", Auth: "xoauth2", OAuth: "microsoft365", Trust: TrustExchangeOnline},
			mailbox.Trust{ExchangeOnline: true}},
		{"explicit keys win", "preset = \"microsoft365\"\nhost = \"127.0.0.1\"\nport = 1143\ntls = \"none\"\nfolders = [\"Approvals\"]\ntoken_url = \"http://127.0.0.1:8080/token\"\n",
			Mailbox{Host: "127.0.0.1", Port: 1143, TLS: "none", Auth: "xoauth2", Folders: []string{"Approvals"}, OAuth: "microsoft365",
				TokenURL: "http://127.0.0.1:8080/token", Trust: TrustExchangeOnline},
			mailbox.Trust{ExchangeOnline: true}},
		{"an authserv_id replaces the preset's trust", "preset = \"microsoft365\"\nauthserv_id = \"mx.gateway.example\"\n",
			Mailbox{Host: "outlook.office365.com", Port: 993, TLS: "implicit", Auth: "xoauth2", OAuth: "microsoft365", Trust: TrustAuthservID, AuthservID: "mx.gateway.example"},
			mailbox.Trust{AuthservID: "mx.gateway.example"}},
		{"a password replaces the preset's flow", "preset = \"gmail\"\nauth = \"password\"\n",
			Mailbox{Host: "imap.gmail.com", Port: 993, TLS: "implicit", Auth: "password", Trust: TrustAuthservID, AuthservID: "mx.google.com"},
			mailbox.Trust{AuthservID: "mx.google.com"}},
		{"exchange online without a preset", "host = \"imap.example.com\"\ntrust = \"exchange_online\"\n",
			Mailbox{Host: "imap.example.com", Port: 993, TLS: "implicit", Auth: "password", Trust: TrustExchangeOnline},
			mailbox.Trust{ExchangeOnline: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse("a.toml", []byte("[mailbox]\nusername = \"team@example.com\"\n"+tt.text))
			if err != nil {
				t.Fatal(err)
			}
			got := *c.Mailbox
			got.Preset, got.Username = "", ""
			if len(tt.want.Folders) == 0 {
				tt.want.Folders = []string{"INBOX"}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("[mailbox] = %+v\nwant        %+v", got, tt.want)
			}
			if rule := c.Mailbox.TrustRule(); rule != tt.trust {
				t.Errorf("TrustRule() = %+v, want %+v", rule, tt.trust)
			}
		})
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
