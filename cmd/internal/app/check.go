package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/audit"
	"github.com/acctsetup/acctsetup/checklists/readiness"
	"github.com/acctsetup/acctsetup/providers/all"
	"github.com/acctsetup/acctsetup/providers/probe"
)

const (
	flgFormat       = "format"
	flgOutput       = "output"
	flgFailOn       = "fail-on"
	flgProbe        = "probe"
	flgProbeTimeout = "probe-timeout"
)

var checkFormats = []string{"text", "json", "markdown", "junit", "html"}

func (a *app) checkCommand() *cli.Command {
	return &cli.Command{
		Name:      "check",
		Usage:     "check every enabled provider and environment; exit 0 ready, 1 not ready",
		ArgsUsage: "[ID...]",
		Description: "Prints findings with a severity, a stable ID and the command that fixes each.\n" +
			"Exit codes: 0 ready, 1 not ready, 2 usage or configuration error, 3 a backend could not be reached.\n" +
			"Each run is saved so that the weekly report can say what changed.\n\n" +
			"--probe asks the providers that can tell (docs/providers/README.md lists them) whether the stored\n" +
			"credentials work, in parallel: valid, rejected (an error, fixed by rotating the secret) or unknown\n" +
			"(no answer in time, a rate limit, a server error: never a failure).",
		Flags: []cli.Flag{
			envFlag("only this `ENVIRONMENT` (sandbox or production)"),
			&cli.StringFlag{Name: flgFormat, Usage: "`FORMAT`: " + strings.Join(checkFormats, ", "), Value: "text"},
			&cli.StringFlag{Name: flgOutput, Aliases: []string{"o"}, Usage: "write the report to `FILE` instead of standard output"},
			&cli.StringFlag{Name: flgFailOn, Usage: "the least `SEVERITY` that makes a checklist not ready: error or warn", Value: "error"},
			&cli.BoolFlag{Name: flgProbe, Usage: "ask each provider's live endpoint whether the stored credentials work (never spends a refresh token)"},
			&cli.DurationFlag{Name: flgProbeTimeout, Usage: "give each probe at most `DURATION`", Value: probe.DefaultTimeout},
			jsonFlag(),
		},
		Action: a.check,
	}
}

func (a *app) check(ctx *cli.Context) error {
	format, err := formatFlag(ctx, checkFormats)
	if err != nil {
		return err
	}
	failOn := readiness.Severity(ctx.String(flgFailOn))
	if failOn != readiness.Error && failOn != readiness.Warn {
		return usageError(fmt.Errorf("--fail-on must be error or warn, not %q", failOn))
	}
	lists, err := a.selectChecklists(a.positional, ctx.String(flgEnv))
	if err != nil {
		return err
	}
	if len(lists) == 0 {
		return usageError(fmt.Errorf("no provider has the %s environment enabled", ctx.String(flgEnv)))
	}
	snap, err := a.loadSnapshot(ctx.Context, true)
	if err != nil {
		return err
	}
	var probes []*probe.Result
	if ctx.Bool(flgProbe) {
		if ctx.Duration(flgProbeTimeout) <= 0 {
			return usageError(fmt.Errorf("--probe-timeout must be positive, not %s", ctx.Duration(flgProbeTimeout)))
		}
		probes = a.runProbes(ctx.Context, lists, snap, ctx.Duration(flgProbeTimeout))
	}
	cfg := a.deps.cfg
	report := readiness.Report{At: a.now().UTC(), FailOn: failOn, Results: []readiness.Result{}}
	for i, cl := range lists {
		in := readiness.Input{
			Provider: cl.p, Env: cl.env, Facts: snap.Facts(cl.p, cl.env),
			RedirectURIs: a.redirectURIs(cl.p, cl.env), Shared: snap.Shared(cl.p, cl.env),
			Now: a.now(), ExpiryWarning: time.Duration(cfg.Readiness.ExpiryWarningDays) * 24 * time.Hour,
			SignOffMaxAge: cfg.Readiness.SignOffMaxAge,
		}
		if probes != nil {
			in.Probe = probes[i]
		}
		report.Results = append(report.Results, readiness.Evaluate(in, failOn))
	}
	report.Summarise()

	if err := a.saveCheckRun(ctx, report); err != nil {
		return err
	}
	if err := a.writeReport(ctx.String(flgOutput), format, report); err != nil {
		return err
	}
	if !report.Ready {
		return errNotReady
	}
	return nil
}

// runProbes probes, in parallel, every checklist whose provider has a live
// probe and whose credentials are stored and well-formed; the result is nil
// for the others. Only built-in providers have probes.
func (a *app) runProbes(ctx context.Context, lists []checklist, snap *checklists.Snapshot, timeout time.Duration) []*probe.Result {
	var jobs []probe.Job
	var index []int // jobs[k] probes lists[index[k]]
	for i, cl := range lists {
		pr, ok := all.Probe(cl.p.ID)
		if !ok {
			continue
		}
		creds := snap.Credentials(cl.p, cl.env)
		if slices.ContainsFunc(pr.Fields(), func(f string) bool { _, ok := creds[f]; return !ok }) {
			continue // missing or malformed: check says so already
		}
		jobs = append(jobs, probe.Job{Provider: cl.p.ID, Environment: cl.env, Prober: pr, Credentials: creds})
		index = append(index, i)
	}
	out := make([]*probe.Result, len(lists))
	if len(jobs) == 0 {
		a.notef("nothing to probe: no checklist of a provider with a live probe (%s) has its credentials stored", strings.Join(all.ProbedProviders(), ", "))
		return out
	}
	for k, r := range probe.Run(ctx, a.httpClient(), timeout, jobs) {
		out[index[k]] = &r
	}
	return out
}

// saveCheckRun stores the run for "report" and audits it.
func (a *app) saveCheckRun(ctx *cli.Context, report readiness.Report) error {
	st, err := a.store(ctx.Context)
	if err != nil {
		return err
	}
	body, err := json.Marshal(report)
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	errs, warns := count(report)
	verdict := "ready"
	if !report.Ready {
		verdict = "not ready"
	}
	ev := audit.Event{At: report.At, Actor: a.actor(), Action: "check.run",
		Detail: fmt.Sprintf("%s: %s, %s, %s%s", verdict, plural(len(report.Results), "checklist"), plural(errs, "error"), plural(warns, "warning"), probeSummary(report))}
	run := checklists.CheckRun{At: report.At, Actor: ev.Actor, Ready: report.Ready, Report: body}
	if _, err := st.SaveCheckRun(ctx.Context, run, ev); err != nil {
		return backendError(err)
	}
	return nil
}

// probeSummary says how the probes of a run went, for the audit trail:
// "; probed 3: 2 valid, 1 rejected", or "" when none ran.
func probeSummary(r readiness.Report) string {
	verdicts := map[probe.Verdict]int{}
	n := 0
	for _, res := range r.Results {
		if res.Probe != nil {
			verdicts[res.Probe.Verdict]++
			n++
		}
	}
	if n == 0 {
		return ""
	}
	var parts []string
	for _, v := range []probe.Verdict{probe.Valid, probe.Rejected, probe.Unknown} {
		if verdicts[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", verdicts[v], v))
		}
	}
	return fmt.Sprintf("; probed %d: %s", n, strings.Join(parts, ", "))
}

func count(r readiness.Report) (errs, warns int) {
	for _, res := range r.Results {
		for _, f := range res.Findings {
			switch f.Severity {
			case readiness.Error:
				errs++
			case readiness.Warn:
				warns++
			}
		}
	}
	return errs, warns
}

// writeReport renders the report to standard output or a file (0644: a
// report holds no secrets and is meant to be shared).
func (a *app) writeReport(path, format string, report readiness.Report) error {
	var b strings.Builder
	switch format {
	case "json":
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return fmt.Errorf("encode report: %w", err)
		}
	case "markdown":
		renderMarkdown(&b, report)
	case "junit":
		if err := renderJUnit(&b, report); err != nil {
			return err
		}
	case "html":
		if err := renderHTML(&b, report); err != nil {
			return err
		}
	default:
		a.renderText(&b, report)
	}
	return a.writeOutput(path, "the "+format+" report", []byte(b.String()))
}

// writeOutput writes what a command produced to standard output, or to a
// file (0644: nothing written this way holds a secret) and says so.
func (a *app) writeOutput(path, what string, data []byte) error {
	if path == "" {
		_, err := a.io.Out.Write(data)
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return usageError(fmt.Errorf("write %s: %w", what, err))
	}
	a.notef("wrote %s to %s", what, path)
	return nil
}
