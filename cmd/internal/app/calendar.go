package app

import (
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/audit"
	"github.com/acctsetup/acctsetup/providers"
)

const (
	flgOn   = "on"
	flgNext = "next"
)

func (a *app) calendarCommand() *cli.Command {
	return &cli.Command{
		Name:  "calendar",
		Usage: "list the obligations that come round after onboarding, or record one met",
		Description: "Providers' recurring and dated duties (annual security assessments, certification and\n" +
			"agreement renewals, a pricing tier's connection cap, deadlines) are part of each provider's\n" +
			"module. check warns ahead of each and fails once one is past due.",
		Subcommands: []*cli.Command{
			{
				Name:      "list",
				Usage:     "list every obligation of the enabled providers with its due date",
				ArgsUsage: "[ID...]",
				Flags:     []cli.Flag{envFlag("only this `ENVIRONMENT` (sandbox or production)"), jsonFlag()},
				Action:    a.calendarList,
			},
			{
				Name:      "done",
				Usage:     "record an obligation as met, with evidence; a recurring one falls due again from then",
				ArgsUsage: "ID OBLIGATION",
				Flags: []cli.Flag{
					envFlag("the `ENVIRONMENT` (sandbox or production); default: every enabled environment the obligation belongs to"),
					&cli.StringFlag{Name: flgEvidence, Usage: "what proves it (required): a `URL`, document reference or message ID"},
					&cli.StringFlag{Name: flgNote, Usage: "a free-text `NOTE`"},
					&cli.StringFlag{Name: flgOn, Usage: "the `DATE` it was met, YYYY-MM-DD (default: now)"},
					&cli.StringFlag{Name: flgNext, Usage: "the `DATE` it falls due next, YYYY-MM-DD, when a document sets it (an agreement's renewal date)"},
				},
				Action: a.calendarDone,
			},
		},
	}
}

// obligationView is one obligation of one checklist, as listed.
type obligationView struct {
	Provider    string `json:"provider"`
	Environment string `json:"environment"`
	Obligation  string `json:"obligation"`
	Title       string `json:"title"`
	Standing    string `json:"status"`
	Due         string `json:"due,omitempty"`
	DaysLeft    *int   `json:"days_left,omitempty"`
	Every       string `json:"every,omitempty"`
	After       string `json:"after,omitempty"`
	LastMetAt   string `json:"last_met_at,omitempty"`
	LastMetBy   string `json:"last_met_by,omitempty"`
	Evidence    string `json:"evidence,omitempty"`
	Source      string `json:"source"`
}

func (a *app) calendarList(ctx *cli.Context) error {
	lists, err := a.selectChecklists(a.positional, ctx.String(flgEnv))
	if err != nil {
		return err
	}
	snap, err := a.loadSnapshot(ctx.Context, false)
	if err != nil {
		return err
	}
	now := a.now()
	views := []obligationView{}
	for _, cl := range lists {
		facts := snap.Facts(cl.p, cl.env)
		for _, st := range checklists.Calendar(cl.p, cl.env, facts, checklists.Evaluate(cl.p, cl.env, facts)) {
			o := st.Obligation
			v := obligationView{Provider: cl.p.ID, Environment: cl.env, Obligation: o.ID, Title: o.Title,
				Standing: string(st.Standing(now)), Every: o.Every.String(), After: o.After, Source: o.Source}
			if st.Scheduled() {
				left := checklists.Days(st.Due.Sub(now))
				v.Due, v.DaysLeft = st.Due.Format(time.DateOnly), &left
			}
			if st.Last != nil {
				v.LastMetAt, v.LastMetBy, v.Evidence = st.Last.MetAt.UTC().Format(time.RFC3339), st.Last.Actor, st.Last.Evidence
			}
			views = append(views, v)
		}
	}
	if ctx.Bool(flgJSON) {
		return a.writeJSON(views)
	}
	if len(views) == 0 {
		a.printf("no calendar obligations for the selected providers\n")
		return nil
	}
	t := a.table("PROVIDER", "ENV", "OBLIGATION", "DUE", "STATUS")
	for _, v := range views {
		due, when := "-", v.Standing
		switch {
		case v.DaysLeft != nil && *v.DaysLeft < 0:
			due, when = v.Due, fmt.Sprintf("%s, %d days late", v.Standing, -*v.DaysLeft)
		case v.DaysLeft != nil:
			due, when = v.Due, fmt.Sprintf("%s, in %d days", v.Standing, *v.DaysLeft)
		case v.Standing == string(checklists.StandingPending):
			when = "pending: starts when " + v.After + " is done"
		}
		t.row(v.Provider, v.Environment, v.Obligation, due, when)
	}
	return t.flush()
}

func (a *app) calendarDone(ctx *cli.Context) error {
	p, in, err := a.providerArgs(ctx, "an obligation ID")
	if err != nil {
		return err
	}
	o, err := lookupObligation(p, in[0])
	if err != nil {
		return err
	}
	evidence, note := strings.TrimSpace(ctx.String(flgEvidence)), strings.TrimSpace(ctx.String(flgNote))
	switch {
	case evidence == "":
		return usageError(fmt.Errorf("say what proves %s was met with --evidence", o.ID),
			fmt.Sprintf("acctsetup calendar done %s %s --evidence REF (the submitted assessment, the signed renewal, a ticket URL)", p.ID, o.ID))
	case strings.ContainsAny(evidence+note, "\n\r"):
		return usageError(fmt.Errorf("--evidence and --note must be one line"))
	}
	now := a.now()
	metAt, err := dateFlag(ctx, flgOn, now)
	if err != nil {
		return err
	}
	if metAt.After(now) {
		return usageError(fmt.Errorf("--on %s is in the future", ctx.String(flgOn)), "give the date it was met, today or earlier")
	}
	next, err := dateFlag(ctx, flgNext, time.Time{})
	if err != nil {
		return err
	}
	if !next.IsZero() && !next.After(metAt) {
		return usageError(fmt.Errorf("--next %s is not after the date it was met", ctx.String(flgNext)))
	}
	envs, err := a.environmentsOf(p, "an obligation", o.ID, o.Environments, ctx.String(flgEnv))
	if err != nil {
		return err
	}
	st, err := a.store(ctx.Context)
	if err != nil {
		return err
	}
	for _, env := range envs {
		rec := checklists.ObligationRecord{Provider: p.ID, Environment: env, Obligation: o.ID, MetAt: metAt, NextDue: next,
			Evidence: evidence, Note: note, Actor: a.actor()}
		detail := auditDetail(evidence, note)
		if !next.IsZero() {
			detail += "; next due " + next.Format(time.DateOnly)
		}
		ev := audit.Event{At: now, Actor: rec.Actor, Action: "calendar.done", Provider: p.ID, Environment: env, Subject: o.ID, Detail: detail}
		if err := st.SaveObligation(ctx.Context, rec, ev); err != nil {
			return backendError(err)
		}
		a.printf("%s: met on %s", stepRef(p, env, o.ID), metAt.Format(time.DateOnly))
		switch {
		case !next.IsZero():
			a.printf("; next due %s", next.Format(time.DateOnly))
		case !o.Every.IsZero():
			a.printf("; next due %s", o.Every.After(metAt).Format(time.DateOnly))
		}
		a.printf("\n")
	}
	return nil
}

// dateFlag parses a YYYY-MM-DD flag as midnight UTC, or returns def when
// the flag is not set.
func dateFlag(ctx *cli.Context, name string, def time.Time) (time.Time, error) {
	s := ctx.String(name)
	if s == "" {
		return def, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, usageError(fmt.Errorf("--%s %q is not a date", name, s), "write it as YYYY-MM-DD, like 2027-03-31")
	}
	return t, nil
}

// lookupObligation finds an obligation, suggesting the closest ID on a typo.
func lookupObligation(p *providers.Provider, id string) (providers.Obligation, error) {
	if o, ok := p.Obligation(id); ok {
		return o, nil
	}
	ids := make([]string, len(p.Calendar))
	for i, o := range p.Calendar {
		ids[i] = o.ID
	}
	err := providers.Unknown("calendar obligation", id, ids)
	return providers.Obligation{}, usageError(fmt.Errorf("%s: %w", p.ID, err), "acctsetup calendar list "+p.ID+" lists its obligations")
}
