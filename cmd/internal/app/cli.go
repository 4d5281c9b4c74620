package app

import (
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/cmd/internal/config"
	"github.com/acctsetup/acctsetup/providers"
)

// Flag names shared by several commands.
const (
	flgConfig       = "config"
	flgProvidersDir = "providers-dir"
	flgActor        = "actor"
	flgNoColor      = "no-color"
	flgJSON         = "json"
	flgEnv          = "env"
)

// globals are the flags every command accepts, before or after its name.
type globals struct {
	configPath     string
	configExplicit bool
	providersDir   string
	actor          string
	noColor        bool
}

func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: flgConfig, Usage: "read the config from `FILE`", Value: config.DefaultFile, EnvVars: []string{"ACCTSETUP_CONFIG"}},
		&cli.StringFlag{Name: flgProvidersDir, Usage: "load extra or overriding provider descriptors from `DIR`", EnvVars: []string{"ACCTSETUP_PROVIDERS_DIR"}},
		&cli.StringFlag{Name: flgActor, Usage: "record changes as made by `NAME` (default: the OS user)"},
		&cli.BoolFlag{Name: flgNoColor, Usage: "print without colour (also NO_COLOR)"},
	}
}

func jsonFlag() cli.Flag {
	return &cli.BoolFlag{Name: flgJSON, Usage: "print JSON for scripts"}
}

func envFlag(usage string) cli.Flag {
	return &cli.StringFlag{Name: flgEnv, Usage: usage, Aliases: []string{"e"}}
}

func (a *app) cli() *cli.App {
	app := &cli.App{
		Name:  "acctsetup",
		Usage: "set up accounting-provider integrations: portal steps, keys, MFA, approvals, readiness",
		Description: "acctsetup walks a team through each accounting provider's developer portal, keeps the keys\n" +
			"it yields in a vault, and tells CI and compliance reviewers whether every provider is ready.\n\n" +
			"Start with:  acctsetup check            (what is left, for every provider)\n" +
			"             acctsetup onboard xero     (do it, step by step)",
		HideVersion:          true,
		EnableBashCompletion: true,
		Flags:                globalFlags(),
		ExitErrHandler:       func(*cli.Context, error) {}, // Main maps errors to exit codes
		Reader:               a.io.In,
		Writer:               a.io.Out,
		ErrWriter:            a.io.ErrOut,
		Suggest:              true,
		CommandNotFound:      a.commandNotFound,
		Commands: []*cli.Command{
			a.initCommand(),
			a.providersCommand(),
			a.onboardCommand(),
			a.statusCommand(),
			a.stepCommand(),
			a.secretCommand(),
			a.otpCommand(),
			a.vaultCommand(),
			a.mailboxCommand(),
			a.questionnaireCommand(),
			a.calendarCommand(),
			a.checkCommand(),
			a.reportCommand(),
			a.auditCommand(),
			a.completionCommand(),
			a.manCommand(),
		},
	}
	for _, c := range app.Commands {
		a.prepare(c)
	}
	return app
}

// prepare gives every command the global flags (so they work after the
// command's name too), usage errors for bad flags, and loads them before
// the action runs.
func (a *app) prepare(c *cli.Command) {
	c.OnUsageError = func(ctx *cli.Context, err error, _ bool) error {
		return usageError(err, fmt.Sprintf("see: %s --help", ctx.Command.HelpName))
	}
	if len(c.Subcommands) > 0 {
		for _, sub := range c.Subcommands {
			a.prepare(sub)
		}
		if c.Action == nil {
			c.Action = func(ctx *cli.Context) error {
				if ctx.Args().Present() {
					return a.unknownSubcommand(ctx)
				}
				return cli.ShowSubcommandHelp(ctx)
			}
		}
		return
	}
	c.Flags = append(c.Flags, globalFlags()...)
	a.completeProviders(c)
	action := c.Action
	c.Action = func(ctx *cli.Context) error {
		positional, err := interspersed(ctx)
		if err != nil {
			return usageError(err, fmt.Sprintf("see: %s --help", ctx.Command.HelpName))
		}
		a.positional = positional
		a.globals = readGlobals(ctx)
		return action(ctx)
	}
}

// interspersed lets flags follow positional arguments, as in
// "providers show xero --json": urfave/cli v2 stops at the first
// positional argument, so the rest are parsed here and set on ctx.
func interspersed(ctx *cli.Context) ([]string, error) {
	bools := map[string]bool{}
	known := map[string]bool{}
	for _, f := range ctx.Command.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, name := range f.Names() {
			known[name], bools[name] = true, isBool
		}
	}
	var positional []string
	rest := ctx.Args().Slice()
	for i := 0; i < len(rest); i++ {
		arg := rest[i]
		if arg == "--" {
			positional = append(positional, rest[i+1:]...)
			break
		}
		if len(arg) < 2 || arg[0] != '-' {
			positional = append(positional, arg)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if !known[name] {
			return nil, fmt.Errorf("flag provided but not defined: %s", arg)
		}
		switch {
		case bools[name] && !hasValue:
			value = "true"
		case !hasValue:
			if i+1 >= len(rest) {
				return nil, fmt.Errorf("flag needs an argument: %s", arg)
			}
			i++
			value = rest[i]
		}
		if err := ctx.Set(name, value); err != nil {
			return nil, fmt.Errorf("invalid value %q for flag %s: %w", value, arg, err)
		}
	}
	return positional, nil
}

// readGlobals takes each global flag from the innermost command that set
// it, so "acctsetup --config F check" and "acctsetup check --config F" agree.
func readGlobals(ctx *cli.Context) globals {
	str := func(name string) (string, bool) {
		for _, c := range ctx.Lineage() {
			if c.IsSet(name) {
				return c.String(name), true
			}
		}
		return ctx.String(name), false
	}
	var g globals
	g.configPath, g.configExplicit = str(flgConfig)
	g.providersDir, _ = str(flgProvidersDir)
	g.actor, _ = str(flgActor)
	noColor, _ := str(flgNoColor)
	g.noColor = noColor == "true"
	return g
}

func (a *app) commandNotFound(ctx *cli.Context, name string) {
	// urfave/cli calls this and then returns nil; record the error so
	// Main reports it with exit 2.
	names := []string{}
	for _, c := range ctx.App.Commands {
		names = append(names, c.Name)
	}
	fmt.Fprintf(a.io.ErrOut, "acctsetup: error: unknown command %q\n", name)
	if s := providers.Suggest(name, names); s != "" {
		fmt.Fprintf(a.io.ErrOut, "acctsetup: hint: did you mean %q?\n", s)
	}
	fmt.Fprintf(a.io.ErrOut, "acctsetup: hint: see: acctsetup --help\n")
	a.deps.failedCommand = true
}

func (a *app) unknownSubcommand(ctx *cli.Context) error {
	name := ctx.Args().First()
	var names []string
	for _, c := range ctx.Command.Subcommands {
		names = append(names, c.Name)
	}
	hints := []string{fmt.Sprintf("see: %s --help", ctx.Command.HelpName)}
	if s := providers.Suggest(name, names); s != "" {
		hints = append([]string{fmt.Sprintf("did you mean %q?", ctx.Command.HelpName+" "+s)}, hints...)
	}
	return usageError(fmt.Errorf("unknown command %q", ctx.Command.HelpName+" "+name), hints...)
}

// args checks the count of positional arguments.
func (a *app) args(ctx *cli.Context, min, max int, names string) ([]string, error) {
	got := a.positional
	if len(got) < min || (max >= 0 && len(got) > max) {
		return nil, usageError(fmt.Errorf("%s takes %s", ctx.Command.HelpName, names),
			fmt.Sprintf("usage: %s %s", ctx.Command.HelpName, ctx.Command.ArgsUsage))
	}
	return got, nil
}

// providerArgs reads a command's arguments, a provider ID first and then
// the names in rest ("STEP", "FIELD", ...), and looks the provider up.
func (a *app) providerArgs(ctx *cli.Context, rest ...string) (*providers.Provider, []string, error) {
	names := "a provider ID"
	if len(rest) > 0 {
		names += " and " + strings.Join(rest, " and ")
	}
	in, err := a.args(ctx, 1+len(rest), 1+len(rest), names)
	if err != nil {
		return nil, nil, err
	}
	p, err := a.provider(in[0])
	if err != nil {
		return nil, nil, err
	}
	return p, in[1:], nil
}

// environmentsFor resolves --env for a provider: the flag's value (checked),
// or every enabled environment when it is empty.
func (a *app) environmentsFor(p *providers.Provider, flag string) ([]string, error) {
	enabled, err := a.enabledEnvironments(p)
	if err != nil {
		return nil, err
	}
	if flag == "" {
		return enabled, nil
	}
	if !slices.Contains(p.EnvironmentNames(), flag) {
		return nil, usageError(fmt.Errorf("%s has no environment %q", p.ID, flag),
			fmt.Sprintf("use --env %s", strings.Join(p.EnvironmentNames(), " or --env ")))
	}
	return []string{flag}, nil
}

// formatFlag reads --format, which must be one of formats; --json, where
// the command has it, means json.
func formatFlag(ctx *cli.Context, formats []string) (string, error) {
	format := ctx.String(flgFormat)
	if ctx.Bool(flgJSON) {
		format = "json"
	}
	if !slices.Contains(formats, format) {
		return "", usageError(fmt.Errorf("unknown format %q", format), "use --format "+strings.Join(formats, ", --format "))
	}
	return format, nil
}
