package app

import (
	"bufio"
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/checklists/audit"
	"github.com/acctsetup/acctsetup/cmd/internal/config"
	agevault "github.com/acctsetup/acctsetup/vault/age"
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
// vault to it. If re-encrypting fails, the config file is put back.
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
			return failure(err, "nothing was changed; acctsetup vault recipients list shows them")
		}
	}
	if slices.Equal(list, cfg.Vault.Recipients) {
		return nil
	}
	restore, err := cfg.SetVaultRecipients(list)
	if err != nil {
		return usageError(err, "nothing was changed")
	}
	v, err := a.vault()
	if err == nil {
		err = v.(*agevault.Vault).Rewrap(ctx.Context)
		if err != nil {
			err = a.vaultError(err)
		}
	}
	if err != nil {
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
