package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/sqlstore"
	"github.com/acctsetup/acctsetup/cmd/internal/config"
	"github.com/acctsetup/acctsetup/providers"
	"github.com/acctsetup/acctsetup/providers/all"
	"github.com/acctsetup/acctsetup/vault"
	agevault "github.com/acctsetup/acctsetup/vault/age"
	"github.com/acctsetup/acctsetup/vault/onepassword"
)

// deps are the run's dependencies, created on first use and closed by Main.
type deps struct {
	cfg      *config.Config
	registry *providers.Registry
	store    checklists.Store
	vault    vault.Vault

	lines         *bufio.Reader // standard input, line by line
	failedCommand bool          // an unknown command was reported
}

func (d *deps) close() {
	if d.store != nil {
		d.store.Close()
	}
}

// config loads the config file once.
func (a *app) config() (*config.Config, error) {
	if a.deps.cfg != nil {
		return a.deps.cfg, nil
	}
	cfg, err := config.Load(a.globals.configPath, a.globals.configExplicit)
	if err != nil {
		return nil, usageError(err, "fix the file, or run acctsetup init --force to write a fresh one")
	}
	if cfg.Missing != "" {
		a.notef("%s does not exist: using the embedded defaults in %s (acctsetup init --config %s writes it)",
			cfg.Missing, display(cfg.Dir), cfg.Missing)
	}
	a.deps.cfg = cfg
	return cfg, nil
}

// registry returns the built-in providers, overridden by --providers-dir or
// the config's providers_dir, and checks the config's [[providers]] ids.
func (a *app) registry() (*providers.Registry, error) {
	if a.deps.registry != nil {
		return a.deps.registry, nil
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	reg, err := all.Registry()
	if err != nil {
		return nil, fmt.Errorf("built-in providers: %w", err) // a bug: tests decode every descriptor
	}
	dir := a.globals.providersDir
	if dir == "" {
		dir = cfg.Path(cfg.ProvidersDir)
	}
	if dir != "" {
		extra, err := providers.LoadDir(dir)
		if err != nil {
			return nil, usageError(err, "fix the descriptor; the README's \"Adding a provider\" section describes the format")
		}
		reg = reg.Override(extra...)
	}
	for i, pc := range cfg.Providers {
		p, err := reg.Lookup(pc.ID)
		if err != nil {
			return nil, usageError(cfg.Errorf(fmt.Sprintf("providers[%d].id", i), "%v", err), "acctsetup providers list shows the known IDs")
		}
		if p.Retired {
			return nil, usageError(cfg.Errorf(fmt.Sprintf("providers[%d].id", i), "%s is retired: %s", p.ID, p.RetiredNote), "remove it from acctsetup.toml")
		}
		for _, env := range pc.Environments {
			if _, ok := p.Environment(env); !ok {
				return nil, usageError(cfg.Errorf(fmt.Sprintf("providers[%d].environments", i), "%s has no %s environment", p.ID, env))
			}
		}
	}
	a.deps.registry = reg
	return reg, nil
}

// provider looks up a provider by ID, as a usage error with a suggestion.
func (a *app) provider(id string) (*providers.Provider, error) {
	reg, err := a.registry()
	if err != nil {
		return nil, err
	}
	p, err := reg.Lookup(id)
	if err != nil {
		return nil, usageError(err, "acctsetup providers list shows the known IDs")
	}
	return p, nil
}

// enabled returns the providers the team works on: the config's
// [[providers]], or every built-in provider that is not retired.
func (a *app) enabled() ([]*providers.Provider, error) {
	reg, err := a.registry()
	if err != nil {
		return nil, err
	}
	cfg := a.deps.cfg
	if len(cfg.Providers) == 0 {
		var ps []*providers.Provider
		for _, p := range reg.All() {
			if !p.Retired {
				ps = append(ps, p)
			}
		}
		return ps, nil
	}
	ps := make([]*providers.Provider, 0, len(cfg.Providers))
	for _, pc := range cfg.Providers {
		p, _ := reg.Lookup(pc.ID) // checked by registry()
		ps = append(ps, p)
	}
	return ps, nil
}

// enabledEnvironments returns the provider's environments the team works on.
func (a *app) enabledEnvironments(p *providers.Provider) ([]string, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	if pc, _, ok := cfg.ProviderConfig(p.ID); ok && len(pc.Environments) > 0 {
		return pc.Environments, nil
	}
	return p.EnvironmentNames(), nil
}

// redirectURIs returns the redirect URIs the team registered for an
// environment: the config's, or the module's required ones.
func (a *app) redirectURIs(p *providers.Provider, env string) []string {
	if pc, _, ok := a.deps.cfg.ProviderConfig(p.ID); ok {
		if uris, ok := pc.RedirectURIs[env]; ok {
			return uris
		}
	}
	e, _ := p.Environment(env)
	return e.RedirectURIs
}

// store opens the state store, saying so when it creates it.
func (a *app) store(ctx context.Context) (checklists.Store, error) {
	if a.deps.store != nil {
		return a.deps.store, nil
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	s, created, err := sqlstore.Open(ctx, cfg.StateDSN())
	if err != nil {
		switch {
		case errors.Is(err, checklists.ErrUnavailable) && strings.HasPrefix(cfg.StateDSN(), "postgres"):
			return nil, backendError(err, "check that the PostgreSQL server is up and [state] dsn in acctsetup.toml names it")
		case errors.Is(err, checklists.ErrUnavailable):
			return nil, backendError(err, "check that the state file's folder is writable and no other program holds it")
		}
		return nil, usageError(err, "set [state] dsn in acctsetup.toml to sqlite://PATH or postgres://USER@HOST/DB")
	}
	if created {
		a.notef("created the state store %s", display(strings.TrimPrefix(cfg.StateDSN(), "sqlite://")))
	}
	a.deps.store = s
	return s, nil
}

// vault opens the configured vault, creating the age identity on first
// use; commands that only read use vaultToRead.
func (a *app) vault() (vault.Vault, error) {
	if a.deps.vault != nil {
		return a.deps.vault, nil
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	v, err := a.openVault(cfg)
	if err != nil {
		return nil, err
	}
	a.deps.vault = v
	return v, nil
}

// openVault opens the vault a config names. A 1Password vault connects
// when first used, so opening one costs nothing.
func (a *app) openVault(cfg *config.Config) (vault.Vault, error) {
	if cfg.Vault.Backend == "onepassword" {
		return onepassword.Open(cfg.Vault.OnePasswordVault, a.connectOnePassword), nil
	}
	idPath := a.identityPath(cfg)
	identity, created, err := agevault.LoadOrCreateIdentity(idPath)
	if err != nil {
		return nil, backendError(err)
	}
	if created {
		a.notef("created the age identity %s (mode 0600); back it up: without it the vault cannot be read", display(idPath))
	}
	recipients, err := agevault.ParseRecipients(cfg.Vault.Recipients)
	if err != nil {
		return nil, usageError(cfg.Errorf("vault.recipients", "%v", err))
	}
	return agevault.Open(cfg.Path(cfg.Vault.Path), identity, recipients, agevault.WithIdentityPath(idPath)), nil
}

// errNoToken: the 1Password backend needs a service account token.
var errNoToken = errors.New("OP_SERVICE_ACCOUNT_TOKEN is not set: the 1Password backend needs a service account token")

// connectOnePassword creates the run's one 1Password SDK client, from the
// service account token in OP_SERVICE_ACCOUNT_TOKEN. Tests replace it.
func (a *app) connectOnePassword(ctx context.Context) (onepassword.API, error) {
	if a.onePassword != nil {
		return a.onePassword(ctx)
	}
	token := a.getenv("OP_SERVICE_ACCOUNT_TOKEN")
	if token == "" {
		return nil, errNoToken
	}
	return onepassword.Connect(ctx, token, version())
}

// identityPath is the age identity file: ACCTSETUP_AGE_IDENTITY, or the
// config's (by default .acctsetup/identity.txt).
func (a *app) identityPath(cfg *config.Config) string {
	if p := a.getenv("ACCTSETUP_AGE_IDENTITY"); p != "" {
		return p
	}
	return cfg.Path(cfg.Vault.Identity)
}

// ageConfig returns the config, refusing a vault backend other than age.
func (a *app) ageConfig() (*config.Config, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	if cfg.Vault.Backend != "age" {
		return nil, usageError(fmt.Errorf("the vault backend is %s: recipients belong to the age backend", cfg.Vault.Backend),
			"share a 1Password vault by granting access to it in 1Password")
	}
	return cfg, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// vaultError is a vault failure with the advice that fits it. Nothing
// was changed: the backends leave the vault as it was on any error.
func (a *app) vaultError(err error) error {
	switch {
	case errors.Is(err, agevault.ErrWrongIdentity):
		return backendError(err, "nothing was changed; point ACCTSETUP_AGE_IDENTITY at an identity whose public key is a recipient,"+
			" or ask a teammate who is one to run: acctsetup vault recipients add <your age1... key>")
	case errors.Is(err, errNoToken):
		return usageError(err, "export OP_SERVICE_ACCOUNT_TOKEN=ops_... (a service account with access to the vault), or set [vault] backend = \"age\"")
	case errors.Is(err, onepassword.ErrRateLimited):
		return backendError(err, "nothing was changed; acctsetup reads each 1Password item once per run, so run fewer commands for a while")
	case errors.Is(err, agevault.ErrNotRegular):
		return backendError(err, "nothing was changed; acctsetup follows no link at the vault file, its .lock or its .tmp file:"+
			" check who made it, then put the vault file itself at [vault] path and remove the others")
	case errors.Is(err, agevault.ErrDamaged):
		return backendError(err, "nothing was changed; restore the vault file from a backup,"+
			" or have a teammate whose key is a recipient check it with: age -d -i IDENTITY FILE")
	}
	return backendError(err)
}

// vaultToRead opens the vault for reading, or returns nil when none has
// been written yet: reading an absent vault must not create an identity.
func (a *app) vaultToRead() (vault.Vault, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	if cfg.Vault.Backend == "age" {
		// Lstat: a link, even to nowhere, is for the vault to refuse.
		if _, err := os.Lstat(cfg.Path(cfg.Vault.Path)); errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
	}
	return a.vault()
}

// display shortens a path to be relative to the working directory when it
// lies below it, as a person would type it.
func display(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	rel, err := filepath.Rel(wd, path)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return path
	}
	return rel
}
