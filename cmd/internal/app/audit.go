package app

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
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
	flgHead     = "head"
	flgHeadFile = "head-file"
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
				Name:  "verify",
				Usage: "check that no audit event was changed, inserted or deleted; exit 1 naming the first that was",
				Description: "A head printed by audit head earlier and kept outside the database (a CI artifact, the\n" +
					"weekly report) catches a rewrite of the whole chain too: audit verify --head SEQ:HASH.",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: flgHead, Usage: "also check the chain still holds `SEQ:HASH`, a head printed by audit head earlier"},
					&cli.StringFlag{Name: flgHeadFile, Usage: "the same, reading the head from `FILE` (audit head's output, kept as a CI artifact)"},
				},
				Action: a.auditVerify,
			},
			{
				Name:   "head",
				Usage:  "print the chain's head as SEQ:HASH, to keep outside the database",
				Flags:  []cli.Flag{jsonFlag()},
				Action: a.auditHead,
			},
			{
				Name:  "export",
				Usage: "write every audit event, oldest first, as JSON lines or CSV",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: flgFormat, Usage: "`FORMAT`: jsonl or csv", Value: "jsonl"},
					&cli.StringFlag{Name: flgSince, Usage: "only events since `WHEN`: a duration like 7d or 12h, or a date like 2026-11-01"},
					&cli.StringFlag{Name: flgOutput, Aliases: []string{"o"}, Usage: "write to `FILE` instead of standard output"},
				},
				Action: a.auditExport,
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
	events, err := a.auditEvents(ctx, f)
	if err != nil {
		return err
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
	anchor, err := a.anchor(ctx)
	if err != nil {
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
	if anchor != nil {
		if err := audit.VerifyAnchor(events, *anchor); err != nil {
			return failure(err, "someone who could write the state database rewrote the audit trail; restore it from a backup taken before "+anchor.String())
		}
	}
	short := head.Hash
	if len(short) > 12 {
		short = short[:12]
	}
	a.printf("audit trail verified: %d events, head %s", len(events), short)
	if anchor != nil {
		a.printf("; it still holds the anchored head %d", anchor.Seq)
	}
	a.printf("\n")
	return nil
}

// auditEvents reads the events f selects, since --since when it is given.
func (a *app) auditEvents(ctx *cli.Context, f checklists.AuditFilter) ([]audit.Event, error) {
	if s := ctx.String(flgSince); s != "" {
		t, err := parseSince(s, a.now())
		if err != nil {
			return nil, usageError(err)
		}
		f.Since = t
	}
	st, err := a.store(ctx.Context)
	if err != nil {
		return nil, err
	}
	events, err := st.AuditEvents(ctx.Context, f)
	if err != nil {
		return nil, backendError(err)
	}
	return events, nil
}

// anchor reads the head given with --head or --head-file, or returns nil.
func (a *app) anchor(ctx *cli.Context) (*audit.Head, error) {
	s := ctx.String(flgHead)
	switch file := ctx.String(flgHeadFile); {
	case s != "" && file != "":
		return nil, usageError(errors.New("give --head or --head-file, not both"))
	case file != "":
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, usageError(fmt.Errorf("read --head-file: %w", err))
		}
		s = string(data)
	case s == "":
		return nil, nil
	}
	h, err := audit.ParseHead(s)
	if err != nil {
		return nil, usageError(err, "give the head as audit head printed it: acctsetup audit head")
	}
	return &h, nil
}

func (a *app) auditHead(ctx *cli.Context) error {
	if _, err := a.args(ctx, 0, 0, "no arguments"); err != nil {
		return err
	}
	st, err := a.store(ctx.Context)
	if err != nil {
		return err
	}
	head, err := st.AuditHead(ctx.Context)
	if err != nil {
		return backendError(err)
	}
	if ctx.Bool(flgJSON) {
		return a.writeJSON(head)
	}
	a.printf("%s\n", head)
	return nil
}

// auditExport writes events as JSON lines (the fields of audit log --json)
// or CSV with a header row.
func (a *app) auditExport(ctx *cli.Context) error {
	if _, err := a.args(ctx, 0, 0, "no arguments"); err != nil {
		return err
	}
	format := ctx.String(flgFormat)
	if format != "jsonl" && format != "csv" {
		return usageError(fmt.Errorf("unknown format %q", format), "use --format jsonl or --format csv")
	}
	events, err := a.auditEvents(ctx, checklists.AuditFilter{})
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if format == "csv" {
		rows := [][]string{{"seq", "at", "actor", "action", "provider", "environment", "subject", "detail", "prev_hash", "hash"}}
		for _, ev := range events {
			rows = append(rows, []string{strconv.FormatInt(ev.Seq, 10), ev.At.UTC().Format(audit.TimeFormat), ev.Actor, ev.Action,
				ev.Provider, ev.Environment, ev.Subject, ev.Detail, ev.PrevHash, ev.Hash})
		}
		if err := csv.NewWriter(&b).WriteAll(rows); err != nil {
			return fmt.Errorf("write CSV: %w", err)
		}
	} else {
		enc := json.NewEncoder(&b)
		for _, ev := range events {
			if err := enc.Encode(ev); err != nil {
				return fmt.Errorf("write JSON lines: %w", err)
			}
		}
	}
	return a.writeOutput(ctx.String(flgOutput), "audit export", b.Bytes())
}
