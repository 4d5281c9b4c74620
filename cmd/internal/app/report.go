package app

import (
	"bytes"
	"errors"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/checklists/report"
)

func (a *app) reportCommand() *cli.Command {
	return &cli.Command{
		Name:  "report",
		Usage: "what changed since an earlier check run; exit 1 when something regressed",
		Description: "Compares the latest stored check run with the last one before --since (or the earliest, when\n" +
			"every run is later) and lists, per provider and environment: newly failing and newly fixed\n" +
			"findings, steps done and undone (by whom, with evidence), approvals received by e-mail, secrets\n" +
			"set and rotated, questionnaire answers and sign-offs, obligations met; secrets expiring in the\n" +
			"next 30 days; and the audit chain's head at both ends, to keep outside the database.\n" +
			"Run acctsetup check first: the report reads stored runs, it does not check.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: flgSince, Usage: "compare with the last run before `WHEN`: a duration like 7d or 12h, or a date like 2026-11-01", Value: "7d"},
			&cli.StringFlag{Name: flgFormat, Usage: "`FORMAT`: " + strings.Join(report.Formats, ", "), Value: "text"},
			&cli.StringFlag{Name: flgOutput, Aliases: []string{"o"}, Usage: "write the report to `FILE` instead of standard output"},
			jsonFlag(),
		},
		Action: a.weeklyReport,
	}
}

func (a *app) weeklyReport(ctx *cli.Context) error {
	if _, err := a.args(ctx, 0, 0, "no arguments"); err != nil {
		return err
	}
	format, err := formatFlag(ctx, report.Formats)
	if err != nil {
		return err
	}
	now := a.now()
	since, err := parseSince(ctx.String(flgSince), now)
	if err != nil {
		return usageError(err)
	}
	st, err := a.store(ctx.Context)
	if err != nil {
		return err
	}
	in, err := report.Load(ctx.Context, st, since, now)
	if err != nil {
		return backendError(err)
	}
	rep, err := report.Build(in)
	if errors.Is(err, report.ErrNoRuns) {
		return failure(errors.New("no check run is stored yet"), "run acctsetup check (weekly, say), then acctsetup report")
	}
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := report.Render(&b, rep, format); err != nil {
		return err
	}
	if err := a.writeOutput(ctx.String(flgOutput), "the "+format+" report", b.Bytes()); err != nil {
		return err
	}
	if rep.Regressed {
		return errNotReady
	}
	return nil
}
