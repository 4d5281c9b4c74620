package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/audit"
	"github.com/acctsetup/acctsetup/providers"
	"github.com/acctsetup/acctsetup/vault"
	"github.com/acctsetup/acctsetup/vault/totp"
)

const (
	flgCode = "code"
	flgQR   = "qr"
)

func (a *app) otpCommand() *cli.Command {
	envUsage := "the `ENVIRONMENT` whose portal login it is; default: every enabled environment with an mfa step"
	return &cli.Command{
		Name:  "otp",
		Usage: "keep a shared portal login's MFA: enrol its TOTP seed, print the current code",
		Subcommands: []*cli.Command{
			{
				Name:      "enroll",
				Usage:     "store a portal login's TOTP seed after checking a current code",
				ArgsUsage: "ID",
				Description: "Reads an otpauth:// URI or a base32 seed (spaces and lower case are fine) from standard\n" +
					"input or a hidden prompt, and stores it only if --code (or the prompt) matches a current code\n" +
					"from your authenticator or the portal.",
				Flags: []cli.Flag{envFlag(envUsage), &cli.StringFlag{Name: flgCode, Usage: "a current `CODE`, to prove the seed is right"},
					&cli.StringFlag{Name: flgQR, Usage: "also write the seed as a QR code to `FILE` (PNG, mode 0600) for a teammate's authenticator"}},
				Action: a.otpEnroll,
			},
			{
				Name:      "code",
				Usage:     "print the login's current code and how long it stays valid (audited)",
				ArgsUsage: "ID",
				Flags:     []cli.Flag{envFlag("the `ENVIRONMENT` (needed when they differ)"), jsonFlag()},
				Action:    a.otpCode,
			},
		},
	}
}

// mfaArgs reads the provider argument and resolves --env to the
// environments whose checklist has an mfa step.
func (a *app) mfaArgs(ctx *cli.Context) (*providers.Provider, []string, error) {
	p, _, err := a.providerArgs(ctx)
	if err != nil {
		return nil, nil, err
	}
	envs, err := a.environmentsFor(p, ctx.String(flgEnv))
	if err != nil {
		return nil, nil, err
	}
	var out []string
	for _, env := range envs {
		if slices.ContainsFunc(p.StepsFor(env), func(s providers.Step) bool { return s.Kind == providers.KindMFA }) {
			out = append(out, env)
		}
	}
	if len(out) == 0 {
		return nil, nil, usageError(fmt.Errorf("%s has no portal login MFA to keep in %s", p.ID, strings.Join(envs, " or ")))
	}
	return p, out, nil
}

func (a *app) otpEnroll(ctx *cli.Context) error {
	p, envs, err := a.mfaArgs(ctx)
	if err != nil {
		return err
	}
	seed, err := a.readValue("otpauth:// URI or base32 seed: ", true)
	if err != nil {
		return failure(err)
	}
	key, err := totp.Parse(seed)
	if err != nil {
		return usageError(err, "copy the key the portal shows under \"can't scan the code?\", or the otpauth:// link")
	}
	code := ctx.String(flgCode)
	if code == "" {
		if code, err = a.ask("current code from your authenticator or the portal: "); err != nil {
			return failure(err)
		}
	}
	if !key.Verify(code, a.now()) {
		return failure(fmt.Errorf("code %s does not match the seed (%s) now: nothing was stored", code, key.Describe()),
			"check the seed and the machine's clock, then enrol again with a fresh code")
	}
	uri := key.URI("acctsetup", p.ID)
	if path := ctx.String(flgQR); path != "" {
		if err := writeQR(path, key, p.ID); err != nil {
			return failure(err, "nothing was stored; choose a writable path for --qr")
		}
		a.notef("wrote the QR code to %s: it holds the seed, so share it only with the team and delete it after scanning", path)
	}
	for _, env := range envs {
		if err := a.storeSecret(ctx.Context, vault.Ref{Provider: p.ID, Environment: env, Field: checklists.MFAField}, uri, vault.Meta{SetAt: a.stamp(), SetBy: a.actor()}, "otp.enroll"); err != nil {
			return err
		}
		a.printf("enrolled the %s %s portal login's TOTP (%s)\n", p.ID, env, key.Describe())
	}
	return nil
}

type otpCodeJSON struct {
	Provider    string `json:"provider"`
	Environment string `json:"environment"`
	Code        string `json:"code"`
	ValidFor    int    `json:"valid_for_seconds"`
}

func (a *app) otpCode(ctx *cli.Context) error {
	p, envs, err := a.mfaArgs(ctx)
	if err != nil {
		return err
	}
	v, err := a.vaultToRead()
	if err != nil {
		return err
	}
	env := envs[0]
	uri, err := vault.Secret{}, vault.ErrNotFound
	if v != nil {
		uri, err = v.Get(ctx.Context, vault.Ref{Provider: p.ID, Environment: env, Field: checklists.MFAField})
	}
	if errors.Is(err, vault.ErrNotFound) {
		return failure(fmt.Errorf("no TOTP seed is enrolled for %s %s", p.ID, env), fmt.Sprintf("acctsetup otp enroll %s --env %s", p.ID, env))
	}
	if err != nil {
		return a.vaultError(err)
	}
	key, err := totp.Parse(uri.Reveal())
	if err != nil {
		return failure(fmt.Errorf("the stored seed for %s %s is unreadable: %w", p.ID, env, err), fmt.Sprintf("enrol it again: acctsetup otp enroll %s --env %s", p.ID, env))
	}
	now := a.now()
	code, left, err := key.Code(now)
	if err != nil {
		return failure(err)
	}
	st, err := a.store(ctx.Context)
	if err != nil {
		return err
	}
	ev := audit.Event{At: now, Actor: a.actor(), Action: "otp.code", Provider: p.ID, Environment: env, Subject: checklists.MFAField}
	if err := st.Audit(ctx.Context, ev); err != nil {
		return backendError(err)
	}
	if ctx.Bool(flgJSON) {
		return a.writeJSON(otpCodeJSON{Provider: p.ID, Environment: env, Code: code, ValidFor: int(left.Seconds())})
	}
	a.printf("%s\n", code)
	a.notef("valid for %ds", int(left.Seconds()))
	return nil
}

// writeQR writes key's QR code as a PNG readable by its owner only.
func writeQR(path string, key totp.Key, provider string) error {
	png, err := key.QR("acctsetup", provider, 512)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("otp: write QR code: %w", err)
	}
	// An existing file keeps its mode through O_TRUNC: narrow it first.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("otp: write QR code: %w", err)
	}
	if _, err := f.Write(png); err != nil {
		f.Close()
		return fmt.Errorf("otp: write QR code %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("otp: write QR code %s: %w", path, err)
	}
	return nil
}

// storeSecret writes a value and its metadata to the vault, then the
// metadata and audit event to the state store.
func (a *app) storeSecret(ctx context.Context, ref vault.Ref, value string, meta vault.Meta, action string) error {
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	v, err := a.vault()
	if err != nil {
		return err
	}
	if err := v.Set(ctx, ref, vault.NewSecret(value), meta); err != nil {
		return a.vaultError(err)
	}
	reference := v.Reference(ref)
	ev := audit.Event{At: a.now(), Actor: a.actor(), Action: action, Provider: ref.Provider, Environment: ref.Environment, Subject: ref.Field, Detail: "stored at " + reference}
	if err := st.SaveSecret(ctx, stateMeta(ref, reference, meta), ev); err != nil {
		return backendError(err, "the value is in the vault but its metadata was not saved; run the command again")
	}
	return nil
}

// stateMeta is the state store's record of a secret.
func stateMeta(ref vault.Ref, reference string, m vault.Meta) checklists.SecretMeta {
	return checklists.SecretMeta{Provider: ref.Provider, Environment: ref.Environment, Field: ref.Field, Reference: reference,
		SetAt: m.SetAt, SetBy: m.SetBy, RotatedAt: m.RotatedAt, RotatedBy: m.RotatedBy, ExpiresAt: m.ExpiresAt}
}
