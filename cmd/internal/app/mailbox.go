package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/audit"
	"github.com/acctsetup/acctsetup/mailbox"
	"github.com/acctsetup/acctsetup/providers"
)

// mailActor is who the audit trail names for what the mailbox did alone.
const mailActor = "mailbox"

// mailRecorder turns what the mailbox read into checklist records: each
// message that concerns a provider is recorded once, advancing its step
// when it is authentic and matched a rule, or waiting for review.
type mailRecorder struct {
	a     *app
	store checklists.Store
	all   []*providers.Provider // every provider that is not retired: look-alikes of any are caught
	trust mailbox.Trust

	fetched  int
	advanced []advancedJSON
	review   []reviewJSON
}

type advancedJSON struct {
	Provider    string `json:"provider"`
	Environment string `json:"environment"`
	Step        string `json:"step"`
	MessageID   string `json:"message_id"`
	Status      string `json:"status"` // what the step is now: done, or blocked by a rejection
}

// String is the line scan and watch print for a step a message advanced.
func (s advancedJSON) String() string {
	return fmt.Sprintf("marked %s/%s/%s %s with <%s>", s.Provider, s.Environment, s.Step, s.Status, s.MessageID)
}

type reviewJSON struct {
	MessageID string     `json:"message_id"`
	From      string     `json:"from"`
	Subject   string     `json:"subject"`
	Date      *time.Time `json:"date"`
	Provider  string     `json:"provider"`
	Reason    string     `json:"reason"`
}

// newMailRecorder needs the config's [mailbox], which imapConfig checked.
func (a *app) newMailRecorder(ctx context.Context) (*mailRecorder, error) {
	cfg := a.deps.cfg
	reg, err := a.registry()
	if err != nil {
		return nil, err
	}
	st, err := a.store(ctx)
	if err != nil {
		return nil, err
	}
	r := &mailRecorder{a: a, store: st, trust: cfg.Mailbox.TrustRule()}
	for _, p := range reg.All() {
		if !p.Retired {
			r.all = append(r.all, p)
		}
	}
	return r, nil
}

// handle records one message; it is the scan's and the watch's handler.
func (r *mailRecorder) handle(ctx context.Context, m mailbox.Message) error {
	r.fetched++
	v := r.trust.Classify(m, r.all)
	if v.Provider == "" {
		return nil
	}
	p, err := r.a.provider(v.Provider)
	if err != nil {
		return err
	}
	now := r.a.now()
	rec := checklists.MailMessage{MessageID: m.Key(), Folder: m.Folder, From: m.From, Subject: m.Subject, Date: m.Date,
		Provider: p.ID, Signal: v.Signal.ID, Event: string(v.Signal.Event), Step: v.Signal.Step,
		Status: checklists.MailReview, Reason: v.Reason, SeenAt: now, Actor: mailActor}
	var steps []checklists.StepRecord
	if v.Advance {
		steps, rec.Reason, err = r.stepsFor(ctx, p, v.Signal, rec, now)
		if err != nil {
			return err
		}
		if rec.Reason == "" {
			rec.Status = checklists.MailAdvanced
		}
	}
	ev := audit.Event{At: now, Actor: mailActor, Action: "mailbox." + string(rec.Status), Provider: p.ID, Subject: rec.Step,
		Detail: fmt.Sprintf("<%s> from %s: %q", rec.MessageID, rec.From, rec.Subject)}
	if rec.Status == checklists.MailReview {
		ev.Detail += "; " + rec.Reason
	}
	if len(steps) == 1 {
		ev.Environment = steps[0].Environment
	}
	recorded, err := r.store.RecordMail(ctx, rec, steps, ev)
	if err != nil || !recorded {
		return err // an error stops the scan at this message; a known message counts for nothing
	}
	for _, s := range steps {
		r.advanced = append(r.advanced, advancedJSON{Provider: p.ID, Environment: s.Environment, Step: s.Step, MessageID: rec.MessageID, Status: string(s.Status)})
	}
	if rec.Status == checklists.MailReview {
		r.review = append(r.review, reviewOf(rec))
	}
	return nil
}

// stepsFor returns the step records an authentic message brings, or why
// it still needs a person: an event that asks for work rather than
// reporting it done, or a step whose status is derived from elsewhere.
func (r *mailRecorder) stepsFor(ctx context.Context, p *providers.Provider, sig providers.Signal, m checklists.MailMessage, now time.Time) ([]checklists.StepRecord, string, error) {
	step, ok := p.Step(sig.Step)
	if !ok {
		return nil, fmt.Sprintf("rule %s names step %s, which %s does not have", sig.ID, sig.Step, p.ID), nil
	}
	var status checklists.Status
	switch sig.Event {
	case providers.EventApproved, providers.EventAccountVerified, providers.EventKeysIssued:
		status = checklists.Done
	case providers.EventRejected:
		status = checklists.Blocked
	default: // questionnaire_requested, review_due: work for a person
		return nil, fmt.Sprintf("%s asks for action on %s (%s)", p.Name, step.ID, strings.ReplaceAll(string(sig.Event), "_", " ")), nil
	}
	if step.Kind.Derived() {
		return nil, fmt.Sprintf("%s says %s, but %s is a %s step whose status acctsetup derives: %s",
			p.Name, strings.ReplaceAll(string(sig.Event), "_", " "), step.ID, step.Kind, derivedFix(p, step)), nil
	}
	envs, err := r.a.enabledEnvironments(p)
	if err != nil {
		return nil, "", err
	}
	records, err := r.store.Steps(ctx, p.ID, "")
	if err != nil {
		return nil, "", backendError(err)
	}
	var steps []checklists.StepRecord
	for _, env := range envs {
		if !step.AppliesTo(env) || slices.ContainsFunc(records, func(x checklists.StepRecord) bool {
			return x.Environment == env && x.Step == step.ID && x.Status == status
		}) {
			continue
		}
		steps = append(steps, checklists.StepRecord{Provider: p.ID, Environment: env, Step: step.ID, Status: status,
			Evidence: "<" + m.MessageID + ">", Note: evidenceNote(m), Actor: mailActor, At: now})
	}
	return steps, "", nil
}

// evidenceNote describes the message a step was advanced by.
func evidenceNote(m checklists.MailMessage) string {
	note := fmt.Sprintf("e-mail from %s, %q", m.From, m.Subject)
	if !m.Date.IsZero() {
		note += ", sent " + m.Date.UTC().Format(time.RFC3339)
	}
	return note
}

// derivedFix is the command that completes a derived step.
func derivedFix(p *providers.Provider, s providers.Step) string {
	switch s.Kind {
	case providers.KindCredential:
		return fmt.Sprintf("store the keys with acctsetup secret set %s %s", p.ID, s.Credentials[0])
	case providers.KindMFA:
		return "acctsetup otp enroll " + p.ID
	}
	return "acctsetup questionnaire show " + p.ID
}

func reviewOf(m checklists.MailMessage) reviewJSON {
	return reviewJSON{MessageID: m.MessageID, From: m.From, Subject: m.Subject, Date: timePtr(m.Date), Provider: m.Provider, Reason: m.Reason}
}

const (
	flgHealth = "health"
	flgOAuth  = "oauth"
)

func (a *app) mailboxCommand() *cli.Command {
	return &cli.Command{
		Name:  "mailbox",
		Usage: "read the team mailbox: provider e-mails advance steps; doubtful ones wait for review",
		Description: "A provider e-mail advances a step only when the receiving server's Authentication-Results\n" +
			"(authserv_id in acctsetup.toml, or Exchange Online's with trust = \"exchange_online\") show DMARC or\n" +
			"DKIM pass for one of the provider's domains.\n" +
			"Forwards, look-alike senders, failures and messages from provider domains that match no rule\n" +
			"wait in \"mailbox review\" for a person to accept or dismiss.",
		Subcommands: []*cli.Command{
			{
				Name:  "login",
				Usage: "store the mailbox password, or its OAuth client credentials, in the vault after checking they log in",
				Description: "The password comes from standard input or a hidden prompt. With [mailbox] password_ref set\n" +
					"(for example op://Integrations/Mailbox/password), the secret is read from there instead.\n" +
					"With --oauth (for [mailbox] oauth, which the gmail and microsoft365 presets set) it asks, one hidden\n" +
					"prompt or one line of standard input each, for Microsoft 365 the tenant ID, client ID and client\n" +
					"secret of an Entra app with IMAP.AccessAsApp, for Google the OAuth client ID, client secret and a\n" +
					"refresh token; it gets an access token, logs in with it, and stores the credentials as\n" +
					"mailbox/imap/FIELD. Access tokens are fetched as they are needed and never stored.",
				Flags:  []cli.Flag{&cli.BoolFlag{Name: flgOAuth, Usage: "store OAuth 2.0 client credentials instead of a password"}},
				Action: a.mailboxLogin,
			},
			{
				Name:   "scan",
				Usage:  "read the messages that arrived since the last scan, once",
				Flags:  []cli.Flag{jsonFlag()},
				Action: a.mailboxScan,
			},
			{
				Name:  "watch",
				Usage: "scan as messages arrive (IDLE, or polling), reconnecting after drops, until interrupted",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: flgHealth, Usage: "serve GET /healthz on `ADDRESS` (e.g. 127.0.0.1:8089) for a supervisor"},
				},
				Action: a.mailboxWatch,
			},
			{
				Name:      "review",
				Usage:     "list the provider e-mails that wait for a person, with the reason",
				Flags:     []cli.Flag{jsonFlag()},
				Action:    a.mailboxReview,
				ArgsUsage: " ",
			},
			{
				Name:      "accept",
				Usage:     "apply a reviewed e-mail as evidence for a step (audited with your name)",
				ArgsUsage: "MESSAGE ID STEP",
				Flags:     []cli.Flag{envFlag("the `ENVIRONMENT`; default: every enabled environment the step belongs to")},
				Action:    a.mailboxAccept,
			},
			{
				Name:      "dismiss",
				Usage:     "mark a reviewed e-mail as needing nothing",
				ArgsUsage: "MESSAGE",
				Flags:     []cli.Flag{&cli.StringFlag{Name: flgNote, Usage: "why, for the audit trail"}},
				Action:    a.mailboxDismiss,
			},
		},
	}
}

func (a *app) mailboxReview(ctx *cli.Context) error {
	if _, err := a.args(ctx, 0, 0, "no arguments"); err != nil {
		return err
	}
	st, err := a.store(ctx.Context)
	if err != nil {
		return err
	}
	msgs, err := st.Mail(ctx.Context, checklists.MailReview)
	if err != nil {
		return backendError(err)
	}
	out := []reviewJSON{}
	for _, m := range msgs {
		out = append(out, reviewOf(m))
	}
	if ctx.Bool(flgJSON) {
		return a.writeJSON(out)
	}
	a.printReview(out)
	return nil
}

func (a *app) printReview(msgs []reviewJSON) {
	if len(msgs) == 0 {
		a.printf("nothing waits for review\n")
		return
	}
	for _, m := range msgs {
		date := "-"
		if m.Date != nil {
			date = m.Date.Local().Format("2006-01-02 15:04")
		}
		a.printf("%s  %s  %s\n  %q\n  %s: %s\n", m.MessageID, date, m.From, m.Subject, m.Provider, m.Reason)
	}
	a.printf("\naccept one as evidence: acctsetup mailbox accept MESSAGE ID STEP; or: acctsetup mailbox dismiss MESSAGE\n")
}

// reviewed finds the message waiting for review that arg names: its
// Message-ID with or without angle brackets, or a unique prefix of it.
func (a *app) reviewed(ctx context.Context, arg string) (checklists.Store, checklists.MailMessage, error) {
	st, err := a.store(ctx)
	if err != nil {
		return nil, checklists.MailMessage{}, err
	}
	m, err := findReviewed(ctx, st, arg)
	return st, m, err
}

func findReviewed(ctx context.Context, st checklists.Store, arg string) (checklists.MailMessage, error) {
	msgs, err := st.Mail(ctx, checklists.MailReview)
	if err != nil {
		return checklists.MailMessage{}, backendError(err)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(arg), "<"), ">")
	var found []checklists.MailMessage
	for _, m := range msgs {
		if m.MessageID == id {
			return m, nil
		}
		if id != "" && strings.HasPrefix(m.MessageID, id) {
			found = append(found, m)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return checklists.MailMessage{}, failure(fmt.Errorf("no message %q waits for review", arg), "acctsetup mailbox review lists them")
	}
	return checklists.MailMessage{}, usageError(fmt.Errorf("%q names %d messages waiting for review", arg, len(found)), "give more of the Message-ID")
}

func (a *app) mailboxAccept(ctx *cli.Context) error {
	in, err := a.args(ctx, 3, 3, "a message, a provider ID and a step")
	if err != nil {
		return err
	}
	p, err := a.provider(in[1])
	if err != nil {
		return err
	}
	step, err := lookupStep(p, in[2])
	if err != nil {
		return err
	}
	if step.Kind.Derived() {
		return derivedError(p, step, ctx.String(flgEnv), checklists.Done)
	}
	envs, err := a.environmentsOf(p, "a step", step.ID, step.Environments, ctx.String(flgEnv))
	if err != nil {
		return err
	}
	st, m, err := a.reviewed(ctx.Context, in[0])
	if err != nil {
		return err
	}
	now, actor := a.now(), a.actor()
	m.Status, m.Step, m.Actor, m.DecidedAt = checklists.MailAccepted, step.ID, actor, now
	var steps []checklists.StepRecord
	for _, env := range envs {
		steps = append(steps, checklists.StepRecord{Provider: p.ID, Environment: env, Step: step.ID, Status: checklists.Done,
			Evidence: "<" + m.MessageID + ">", Note: evidenceNote(m) + "; accepted after review (" + m.Reason + ")", Actor: actor, At: now})
	}
	ev := audit.Event{At: now, Actor: actor, Action: "mailbox.accept", Provider: p.ID, Subject: step.ID,
		Detail: fmt.Sprintf("<%s> from %s: %q, for %s", m.MessageID, m.From, m.Subject, strings.Join(envs, " and "))}
	if err := st.DecideMail(ctx.Context, m, steps, ev); err != nil {
		return backendError(err)
	}
	for _, env := range envs {
		a.printf("%s: done, with <%s> as evidence\n", stepRef(p, env, step.ID), m.MessageID)
	}
	return nil
}

func (a *app) mailboxDismiss(ctx *cli.Context) error {
	in, err := a.args(ctx, 1, 1, "a message")
	if err != nil {
		return err
	}
	st, m, err := a.reviewed(ctx.Context, in[0])
	if err != nil {
		return err
	}
	m.Status, m.Actor, m.DecidedAt = checklists.MailDismissed, a.actor(), a.now()
	ev := audit.Event{At: m.DecidedAt, Actor: m.Actor, Action: "mailbox.dismiss", Provider: m.Provider,
		Detail: auditDetail(fmt.Sprintf("<%s> from %s: %q", m.MessageID, m.From, m.Subject), ctx.String(flgNote))}
	if err := st.DecideMail(ctx.Context, m, nil, ev); err != nil {
		return backendError(err)
	}
	a.printf("dismissed <%s>\n", m.MessageID)
	return nil
}
