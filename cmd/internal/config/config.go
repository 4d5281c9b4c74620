// Package config reads acctsetup.toml: where state and secrets live, the
// team mailbox, and which providers and environments the team enables.
// Without a file the embedded defaults apply: SQLite state in
// .acctsetup/state.db, an age vault in .acctsetup/vault.age, no mailbox,
// every built-in provider that is not retired, both environments.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

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
	Host        string   `toml:"host"`
	Port        int      `toml:"port"`
	TLS         string   `toml:"tls"`
	Username    string   `toml:"username"`
	Auth        string   `toml:"auth"`
	Folders     []string `toml:"folders"`
	AuthservID  string   `toml:"authserv_id"`
	PasswordRef string   `toml:"password_ref"`
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
		if c.Mailbox.TLS == "" {
			c.Mailbox.TLS = "implicit"
		}
		if c.Mailbox.Port == 0 {
			c.Mailbox.Port = 143 // STARTTLS and loopback plaintext
			if c.Mailbox.TLS == "implicit" {
				c.Mailbox.Port = 993
			}
		}
		if c.Mailbox.Auth == "" {
			c.Mailbox.Auth = "password"
		}
		if len(c.Mailbox.Folders) == 0 {
			c.Mailbox.Folders = []string{"INBOX"}
		}
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
	if m := c.Mailbox; m != nil {
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
		if m.AuthservID == "" {
			bad("mailbox.authserv_id", "is required: only Authentication-Results added by the receiving server it names are trusted")
		}
	}
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
