package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/audit"
	"github.com/acctsetup/acctsetup/providers"
	"github.com/acctsetup/acctsetup/vault"
)

const (
	flgExpires = "expires"
	flgReveal  = "reveal"
	flgYes     = "yes"
)

func (a *app) secretCommand() *cli.Command {
	envUsage := "the `ENVIRONMENT` the value belongs to (sandbox or production)"
	expires := &cli.StringFlag{Name: flgExpires, Usage: "the value stops working on `DATE` (YYYY-MM-DD); default: now plus the credential's maximum age"}
	return &cli.Command{
		Name:  "secret",
		Usage: "store, rotate, reveal and remove credentials in the vault",
		Subcommands: []*cli.Command{
			{
				Name:  "set",
				Usage: "store a credential: the value comes from standard input or a hidden prompt, never a flag",
				Description: "The value is checked against the credential's format rule before anything is written.\n" +
					"Examples:\n  acctsetup secret set xero client_secret --env production          (prompts)\n" +
					"  op read op://Vault/Xero/secret | acctsetup secret set xero client_secret --env production",
				ArgsUsage: "ID FIELD",
				Flags:     []cli.Flag{envFlag(envUsage), expires},
				Action:    a.secretSet,
			},
			{
				Name:  "rotate",
				Usage: "replace a stored credential with a new value, keeping when and by whom it was first set",
				Description: "Issue the new value in the provider's portal first, then:\n" +
					"  acctsetup secret rotate businesscentral client_secret --env production      (prompts)\n" +
					"The expiry restarts from now (the credential's maximum age) unless --expires says otherwise.",
				ArgsUsage: "ID FIELD",
				Flags:     []cli.Flag{envFlag(envUsage), expires},
				Action:    a.secretRotate,
			},
			{
				Name:      "get",
				Usage:     "show a credential's metadata; with --reveal, print its value (audited)",
				ArgsUsage: "ID FIELD",
				Flags: []cli.Flag{envFlag(envUsage), jsonFlag(),
					&cli.BoolFlag{Name: flgReveal, Usage: "print the value itself; the audit log records who did, and when"}},
				Action: a.secretGet,
			},
			{
				Name:      "rm",
				Usage:     "remove a credential from the vault and its metadata from the state",
				ArgsUsage: "ID FIELD",
				Flags: []cli.Flag{envFlag(envUsage),
					&cli.BoolFlag{Name: flgYes, Usage: "remove a credential the portal shows only once, which cannot be fetched again"}},
				Action: a.secretRemove,
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
	err := providers.Unknown("credential", name, names)
	return c, usageError(fmt.Errorf("%s: %w", p.ID, err), "acctsetup providers show "+p.ID+" lists its credentials")
}

// credentialEnvironment resolves --env for a credential: required when the
// field exists in more than one enabled environment, since each holds its
// own value.
func (a *app) credentialEnvironment(ctx *cli.Context, p *providers.Provider, c providers.Credential) (string, error) {
	flag := ctx.String(flgEnv)
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
		fmt.Sprintf("%s %s %s --env %s", ctx.Command.HelpName, p.ID, c.Name, fits[len(fits)-1]))
}

// credentialArgs reads ID FIELD and --env.
func (a *app) credentialArgs(ctx *cli.Context) (*providers.Provider, providers.Credential, string, error) {
	p, in, err := a.providerArgs(ctx, "a credential field")
	if err != nil {
		return nil, providers.Credential{}, "", err
	}
	c, err := lookupCredential(p, in[0])
	if err != nil {
		return nil, c, "", err
	}
	env, err := a.credentialEnvironment(ctx, p, c)
	return p, c, env, err
}

// expiry returns when a value stored at t expires: --expires, else the
// credential's maximum age after t, else never.
func (a *app) expiry(ctx *cli.Context, c providers.Credential, t time.Time) (time.Time, error) {
	s := ctx.String(flgExpires)
	if s == "" {
		return c.ExpiresAt(t), nil
	}
	date, err := time.ParseInLocation(time.DateOnly, s, time.UTC)
	if err != nil {
		return time.Time{}, usageError(fmt.Errorf("--expires %q is not a date like 2027-03-31", s))
	}
	if !date.After(t) {
		return time.Time{}, usageError(fmt.Errorf("--expires %s is not in the future", s), "nothing was stored; a value that has expired needs a new one from the portal")
	}
	return date, nil
}

func (a *app) secretSet(ctx *cli.Context) error {
	p, c, env, err := a.credentialArgs(ctx)
	if err != nil {
		return err
	}
	meta := vault.Meta{SetAt: a.stamp(), SetBy: a.actor()}
	if meta.ExpiresAt, err = a.expiry(ctx, c, meta.SetAt); err != nil {
		return err
	}
	value, err := a.readValue(fmt.Sprintf("%s %s (%s): ", p.Name, c.Label, env), c.Secret)
	if err != nil {
		return failure(err)
	}
	return a.storeCredential(ctx.Context, p, env, c, value, meta, "secret.set")
}

func (a *app) secretRotate(ctx *cli.Context) error {
	p, c, env, err := a.credentialArgs(ctx)
	if err != nil {
		return err
	}
	now := a.stamp()
	expires, err := a.expiry(ctx, c, now)
	if err != nil {
		return err
	}
	old, err := a.secretMeta(ctx.Context, p.ID, env, c.Name)
	if err != nil {
		return err
	}
	if old == nil {
		return failure(fmt.Errorf("%s %s %s is not stored yet, so there is nothing to rotate", p.ID, env, c.Name),
			fmt.Sprintf("acctsetup secret set %s %s --env %s", p.ID, c.Name, env))
	}
	value, err := a.readValue(fmt.Sprintf("new %s %s (%s): ", p.Name, c.Label, env), c.Secret)
	if err != nil {
		return failure(err)
	}
	meta := vault.Meta{SetAt: old.SetAt, SetBy: old.SetBy, RotatedAt: now, RotatedBy: a.actor(), ExpiresAt: expires}
	return a.storeCredential(ctx.Context, p, env, c, value, meta, "secret.rotate")
}

// stamp is the time recorded in a secret's metadata: now, to the second,
// the precision every vault backend keeps.
func (a *app) stamp() time.Time { return a.now().UTC().Truncate(time.Second) }

// newMeta is the metadata of a value stored now by the actor, expiring
// after the credential's maximum age, if it has one.
func (a *app) newMeta(c providers.Credential) vault.Meta {
	now := a.stamp()
	return vault.Meta{SetAt: now, SetBy: a.actor(), ExpiresAt: c.ExpiresAt(now)}
}

// secretMeta returns a secret's metadata from the state store, or nil.
func (a *app) secretMeta(ctx context.Context, provider, env, field string) (*checklists.SecretMeta, error) {
	st, err := a.store(ctx)
	if err != nil {
		return nil, err
	}
	metas, err := st.Secrets(ctx, provider)
	if err != nil {
		return nil, backendError(err)
	}
	for _, m := range metas {
		if m.Environment == env && m.Field == field {
			return &m, nil
		}
	}
	return nil, nil
}

// storeCredential validates a value and writes it to the vault, then its
// metadata and audit event to the state store. A value that breaks the
// rule changes nothing.
func (a *app) storeCredential(ctx context.Context, p *providers.Provider, env string, c providers.Credential, value string, meta vault.Meta, action string) error {
	if err := c.Check(value); err != nil {
		hint := fmt.Sprintf("the value was not stored; copy it again from %s", p.PortalURL)
		if c.Note != "" {
			hint += " (" + strings.TrimSuffix(c.Note, ".") + ")"
		}
		return usageError(fmt.Errorf("%s %s: %w", p.ID, env, err), hint)
	}
	ref := vault.Ref{Provider: p.ID, Environment: env, Field: c.Name}
	if err := a.storeSecret(ctx, ref, value, meta, action); err != nil {
		return err
	}
	verb := "stored"
	if action == "secret.rotate" {
		verb = "rotated"
	}
	msg := verb + " " + ref.String()
	if !meta.ExpiresAt.IsZero() {
		msg += "; it expires on " + meta.ExpiresAt.Format(time.DateOnly)
		if !c.MaxAge.IsZero() && meta.ExpiresAt.Equal(c.ExpiresAt(meta.UpdatedAt())) {
			msg += fmt.Sprintf(" (maximum age %s)", c.MaxAge)
		}
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
		out = append(out, secretJSONOf(m))
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

// secretJSONOf is the JSON form of a secret's metadata.
func secretJSONOf(m checklists.SecretMeta) secretJSON {
	return secretJSON{Provider: m.Provider, Environment: m.Environment, Field: m.Field, Reference: m.Reference,
		SetAt: m.SetAt.UTC(), SetBy: m.SetBy, RotatedAt: timePtr(m.RotatedAt), RotatedBy: m.RotatedBy, ExpiresAt: timePtr(m.ExpiresAt)}
}

type revealedJSON struct {
	secretJSON
	Value string `json:"value"`
}

func (a *app) secretGet(ctx *cli.Context) error {
	p, c, env, err := a.credentialArgs(ctx)
	if err != nil {
		return err
	}
	ref := vault.Ref{Provider: p.ID, Environment: env, Field: c.Name}
	notStored := func() error {
		return failure(fmt.Errorf("%s is not stored", ref), fmt.Sprintf("acctsetup secret set %s %s --env %s", p.ID, c.Name, env))
	}
	meta, err := a.secretMeta(ctx.Context, p.ID, env, c.Name)
	if err != nil {
		return err
	}
	if !ctx.Bool(flgReveal) {
		if meta == nil {
			return notStored()
		}
		out := secretJSONOf(*meta)
		if ctx.Bool(flgJSON) {
			return a.writeJSON(out)
		}
		t := a.table("FIELD", "VALUE")
		t.row("reference", out.Reference)
		t.row("set", out.SetAt.Local().Format("2006-01-02 15:04")+" by "+out.SetBy)
		if out.RotatedAt != nil {
			t.row("rotated", out.RotatedAt.Local().Format("2006-01-02 15:04")+" by "+out.RotatedBy)
		}
		if out.ExpiresAt != nil {
			t.row("expires", out.ExpiresAt.Format(time.DateOnly))
		}
		if err := t.flush(); err != nil {
			return err
		}
		a.notef("add --reveal to print the value (the audit log records it)")
		return nil
	}
	v, err := a.vaultToRead()
	if err != nil {
		return err
	}
	if v == nil {
		return notStored()
	}
	value, err := v.Get(ctx.Context, ref)
	if errors.Is(err, vault.ErrNotFound) {
		return notStored()
	}
	if err != nil {
		return a.vaultError(err)
	}
	// Audit first: a value whose reveal cannot be recorded is not shown.
	st, err := a.store(ctx.Context)
	if err != nil {
		return err
	}
	ev := audit.Event{At: a.now(), Actor: a.actor(), Action: "secret.reveal", Provider: p.ID, Environment: env, Subject: c.Name}
	if err := st.Audit(ctx.Context, ev); err != nil {
		return backendError(err, "the value was not shown because its reveal could not be audited")
	}
	if ctx.Bool(flgJSON) {
		out := revealedJSON{Value: value.Reveal()}
		if meta != nil {
			out.secretJSON = secretJSONOf(*meta)
		} else {
			out.secretJSON = secretJSON{Provider: p.ID, Environment: env, Field: c.Name, Reference: v.Reference(ref)}
		}
		return a.writeJSON(out)
	}
	a.printf("%s\n", value.Reveal())
	return nil
}

func (a *app) secretRemove(ctx *cli.Context) error {
	p, c, env, err := a.credentialArgs(ctx)
	if err != nil {
		return err
	}
	ref := vault.Ref{Provider: p.ID, Environment: env, Field: c.Name}
	meta, err := a.secretMeta(ctx.Context, p.ID, env, c.Name)
	if err != nil {
		return err
	}
	v, err := a.vaultToRead()
	if err != nil {
		return err
	}
	inVault := false
	if v != nil {
		_, err := v.Get(ctx.Context, ref)
		if err != nil && !errors.Is(err, vault.ErrNotFound) {
			return a.vaultError(err)
		}
		inVault = err == nil
	}
	switch {
	case !inVault && meta == nil:
		return failure(fmt.Errorf("%s is not stored, so there is nothing to remove", ref))
	case inVault && c.ShownOnce && !ctx.Bool(flgYes):
		return usageError(fmt.Errorf("%s: %s shows %s only once, so a removed value cannot be fetched again", ref, p.Name, c.Label),
			"nothing was removed; add --yes to remove it anyway, or replace it with: acctsetup secret rotate "+p.ID+" "+c.Name+" --env "+env)
	case inVault:
		if err := v.Delete(ctx.Context, ref); err != nil && !errors.Is(err, vault.ErrNotFound) {
			return a.vaultError(err)
		}
	}
	st, err := a.store(ctx.Context)
	if err != nil {
		return err
	}
	ev := audit.Event{At: a.now(), Actor: a.actor(), Action: "secret.rm", Provider: p.ID, Environment: env, Subject: c.Name}
	if err := st.DeleteSecret(ctx.Context, p.ID, env, c.Name, ev); err != nil {
		return backendError(err, "the value is gone from the vault but its metadata was not removed; run the command again")
	}
	a.printf("removed %s\n", ref)
	return nil
}
