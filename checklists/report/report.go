// Package report is the weekly readiness report: what changed between two
// stored check runs, per provider and environment. Newly failing and newly
// fixed findings come from the runs themselves; who did what in between
// (steps done and undone, approvals received by e-mail, secrets set and
// rotated, questionnaire answers and sign-offs, obligations met) comes from
// the audit events between the two runs' heads, and the heads themselves
// are printed so that a team can keep them outside the database.
//
// Load reads from the state store only what a report needs; Build works on
// what it is given, and the renderers write text, Markdown, HTML and JSON.
package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/audit"
	"github.com/acctsetup/acctsetup/checklists/readiness"
)

// DefaultExpiryWindow is how far ahead the report lists expiring secrets.
const DefaultExpiryWindow = 30 * 24 * time.Hour

// HistoryLength is how many runs, the newest, the report charts.
const HistoryLength = 52

// ErrNoRuns means there is no stored check run to report on.
var ErrNoRuns = errors.New("report: no check run is stored")

// Input is what a report is built from.
type Input struct {
	// Since starts the window: the latest run is compared with the last
	// one at or before Since or, when every earlier run is later, the
	// earliest stored.
	Since time.Time
	Now   time.Time
	// Runs are the stored check runs, newest first.
	Runs []checklists.CheckRun
	// Events are audit events in sequence order, from the baseline run on
	// at least.
	Events []audit.Event
	// Secrets is every secret's metadata now.
	Secrets []checklists.SecretMeta
	// ExpiryWindow is how far ahead expiring secrets are listed;
	// DefaultExpiryWindow when zero.
	ExpiryWindow time.Duration
}

// Report is what changed between two check runs.
type Report struct {
	Since time.Time `json:"since"`
	// From is the baseline run; nil when only one run is stored.
	From *Run `json:"from"`
	To   Run  `json:"to"`
	// Regressed is set when something that worked no longer does: a
	// newly failing finding, a step undone or blocked, a checklist no
	// longer ready. The report command exits 1 then.
	Regressed bool `json:"regressed"`
	// Checklists are those with something to report, in the latest run's
	// order. Changes that concern a whole provider (questionnaire
	// answers, approvals by e-mail) come under the environment "".
	Checklists []Checklist `json:"checklists"`
	// Expiring lists secrets that expire within the expiry window.
	Expiring []Expiring `json:"expiring"`
	// History is the charted runs, oldest first.
	History []Point `json:"history"`
}

// Run is one end of the comparison.
type Run struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Ready  bool      `json:"ready"`
	Errors int       `json:"errors"`
	Warns  int       `json:"warnings"`
	// Head is the audit chain's head once the run was recorded, SEQ:HASH,
	// for audit verify --head; "" for runs saved before heads were kept.
	Head string `json:"audit_head"`
}

// Checklist is what changed for one provider and environment.
type Checklist struct {
	Provider       string              `json:"provider"`
	Name           string              `json:"name"`
	Environment    string              `json:"environment"`
	WasReady       bool                `json:"was_ready"`
	Ready          bool                `json:"ready"`
	NewlyFailing   []readiness.Finding `json:"newly_failing"`
	NewlyFixed     []readiness.Finding `json:"newly_fixed"`
	StepsDone      []Change            `json:"steps_done"`
	StepsUndone    []Change            `json:"steps_undone"`
	StepsBlocked   []Change            `json:"steps_blocked"`
	Approvals      []Change            `json:"approvals_by_email"`
	Secrets        []Change            `json:"secrets"`
	Answers        []Change            `json:"answers"`
	SignOffs       []Change            `json:"signoffs"`
	ObligationsMet []Change            `json:"obligations_met"`
	Regressed      bool                `json:"regressed"`
}

// Change is one audited change: its action, what it concerns (a step, a
// field, a question, an obligation), who made it, when, and its detail
// (evidence, a note, a message). Details never hold a secret.
type Change struct {
	Seq     int64     `json:"seq"`
	Action  string    `json:"action"`
	Subject string    `json:"subject,omitempty"`
	Actor   string    `json:"actor"`
	At      time.Time `json:"at"`
	Detail  string    `json:"detail,omitempty"`
}

// Expiring is a secret close to its maximum age.
type Expiring struct {
	Provider    string    `json:"provider"`
	Environment string    `json:"environment"`
	Field       string    `json:"field"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// Point is one run on the readiness chart.
type Point struct {
	At     time.Time `json:"at"`
	Ready  int       `json:"ready"` // checklists ready
	Total  int       `json:"total"`
	Errors int       `json:"errors"`
}

// Build compares the latest run with the baseline run.
func Build(in Input) (*Report, error) {
	if len(in.Runs) == 0 {
		return nil, ErrNoRuns
	}
	latest, err := decode(in.Runs[0])
	if err != nil {
		return nil, err
	}
	r := &Report{Since: in.Since, To: runOf(in.Runs[0], latest), Checklists: []Checklist{}, Expiring: []Expiring{}, History: []Point{}}
	b := builder{lists: map[string]*Checklist{}, touched: map[string]bool{}}
	for _, res := range latest.Results {
		b.list(res.Provider, res.Name, res.Environment)
	}

	baseline := &readiness.Report{}
	if run, ok := Baseline(in.Runs, in.Since); ok {
		if baseline, err = decode(run); err != nil {
			return nil, err
		}
		from := runOf(run, baseline)
		r.From = &from
		for _, ev := range between(in.Events, run, in.Runs[0]) {
			b.event(ev)
		}
	}
	b.findings(baseline, latest, r.From != nil)
	for _, k := range b.order {
		cl := b.lists[k]
		cl.Regressed = len(cl.NewlyFailing) > 0 || len(cl.StepsUndone) > 0 || len(cl.StepsBlocked) > 0 || (cl.WasReady && !cl.Ready)
		r.Regressed = r.Regressed || cl.Regressed
		if cl.Regressed || cl.WasReady != cl.Ready || cl.changed() {
			r.Checklists = append(r.Checklists, *cl)
		}
	}
	r.Expiring = expiring(in)
	if r.History, err = history(in.Runs); err != nil {
		return nil, err
	}
	return r, nil
}

// Baseline is the run the latest is compared with: the last run at or
// before since, or else the earliest; none when only the latest is stored.
// runs are newest first. A report needs the audit events from its time on.
func Baseline(runs []checklists.CheckRun, since time.Time) (checklists.CheckRun, bool) {
	if len(runs) < 2 {
		return checklists.CheckRun{}, false
	}
	for _, run := range runs[1:] {
		if !run.At.After(since) {
			return run, true
		}
	}
	return runs[len(runs)-1], true
}

// between returns the events after from's and up to to's: by the runs'
// audit heads, or by time for runs saved before heads were kept.
func between(events []audit.Event, from, to checklists.CheckRun) []audit.Event {
	var out []audit.Event
	for _, ev := range events {
		var in bool
		if from.Head.Seq > 0 && to.Head.Seq > 0 {
			in = ev.Seq > from.Head.Seq && ev.Seq <= to.Head.Seq
		} else {
			in = ev.At.After(from.At) && !ev.At.After(to.At)
		}
		if in {
			out = append(out, ev)
		}
	}
	return out
}

func decode(run checklists.CheckRun) (*readiness.Report, error) {
	var rep readiness.Report
	if err := json.Unmarshal(run.Report, &rep); err != nil {
		return nil, fmt.Errorf("report: read check run %d: %w", run.ID, err)
	}
	return &rep, nil
}

func runOf(run checklists.CheckRun, rep *readiness.Report) Run {
	out := Run{ID: run.ID, At: run.At.UTC(), Ready: run.Ready}
	if run.Head.Seq > 0 {
		out.Head = run.Head.String()
	}
	for _, res := range rep.Results {
		for _, f := range res.Findings {
			switch f.Severity {
			case readiness.Error:
				out.Errors++
			case readiness.Warn:
				out.Warns++
			}
		}
	}
	return out
}

// sections say where each audited action the report lists goes.
var sections = map[string]func(*Checklist) *[]Change{
	"step.done":             func(cl *Checklist) *[]Change { return &cl.StepsDone },
	"step.undo":             func(cl *Checklist) *[]Change { return &cl.StepsUndone },
	"step.block":            func(cl *Checklist) *[]Change { return &cl.StepsBlocked },
	"mailbox.advanced":      func(cl *Checklist) *[]Change { return &cl.Approvals },
	"mailbox.accept":        func(cl *Checklist) *[]Change { return &cl.Approvals },
	"secret.set":            func(cl *Checklist) *[]Change { return &cl.Secrets },
	"secret.rotate":         func(cl *Checklist) *[]Change { return &cl.Secrets },
	"secret.rm":             func(cl *Checklist) *[]Change { return &cl.Secrets },
	"otp.enroll":            func(cl *Checklist) *[]Change { return &cl.Secrets },
	"questionnaire.answer":  func(cl *Checklist) *[]Change { return &cl.Answers },
	"questionnaire.signoff": func(cl *Checklist) *[]Change { return &cl.SignOffs },
	"calendar.done":         func(cl *Checklist) *[]Change { return &cl.ObligationsMet },
}

// builder gathers the report's checklists.
type builder struct {
	lists map[string]*Checklist // by provider/env
	order []string
	// touched holds provider/env/step for every step an event in the
	// window concerns ("" env: every environment).
	touched map[string]bool
}

func (b *builder) list(provider, name, env string) *Checklist {
	k := provider + "/" + env
	if cl, ok := b.lists[k]; ok {
		return cl
	}
	if name == "" {
		name = provider
		for _, cl := range b.lists {
			if cl.Provider == provider {
				name = cl.Name
				break
			}
		}
	}
	cl := &Checklist{Provider: provider, Name: name, Environment: env, NewlyFailing: []readiness.Finding{}, NewlyFixed: []readiness.Finding{},
		StepsDone: []Change{}, StepsUndone: []Change{}, StepsBlocked: []Change{}, Approvals: []Change{}, Secrets: []Change{},
		Answers: []Change{}, SignOffs: []Change{}, ObligationsMet: []Change{}}
	b.lists[k] = cl
	b.order = append(b.order, k)
	return cl
}

// event files one audit event under its checklist. Events the report does
// not list (check runs, reveals and codes shown, logins, mail waiting for
// review, vault moves) are skipped.
func (b *builder) event(ev audit.Event) {
	section, listed := sections[ev.Action]
	if !listed || ev.Provider == "" {
		return
	}
	into := section(b.list(ev.Provider, "", ev.Environment))
	if strings.HasPrefix(ev.Action, "step.") || strings.HasPrefix(ev.Action, "mailbox.") {
		b.touched[ev.Provider+"/"+ev.Environment+"/"+ev.Subject] = true
	}
	*into = append(*into, Change{Seq: ev.Seq, Action: ev.Action, Subject: ev.Subject, Actor: ev.Actor, At: ev.At.UTC(), Detail: ev.Detail})
}

// findings compares the two runs' findings of every checklist in the
// latest run. A step's todo finding counts only when an event in the
// window concerns that step: otherwise it appears because the steps before
// it were done (progress, not a regression), or goes because one before it
// was undone (it waits again).
func (b *builder) findings(baseline, latest *readiness.Report, compared bool) {
	before := map[string]readiness.Result{}
	for _, res := range baseline.Results {
		before[res.Provider+"/"+res.Environment] = res
	}
	for _, res := range latest.Results {
		cl := b.list(res.Provider, res.Name, res.Environment)
		cl.Ready = res.Ready
		old, had := before[res.Provider+"/"+res.Environment]
		cl.WasReady = old.Ready
		if !compared || !had {
			continue
		}
		oldByID := bySeverity(old.Findings)
		newByID := bySeverity(res.Findings)
		for _, f := range res.Findings {
			if f.Severity.AtLeast(readiness.Warn) && oldByID[f.ID].rank() < newByID[f.ID].rank() && b.counts(f, res) {
				cl.NewlyFailing = append(cl.NewlyFailing, f)
			}
		}
		for _, f := range old.Findings {
			if _, still := newByID[f.ID]; f.Severity.AtLeast(readiness.Warn) && !still && b.counts(f, res) {
				cl.NewlyFixed = append(cl.NewlyFixed, f)
			}
		}
	}
}

// counts reports whether a finding that came or went is a change to list.
func (b *builder) counts(f readiness.Finding, res readiness.Result) bool {
	parts := strings.SplitN(f.ID, "/", 4)
	if len(parts) < 4 || parts[2] != "step-todo" {
		return true
	}
	step := parts[3]
	return b.touched[res.Provider+"/"+res.Environment+"/"+step] || b.touched[res.Provider+"//"+step]
}

// severity is a finding's severity, with "none" ranked below info.
type severity struct {
	s   readiness.Severity
	set bool
}

func (s severity) rank() int {
	switch {
	case !s.set:
		return -1
	case s.s == readiness.Error:
		return 2
	case s.s == readiness.Warn:
		return 1
	}
	return 0
}

func bySeverity(fs []readiness.Finding) map[string]severity {
	m := make(map[string]severity, len(fs))
	for _, f := range fs {
		m[f.ID] = severity{s: f.Severity, set: true}
	}
	return m
}

func (cl *Checklist) changed() bool {
	for _, l := range [][]Change{cl.StepsDone, cl.StepsUndone, cl.StepsBlocked, cl.Approvals, cl.Secrets, cl.Answers, cl.SignOffs, cl.ObligationsMet} {
		if len(l) > 0 {
			return true
		}
	}
	return len(cl.NewlyFailing) > 0 || len(cl.NewlyFixed) > 0
}

// expiring lists secrets whose expiry falls before the window's end,
// soonest first.
func expiring(in Input) []Expiring {
	window := in.ExpiryWindow
	if window == 0 {
		window = DefaultExpiryWindow
	}
	out := []Expiring{}
	for _, m := range in.Secrets {
		if !m.ExpiresAt.IsZero() && m.ExpiresAt.Before(in.Now.Add(window)) {
			out = append(out, Expiring{Provider: m.Provider, Environment: m.Environment, Field: m.Field, ExpiresAt: m.ExpiresAt.UTC()})
		}
	}
	slices.SortFunc(out, func(a, b Expiring) int { return a.ExpiresAt.Compare(b.ExpiresAt) })
	return out
}

// history charts the newest HistoryLength runs, oldest first.
func history(runs []checklists.CheckRun) ([]Point, error) {
	n := min(len(runs), HistoryLength)
	points := make([]Point, 0, n)
	for i := n - 1; i >= 0; i-- {
		rep, err := decode(runs[i])
		if err != nil {
			return nil, err
		}
		p := Point{At: runs[i].At.UTC(), Total: len(rep.Results)}
		for _, res := range rep.Results {
			if res.Ready {
				p.Ready++
			}
		}
		p.Errors = runOf(runs[i], rep).Errors
		points = append(points, p)
	}
	return points, nil
}
