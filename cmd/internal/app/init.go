package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/cmd/internal/config"
	agevault "github.com/acctsetup/acctsetup/vault/age"
)

func (a *app) initCommand() *cli.Command {
	return &cli.Command{
		Name:  "init",
		Usage: "write acctsetup.toml, with comments, and create your age identity",
		Flags: []cli.Flag{&cli.BoolFlag{Name: flgForce, Usage: "overwrite an existing config file"}},
		Action: func(ctx *cli.Context) error {
			if _, err := a.args(ctx, 0, 0, "no arguments"); err != nil {
				return err
			}
			return a.init(ctx.Bool(flgForce))
		},
	}
}

var configTemplate = template.Must(template.New("config").Parse(`# acctsetup configuration. Paths are relative to this file.
# Reference: acctsetup --help; the README explains every key.

[state]
# Where checklists, answers, sign-offs, secret metadata and the audit trail
# live. SQLite by default; a team can share PostgreSQL (postgres://user@host/db).
dsn = "sqlite://.acctsetup/state.db"

[vault]
# Where secrets live: "age" (an encrypted file) or "onepassword".
backend = "age"
path = ".acctsetup/vault.age"
# Your private key; ACCTSETUP_AGE_IDENTITY overrides it. Never commit it.
identity = ".acctsetup/identity.txt"
# Everyone who may read the vault: age public keys or SSH public keys.
# Change it with: acctsetup vault recipients add|rm KEY (re-encrypts the file).
recipients = [{{range $i, $r := .Recipients}}{{if $i}}, {{end}}"{{$r}}"{{end}}]
# onepassword_vault = "Integrations"

[readiness]
# Warn this many days before a secret reaches its maximum age (and before a
# questionnaire sign-off reaches signoff_max_age).
expiry_warning_days = 30
# How long a production questionnaire sign-off holds before a reviewer must sign
# it off again, like "12mo"; without it a sign-off holds until an answer changes.
# signoff_max_age = "12mo"

# The team mailbox that approval e-mails arrive in (absent: no mailbox).
# On Microsoft 365 or Gmail, a preset fills in the server, the OAuth 2.0
# login and whose authentication results to trust (keys you write win):
# [mailbox]
# preset = "microsoft365"          # or "gmail"
# username = "integrations@example.com"
# folders = ["INBOX"]
# then: acctsetup mailbox login --oauth   (stores the app's client credentials)
#
# Any other IMAP server:
# [mailbox]
# host = "imap.example.com"
# port = 993
# tls = "implicit"                 # implicit | starttls | none (loopback only)
# username = "integrations@example.com"
# auth = "password"                # password | xoauth2 (with oauth)
# oauth = "microsoft365"           # with xoauth2: microsoft365 (client credentials) | google (refresh token)
# token_url = "https://login.example.com/oauth2/token"   # with oauth: another token endpoint than the flow's
# folders = ["INBOX"]
# trust = "authserv_id"            # authserv_id | exchange_online (the results Exchange Online adds)
# authserv_id = "mx.example.com"   # whose Authentication-Results to trust (with trust = "authserv_id")
# password_ref = "op://Integrations/Mailbox/password"   # else: acctsetup mailbox login

# Extra or overriding provider descriptors (same shape as the built-in ones).
# providers_dir = "providers.d"

# The providers you work on. Absent: every built-in provider that is not
# retired, in both environments. Built-in: {{.Providers}}.
# [[providers]]
# id = "xero"
# environments = ["sandbox", "production"]
# owner = "priya@example.com"
# redirect_uris = { production = ["https://xero.codat.io/oauth2/callback"] }
`))

func (a *app) init(force bool) error {
	path := a.globals.configPath
	if _, err := os.Stat(path); err == nil && !force {
		return failure(fmt.Errorf("%s already exists", path), "keep it, or overwrite it with: acctsetup init --force")
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return usageError(fmt.Errorf("config: %w", err))
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return usageError(fmt.Errorf("config: %w", err))
	}
	defaults := config.Defaults(filepath.Dir(abs))
	idPath := a.getenv("ACCTSETUP_AGE_IDENTITY")
	if idPath == "" {
		idPath = defaults.Path(defaults.Vault.Identity)
	}
	identity, created, err := agevault.LoadOrCreateIdentity(idPath)
	if err != nil {
		return backendError(err)
	}
	reg, err := a.registry()
	if err != nil {
		return err
	}
	var ids []string
	for _, p := range reg.All() {
		if !p.Retired {
			ids = append(ids, p.ID)
		}
	}
	var b strings.Builder
	data := struct {
		Recipients []string
		Providers  string
	}{[]string{identity.Recipient().String()}, strings.Join(ids, ", ")}
	if err := configTemplate.Execute(&b, data); err != nil {
		return fmt.Errorf("render config: %w", err)
	}
	if _, err := config.Parse(path, []byte(b.String())); err != nil {
		return fmt.Errorf("the config template does not parse: %w", err) // a bug
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return usageError(fmt.Errorf("write config: %w", err))
	}
	a.printf("wrote %s\n", path)
	if created {
		a.printf("created your age identity %s (mode 0600): back it up, never commit it\n", display(idPath))
	}
	a.printf("your vault recipient: %s\nnext: acctsetup check\n", identity.Recipient())
	return nil
}
