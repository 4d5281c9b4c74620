package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/audit"
	"github.com/acctsetup/acctsetup/providers"
)

const (
	flgEvidence = "evidence"
	flgNote     = "note"
	flgForce    = "force"
)

func (a *app) stepCommand() *cli.Command {
	envUsage := "the `ENVIRONMENT` (sandbox or production); default: every enabled environment the step belongs to"
	return &cli.Command{
		Name:  "step",
		Usage: "record a portal step as done, undo it, or mark it blocked",
		Subcommands: []*cli.Command{
			{
				Name:      "done",
				Usage:     "record a step as done, with evidence",
				ArgsUsage: "ID STEP",
				Flags: []cli.Flag{
					envFlag(envUsage),
					&cli.StringFlag{Name: flgEvidence, Usage: "what proves it: a `URL`, file path, document reference or message ID (required for agreements and approvals)"},
					&cli.StringFlag{Name: flgNote, Usage: "a free-text `NOTE`"},
					&cli.BoolFlag{Name: flgForce, Usage: "record it even though steps it depends on are not done (audited)"},
				},
				Action: func(ctx *cli.Context) error { return a.stepChange(ctx, checklists.Done) },
			},
			{
				Name:      "undo",
				Usage:     "set a step back to todo",
				ArgsUsage: "ID STEP",
				Flags:     []cli.Flag{envFlag(envUsage), &cli.StringFlag{Name: flgNote, Usage: "why, for the audit trail"}},
				Action:    func(ctx *cli.Context) error { return a.stepChange(ctx, checklists.Todo) },
			},
			{
				Name:      "block",
				Usage:     "mark a step blocked, saying why",
				ArgsUsage: "ID STEP",
				Flags:     []cli.Flag{envFlag(envUsage), &cli.StringFlag{Name: flgNote, Usage: "why it is blocked (required)"}},
				Action:    func(ctx *cli.Context) error { return a.stepChange(ctx, checklists.Blocked) },
			},
		},
	}
}

// derivedError refuses to set a derived step by hand, naming what its
// status comes from and the command that changes that.
func derivedError(p *providers.Provider, s providers.Step, env string, to checklists.Status) error {
	envFlag := ""
	if env != "" {
		envFlag = " --env " + env
	}
	source, hint := "the questionnaire answers", fmt.Sprintf("answer the questionnaire instead: acctsetup questionnaire show %s", p.ID)
	switch s.Kind {
	case providers.KindCredential:
		source, hint = "the vault", fmt.Sprintf("store the credentials instead: acctsetup secret set %s %s%s", p.ID, s.Credentials[0], envFlag)
	case providers.KindMFA:
		source, hint = "the enrolled TOTP seed", fmt.Sprintf("enrol the TOTP seed instead: acctsetup otp enroll %s%s", p.ID, envFlag)
	}
	return usageError(fmt.Errorf("%s is a %s step: its status comes from %s, not from step %s", s.ID, s.Kind, source, verb(to)), hint)
}

// lookupStep finds a step, suggesting the closest ID on a typo.
func lookupStep(p *providers.Provider, id string) (providers.Step, error) {
	s, ok := p.Step(id)
	if ok {
		return s, nil
	}
	ids := make([]string, len(p.Steps))
	for i, st := range p.Steps {
		ids[i] = st.ID
	}
	err := providers.Unknown("step", id, ids)
	return s, usageError(fmt.Errorf("%s: %w", p.ID, err), "acctsetup providers show "+p.ID+" lists its steps")
}

func (a *app) stepChange(ctx *cli.Context, to checklists.Status) error {
	p, in, err := a.providerArgs(ctx, "a step ID")
	if err != nil {
		return err
	}
	step, err := lookupStep(p, in[0])
	if err != nil {
		return err
	}
	envFlag := ctx.String(flgEnv)
	if step.Kind.Derived() {
		return derivedError(p, step, envFlag, to)
	}
	evidence, note := strings.TrimSpace(ctx.String(flgEvidence)), strings.TrimSpace(ctx.String(flgNote))
	switch {
	case to == checklists.Done && step.Kind.NeedsEvidence() && evidence == "":
		return usageError(fmt.Errorf("%s is an %s step: say what proves it with --evidence", step.ID, step.Kind),
			fmt.Sprintf("acctsetup step done %s %s --evidence REF (the signed document, the e-mail's Message-ID, a ticket URL)", p.ID, step.ID))
	case to == checklists.Blocked && note == "":
		return usageError(fmt.Errorf("say why %s is blocked with --note", step.ID))
	case strings.ContainsAny(evidence+note, "\n\r"):
		return usageError(fmt.Errorf("--evidence and --note must be one line"))
	}
	envs, err := a.environmentsOf(p, "a step", step.ID, step.Environments, envFlag)
	if err != nil {
		return err
	}
	// Check every environment before changing any, so a refusal changes nothing.
	undoneBy := map[string][]string{}
	if to == checklists.Done {
		if undoneBy, err = a.undoneDependencies(ctx, p, step, envs); err != nil {
			return err
		}
	}
	for _, env := range envs {
		if err := a.recordStep(ctx.Context, p, env, step, to, evidence, note, undoneBy[env]); err != nil {
			return err
		}
	}
	return nil
}

// undoneDependencies returns, by environment, the dependencies of step that
// are not done. Without --force any is a refusal.
func (a *app) undoneDependencies(ctx *cli.Context, p *providers.Provider, step providers.Step, envs []string) (map[string][]string, error) {
	snap, err := a.loadSnapshot(ctx.Context, true)
	if err != nil {
		return nil, err
	}
	undoneBy := map[string][]string{}
	for _, env := range envs {
		undone := checklists.UndoneDependencies(step, checklists.Evaluate(p, env, snap.Facts(p, env)))
		switch {
		case len(undone) == 0:
		case !ctx.Bool(flgForce):
			return nil, failure(fmt.Errorf("%s depends on steps not done in %s: %s", stepRef(p, env, step.ID), env, strings.Join(undone, ", ")),
				fmt.Sprintf("do them first (acctsetup status %s --env %s), or record it anyway with --force", p.ID, env))
		default:
			undoneBy[env] = undone
		}
	}
	return undoneBy, nil
}

// recordStep saves a person's change to a step with its audit event.
// forcedPast lists the undone dependencies a --force went past.
func (a *app) recordStep(ctx context.Context, p *providers.Provider, env string, step providers.Step, to checklists.Status, evidence, note string, forcedPast []string) error {
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	rec := checklists.StepRecord{Provider: p.ID, Environment: env, Step: step.ID, Status: to,
		Evidence: evidence, Note: note, Actor: a.actor(), At: a.now(), Forced: len(forcedPast) > 0}
	ev := audit.Event{At: rec.At, Actor: rec.Actor, Action: "step." + verb(to), Provider: p.ID, Environment: env, Subject: step.ID, Detail: auditDetail(evidence, note)}
	if rec.Forced {
		ev.Detail = strings.TrimPrefix(ev.Detail+"; forced past undone "+strings.Join(forcedPast, ", "), "; ")
	}
	if err := st.SaveStep(ctx, rec, ev); err != nil {
		return backendError(err)
	}
	a.printf("%s: %s\n", stepRef(p, env, step.ID), to)
	return nil
}

// environmentsOf resolves --env for a step or obligation (what, id) that
// belongs to belongsTo (empty: every environment): the named environment,
// which it must belong to, or every enabled one it belongs to.
func (a *app) environmentsOf(p *providers.Provider, what, id string, belongsTo []string, flag string) ([]string, error) {
	envs, err := a.environmentsFor(p, flag)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, env := range envs {
		if len(belongsTo) == 0 || slices.Contains(belongsTo, env) {
			out = append(out, env)
		}
	}
	if len(out) == 0 {
		return nil, usageError(fmt.Errorf("%s is not %s of %s's %s checklist", id, what, p.ID, strings.Join(envs, " or ")),
			fmt.Sprintf("it belongs to: %s", strings.Join(belongsTo, ", ")))
	}
	return out, nil
}

func verb(s checklists.Status) string {
	switch s {
	case checklists.Done:
		return "done"
	case checklists.Blocked:
		return "block"
	}
	return "undo"
}

func auditDetail(evidence, note string) string {
	var parts []string
	if evidence != "" {
		parts = append(parts, "evidence: "+evidence)
	}
	if note != "" {
		parts = append(parts, "note: "+note)
	}
	return strings.Join(parts, "; ")
}
