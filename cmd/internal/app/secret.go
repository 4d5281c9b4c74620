package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/providers"
	"github.com/acctsetup/acctsetup/vault"
)

func (a *app) secretCommand() *cli.Command {
	return &cli.Command{
		Name:  "secret",
		Usage: "store credentials in the vault and list what is stored (never the values)",
		Subcommands: []*cli.Command{
			{
				Name:  "set",
				Usage: "store a credential: the value comes from standard input or a hidden prompt, never a flag",
				Description: "The value is checked against the credential's format rule before anything is written.\n" +
					"Examples:\n  acctsetup secret set xero client_secret --env production          (prompts)\n" +
					"  op read op://Vault/Xero/secret | acctsetup secret set xero client_secret --env production",
				ArgsUsage: "ID FIELD",
				Flags:     []cli.Flag{envFlag("the `ENVIRONMENT` the value belongs to (sandbox or production)")},
				Action:    a.secretSet,
			},
			{
				Name:      "list",
				Usage:     "list stored credentials with when, by whom and until when; never values",
				ArgsUsage: "[ID]",
				Flags:     []cli.Flag{jsonFlag()},
				Action:    a.secretList,
			},
		},
	}
}

// lookupCredential finds a credential field, suggesting the closest name.
func lookupCredential(p *providers.Provider, name string) (providers.Credential, error) {
	c, ok := p.Credential(name)
	if ok {
		return c, nil
	}
	names := make([]string, len(p.Credentials))
	for i, c := range p.Credentials {
		names[i] = c.Name
	}
	err := &providers.UnknownError{What: "credential", Name: name, Suggestion: providers.Suggest(name, names), Known: names}
	return c, usageError(fmt.Errorf("%s: %w", p.ID, err), "acctsetup providers show "+p.ID+" lists its credentials")
}

// credentialEnvironment resolves --env for a credential: required when the
// field exists in more than one enabled environment, since each holds its
// own value.
func (a *app) credentialEnvironment(p *providers.Provider, c providers.Credential, flag string) (string, error) {
	envs, err := a.environmentsFor(p, flag)
	if err != nil {
		return "", err
	}
	var fits []string
	for _, env := range envs {
		if c.AppliesTo(env) {
			fits = append(fits, env)
		}
	}
	switch {
	case len(fits) == 1:
		return fits[0], nil
	case len(fits) == 0:
		return "", usageError(fmt.Errorf("%s has no %s in %s", p.ID, c.Name, strings.Join(envs, " or ")))
	}
	return "", usageError(fmt.Errorf("%s %s exists in %s: say which with --env", p.ID, c.Name, strings.Join(fits, " and ")),
		fmt.Sprintf("acctsetup secret set %s %s --env %s", p.ID, c.Name, fits[len(fits)-1]))
}

func (a *app) secretSet(ctx *cli.Context) error {
	p, in, err := a.providerArgs(ctx, "a credential field")
	if err != nil {
		return err
	}
	c, err := lookupCredential(p, in[0])
	if err != nil {
		return err
	}
	env, err := a.credentialEnvironment(p, c, ctx.String(flgEnv))
	if err != nil {
		return err
	}
	value, err := a.readValue(fmt.Sprintf("%s %s (%s): ", p.Name, c.Label, env), c.Secret)
	if err != nil {
		return failure(err)
	}
	return a.storeCredential(ctx.Context, p, env, c, value)
}

// storeCredential validates a value and writes it to the vault, then its
// metadata and audit event to the state store. A value that breaks the
// rule changes nothing.
func (a *app) storeCredential(ctx context.Context, p *providers.Provider, env string, c providers.Credential, value string) error {
	if err := c.Check(value); err != nil {
		hint := fmt.Sprintf("the value was not stored; copy it again from %s", p.PortalURL)
		if c.Note != "" {
			hint += " (" + strings.TrimSuffix(c.Note, ".") + ")"
		}
		return usageError(fmt.Errorf("%s %s: %w", p.ID, env, err), hint)
	}
	var expires time.Time
	if !c.MaxAge.IsZero() {
		expires = c.MaxAge.After(a.now())
	}
	if err := a.storeSecret(ctx, p, env, c.Name, value, expires, "secret.set"); err != nil {
		return err
	}
	ref := vault.Ref{Provider: p.ID, Environment: env, Field: c.Name}
	msg := "stored " + ref.String()
	if !expires.IsZero() {
		msg += fmt.Sprintf("; it expires on %s (maximum age %s)", expires.Format(time.DateOnly), c.MaxAge)
	}
	a.printf("%s\n", msg)
	return nil
}

type secretJSON struct {
	Provider    string     `json:"provider"`
	Environment string     `json:"environment"`
	Field       string     `json:"field"`
	Reference   string     `json:"reference"`
	SetAt       time.Time  `json:"set_at"`
	SetBy       string     `json:"set_by"`
	RotatedAt   *time.Time `json:"rotated_at"`
	RotatedBy   string     `json:"rotated_by,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at"`
}

func (a *app) secretList(ctx *cli.Context) error {
	in, err := a.args(ctx, 0, 1, "at most one provider ID")
	if err != nil {
		return err
	}
	id := ""
	if len(in) == 1 {
		p, err := a.provider(in[0])
		if err != nil {
			return err
		}
		id = p.ID
	}
	st, err := a.store(ctx.Context)
	if err != nil {
		return err
	}
	metas, err := st.Secrets(ctx.Context, id)
	if err != nil {
		return backendError(err)
	}
	out := []secretJSON{}
	for _, m := range metas {
		out = append(out, secretJSON{Provider: m.Provider, Environment: m.Environment, Field: m.Field, Reference: m.Reference,
			SetAt: m.SetAt.UTC(), SetBy: m.SetBy, RotatedAt: timePtr(m.RotatedAt), RotatedBy: m.RotatedBy, ExpiresAt: timePtr(m.ExpiresAt)})
	}
	if ctx.Bool(flgJSON) {
		return a.writeJSON(out)
	}
	if len(out) == 0 {
		a.printf("no secrets stored yet; store one with: acctsetup secret set ID FIELD --env ENV\n")
		return nil
	}
	t := a.table("PROVIDER", "ENV", "FIELD", "SET", "BY", "EXPIRES")
	for _, s := range out {
		expires := "-"
		if s.ExpiresAt != nil {
			expires = s.ExpiresAt.Format(time.DateOnly)
		}
		t.row(s.Provider, s.Environment, s.Field, s.SetAt.Local().Format("2006-01-02 15:04"), s.SetBy, expires)
	}
	return t.flush()
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
