// Package checklists tracks each provider's setup checklist per environment:
// which steps people have done or blocked (with evidence, actor and time),
// questionnaire answers and compliance sign-offs, and secret metadata.
//
// What can be derived is derived, not stored: a credential step is done when
// its fields are in the vault and well-formed, an mfa step when the portal
// login's TOTP seed is enrolled, a questionnaire step when every required
// answer is given (and, for production, signed off after the last answer).
// [Evaluate] computes every step's status from those facts.
package checklists

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/acctsetup/acctsetup/providers"
)

// Status is a step's state in one environment's checklist.
type Status string

// Step statuses. A step with no record is todo.
const (
	Todo    Status = "todo"
	Done    Status = "done"
	Blocked Status = "blocked"
)

// StepRecord is what a person (or the mailbox) recorded about a step.
type StepRecord struct {
	Provider    string
	Environment string
	Step        string
	Status      Status // Done or Blocked; Todo records are deleted
	Evidence    string // URL, file path, document reference or message ID
	Note        string
	Actor       string
	At          time.Time
	Forced      bool // done although dependencies were not
}

// Answer is a questionnaire answer. Answers are per provider: the
// questionnaire describes the app, whichever environment asks for it.
type Answer struct {
	Provider string
	Question string
	Text     string
	Evidence string
	Actor    string
	At       time.Time
}

// SignOff is a compliance reviewer's approval of a provider's questionnaire
// for one environment.
type SignOff struct {
	Provider    string
	Environment string
	Actor       string
	Note        string
	At          time.Time
}

// SecretMeta is what the state store knows about a secret: where it is and
// its history, never its value.
type SecretMeta struct {
	Provider    string
	Environment string
	Field       string
	Reference   string // backend-qualified, e.g. age://xero/production/client_id
	SetAt       time.Time
	SetBy       string
	RotatedAt   time.Time // zero if never rotated
	RotatedBy   string
	ExpiresAt   time.Time // zero if the credential has no maximum age
}

// Credential is what the vault says about one credential field.
type Credential struct {
	Present bool
	Invalid error // the format rule it breaks, when present; never holds the value
	Meta    *SecretMeta
}

// Facts are everything a checklist's status is derived from, for one
// provider and environment.
type Facts struct {
	Records     map[string]StepRecord // by step ID
	Credentials map[string]Credential // by credential field
	MFAEnrolled bool
	Answers     map[string]Answer // by question ID
	SignOff     *SignOff          // the latest for this environment, if any
	// Obligations are the calendar obligations met, by obligation ID.
	Obligations map[string]ObligationRecord
}

// StepStatus is a step's status with what explains it.
type StepStatus struct {
	Step     providers.Step
	Status   Status
	Evidence string
	Note     string
	Actor    string
	At       time.Time
	Forced   bool
	// Missing says, for a derived step that is not done, what is missing.
	Missing []string
}

// Evaluate returns the status of every step of the environment's checklist,
// in descriptor order.
func Evaluate(p *providers.Provider, env string, f Facts) []StepStatus {
	steps := p.StepsFor(env)
	out := make([]StepStatus, 0, len(steps))
	for _, s := range steps {
		st := StepStatus{Step: s, Status: Todo}
		if s.Kind.Derived() {
			st.Missing = missing(p, env, s, f)
			if len(st.Missing) == 0 {
				st.Status = Done
			}
		} else if r, ok := f.Records[s.ID]; ok {
			st.Status, st.Evidence, st.Note, st.Actor, st.At, st.Forced = r.Status, r.Evidence, r.Note, r.Actor, r.At, r.Forced
		}
		out = append(out, st)
	}
	return out
}

// missing lists what keeps a derived step from being done.
func missing(p *providers.Provider, env string, s providers.Step, f Facts) []string {
	var out []string
	switch s.Kind {
	case providers.KindCredential:
		for _, name := range s.Credentials {
			c := f.Credentials[name]
			switch {
			case !c.Present && optional(p, name):
			case !c.Present:
				out = append(out, name+" is not in the vault")
			case c.Invalid != nil:
				out = append(out, c.Invalid.Error())
			}
		}
	case providers.KindMFA:
		if !f.MFAEnrolled {
			out = append(out, "no TOTP seed is enrolled")
		}
	case providers.KindQuestionnaire:
		out = append(out, QuestionnaireGaps(p, env, f)...)
	}
	return out
}

func optional(p *providers.Provider, field string) bool {
	c, _ := p.Credential(field)
	return c.Optional
}

// QuestionnaireGaps lists unanswered required questions and, for production,
// a missing or stale sign-off.
func QuestionnaireGaps(p *providers.Provider, env string, f Facts) []string {
	var gaps []string
	for _, q := range Unanswered(p, f.Answers) {
		gaps = append(gaps, fmt.Sprintf("question %s is not answered", q.ID))
	}
	if gap := SignOffGap(env, f); gap != "" {
		gaps = append(gaps, gap)
	}
	return gaps
}

// Unanswered returns the required questions with no answer, in order.
func Unanswered(p *providers.Provider, answers map[string]Answer) []providers.Question {
	var out []providers.Question
	for _, q := range p.Questionnaire {
		if a, ok := answers[q.ID]; q.Required && (!ok || strings.TrimSpace(a.Text) == "") {
			out = append(out, q)
		}
	}
	return out
}

// SignOffGap says why the production questionnaire lacks a valid sign-off:
// none was given, or an answer changed after it. Other environments need
// none.
func SignOffGap(env string, f Facts) string {
	if env != providers.Production {
		return ""
	}
	var last time.Time
	for _, a := range f.Answers {
		if a.At.After(last) {
			last = a.At
		}
	}
	switch {
	case f.SignOff == nil:
		return "no compliance sign-off"
	case !f.SignOff.At.After(last):
		return "the sign-off predates the last answer"
	}
	return ""
}

// UndoneDependencies returns the dependencies of step that are not done.
func UndoneDependencies(step providers.Step, statuses []StepStatus) []string {
	var undone []string
	for _, dep := range step.DependsOn {
		i := slices.IndexFunc(statuses, func(s StepStatus) bool { return s.Step.ID == dep })
		if i < 0 || statuses[i].Status != Done {
			undone = append(undone, dep)
		}
	}
	return undone
}

// Progress counts the done steps.
func Progress(statuses []StepStatus) (done, total int) {
	for _, s := range statuses {
		if s.Status == Done {
			done++
		}
	}
	return done, len(statuses)
}

// AnsweredBy lists, in questionnaire order, the questions whose current
// answer actor gave: a sign-off by that person would review their own
// answers.
func AnsweredBy(p *providers.Provider, answers map[string]Answer, actor string) []string {
	var out []string
	for _, q := range p.Questionnaire {
		if a, ok := answers[q.ID]; ok && a.Actor == actor {
			out = append(out, q.ID)
		}
	}
	return out
}
