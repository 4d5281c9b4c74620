// Package config reads acctsetup.toml: where state and secrets live, the
// team mailbox, and which providers and environments the team enables.
// Without a file the embedded defaults apply: SQLite state in
// .acctsetup/state.db, an age vault in .acctsetup/vault.age, no mailbox,
// every built-in provider that is not retired, both environments.
package config

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/acctsetup/acctsetup/mailbox"
	"github.com/acctsetup/acctsetup/mailbox/oauth"
	"github.com/acctsetup/acctsetup/providers"
	"github.com/acctsetup/acctsetup/providers/tomlfile"
)

// DefaultFile is the config file read when --config is not given.
const DefaultFile = "acctsetup.toml"

// Config is the decoded acctsetup.toml.
type Config struct {
	State        State      `toml:"state"`
	Vault        Vault      `toml:"vault"`
	Mailbox      *Mailbox   `toml:"mailbox"`
	Readiness    Readiness  `toml:"readiness"`
	ProvidersDir string     `toml:"providers_dir"`
	Providers    []Provider `toml:"providers"`

	// File is the file read, or "" for the embedded defaults.
	File string `toml:"-"`
	// Dir is what relative paths are relative to: the file's folder, or
	// the working directory for the defaults.
	Dir string `toml:"-"`
	// Missing is the explicitly named config file that did not exist, so
	// that the defaults apply beside it.
	Missing string `toml:"-"`

	loc tomlfile.Locator
}

// State says where checklist state lives.
type State struct {
	DSN string `toml:"dsn"`
}

// Vault says where secrets live.
type Vault struct {
	Backend          string   `toml:"backend"`
	Path             string   `toml:"path"`
	Identity         string   `toml:"identity"`
	Recipients       []string `toml:"recipients"`
	OnePasswordVault string   `toml:"onepassword_vault"`
}

// Mailbox is the team mailbox the watcher reads.
type Mailbox struct {
	// Preset fills the keys below that the file leaves out for a hosted
	// service: "gmail" or "microsoft365" (mailbox.LookupPreset).
	Preset   string   `toml:"preset"`
	Host     string   `toml:"host"`
	Port     int      `toml:"port"`
	TLS      string   `toml:"tls"`
	Username string   `toml:"username"`
	Auth     string   `toml:"auth"`
	Folders  []string `toml:"folders"`
	// OAuth is how XOAUTH2 access tokens are had: "google" or
	// "microsoft365" (package mailbox/oauth); TokenURL replaces that flow's
	// token endpoint.
	OAuth    string `toml:"oauth"`
	TokenURL string `toml:"token_url"`
	// Trust is whose Authentication-Results count: TrustAuthservID (the
	// server named AuthservID) or TrustExchangeOnline.
	Trust       string `toml:"trust"`
	AuthservID  string `toml:"authserv_id"`
	PasswordRef string `toml:"password_ref"`
}

// The values of [mailbox] trust.
const (
	TrustAuthservID     = "authserv_id"
	TrustExchangeOnline = "exchange_online"
)

// TrustRule is the mailbox's trust as the mailbox package takes it.
func (m *Mailbox) TrustRule() mailbox.Trust {
	if m.Trust == TrustExchangeOnline {
		return mailbox.Trust{ExchangeOnline: true}
	}
	return mailbox.Trust{AuthservID: m.AuthservID}
}

// fill applies the preset to the keys left out, then the defaults.
func (m *Mailbox) fill() {
	if p, ok := mailbox.LookupPreset(m.Preset); ok {
		m.Host = cmp.Or(m.Host, p.Host)
		m.Port = cmp.Or(m.Port, p.Port)
		m.TLS = cmp.Or(m.TLS, p.TLS)
		m.Auth = cmp.Or(m.Auth, p.Auth)
		if m.Auth == p.Auth {
			m.OAuth = cmp.Or(m.OAuth, p.OAuth)
		}
		if m.Trust == "" && m.AuthservID == "" { // an authserv_id given is a choice of trust too
			if p.Trust.ExchangeOnline {
				m.Trust = TrustExchangeOnline
			}
			m.AuthservID = p.Trust.AuthservID
		}
	}
	m.TLS = cmp.Or(m.TLS, "implicit")
	if m.Port == 0 {
		m.Port = 143 // STARTTLS and loopback plaintext
		if m.TLS == "implicit" {
			m.Port = 993
		}
	}
	m.Auth = cmp.Or(m.Auth, "password")
	m.Trust = cmp.Or(m.Trust, TrustAuthservID)
	if len(m.Folders) == 0 {
		m.Folders = []string{"INBOX"}
	}
}

// Readiness tunes the check.
type Readiness struct {
	// ExpiryWarningDays is how many days before a secret expires the
	// check warns (default 30).
	ExpiryWarningDays int `toml:"expiry_warning_days"`
	// SignOffMaxAge is how long a questionnaire sign-off holds, like
	// "12mo": the check warns ExpiryWarningDays before and fails after.
	// Empty: a sign-off holds until an answer changes.
	SignOffMaxAge providers.Age `toml:"signoff_max_age"`
}

// Provider enables one provider and says how the team set it up.
type Provider struct {
	ID           string              `toml:"id"`
	Environments []string            `toml:"environments"`
	Owner        string              `toml:"owner"`
	RedirectURIs map[string][]string `toml:"redirect_uris"`
}

// Defaults returns the embedded defaults with paths relative to dir.
func Defaults(dir string) *Config {
	c := &Config{Dir: dir}
	c.fill()
	return c
}

func (c *Config) fill() {
	if c.State.DSN == "" {
		c.State.DSN = "sqlite://" + filepath.Join(".acctsetup", "state.db")
	}
	if c.Vault.Backend == "" {
		c.Vault.Backend = "age"
	}
	if c.Vault.Path == "" {
		c.Vault.Path = filepath.Join(".acctsetup", "vault.age")
	}
	if c.Vault.Identity == "" {
		c.Vault.Identity = filepath.Join(".acctsetup", "identity.txt")
	}
	if c.Readiness.ExpiryWarningDays == 0 {
		c.Readiness.ExpiryWarningDays = 30
	}
	if c.Mailbox != nil {
		c.Mailbox.fill()
	}
}

// Load reads the config file at path. When the file does not exist, the
// embedded defaults apply, relative to the folder it would be in: the
// working directory for the default path, the named file's folder for
// --config or ACCTSETUP_CONFIG (explicit), which Missing then records so
// the command can say so.
func Load(path string, explicit bool) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		c := Defaults(filepath.Dir(abs))
		if explicit {
			c.Missing = path
		}
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse decodes and checks a config file's contents.
func Parse(path string, data []byte) (*Config, error) {
	c := &Config{File: path, loc: tomlfile.NewLocator(data)}
	if err := tomlfile.Decode(path, data, c); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c.Dir = filepath.Dir(abs)
	c.fill()
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

// Errorf returns an error located at field (a TOML path such as
// "providers[1].id") of the config file.
func (c *Config) Errorf(field, format string, args ...any) error {
	file := c.File
	if file == "" {
		file = "embedded defaults"
	}
	return &tomlfile.Error{File: file, Line: c.loc.Line(field), Field: field, Msg: fmt.Sprintf(format, args...)}
}

func (c *Config) check() error {
	var errs []error
	bad := func(field, format string, args ...any) { errs = append(errs, c.Errorf(field, format, args...)) }
	if !slices.Contains([]string{"age", "onepassword"}, c.Vault.Backend) {
		bad("vault.backend", "must be age or onepassword, not %q", c.Vault.Backend)
	}
	if c.Vault.Backend == "onepassword" && c.Vault.OnePasswordVault == "" {
		bad("vault.onepassword_vault", "is required with backend = \"onepassword\"")
	}
	if scheme, _, found := strings.Cut(c.State.DSN, "://"); found && !slices.Contains([]string{"sqlite", "postgres", "postgresql"}, scheme) {
		bad("state.dsn", "must start with sqlite:// or postgres://, not %q", scheme+"://")
	}
	if c.Readiness.ExpiryWarningDays < 0 {
		bad("readiness.expiry_warning_days", "must not be negative")
	}
	c.checkMailbox(bad)
	seen := map[string]bool{}
	for i, p := range c.Providers {
		field := fmt.Sprintf("providers[%d]", i)
		if p.ID == "" {
			bad(field+".id", "is required")
		}
		if seen[p.ID] {
			bad(field+".id", "provider %q is listed twice", p.ID)
		}
		seen[p.ID] = true
		for _, env := range p.Environments {
			if env != providers.Sandbox && env != providers.Production {
				bad(field+".environments", "must be sandbox or production, not %q", env)
			}
		}
		for env := range p.RedirectURIs {
			if env != providers.Sandbox && env != providers.Production {
				bad(field+".redirect_uris", "keys must be sandbox or production, not %q", env)
			}
		}
	}
	return errors.Join(errs...)
}

// checkMailbox checks [mailbox], when there is one.
func (c *Config) checkMailbox(bad func(field, format string, args ...any)) {
	m := c.Mailbox
	if m == nil {
		return
	}
	if _, ok := mailbox.LookupPreset(m.Preset); m.Preset != "" && !ok {
		// What the preset would have filled in is not missing too.
		bad("mailbox.preset", "must be %s, not %q", strings.Join(mailbox.PresetNames(), " or "), m.Preset)
		return
	}
	if m.Host == "" {
		bad("mailbox.host", "is required")
	}
	if m.Port < 1 || m.Port > 65535 {
		bad("mailbox.port", "must be a port number, not %d", m.Port)
	}
	if !slices.Contains([]string{"implicit", "starttls", "none"}, m.TLS) {
		bad("mailbox.tls", "must be implicit, starttls or none, not %q", m.TLS)
	}
	if !slices.Contains([]string{"password", "xoauth2"}, m.Auth) {
		bad("mailbox.auth", "must be password or xoauth2, not %q", m.Auth)
	}
	if m.Username == "" {
		bad("mailbox.username", "is required")
	}
	c.checkOAuth(bad)
	switch {
	case m.Trust != TrustAuthservID && m.Trust != TrustExchangeOnline:
		bad("mailbox.trust", "must be %s or %s, not %q", TrustAuthservID, TrustExchangeOnline, m.Trust)
	case m.Trust == TrustAuthservID && m.AuthservID == "":
		bad("mailbox.authserv_id", "is required: only Authentication-Results added by the receiving server it names are trusted"+
			" (for Microsoft 365, whose results name no server: trust = %q)", TrustExchangeOnline)
	case m.Trust == TrustExchangeOnline && m.AuthservID != "":
		bad("mailbox.authserv_id", "is not used with trust = %q: remove one of them", TrustExchangeOnline)
	}
}

// checkOAuth checks the keys that say how XOAUTH2 access tokens are had.
func (c *Config) checkOAuth(bad func(field, format string, args ...any)) {
	m := c.Mailbox
	flows := []string{mailbox.OAuthGoogle, mailbox.OAuthMicrosoft365}
	switch {
	case m.OAuth == "" && m.Auth == mailbox.AuthXOAUTH2 && m.PasswordRef == "":
		bad("mailbox.oauth", "is required with auth = %q: %s (a preset sets it), or password_ref naming a token kept current elsewhere",
			mailbox.AuthXOAUTH2, strings.Join(flows, " or "))
	case m.OAuth == "":
	case !slices.Contains(flows, m.OAuth):
		bad("mailbox.oauth", "must be %s, not %q", strings.Join(flows, " or "), m.OAuth)
	case m.Auth != mailbox.AuthXOAUTH2:
		bad("mailbox.oauth", "needs auth = %q, not %q", mailbox.AuthXOAUTH2, m.Auth)
	case m.PasswordRef != "":
		bad("mailbox.password_ref", "is not used with oauth: acctsetup mailbox login --oauth stores the client credentials")
	}
	if m.TokenURL == "" {
		return
	}
	if m.OAuth == "" {
		bad("mailbox.token_url", "needs oauth = %s", strings.Join(flows, " or "))
	} else if err := oauth.CheckTokenURL(m.TokenURL); err != nil {
		bad("mailbox.token_url", "%s", strings.TrimSuffix(err.Error(), ": "+mailbox.ErrInvalidConfig.Error()))
	}
}

// Path resolves a path from the config against Dir.
func (c *Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}

// StateDSN returns the state DSN with a relative SQLite path resolved.
func (c *Config) StateDSN() string {
	scheme, rest, found := strings.Cut(c.State.DSN, "://")
	switch {
	case !found:
		return "sqlite://" + c.Path(c.State.DSN)
	case scheme == "sqlite":
		return "sqlite://" + c.Path(rest)
	}
	return c.State.DSN
}

// ProviderConfig returns the team's settings for a provider, if listed.
func (c *Config) ProviderConfig(id string) (Provider, int, bool) {
	i := slices.IndexFunc(c.Providers, func(p Provider) bool { return p.ID == id })
	if i < 0 {
		return Provider{}, -1, false
	}
	return c.Providers[i], i, true
}
