package app

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/audit"
)

const (
	flgProvider = "provider"
	flgSince    = "since"
)

func (a *app) auditCommand() *cli.Command {
	return &cli.Command{
		Name:  "audit",
		Usage: "read and verify the hash-chained audit trail",
		Subcommands: []*cli.Command{
			{
				Name:  "log",
				Usage: "list audit events, oldest first",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: flgProvider, Usage: "only events about provider `ID`"},
					&cli.StringFlag{Name: flgSince, Usage: "only events since `WHEN`: a duration like 7d or 12h, or a date like 2026-11-01"},
					jsonFlag(),
				},
				Action: a.auditLog,
			},
			{
				Name:   "verify",
				Usage:  "check that no audit event was changed, inserted or deleted; exit 1 naming the first that was",
				Action: a.auditVerify,
			},
		},
	}
}

var sincePattern = regexp.MustCompile(`^([0-9]+)(h|d|w)$`)

// parseSince reads "7d", "12h", "2w" or a date (2006-01-02) or RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if m := sincePattern.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		unit := map[string]time.Duration{"h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
		return now.Add(-time.Duration(n) * unit), nil
	}
	for _, layout := range []string{time.DateOnly, time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q is neither a duration (7d, 12h, 2w) nor a date (2026-11-01)", s)
}

func (a *app) auditLog(ctx *cli.Context) error {
	if _, err := a.args(ctx, 0, 0, "no arguments"); err != nil {
		return err
	}
	var f checklists.AuditFilter
	if id := ctx.String(flgProvider); id != "" {
		p, err := a.provider(id)
		if err != nil {
			return err
		}
		f.Provider = p.ID
	}
	if s := ctx.String(flgSince); s != "" {
		t, err := parseSince(s, a.now())
		if err != nil {
			return usageError(err)
		}
		f.Since = t
	}
	st, err := a.store(ctx.Context)
	if err != nil {
		return err
	}
	events, err := st.AuditEvents(ctx.Context, f)
	if err != nil {
		return backendError(err)
	}
	if ctx.Bool(flgJSON) {
		if events == nil {
			events = []audit.Event{}
		}
		return a.writeJSON(events)
	}
	t := a.table("SEQ", "TIME", "ACTOR", "ACTION", "WHAT", "DETAIL")
	for _, ev := range events {
		what := ev.Provider
		for _, part := range []string{ev.Environment, ev.Subject} {
			if part != "" {
				what += "/" + part
			}
		}
		t.row(strconv.FormatInt(ev.Seq, 10), ev.At.Local().Format("2006-01-02 15:04:05"), ev.Actor, ev.Action, what, ev.Detail)
	}
	return t.flush()
}

func (a *app) auditVerify(ctx *cli.Context) error {
	if _, err := a.args(ctx, 0, 0, "no arguments"); err != nil {
		return err
	}
	st, err := a.store(ctx.Context)
	if err != nil {
		return err
	}
	events, err := st.AuditEvents(ctx.Context, checklists.AuditFilter{})
	if err != nil {
		return backendError(err)
	}
	head, err := st.AuditHead(ctx.Context)
	if err != nil {
		return backendError(err)
	}
	if err := audit.Verify(events, head); err != nil {
		var ce *audit.ChainError
		if errors.As(err, &ce) {
			return failure(err, "the audit trail was altered outside acctsetup; restore the state database from a backup and compare")
		}
		return failure(err)
	}
	short := head.Hash
	if len(short) > 12 {
		short = short[:12]
	}
	a.printf("audit trail verified: %d events, head %s\n", len(events), short)
	return nil
}
