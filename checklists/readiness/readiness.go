// Package readiness turns checklists into a verdict: for each provider and
// environment, the findings that stand between the team and connecting its
// first customer, each with a severity, a stable ID, a message and the exact
// command that fixes it.
//
// It reads facts it is given and does no I/O; the command layer gathers the
// facts from the state store and the vault.
package readiness

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/providers"
	"github.com/acctsetup/acctsetup/providers/probe"
)

// Severity orders findings: errors make a checklist not ready; warnings do
// too under --fail-on warn; info never does.
type Severity string

// Severities, most severe first.
const (
	Error Severity = "error"
	Warn  Severity = "warn"
	Info  Severity = "info"
)

func (s Severity) rank() int {
	switch s {
	case Error:
		return 2
	case Warn:
		return 1
	}
	return 0
}

// AtLeast reports whether s is as severe as min.
func (s Severity) AtLeast(min Severity) bool { return s.rank() >= min.rank() }

// Finding is one reason a checklist is not ready, or worth knowing.
type Finding struct {
	// ID is stable across runs so that reports can say what changed:
	// provider/environment/check[/subject].
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	// Fix is the command (or, for configuration, the edit) that fixes it.
	Fix string `json:"fix"`
}

// Result is the verdict for one provider and environment.
type Result struct {
	Provider    string    `json:"provider"`
	Name        string    `json:"name"`
	Environment string    `json:"environment"`
	Ready       bool      `json:"ready"`
	Done        int       `json:"steps_done"`
	Total       int       `json:"steps_total"`
	Findings    []Finding `json:"findings"`
	// Probe is what the provider's live endpoint said of the stored
	// credentials, when check --probe asked it.
	Probe *probe.Result `json:"probe,omitempty"`
}

// Report is a whole check run.
type Report struct {
	Ready   bool      `json:"ready"`
	At      time.Time `json:"at"`
	FailOn  Severity  `json:"fail_on"`
	Results []Result  `json:"results"`
}

// Input is what one checklist's verdict is computed from.
type Input struct {
	Provider *providers.Provider
	Env      string
	Facts    checklists.Facts
	// RedirectURIs are the URIs the team registered for this environment
	// (from the config; the module's required ones by default).
	RedirectURIs []string
	// Shared lists credential fields whose value is identical in another
	// environment of the same provider.
	Shared []string
	// Now and ExpiryWarning decide when an ageing secret is flagged.
	Now           time.Time
	ExpiryWarning time.Duration
	// Probe is the live probe's result, when one was run.
	Probe *probe.Result
	// SignOffMaxAge is how long a production questionnaire sign-off
	// holds; zero: until an answer changes. It is warned about
	// ExpiryWarning before.
	SignOffMaxAge providers.Age
}

// DefaultExpiryWarning is how long before expiry a secret is flagged.
const DefaultExpiryWarning = 30 * 24 * time.Hour

// warning is how long before a secret or sign-off ages out it is flagged.
func (in Input) warning() time.Duration {
	if in.ExpiryWarning == 0 {
		return DefaultExpiryWarning
	}
	return in.ExpiryWarning
}

// Evaluate returns the verdict for one checklist. failOn is the least
// severity that makes it not ready.
func Evaluate(in Input, failOn Severity) Result {
	p, env := in.Provider, in.Env
	statuses := checklists.Evaluate(p, env, in.Facts)
	done, total := checklists.Progress(statuses)
	r := Result{Provider: p.ID, Name: p.Name, Environment: env, Done: done, Total: total, Findings: []Finding{}, Probe: in.Probe}
	f := findings{p: p, env: env}

	waiting := 0
	for _, st := range statuses {
		if st.Status == checklists.Done {
			continue
		}
		if st.Status != checklists.Blocked && !st.Step.Kind.Derived() && len(checklists.UndoneDependencies(st.Step, statuses)) > 0 {
			waiting++ // reported once below, so the report leads with what can be done now
			continue
		}
		f.step(st, in.Facts)
	}
	f.credentials(in)
	f.signOffAge(in)
	f.probe(in.Probe)
	f.redirects(in.RedirectURIs)
	f.calendar(checklists.Calendar(p, env, in.Facts, statuses), in.Now)
	f.unverified(statuses)
	if waiting > 0 {
		f.add(Info, "steps-waiting", "", fmt.Sprintf("%d more step(s) wait on the ones above", waiting),
			fmt.Sprintf("acctsetup status %s --env %s", p.ID, env))
	}

	if f.list != nil {
		r.Findings = f.list
	}
	r.Ready = !slices.ContainsFunc(r.Findings, func(x Finding) bool { return x.Severity.AtLeast(failOn) })
	return r
}

type findings struct {
	p    *providers.Provider
	env  string
	list []Finding
}

func (f *findings) add(sev Severity, check, subject, msg, fix string) {
	id := f.p.ID + "/" + f.env + "/" + check
	if subject != "" {
		id += "/" + subject
	}
	f.list = append(f.list, Finding{ID: id, Severity: sev, Message: msg, Fix: fix})
}

func (f *findings) cmd(format string, args ...any) string {
	return fmt.Sprintf("acctsetup "+format, args...) + " --env " + f.env
}

// step reports a step that is not done and whose dependencies are.
func (f *findings) step(st checklists.StepStatus, facts checklists.Facts) {
	s := st.Step
	title := fmt.Sprintf("%s (%s)", s.ID, s.Title)
	switch s.Kind {
	case providers.KindCredential:
		return // reported per field by credentials
	case providers.KindMFA:
		f.add(Error, "mfa-not-enrolled", s.ID, "MFA for the shared portal login is not enrolled: "+title,
			f.cmd("otp enroll %s", f.p.ID))
	case providers.KindQuestionnaire:
		for _, q := range checklists.Unanswered(f.p, facts.Answers) {
			f.add(Error, "question-unanswered", q.ID, fmt.Sprintf("required question %s is not answered: %s", q.ID, q.Text),
				fmt.Sprintf("acctsetup questionnaire answer %s %s", f.p.ID, q.ID))
		}
		if gap := checklists.SignOffGap(f.env, facts); gap != "" {
			f.add(Error, "questionnaire-signoff", s.ID, "the questionnaire needs a compliance sign-off: "+gap,
				f.cmd("questionnaire signoff %s", f.p.ID))
		}
	default:
		fix := f.cmd("step done %s %s", f.p.ID, s.ID)
		if s.Kind.NeedsEvidence() {
			fix += " --evidence REF"
		}
		if st.Status == checklists.Blocked {
			f.add(Error, "step-blocked", s.ID, fmt.Sprintf("step %s is blocked: %s", title, st.Note), fix)
			return
		}
		f.add(Error, "step-todo", s.ID, fmt.Sprintf("%s step %s is not done", s.Kind, title), fix)
	}
}

// credentials reports missing, malformed, lost, ageing and shared secrets.
func (f *findings) credentials(in Input) {
	warnBefore := in.warning()
	for _, c := range f.p.CredentialsFor(f.env) {
		state := in.Facts.Credentials[c.Name]
		set := f.cmd("secret set %s %s", f.p.ID, c.Name)
		switch {
		case !state.Present && c.Optional:
			// not needed; nothing to report
		case !state.Present && state.Meta != nil && c.ShownOnce:
			f.add(Error, "credential-lost", c.Name, fmt.Sprintf("%s was stored on %s but is no longer in the vault, and the portal shows it only once: generate a new one",
				c.Label, state.Meta.SetAt.Format(time.DateOnly)), set)
		case !state.Present:
			msg := fmt.Sprintf("%s (%s) is not in the vault", c.Label, c.Name)
			if c.ShownOnce {
				msg += "; the portal shows it only once, so store it the moment it appears"
			}
			f.add(Error, "credential-missing", c.Name, msg, set)
		case state.Invalid != nil:
			f.add(Error, "credential-malformed", c.Name, fmt.Sprintf("%s in the vault is malformed: %v", c.Label, state.Invalid), set)
		case state.Meta != nil && !state.Meta.ExpiresAt.IsZero():
			left := state.Meta.ExpiresAt.Sub(in.Now)
			rotate := f.cmd("secret rotate %s %s", f.p.ID, c.Name)
			why := ""
			if !c.MaxAge.IsZero() {
				why = fmt.Sprintf(" (maximum age %s)", c.MaxAge)
			}
			switch {
			case left <= 0:
				f.add(Error, "credential-expired", c.Name, fmt.Sprintf("%s expired on %s%s: issue a new one in the portal",
					c.Label, state.Meta.ExpiresAt.Format(time.DateOnly), why), rotate)
			case left <= warnBefore:
				f.add(Warn, "credential-expiring", c.Name, fmt.Sprintf("%s expires on %s, in %s",
					c.Label, state.Meta.ExpiresAt.Format(time.DateOnly), days(left)), rotate)
			}
		}
	}
	for _, name := range in.Shared {
		// Production's value is the one the portal issued for production;
		// the sandbox needs its own.
		f.add(Error, "env-shared-credential", name, fmt.Sprintf("%s is the same in sandbox and production; keep the environments apart", name),
			fmt.Sprintf("acctsetup secret set %s %s --env %s", f.p.ID, name, providers.Sandbox))
	}
}

// signOffAge reports a production sign-off that reached the maximum age
// (an error) or will within the warning time.
func (f *findings) signOffAge(in Input) {
	so := in.Facts.SignOff
	if so == nil || in.SignOffMaxAge.IsZero() || f.env != providers.Production || len(f.p.Questionnaire) == 0 {
		return
	}
	warnBefore := in.warning()
	expires := in.SignOffMaxAge.After(so.At)
	fix := f.cmd("questionnaire signoff %s", f.p.ID)
	signed := so.At.Format(time.DateOnly)
	switch left := expires.Sub(in.Now); {
	case left <= 0:
		f.add(Error, "questionnaire-signoff-expired", "", fmt.Sprintf("the questionnaire sign-off by %s on %s is older than %s (readiness.signoff_max_age): a reviewer must sign it off again",
			so.Actor, signed, in.SignOffMaxAge), fix)
	case left <= warnBefore:
		f.add(Warn, "questionnaire-signoff-ageing", "", fmt.Sprintf("the questionnaire sign-off by %s on %s reaches %s (readiness.signoff_max_age) on %s, in %s",
			so.Actor, signed, in.SignOffMaxAge, expires.Format(time.DateOnly), days(left)), fix)
	}
}

// probe reports credentials the provider's live endpoint refused (an
// error, fixed by rotating the field it blames) or could not judge (info).
func (f *findings) probe(r *probe.Result) {
	if r == nil {
		return
	}
	switch r.Verdict {
	case probe.Rejected:
		label := r.Field
		if c, ok := f.p.Credential(r.Field); ok {
			label = c.Label
		}
		f.add(Error, "credential-rejected", r.Field, fmt.Sprintf("%s's live endpoint refused the stored credentials, blaming %s (%s): %s",
			f.p.Name, label, r.Field, r.Detail), f.cmd("secret rotate %s %s", f.p.ID, r.Field))
	case probe.Unknown:
		f.add(Info, "credential-probe-unknown", "", fmt.Sprintf("could not tell whether %s accepts the stored credentials: %s", f.p.Name, r.Detail),
			f.cmd("check %s", f.p.ID)+" --probe")
	}
}

// redirects checks the registered redirect URIs against the module's.
func (f *findings) redirects(registered []string) {
	env, _ := f.p.Environment(f.env)
	edit := func(uris []string) string {
		quoted := make([]string, len(uris))
		for i, u := range uris {
			quoted[i] = fmt.Sprintf("%q", u)
		}
		return fmt.Sprintf("register it in the portal, then set redirect_uris.%s = [%s] for %s in acctsetup.toml",
			f.env, strings.Join(quoted, ", "), f.p.ID)
	}
	for _, want := range env.RedirectURIs {
		if !slices.Contains(registered, want) {
			f.add(Error, "redirect-missing", want, fmt.Sprintf("redirect URI %s is not registered for %s", want, f.env), edit(env.RedirectURIs))
		}
	}
	for _, got := range registered {
		if u, err := url.Parse(got); f.env == providers.Production && (err != nil || u.Scheme != "https") {
			f.add(Error, "redirect-not-https", got, fmt.Sprintf("production redirect URI %s is not HTTPS", got), edit(env.RedirectURIs))
			continue
		}
		for _, other := range f.p.Environments {
			if other.Name != f.env && slices.Contains(other.RedirectURIs, got) && !slices.Contains(env.RedirectURIs, got) {
				f.add(Error, "env-shared-redirect", got, fmt.Sprintf("%s redirect URI %s belongs to %s", f.env, got, other.Name), edit(env.RedirectURIs))
			}
		}
		if !slices.Contains(env.RedirectURIs, got) && f.env == providers.Production && len(env.RedirectURIs) > 0 {
			f.add(Warn, "redirect-unexpected", got, fmt.Sprintf("production redirect URI %s is not one %s requires", got, f.p.Name), edit(env.RedirectURIs))
		}
	}
}

// calendar reports obligations that fall due within their warning time
// (warn) or are past due (error).
func (f *findings) calendar(obligations []checklists.ObligationStatus, now time.Time) {
	for _, st := range obligations {
		o := st.Obligation
		fix := f.cmd("calendar done %s %s", f.p.ID, o.ID) + " --evidence REF"
		due := st.Due.Format(time.DateOnly)
		switch st.Standing(now) {
		case checklists.StandingOverdue:
			f.add(Error, "calendar-overdue", o.ID, fmt.Sprintf("%s (%s) was due on %s, %s ago", o.Title, o.ID, due, days(now.Sub(st.Due))), fix)
		case checklists.StandingDueSoon:
			f.add(Warn, "calendar-due", o.ID, fmt.Sprintf("%s (%s) is due on %s, in %s", o.Title, o.ID, due, days(st.Due.Sub(now))), fix)
		}
	}
}

// days says how many days d spans, rounded up: "in 1 day" until the day.
func days(d time.Duration) string {
	n := checklists.Days(d)
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// unverified notes the steps still to do whose instructions no documented
// source backs, so that whoever does them checks the portal as they go.
func (f *findings) unverified(statuses []checklists.StepStatus) {
	for _, st := range statuses {
		if st.Status == checklists.Done || !st.Step.Unverified() {
			continue
		}
		f.add(Info, "step-unverified", st.Step.ID, fmt.Sprintf("no documented source backs step %s (%s): %s; check the portal as you do it",
			st.Step.ID, st.Step.Title, st.Step.SourceNote), fmt.Sprintf("acctsetup providers show %s", f.p.ID))
	}
}

// Summarise sets the report's verdict from its results.
func (r *Report) Summarise() {
	r.Ready = !slices.ContainsFunc(r.Results, func(x Result) bool { return !x.Ready })
}
