package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/checklists/audit"
	"github.com/acctsetup/acctsetup/cmd/internal/config"
	"github.com/acctsetup/acctsetup/vault"
	agevault "github.com/acctsetup/acctsetup/vault/age"
)

const (
	flgTo      = "to"
	flgOPVault = "op-vault"
)

func (a *app) vaultCommand() *cli.Command {
	keys := "KEY... (age1... or \"ssh-ed25519 AAAA... name\"; - reads one per line from standard input)"
	return &cli.Command{
		Name:  "vault",
		Usage: "manage the vault itself: who can read the age file, moving to another backend",
		Subcommands: []*cli.Command{
			{
				Name:  "recipients",
				Usage: "list, add or remove the public keys the age vault is encrypted to",
				Description: "Everyone whose key is a recipient can decrypt the vault file with their own identity,\n" +
					"with acctsetup or the age tool. Adding or removing one re-encrypts the file to the new set\n" +
					"and records it in acctsetup.toml.",
				Subcommands: []*cli.Command{
					{Name: "list", Usage: "list the recipients", Flags: []cli.Flag{jsonFlag()}, Action: a.recipientsList},
					{Name: "add", Usage: "add recipients and re-encrypt the vault", ArgsUsage: keys, Action: a.recipientsAdd},
					{Name: "rm", Usage: "remove recipients and re-encrypt the vault", ArgsUsage: keys, Action: a.recipientsRemove},
				},
			},
			{
				Name:  "migrate",
				Usage: "copy every secret and its metadata to another backend, verified by reading it back",
				Description: "--to names a backend (age or onepassword, with the rest of [vault] from acctsetup.toml)\n" +
					"or another config file whose [vault] to copy to. Nothing is removed from the source.\n" +
					"Examples:\n  OP_SERVICE_ACCOUNT_TOKEN=ops_... acctsetup vault migrate --to onepassword --op-vault Integrations\n" +
					"  acctsetup vault migrate --to ../team/acctsetup.toml",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: flgTo, Usage: "the `BACKEND-OR-CONFIG` to copy to", Required: true},
					&cli.StringFlag{Name: flgOPVault, Usage: "the 1Password `VAULT` to copy to (default: [vault] onepassword_vault)"},
					jsonFlag(),
				},
				Action: a.vaultMigrate,
			},
		},
	}
}

type recipientJSON struct {
	Key  string `json:"key"`
	Self bool   `json:"self"` // the key of the identity this machine uses
}

func (a *app) recipientsList(ctx *cli.Context) error {
	if _, err := a.args(ctx, 0, 0, ""); err != nil {
		return err
	}
	cfg, err := a.ageConfig()
	if err != nil {
		return err
	}
	self := a.selfRecipient(cfg)
	out := []recipientJSON{}
	for _, k := range cfg.Vault.Recipients {
		out = append(out, recipientJSON{Key: k, Self: k == self})
	}
	if self != "" && !slices.Contains(cfg.Vault.Recipients, self) {
		out = append(out, recipientJSON{Key: self, Self: true})
	}
	if ctx.Bool(flgJSON) {
		return a.writeJSON(out)
	}
	if len(out) == 0 {
		a.printf("no recipients yet: the first secret stored creates your identity and encrypts to it\n")
		return nil
	}
	for _, r := range out {
		if r.Self {
			a.printf("%s  (you)\n", r.Key)
		} else {
			a.printf("%s\n", r.Key)
		}
	}
	return nil
}

// selfRecipient returns the public key of the identity in use, or "" when
// there is none yet (listing must not create one).
func (a *app) selfRecipient(cfg *config.Config) string {
	path := a.identityPath(cfg)
	if !exists(path) {
		return ""
	}
	id, _, err := agevault.LoadOrCreateIdentity(path)
	if err != nil {
		return ""
	}
	return id.Recipient().String()
}

func (a *app) recipientsAdd(ctx *cli.Context) error {
	return a.changeRecipients(ctx, "add", func(list []string, key string) ([]string, error) {
		if slices.Contains(list, key) {
			a.notef("%s is already a recipient", shortKey(key))
			return list, nil
		}
		return append(list, key), nil
	})
}

func (a *app) recipientsRemove(ctx *cli.Context) error {
	cfg, err := a.ageConfig()
	if err != nil {
		return err
	}
	self := a.selfRecipient(cfg)
	return a.changeRecipients(ctx, "rm", func(list []string, key string) ([]string, error) {
		i := slices.Index(list, key)
		if i < 0 {
			return nil, fmt.Errorf("%s is not a recipient", shortKey(key))
		}
		if key == self {
			a.notef("%s is your own key: the vault stays readable by you while you use this identity", shortKey(key))
		}
		return slices.Delete(list, i, i+1), nil
	})
}

// changeRecipients applies change to the configured recipients for each
// key given, records the new list in the config file and re-encrypts the
// vault to it. If re-encrypting fails, the config file is put back. When
// the list stays as it is (or a key cannot be changed), the vault is still
// re-encrypted to it: a run killed between recording the list and
// re-encrypting left the file readable by the old list, and running the
// command again must finish that.
func (a *app) changeRecipients(ctx *cli.Context, verb string, change func(list []string, key string) ([]string, error)) error {
	keys, err := a.recipientArgs(ctx)
	if err != nil {
		return err
	}
	cfg, err := a.ageConfig()
	if err != nil {
		return err
	}
	if cfg.File == "" {
		return usageError(fmt.Errorf("recipients are kept in acctsetup.toml, and there is none"), "acctsetup init writes it")
	}
	list := slices.Clone(cfg.Vault.Recipients)
	for _, k := range keys {
		if list, err = change(list, k); err != nil {
			break
		}
	}
	if err != nil || slices.Equal(list, cfg.Vault.Recipients) {
		if rerr := a.rewrap(ctx.Context); rerr != nil {
			return rerr
		}
		if err != nil {
			return failure(err, "nothing was changed; acctsetup vault recipients list shows them")
		}
		return nil
	}
	restore, err := cfg.SetVaultRecipients(list)
	if err != nil {
		return usageError(err, "nothing was changed")
	}
	if err := a.rewrap(ctx.Context); err != nil {
		if rerr := restore(); rerr != nil {
			a.notef("could not put %s back: %v", cfg.File, rerr)
		}
		return err
	}
	st, err := a.store(ctx.Context)
	if err != nil {
		return err
	}
	for _, k := range keys {
		ev := audit.Event{At: a.now(), Actor: a.actor(), Action: "vault.recipients." + verb, Subject: shortKey(k), Detail: k}
		if err := st.Audit(ctx.Context, ev); err != nil {
			return backendError(err)
		}
	}
	a.printf("%s now lists %d recipient(s); re-encrypted %s to them and to you\n", display(cfg.File), len(list), display(cfg.Path(cfg.Vault.Path)))
	if verb == "rm" {
		a.notef("a removed key cannot read the vault from now on, but whoever kept an old copy of the file still can: rotate what they could see")
	}
	return nil
}

// rewrap re-encrypts the age vault to the configured recipients.
func (a *app) rewrap(ctx context.Context) error {
	v, err := a.vault()
	if err != nil {
		return err
	}
	if err := v.(*agevault.Vault).Rewrap(ctx); err != nil {
		return a.vaultError(err)
	}
	return nil
}

// recipientArgs returns the keys given as arguments, reading "-" from
// standard input one per line, each checked to be a public key.
func (a *app) recipientArgs(ctx *cli.Context) ([]string, error) {
	args, err := a.args(ctx, 1, -1, "one or more public keys")
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, arg := range args {
		if arg != "-" {
			keys = append(keys, strings.TrimSpace(arg))
			continue
		}
		sc := bufio.NewScanner(a.io.In)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
				keys = append(keys, line)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, failure(fmt.Errorf("read keys: %w", err))
		}
	}
	if _, err := agevault.ParseRecipients(keys); err != nil {
		return nil, usageError(err, "give public keys: age1... from age-keygen -y, or a line of ~/.ssh/id_ed25519.pub")
	}
	return keys, nil
}

// shortKey abbreviates a public key for messages: "age1qyqs…x3k9" or the
// SSH key's type and comment.
func shortKey(k string) string {
	if f := strings.Fields(k); len(f) >= 3 {
		return f[0] + " " + f[2]
	}
	if len(k) > 16 {
		return k[:8] + "…" + k[len(k)-4:]
	}
	return k
}

// migrationTarget returns the config of the vault --to names: a backend,
// with the rest of [vault] from the current config, or another config.
func (a *app) migrationTarget(ctx *cli.Context, cfg *config.Config) (*config.Config, string, error) {
	to := ctx.String(flgTo)
	var target config.Config
	var name string
	switch to {
	case "age", "onepassword":
		target = *cfg
		target.Vault.Backend = to
	default:
		other, err := config.Load(to, true)
		if err != nil {
			return nil, "", usageError(err)
		}
		if other.Missing != "" {
			return nil, "", usageError(fmt.Errorf("--to %s: no such backend or config file", to), "give age, onepassword, or the path of an acctsetup.toml")
		}
		target = *other
	}
	if v := ctx.String(flgOPVault); v != "" {
		target.Vault.OnePasswordVault = v
	}
	switch target.Vault.Backend {
	case "onepassword":
		if target.Vault.OnePasswordVault == "" {
			return nil, "", usageError(errors.New("which 1Password vault? none is configured"), "add --op-vault NAME")
		}
		name = fmt.Sprintf("1Password vault %q", target.Vault.OnePasswordVault)
		if cfg.Vault.Backend == "onepassword" && cfg.Vault.OnePasswordVault == target.Vault.OnePasswordVault {
			return nil, "", usageError(fmt.Errorf("the secrets are already in %s", name))
		}
	default:
		name = "age file " + display(target.Path(target.Vault.Path))
		if cfg.Vault.Backend == "age" && cfg.Path(cfg.Vault.Path) == target.Path(target.Vault.Path) {
			return nil, "", usageError(fmt.Errorf("the secrets are already in %s", name))
		}
	}
	return &target, name, nil
}

type migrateJSON struct {
	From    string   `json:"from"`
	To      string   `json:"to"`
	Secrets []string `json:"secrets"`
}

func (a *app) vaultMigrate(ctx *cli.Context) error {
	if _, err := a.args(ctx, 0, 0, "no arguments"); err != nil {
		return err
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	target, to, err := a.migrationTarget(ctx, cfg)
	if err != nil {
		return err
	}
	from := fmt.Sprintf("1Password vault %q", cfg.Vault.OnePasswordVault)
	if cfg.Vault.Backend == "age" {
		from = "age file " + display(cfg.Path(cfg.Vault.Path))
	}
	src, err := a.vaultToRead()
	if err != nil {
		return err
	}
	st, err := a.store(ctx.Context)
	if err != nil {
		return err
	}
	var entries []vault.Entry
	values := map[vault.Ref]vault.Secret{}
	if src != nil {
		if entries, err = src.List(ctx.Context); err != nil {
			return a.vaultError(err)
		}
		if values, err = vault.ReadAll(ctx.Context, src); err != nil {
			return a.vaultError(err)
		}
	}
	// The state's metadata is what secret list shows; a vault written by an
	// older acctsetup may hold less.
	metas, err := st.Secrets(ctx.Context, "")
	if err != nil {
		return backendError(err)
	}
	for i, e := range entries {
		for _, m := range metas {
			if m.Provider == e.Ref.Provider && m.Environment == e.Ref.Environment && m.Field == e.Ref.Field {
				entries[i].Meta = vault.Meta{SetAt: m.SetAt, SetBy: m.SetBy, RotatedAt: m.RotatedAt, RotatedBy: m.RotatedBy, ExpiresAt: m.ExpiresAt}
			}
		}
	}
	dst, err := a.openVault(target)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := dst.Set(ctx.Context, e.Ref, values[e.Ref], e.Meta); err != nil {
			return a.vaultError(err)
		}
	}
	if err := verifyCopy(ctx.Context, dst, entries, values); err != nil {
		return failure(err, "the state still points at "+from+"; fix the target and run the migration again")
	}
	out := migrateJSON{From: from, To: to, Secrets: []string{}}
	for _, e := range entries {
		ev := audit.Event{At: a.now(), Actor: a.actor(), Action: "vault.migrate", Provider: e.Ref.Provider, Environment: e.Ref.Environment,
			Subject: e.Ref.Field, Detail: fmt.Sprintf("copied from %s to %s", from, to)}
		if err := st.SaveSecret(ctx.Context, stateMeta(e.Ref, dst.Reference(e.Ref), e.Meta), ev); err != nil {
			return backendError(err, "the copy is complete and verified; run the migration again to record it")
		}
		out.Secrets = append(out.Secrets, e.Ref.String())
	}
	if ctx.Bool(flgJSON) {
		return a.writeJSON(out)
	}
	a.printf("copied %d secret(s) with their metadata from %s to %s, and read every one back\n", len(entries), from, to)
	if ctx.String(flgTo) == target.Vault.Backend {
		a.notef("to use it, set [vault] backend = %q in %s; the source still holds the secrets until you remove it", target.Vault.Backend, display(cfg.File))
	} else {
		a.notef("to use it, run acctsetup with --config %s; the source still holds the secrets until you remove it", ctx.String(flgTo))
	}
	return nil
}

// verifyCopy reads the target back: every value and metadata record must
// be what was written. It names the secrets that differ, never the values.
func verifyCopy(ctx context.Context, dst vault.Vault, entries []vault.Entry, values map[vault.Ref]vault.Secret) error {
	got, err := vault.ReadAll(ctx, dst)
	if err != nil {
		return fmt.Errorf("read the copy back: %w", err)
	}
	listed, err := dst.List(ctx)
	if err != nil {
		return fmt.Errorf("read the copy back: %w", err)
	}
	metas := map[vault.Ref]vault.Meta{}
	for _, e := range listed {
		metas[e.Ref] = e.Meta
	}
	var bad []string
	for _, e := range entries {
		v, ok := got[e.Ref]
		m, listedOK := metas[e.Ref]
		if !ok || !listedOK || v.Reveal() != values[e.Ref].Reveal() || !m.Equal(e.Meta) {
			bad = append(bad, e.Ref.String())
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("the copy differs from the source for %s", strings.Join(bad, ", "))
	}
	return nil
}
