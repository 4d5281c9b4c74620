package app

import (
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
)

// completionScripts ask acctsetup itself what comes next, through
// urfave/cli's --generate-bash-completion protocol: the word being
// completed and the words before it go back to the binary, which prints
// the candidates (commands, flags, provider IDs).
var completionScripts = map[string]string{
	"bash": `# bash completion for acctsetup: source <(acctsetup completion bash)
_acctsetup_complete() {
  local cur="${COMP_WORDS[COMP_CWORD]}" opts
  local words=("${COMP_WORDS[@]:0:COMP_CWORD}")
  if [[ "$cur" == -* ]]; then
    opts=$("${words[@]}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    opts=$("${words[@]}" --generate-bash-completion 2>/dev/null)
  fi
  local IFS=$'\n'
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o default -F _acctsetup_complete acctsetup
`,
	"zsh": `#compdef acctsetup
# zsh completion for acctsetup: source <(acctsetup completion zsh)
_acctsetup_complete() {
  local -a opts
  local cur=${words[-1]}
  if [[ "$cur" == -* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
compdef _acctsetup_complete acctsetup
`,
}

func (a *app) completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script: bash, zsh or fish",
		ArgsUsage: "SHELL",
		Description: "bash:  source <(acctsetup completion bash)       (or put it in /etc/bash_completion.d/acctsetup)\n" +
			"zsh:   source <(acctsetup completion zsh)\n" +
			"fish:  acctsetup completion fish > ~/.config/fish/completions/acctsetup.fish",
		Action: func(ctx *cli.Context) error {
			in, err := a.args(ctx, 1, 1, "a shell: bash, zsh or fish")
			if err != nil {
				return err
			}
			if script, ok := completionScripts[in[0]]; ok {
				a.printf("%s", script)
				return nil
			}
			if in[0] == "fish" {
				script, err := ctx.App.ToFishCompletion()
				if err != nil {
					return fmt.Errorf("fish completion: %w", err)
				}
				a.printf("%s", script)
				return nil
			}
			return usageError(fmt.Errorf("unknown shell %q", in[0]), "use bash, zsh or fish")
		},
	}
}

func (a *app) manCommand() *cli.Command {
	return &cli.Command{
		Name:        "man",
		Usage:       "print the manual page (troff): acctsetup man | man -l -",
		Description: "The page lists every command and flag, made by urfave/cli from the same definitions as --help.",
		Action: func(ctx *cli.Context) error {
			if _, err := a.args(ctx, 0, 0, "no arguments"); err != nil {
				return err
			}
			page, err := ctx.App.ToManWithSection(1)
			if err != nil {
				return fmt.Errorf("manual page: %w", err)
			}
			a.printf("%s", page)
			return nil
		},
	}
}

// completeProviders lets a command whose first argument is a provider ID
// complete it: "acctsetup check x<TAB>" offers xero. It reads the
// registry only, never the state or the vault.
func (a *app) completeProviders(c *cli.Command) {
	if !strings.HasPrefix(c.ArgsUsage, "ID") && !strings.HasPrefix(c.ArgsUsage, "[ID") {
		return
	}
	many := strings.HasPrefix(c.ArgsUsage, "[ID...]")
	flags := cli.DefaultCompleteWithFlags(c)
	c.BashComplete = func(ctx *cli.Context) {
		// urfave/cli reads the word being completed from os.Args: the
		// last before --generate-bash-completion.
		if n := len(os.Args); n > 2 && strings.HasPrefix(os.Args[n-2], "-") {
			flags(ctx)
			return
		}
		if ctx.NArg() > 0 && !many {
			return
		}
		reg, err := a.registry()
		if err != nil {
			return
		}
		for _, p := range reg.All() {
			if !p.Retired {
				fmt.Fprintln(ctx.App.Writer, p.ID)
			}
		}
	}
}
