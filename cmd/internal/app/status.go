package app

import (
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/providers"
)

func (a *app) statusCommand() *cli.Command {
	return &cli.Command{
		Name:      "status",
		Usage:     "show each step's status: done, todo or blocked, with evidence, actor and time",
		ArgsUsage: "[ID]",
		Flags:     []cli.Flag{envFlag("only this `ENVIRONMENT` (sandbox or production)"), jsonFlag()},
		Action:    a.status,
	}
}

type checklistJSON struct {
	Provider    string     `json:"provider"`
	Environment string     `json:"environment"`
	Done        int        `json:"done"`
	Total       int        `json:"total"`
	Steps       []stepJSON `json:"steps"`
}

type stepJSON struct {
	ID       string     `json:"id"`
	Kind     string     `json:"kind"`
	Title    string     `json:"title"`
	Status   string     `json:"status"`
	Evidence string     `json:"evidence"`
	Note     string     `json:"note,omitempty"`
	Actor    string     `json:"actor"`
	At       *time.Time `json:"at"`
	Forced   bool       `json:"forced,omitempty"`
	Missing  []string   `json:"missing,omitempty"`
}

// checklist is one provider and environment to show or check.
type checklist struct {
	p   *providers.Provider
	env string
}

// selectChecklists resolves [ID...] and --env into checklists: the named
// providers, or every enabled one.
func (a *app) selectChecklists(ids []string, env string) ([]checklist, error) {
	var ps []*providers.Provider
	if len(ids) == 0 {
		enabled, err := a.enabled()
		if err != nil {
			return nil, err
		}
		ps = enabled
	}
	for _, id := range ids {
		p, err := a.provider(id)
		if err != nil {
			return nil, err
		}
		if p.Retired {
			return nil, usageError(fmt.Errorf("%s is retired: %s", p.ID, p.RetiredNote), "acctsetup providers list shows the providers in use")
		}
		ps = append(ps, p)
	}
	var out []checklist
	for _, p := range ps {
		if env != "" && len(ids) == 0 {
			if _, ok := p.Environment(env); !ok {
				continue
			}
		}
		envs, err := a.environmentsFor(p, env)
		if err != nil {
			return nil, err
		}
		for _, e := range envs {
			out = append(out, checklist{p: p, env: e})
		}
	}
	if env != "" && env != providers.Sandbox && env != providers.Production {
		return nil, usageError(fmt.Errorf("unknown environment %q", env), "use --env sandbox or --env production")
	}
	return out, nil
}

func (a *app) status(ctx *cli.Context) error {
	in, err := a.args(ctx, 0, 1, "at most one provider ID")
	if err != nil {
		return err
	}
	lists, err := a.selectChecklists(in, ctx.String(flgEnv))
	if err != nil {
		return err
	}
	snap, err := a.loadSnapshot(ctx.Context, true)
	if err != nil {
		return err
	}
	out := []checklistJSON{}
	for _, cl := range lists {
		statuses := checklists.Evaluate(cl.p, cl.env, snap.Facts(cl.p, cl.env))
		done, total := checklists.Progress(statuses)
		c := checklistJSON{Provider: cl.p.ID, Environment: cl.env, Done: done, Total: total, Steps: []stepJSON{}}
		for _, st := range statuses {
			s := stepJSON{ID: st.Step.ID, Kind: string(st.Step.Kind), Title: st.Step.Title, Status: string(st.Status),
				Evidence: st.Evidence, Note: st.Note, Actor: st.Actor, Forced: st.Forced, Missing: st.Missing}
			if !st.At.IsZero() {
				at := st.At.UTC()
				s.At = &at
			}
			c.Steps = append(c.Steps, s)
		}
		out = append(out, c)
	}
	if ctx.Bool(flgJSON) {
		return a.writeJSON(out)
	}
	for i, c := range out {
		if i > 0 {
			a.printf("\n")
		}
		a.printf("%s %s: %d of %d steps done\n", c.Provider, c.Environment, c.Done, c.Total)
		for _, s := range c.Steps {
			mark := map[string]string{"done": a.colour(green, "✓"), "blocked": a.colour(red, "!"), "todo": "·"}[s.Status]
			line := fmt.Sprintf("  %s %-28s %-13s %-7s", mark, s.ID, s.Kind, s.Status)
			var about []string
			if s.Actor != "" {
				about = append(about, "by "+s.Actor+" "+s.At.Local().Format("2006-01-02 15:04"))
			}
			if s.Evidence != "" {
				about = append(about, "evidence "+s.Evidence)
			}
			if s.Note != "" {
				about = append(about, "note: "+s.Note)
			}
			if s.Forced {
				about = append(about, "forced")
			}
			if len(s.Missing) > 0 {
				about = append(about, strings.Join(s.Missing, "; "))
			}
			if len(about) == 0 {
				a.printf("%s\n", strings.TrimRight(line, " "))
				continue
			}
			a.printf("%s %s\n", line, a.colour(dim, strings.Join(about, ", ")))
		}
	}
	return nil
}
