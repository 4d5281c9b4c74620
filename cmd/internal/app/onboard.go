package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/providers"
)

func (a *app) onboardCommand() *cli.Command {
	return &cli.Command{
		Name:      "onboard",
		Usage:     "walk a provider's portal steps in order, asking for what each needs; resumes where it stopped",
		ArgsUsage: "ID",
		Description: "Shows each step's instructions and portal URL, then asks: y (done), s (skip), b (blocked), q (quit).\n" +
			"Credentials are read hidden on a terminal. Works from piped input too: one answer per line.",
		Flags:  []cli.Flag{envFlag("only this `ENVIRONMENT`; default: every enabled environment in turn")},
		Action: a.onboard,
	}
}

// errQuit stops onboarding at the person's request.
var errQuit = errors.New("quit")

func (a *app) onboard(ctx *cli.Context) error {
	p, _, err := a.providerArgs(ctx)
	if err != nil {
		return err
	}
	if p.Retired {
		return failure(fmt.Errorf("%s is retired: %s", p.ID, p.RetiredNote))
	}
	envs, err := a.environmentsFor(p, ctx.String(flgEnv))
	if err != nil {
		return err
	}
	for _, env := range envs {
		err := a.onboardEnvironment(ctx.Context, p, env)
		if errors.Is(err, errQuit) || errors.Is(err, errNoInput) {
			a.printf("\nstopped. Resume with: acctsetup onboard %s --env %s\n", p.ID, env)
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (a *app) onboardEnvironment(ctx context.Context, p *providers.Provider, env string) error {
	a.printf("%s, %s environment\n", p.Name, env)
	steps := p.StepsFor(env)
	snap, err := a.loadSnapshot(ctx, true)
	if err != nil {
		return err
	}
	for i, step := range steps {
		statuses := checklists.Evaluate(p, env, snap.Facts(p, env))
		st := statuses[i]
		if st.Status == checklists.Done {
			a.printf("  %s %s\n", a.colour(green, "✓"), step.Title)
			continue
		}
		if undone := checklists.UndoneDependencies(step, statuses); len(undone) > 0 && !step.Kind.Derived() {
			a.printf("  · %s: waits on %s\n", step.Title, strings.Join(undone, ", "))
			continue
		}
		a.printf("\n[%d/%d] %s (%s, %s)\n%s\n", i+1, len(steps), step.Title, step.ID, step.Kind, wrap(step.Instructions, 2))
		if step.URL != "" {
			a.printf("  open: %s\n", step.URL)
		}
		if st.Status == checklists.Blocked {
			a.printf("  blocked: %s\n", st.Note)
		}
		if err := a.onboardStep(ctx, p, env, step, snap.Facts(p, env)); err != nil {
			return err
		}
		// The answer may have changed this step and unblocked later ones.
		if snap, err = a.loadSnapshot(ctx, true); err != nil {
			return err
		}
	}
	done, total := checklists.Progress(checklists.Evaluate(p, env, snap.Facts(p, env)))
	a.printf("\n%s %s: %d of %d steps done. Check readiness with: acctsetup check %s --env %s\n\n", p.ID, env, done, total, p.ID, env)
	return nil
}

// onboardStep asks for what one step needs and records it.
func (a *app) onboardStep(ctx context.Context, p *providers.Provider, env string, step providers.Step, f checklists.Facts) error {
	switch step.Kind {
	case providers.KindCredential:
		return a.onboardCredentials(ctx, p, env, step, f)
	case providers.KindMFA:
		a.printf("  enrol it with: acctsetup otp enroll %s (for every environment at once); skipped here\n", p.ID)
		return nil
	case providers.KindQuestionnaire:
		return a.onboardQuestionnaire(ctx, p, env, f)
	}
	answer, err := a.ask("  done? [y]es, [s]kip, [b]locked, [q]uit: ")
	if err != nil {
		return err
	}
	switch strings.ToLower(answer) {
	case "y", "yes":
		prompt := "  evidence (URL, file or reference; Enter for none): "
		if step.Kind.NeedsEvidence() {
			prompt = "  evidence (required: the signed document, the e-mail's Message-ID, a URL): "
		}
		evidence, err := a.ask(prompt)
		if err != nil {
			return err
		}
		if evidence == "" && step.Kind.NeedsEvidence() {
			a.printf("  no evidence given: skipped\n")
			return nil
		}
		return a.recordStep(ctx, p, env, step, checklists.Done, evidence, "", nil)
	case "b", "blocked":
		reason, err := a.ask("  why is it blocked? ")
		if err != nil {
			return err
		}
		if reason == "" {
			a.printf("  no reason given: skipped\n")
			return nil
		}
		return a.recordStep(ctx, p, env, step, checklists.Blocked, "", reason, nil)
	case "q", "quit":
		return errQuit
	}
	return nil
}

// onboardCredentials asks for each missing or malformed field, hidden when
// secret, and stores the valid ones. A bad value is asked again, twice.
func (a *app) onboardCredentials(ctx context.Context, p *providers.Provider, env string, step providers.Step, f checklists.Facts) error {
	for _, name := range step.Credentials {
		if state := f.Credentials[name]; state.Present && state.Invalid == nil {
			continue
		}
		c, _ := p.Credential(name)
		if c.Note != "" {
			a.printf("  %s: %s\n", c.Label, c.Note)
		}
		for try := 0; try < 3; try++ {
			prompt := fmt.Sprintf("  %s (Enter to skip): ", c.Label)
			var value string
			var err error
			if c.Secret {
				value, err = a.askSecret(prompt)
			} else {
				value, err = a.ask(prompt)
			}
			if err != nil {
				return err
			}
			if value == "" {
				break
			}
			err = a.storeCredential(ctx, p, env, c, value, a.newMeta(c), "secret.set")
			if err == nil {
				break
			}
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != exitUsage {
				return err
			}
			a.printf("  %v; try again\n", ee.err)
		}
	}
	return nil
}

// onboardQuestionnaire asks each unanswered question.
func (a *app) onboardQuestionnaire(ctx context.Context, p *providers.Provider, env string, f checklists.Facts) error {
	for _, q := range p.Questionnaire {
		if an, ok := f.Answers[q.ID]; ok && an.Text != "" {
			continue
		}
		a.printf("\n  %s: %s\n", q.ID, q.Text)
		if q.Guidance != "" {
			a.printf("%s\n", a.colour(dim, wrap("suggested: "+q.Guidance, 4)))
		}
		text, err := a.ask("  answer (Enter to skip, q to quit): ")
		if err != nil {
			return err
		}
		switch strings.ToLower(text) {
		case "":
			continue
		case "q", "quit":
			return errQuit
		}
		if err := a.saveAnswer(ctx, p, q, text, ""); err != nil {
			return err
		}
	}
	if gap := checklists.SignOffGap(env, f); gap != "" {
		a.printf("  a compliance reviewer signs off with: acctsetup questionnaire signoff %s --env %s\n", p.ID, env)
	}
	return nil
}
