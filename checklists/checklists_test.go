package checklists_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/providers"
)

// acmeTOML is a small provider with one step of each kind the derivation
// cares about. The questionnaire step is limited to production.
const acmeTOML = `
id = "acme"
name = "Acme Books"
portal_url = "https://developer.acme.example/apps"

[[environments]]
name = "sandbox"
redirect_uris = ["https://acmesandbox.codat.example/oauth2/callback"]

[[environments]]
name = "production"
redirect_uris = ["https://acme.codat.example/oauth2/callback"]

[[steps]]
id = "create-app"
title = "Create the app"
kind = "action"
instructions = "My Apps > New app."

[[steps]]
id = "store-keys"
title = "Store the client ID and secret"
kind = "credential"
depends_on = ["create-app"]
credentials = ["client_id", "client_secret"]
instructions = "Copy both keys into the vault."

[[steps]]
id = "enrol-mfa"
title = "Enrol the shared login's MFA"
kind = "mfa"
instructions = "Enrol the TOTP seed."

[[steps]]
id = "answer-questionnaire"
title = "Answer the app questionnaire"
kind = "questionnaire"
depends_on = ["create-app"]
environments = ["production"]
instructions = "Answer every question."

[[steps]]
id = "sign-terms"
title = "Sign the developer terms"
kind = "agreement"
depends_on = ["create-app"]
instructions = "Record the signed terms as evidence."

[[credentials]]
name = "client_id"
label = "Client ID"
rule = "alphanum,len=8"

[[credentials]]
name = "client_secret"
label = "Client secret"
secret = true
shown_once = true
rule = "token,min=12"

[[questionnaire]]
id = "data-use"
text = "How will you use the data?"
required = true

[[questionnaire]]
id = "retention"
text = "How long do you keep it?"
required = true

[[questionnaire]]
id = "anything-else"
text = "Anything else?"
`

func decode(t *testing.T, name, src string) *providers.Provider {
	t.Helper()
	p, err := providers.Decode(name, []byte(src))
	if err != nil {
		t.Fatalf("Decode(%s) = %v", name, err)
	}
	return p
}

func acme(t *testing.T) *providers.Provider { return decode(t, "acme.toml", acmeTOML) }

// acmeEverywhere is acme with its questionnaire step in both environments.
func acmeEverywhere(t *testing.T) *providers.Provider {
	t.Helper()
	src := strings.Replace(acmeTOML, "depends_on = [\"create-app\"]\nenvironments = [\"production\"]\n", "depends_on = [\"create-app\"]\n", 1)
	if src == acmeTOML {
		t.Fatal("acmeEverywhere: the questionnaire step's environments line was not found")
	}
	return decode(t, "acme-everywhere.toml", src)
}

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// credential returns what the vault says about value for the named field,
// using the provider's own format rule.
func credential(t *testing.T, p *providers.Provider, field, value string) checklists.Credential {
	t.Helper()
	c, ok := p.Credential(field)
	if !ok {
		t.Fatalf("no credential %q", field)
	}
	return checklists.Credential{Present: true, Invalid: c.Check(value),
		Meta: &checklists.SecretMeta{Provider: p.ID, Field: field, SetAt: t0}}
}

func answers(at time.Time, ids ...string) map[string]checklists.Answer {
	m := map[string]checklists.Answer{}
	for _, id := range ids {
		m[id] = checklists.Answer{Provider: "acme", Question: id, Text: "answer to " + id, Actor: "ana", At: at}
	}
	return m
}

// want is the part of a StepStatus the tests pin.
type want struct {
	step    string
	status  checklists.Status
	missing []string
}

func statuses(got []checklists.StepStatus) []want {
	out := make([]want, len(got))
	for i, s := range got {
		out[i] = want{s.Step.ID, s.Status, s.Missing}
	}
	return out
}

func equalWants(a, b []want) bool {
	return slices.EqualFunc(a, b, func(x, y want) bool {
		return x.step == y.step && x.status == y.status && slices.Equal(x.missing, y.missing)
	})
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	p := acme(t)
	valid := map[string]checklists.Credential{
		"client_id":     credential(t, p, "client_id", "ABCD1234"),
		"client_secret": credential(t, p, "client_secret", "s3cr3t-s3cr3t-s3cr3t"),
	}
	notAnswered := []string{"question data-use is not answered", "question retention is not answered"}
	tests := []struct {
		name  string
		env   string
		facts checklists.Facts
		want  []want
	}{
		{
			name: "nothing recorded, production",
			env:  providers.Production,
			want: []want{
				{"create-app", checklists.Todo, nil},
				{"store-keys", checklists.Todo, []string{"client_id is not in the vault", "client_secret is not in the vault"}},
				{"enrol-mfa", checklists.Todo, []string{"no TOTP seed is enrolled"}},
				{"answer-questionnaire", checklists.Todo, append(slices.Clone(notAnswered), "no compliance sign-off")},
				{"sign-terms", checklists.Todo, nil},
			},
		},
		{
			name: "nothing recorded, sandbox has no questionnaire step",
			env:  providers.Sandbox,
			want: []want{
				{"create-app", checklists.Todo, nil},
				{"store-keys", checklists.Todo, []string{"client_id is not in the vault", "client_secret is not in the vault"}},
				{"enrol-mfa", checklists.Todo, []string{"no TOTP seed is enrolled"}},
				{"sign-terms", checklists.Todo, nil},
			},
		},
		{
			name: "action done, agreement blocked",
			env:  providers.Sandbox,
			facts: checklists.Facts{Records: map[string]checklists.StepRecord{
				"create-app": {Step: "create-app", Status: checklists.Done},
				"sign-terms": {Step: "sign-terms", Status: checklists.Blocked, Note: "legal is reviewing"},
			}},
			want: []want{
				{"create-app", checklists.Done, nil},
				{"store-keys", checklists.Todo, []string{"client_id is not in the vault", "client_secret is not in the vault"}},
				{"enrol-mfa", checklists.Todo, []string{"no TOTP seed is enrolled"}},
				{"sign-terms", checklists.Blocked, nil},
			},
		},
		{
			name: "records for derived steps are ignored",
			env:  providers.Sandbox,
			facts: checklists.Facts{Records: map[string]checklists.StepRecord{
				"store-keys": {Step: "store-keys", Status: checklists.Done},
				"enrol-mfa":  {Step: "enrol-mfa", Status: checklists.Done},
			}},
			want: []want{
				{"create-app", checklists.Todo, nil},
				{"store-keys", checklists.Todo, []string{"client_id is not in the vault", "client_secret is not in the vault"}},
				{"enrol-mfa", checklists.Todo, []string{"no TOTP seed is enrolled"}},
				{"sign-terms", checklists.Todo, nil},
			},
		},
		{
			name: "one credential present, the other malformed",
			env:  providers.Sandbox,
			facts: checklists.Facts{Credentials: map[string]checklists.Credential{
				"client_id":     valid["client_id"],
				"client_secret": credential(t, p, "client_secret", "too-short"),
			}},
			want: []want{
				{"create-app", checklists.Todo, nil},
				{"store-keys", checklists.Todo, []string{`client_secret: value breaks "min=12" of rule "token,min=12": it must be at least 12 characters`}},
				{"enrol-mfa", checklists.Todo, []string{"no TOTP seed is enrolled"}},
				{"sign-terms", checklists.Todo, nil},
			},
		},
		{
			name: "one credential missing, the other breaking the baseline",
			env:  providers.Sandbox,
			facts: checklists.Facts{Credentials: map[string]checklists.Credential{
				"client_id": credential(t, p, "client_id", "ABCD 123"),
			}},
			want: []want{
				{"create-app", checklists.Todo, nil},
				{"store-keys", checklists.Todo, []string{
					`client_id: value breaks rule "token": every credential must be printable, with no white space or control characters`,
					"client_secret is not in the vault",
				}},
				{"enrol-mfa", checklists.Todo, []string{"no TOTP seed is enrolled"}},
				{"sign-terms", checklists.Todo, nil},
			},
		},
		{
			name:  "credentials valid, mfa enrolled",
			env:   providers.Sandbox,
			facts: checklists.Facts{Credentials: valid, MFAEnrolled: true},
			want: []want{
				{"create-app", checklists.Todo, nil},
				{"store-keys", checklists.Done, nil},
				{"enrol-mfa", checklists.Done, nil},
				{"sign-terms", checklists.Todo, nil},
			},
		},
		{
			name:  "questionnaire answered, production lacks sign-off",
			env:   providers.Production,
			facts: checklists.Facts{Answers: answers(t0, "data-use", "retention"), MFAEnrolled: true, Credentials: valid},
			want: []want{
				{"create-app", checklists.Todo, nil},
				{"store-keys", checklists.Done, nil},
				{"enrol-mfa", checklists.Done, nil},
				{"answer-questionnaire", checklists.Todo, []string{"no compliance sign-off"}},
				{"sign-terms", checklists.Todo, nil},
			},
		},
		{
			name: "blank answer counts as unanswered",
			env:  providers.Production,
			facts: checklists.Facts{
				Answers: map[string]checklists.Answer{
					"data-use":  {Question: "data-use", Text: " \t\n", At: t0},
					"retention": {Question: "retention", Text: "90 days", At: t0},
				},
				SignOff: &checklists.SignOff{Environment: providers.Production, At: t0.Add(time.Hour)},
			},
			want: []want{
				{"create-app", checklists.Todo, nil},
				{"store-keys", checklists.Todo, []string{"client_id is not in the vault", "client_secret is not in the vault"}},
				{"enrol-mfa", checklists.Todo, []string{"no TOTP seed is enrolled"}},
				{"answer-questionnaire", checklists.Todo, []string{"question data-use is not answered"}},
				{"sign-terms", checklists.Todo, nil},
			},
		},
		{
			name: "sign-off older than the last answer",
			env:  providers.Production,
			facts: checklists.Facts{
				Answers: answers(t0, "data-use", "retention"),
				SignOff: &checklists.SignOff{Environment: providers.Production, At: t0.Add(-time.Minute)},
			},
			want: []want{
				{"create-app", checklists.Todo, nil},
				{"store-keys", checklists.Todo, []string{"client_id is not in the vault", "client_secret is not in the vault"}},
				{"enrol-mfa", checklists.Todo, []string{"no TOTP seed is enrolled"}},
				{"answer-questionnaire", checklists.Todo, []string{"the sign-off predates the last answer"}},
				{"sign-terms", checklists.Todo, nil},
			},
		},
		{
			name: "sign-off newer than every answer, everything done",
			env:  providers.Production,
			facts: checklists.Facts{
				Records: map[string]checklists.StepRecord{
					"create-app": {Step: "create-app", Status: checklists.Done},
					"sign-terms": {Step: "sign-terms", Status: checklists.Done, Evidence: "DOC-7"},
				},
				Credentials: valid,
				MFAEnrolled: true,
				Answers:     answers(t0, "data-use", "retention"),
				SignOff:     &checklists.SignOff{Environment: providers.Production, At: t0.Add(time.Second)},
			},
			want: []want{
				{"create-app", checklists.Done, nil},
				{"store-keys", checklists.Done, nil},
				{"enrol-mfa", checklists.Done, nil},
				{"answer-questionnaire", checklists.Done, nil},
				{"sign-terms", checklists.Done, nil},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := statuses(checklists.Evaluate(p, tt.env, tt.facts))
			if !equalWants(got, tt.want) {
				t.Errorf("Evaluate(%s) =\n%+v\nwant\n%+v", tt.env, got, tt.want)
			}
		})
	}
}

// TestEvaluateCopiesRecord checks that a recorded step carries its record's
// evidence, note, actor, time and forced flag.
func TestEvaluateCopiesRecord(t *testing.T) {
	t.Parallel()
	p := acme(t)
	rec := checklists.StepRecord{Provider: "acme", Environment: providers.Sandbox, Step: "sign-terms",
		Status: checklists.Done, Evidence: "DOC-7", Note: "signed by the CFO", Actor: "ana@example.com", At: t0, Forced: true}
	got := checklists.Evaluate(p, providers.Sandbox, checklists.Facts{Records: map[string]checklists.StepRecord{"sign-terms": rec}})
	i := slices.IndexFunc(got, func(s checklists.StepStatus) bool { return s.Step.ID == "sign-terms" })
	if i < 0 {
		t.Fatal("no sign-terms step in the sandbox checklist")
	}
	s := got[i]
	if s.Status != rec.Status || s.Evidence != rec.Evidence || s.Note != rec.Note || s.Actor != rec.Actor || !s.At.Equal(rec.At) || s.Forced != rec.Forced {
		t.Errorf("sign-terms = {%s %q %q %q %v %v}, want {%s %q %q %q %v %v}",
			s.Status, s.Evidence, s.Note, s.Actor, s.At, s.Forced,
			rec.Status, rec.Evidence, rec.Note, rec.Actor, rec.At, rec.Forced)
	}
	if s.Step.Title != "Sign the developer terms" || s.Step.Kind != providers.KindAgreement {
		t.Errorf("sign-terms Step = %+v, want the descriptor's step", s.Step)
	}
	if s.Missing != nil {
		t.Errorf("sign-terms Missing = %v, want nil for a recorded step", s.Missing)
	}
}

func TestSignOffGap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   string
		facts checklists.Facts
		want  string
	}{
		{"sandbox needs none", providers.Sandbox, checklists.Facts{Answers: answers(t0, "data-use")}, ""},
		{"sandbox with nothing", providers.Sandbox, checklists.Facts{}, ""},
		{"production, none given", providers.Production, checklists.Facts{Answers: answers(t0, "data-use")}, "no compliance sign-off"},
		{"production, none given, no answers", providers.Production, checklists.Facts{}, "no compliance sign-off"},
		{
			name: "production, older",
			env:  providers.Production,
			facts: checklists.Facts{Answers: answers(t0, "data-use"),
				SignOff: &checklists.SignOff{At: t0.Add(-time.Hour)}},
			want: "the sign-off predates the last answer",
		},
		{
			name: "production, same instant as the last answer",
			env:  providers.Production,
			facts: checklists.Facts{Answers: answers(t0, "data-use"),
				SignOff: &checklists.SignOff{At: t0}},
			want: "the sign-off predates the last answer",
		},
		{
			name: "production, an optional answer changed after it",
			env:  providers.Production,
			facts: checklists.Facts{
				Answers: map[string]checklists.Answer{
					"data-use":      {Question: "data-use", Text: "lending", At: t0},
					"anything-else": {Question: "anything-else", Text: "no", At: t0.Add(2 * time.Hour)},
				},
				SignOff: &checklists.SignOff{At: t0.Add(time.Hour)},
			},
			want: "the sign-off predates the last answer",
		},
		{
			name: "production, newer",
			env:  providers.Production,
			facts: checklists.Facts{Answers: answers(t0, "data-use", "retention"),
				SignOff: &checklists.SignOff{At: t0.Add(time.Nanosecond)}},
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := checklists.SignOffGap(tt.env, tt.facts); got != tt.want {
				t.Errorf("SignOffGap(%s) = %q, want %q", tt.env, got, tt.want)
			}
		})
	}
}

func TestQuestionnaireGaps(t *testing.T) {
	t.Parallel()
	p := acme(t)
	tests := []struct {
		name  string
		env   string
		facts checklists.Facts
		want  []string
	}{
		{"sandbox, all answered, no sign-off", providers.Sandbox, checklists.Facts{Answers: answers(t0, "data-use", "retention")}, nil},
		{"sandbox, one missing", providers.Sandbox, checklists.Facts{Answers: answers(t0, "retention")}, []string{"question data-use is not answered"}},
		{"optional question may stay unanswered", providers.Production,
			checklists.Facts{Answers: answers(t0, "data-use", "retention"), SignOff: &checklists.SignOff{At: t0.Add(time.Hour)}}, nil},
		{"production, nothing", providers.Production, checklists.Facts{},
			[]string{"question data-use is not answered", "question retention is not answered", "no compliance sign-off"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := checklists.QuestionnaireGaps(p, tt.env, tt.facts); !slices.Equal(got, tt.want) {
				t.Errorf("QuestionnaireGaps(%s) = %q, want %q", tt.env, got, tt.want)
			}
		})
	}
}

// TestSandboxQuestionnaireNeedsNoSignOff uses a provider whose questionnaire
// step is in both environments: sandbox is done once answered, production
// also needs the sign-off.
func TestSandboxQuestionnaireNeedsNoSignOff(t *testing.T) {
	t.Parallel()
	p := acmeEverywhere(t)
	facts := checklists.Facts{Answers: answers(t0, "data-use", "retention")}
	tests := []struct {
		env         string
		wantStatus  checklists.Status
		wantMissing []string
	}{
		{providers.Sandbox, checklists.Done, nil},
		{providers.Production, checklists.Todo, []string{"no compliance sign-off"}},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			t.Parallel()
			got := checklists.Evaluate(p, tt.env, facts)
			i := slices.IndexFunc(got, func(s checklists.StepStatus) bool { return s.Step.ID == "answer-questionnaire" })
			if i < 0 {
				t.Fatalf("no answer-questionnaire step in %s", tt.env)
			}
			if got[i].Status != tt.wantStatus || !slices.Equal(got[i].Missing, tt.wantMissing) {
				t.Errorf("answer-questionnaire in %s = %s %q, want %s %q", tt.env, got[i].Status, got[i].Missing, tt.wantStatus, tt.wantMissing)
			}
		})
	}
}

func TestUndoneDependencies(t *testing.T) {
	t.Parallel()
	p := acme(t)
	step := func(id string) providers.Step {
		s, ok := p.Step(id)
		if !ok {
			t.Fatalf("no step %q", id)
		}
		return s
	}
	rec := func(status checklists.Status) map[string]checklists.StepRecord {
		return map[string]checklists.StepRecord{"create-app": {Step: "create-app", Status: status}}
	}
	tests := []struct {
		name  string
		step  providers.Step
		facts checklists.Facts
		want  []string
	}{
		{"dependency todo", step("sign-terms"), checklists.Facts{}, []string{"create-app"}},
		{"dependency blocked", step("sign-terms"), checklists.Facts{Records: rec(checklists.Blocked)}, []string{"create-app"}},
		{"dependency done", step("sign-terms"), checklists.Facts{Records: rec(checklists.Done)}, nil},
		{"no dependencies", step("create-app"), checklists.Facts{}, nil},
		{"dependency not in the checklist", providers.Step{ID: "x", DependsOn: []string{"create-app", "ghost"}},
			checklists.Facts{Records: rec(checklists.Done)}, []string{"ghost"}},
		{"derived dependency", providers.Step{ID: "x", DependsOn: []string{"enrol-mfa", "create-app"}},
			checklists.Facts{}, []string{"enrol-mfa", "create-app"}},
		{"derived dependency done", providers.Step{ID: "x", DependsOn: []string{"enrol-mfa"}},
			checklists.Facts{MFAEnrolled: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sts := checklists.Evaluate(p, providers.Sandbox, tt.facts)
			if got := checklists.UndoneDependencies(tt.step, sts); !slices.Equal(got, tt.want) {
				t.Errorf("UndoneDependencies(%s) = %q, want %q", tt.step.ID, got, tt.want)
			}
		})
	}
}

func TestProgress(t *testing.T) {
	t.Parallel()
	p := acme(t)
	tests := []struct {
		name            string
		env             string
		facts           checklists.Facts
		wantDone, total int
	}{
		{"nothing, sandbox", providers.Sandbox, checklists.Facts{}, 0, 4},
		{"nothing, production", providers.Production, checklists.Facts{}, 0, 5},
		{"blocked does not count", providers.Sandbox, checklists.Facts{
			MFAEnrolled: true,
			Records: map[string]checklists.StepRecord{
				"create-app": {Status: checklists.Done},
				"sign-terms": {Status: checklists.Blocked},
			}}, 2, 4},
		{"no statuses", "", checklists.Facts{}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var sts []checklists.StepStatus
			if tt.env != "" {
				sts = checklists.Evaluate(p, tt.env, tt.facts)
			}
			done, total := checklists.Progress(sts)
			if done != tt.wantDone || total != tt.total {
				t.Errorf("Progress = %d/%d, want %d/%d", done, total, tt.wantDone, tt.total)
			}
		})
	}
}
