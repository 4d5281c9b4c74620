package readiness_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/readiness"
	"github.com/acctsetup/acctsetup/providers"
)

// acmeTOML is a small provider: an action, a credential step (two fields,
// one shown once with a maximum age), an mfa step, a production-only
// questionnaire, an agreement, and an action waiting on the credentials.
// Its sandbox and production redirect URIs differ.
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

[[steps]]
id = "configure-codat"
title = "Enter the keys in the Codat Portal"
kind = "action"
depends_on = ["store-keys"]
instructions = "Paste both keys."

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
max_age = "90d"

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

const (
	sandboxURI    = "https://acmesandbox.codat.example/oauth2/callback"
	productionURI = "https://acme.codat.example/oauth2/callback"
)

var (
	now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	t0  = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
)

func acme(t *testing.T) *providers.Provider {
	t.Helper()
	p, err := providers.Decode("acme.toml", []byte(acmeTOML))
	if err != nil {
		t.Fatalf("Decode = %v", err)
	}
	return p
}

// ready returns the input of a finished checklist: every step done, both
// keys valid and far from expiry, MFA enrolled, the questionnaire answered
// and signed off, the module's redirect URIs registered.
func ready(t *testing.T, p *providers.Provider, env string) readiness.Input {
	t.Helper()
	cred := func(field, value string, expires time.Time) checklists.Credential {
		c, ok := p.Credential(field)
		if !ok {
			t.Fatalf("no credential %q", field)
		}
		if err := c.Check(value); err != nil {
			t.Fatalf("fixture value for %s: %v", field, err)
		}
		return checklists.Credential{Present: true, Meta: &checklists.SecretMeta{
			Provider: p.ID, Environment: env, Field: field, SetAt: t0, SetBy: "ana", ExpiresAt: expires}}
	}
	e, _ := p.Environment(env)
	done := func(id string) checklists.StepRecord {
		return checklists.StepRecord{Provider: p.ID, Environment: env, Step: id, Status: checklists.Done, Actor: "ana", At: t0}
	}
	return readiness.Input{
		Provider: p,
		Env:      env,
		Facts: checklists.Facts{
			Records: map[string]checklists.StepRecord{
				"create-app": done("create-app"), "sign-terms": done("sign-terms"), "configure-codat": done("configure-codat"),
			},
			Credentials: map[string]checklists.Credential{
				"client_id":     cred("client_id", "ABCD1234", time.Time{}),
				"client_secret": cred("client_secret", "s3cr3t-s3cr3t-s3cr3t", now.AddDate(0, 0, 60)),
			},
			MFAEnrolled: true,
			Answers: map[string]checklists.Answer{
				"data-use":  {Provider: p.ID, Question: "data-use", Text: "Lending decisions", At: t0},
				"retention": {Provider: p.ID, Question: "retention", Text: "90 days", At: t0},
			},
			SignOff: &checklists.SignOff{Provider: p.ID, Environment: env, Actor: "cleo", At: t0.Add(time.Hour)},
		},
		RedirectURIs: slices.Clone(e.RedirectURIs),
		Now:          now,
	}
}

// clone copies the input's maps so that a case can change them.
func clone(in readiness.Input) readiness.Input {
	in.Facts.Records = maps.Clone(in.Facts.Records)
	in.Facts.Credentials = maps.Clone(in.Facts.Credentials)
	in.Facts.Answers = maps.Clone(in.Facts.Answers)
	return in
}

func withMeta(c checklists.Credential, change func(m *checklists.SecretMeta)) checklists.Credential {
	m := *c.Meta
	change(&m)
	c.Meta = &m
	return c
}

func redirectFix(env string, uris ...string) string {
	quoted := ""
	for i, u := range uris {
		if i > 0 {
			quoted += ", "
		}
		quoted += fmt.Sprintf("%q", u)
	}
	return fmt.Sprintf("register it in the portal, then set redirect_uris.%s = [%s] for acme in acctsetup.toml", env, quoted)
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	p := acme(t)
	clientID, _ := p.Credential("client_id")
	malformed := clientID.Check("ABC")
	if malformed == nil {
		t.Fatal("client_id rule accepts ABC")
	}
	const (
		E = readiness.Error
		W = readiness.Warn
		I = readiness.Info
	)
	tests := []struct {
		name    string
		env     string
		change  func(in *readiness.Input)
		want    []readiness.Finding
		wantErr bool // Ready with failOn error is !wantErr
	}{
		{
			name: "all done, sandbox",
			env:  providers.Sandbox,
		},
		{
			name: "all done, production",
			env:  providers.Production,
		},
		{
			name:   "action step todo",
			env:    providers.Sandbox,
			change: func(in *readiness.Input) { delete(in.Facts.Records, "create-app") },
			want: []readiness.Finding{
				{"acme/sandbox/step-todo/create-app", E, "action step create-app (Create the app) is not done", "acctsetup step done acme create-app --env sandbox"},
			},
			wantErr: true,
		},
		{
			name:   "agreement step todo needs evidence",
			env:    providers.Production,
			change: func(in *readiness.Input) { delete(in.Facts.Records, "sign-terms") },
			want: []readiness.Finding{
				{"acme/production/step-todo/sign-terms", E, "agreement step sign-terms (Sign the developer terms) is not done", "acctsetup step done acme sign-terms --env production --evidence REF"},
			},
			wantErr: true,
		},
		{
			name: "step blocked",
			env:  providers.Sandbox,
			change: func(in *readiness.Input) {
				in.Facts.Records["create-app"] = checklists.StepRecord{Step: "create-app", Status: checklists.Blocked, Note: "the portal rejects our company name"}
			},
			want: []readiness.Finding{
				{"acme/sandbox/step-blocked/create-app", E, "step create-app (Create the app) is blocked: the portal rejects our company name", "acctsetup step done acme create-app --env sandbox"},
			},
			wantErr: true,
		},
		{
			name: "agreement blocked keeps the evidence hint",
			env:  providers.Sandbox,
			change: func(in *readiness.Input) {
				in.Facts.Records["sign-terms"] = checklists.StepRecord{Step: "sign-terms", Status: checklists.Blocked, Note: "legal review"}
			},
			want: []readiness.Finding{
				{"acme/sandbox/step-blocked/sign-terms", E, "step sign-terms (Sign the developer terms) is blocked: legal review", "acctsetup step done acme sign-terms --env sandbox --evidence REF"},
			},
			wantErr: true,
		},
		{
			name: "steps waiting on undone ones are summarised",
			env:  providers.Sandbox,
			change: func(in *readiness.Input) {
				in.Facts.Records = nil
				delete(in.Facts.Credentials, "client_id")
			},
			want: []readiness.Finding{
				{"acme/sandbox/step-todo/create-app", E, "action step create-app (Create the app) is not done", "acctsetup step done acme create-app --env sandbox"},
				{"acme/sandbox/credential-missing/client_id", E, "Client ID (client_id) is not in the vault", "acctsetup secret set acme client_id --env sandbox"},
				{"acme/sandbox/steps-waiting", I, "2 more step(s) wait on the ones above", "acctsetup status acme --env sandbox"},
			},
			wantErr: true,
		},
		{
			name:   "mfa not enrolled",
			env:    providers.Sandbox,
			change: func(in *readiness.Input) { in.Facts.MFAEnrolled = false },
			want: []readiness.Finding{
				{"acme/sandbox/mfa-not-enrolled/enrol-mfa", E, "MFA for the shared portal login is not enrolled: enrol-mfa (Enrol the shared login's MFA)", "acctsetup otp enroll acme --env sandbox"},
			},
			wantErr: true,
		},
		{
			name: "questions unanswered",
			env:  providers.Production,
			change: func(in *readiness.Input) {
				delete(in.Facts.Answers, "retention")
				in.Facts.Answers["data-use"] = checklists.Answer{Question: "data-use", Text: "   ", At: t0}
			},
			want: []readiness.Finding{
				{"acme/production/question-unanswered/data-use", E, "required question data-use is not answered: How will you use the data?", "acctsetup questionnaire answer acme data-use"},
				{"acme/production/question-unanswered/retention", E, "required question retention is not answered: How long do you keep it?", "acctsetup questionnaire answer acme retention"},
			},
			wantErr: true,
		},
		{
			name:   "questionnaire without sign-off",
			env:    providers.Production,
			change: func(in *readiness.Input) { in.Facts.SignOff = nil },
			want: []readiness.Finding{
				{"acme/production/questionnaire-signoff/answer-questionnaire", E, "the questionnaire needs a compliance sign-off: no compliance sign-off", "acctsetup questionnaire signoff acme --env production"},
			},
			wantErr: true,
		},
		{
			name: "questionnaire changed after sign-off",
			env:  providers.Production,
			change: func(in *readiness.Input) {
				in.Facts.Answers["retention"] = checklists.Answer{Question: "retention", Text: "1 year", At: t0.Add(2 * time.Hour)}
			},
			want: []readiness.Finding{
				{"acme/production/questionnaire-signoff/answer-questionnaire", E, "the questionnaire needs a compliance sign-off: the sign-off predates the last answer", "acctsetup questionnaire signoff acme --env production"},
			},
			wantErr: true,
		},
		{
			name:   "sandbox questionnaire needs no sign-off",
			env:    providers.Sandbox,
			change: func(in *readiness.Input) { in.Facts.SignOff = nil; in.Facts.Answers = nil },
		},
		{
			name: "credentials missing",
			env:  providers.Production,
			change: func(in *readiness.Input) {
				in.Facts.Credentials = nil // configure-codat is recorded done, so nothing waits
			},
			want: []readiness.Finding{
				{"acme/production/credential-missing/client_id", E, "Client ID (client_id) is not in the vault", "acctsetup secret set acme client_id --env production"},
				{"acme/production/credential-missing/client_secret", E, "Client secret (client_secret) is not in the vault; the portal shows it only once, so store it the moment it appears", "acctsetup secret set acme client_secret --env production"},
			},
			wantErr: true,
		},
		{
			name: "shown-once credential lost, other credential gone",
			env:  providers.Production,
			change: func(in *readiness.Input) {
				for _, f := range []string{"client_id", "client_secret"} {
					c := in.Facts.Credentials[f]
					c.Present = false // metadata says it was stored; the vault no longer has it
					in.Facts.Credentials[f] = c
				}
			},
			want: []readiness.Finding{
				{"acme/production/credential-missing/client_id", E, "Client ID (client_id) is not in the vault", "acctsetup secret set acme client_id --env production"},
				{"acme/production/credential-lost/client_secret", E, "Client secret was stored on 2026-01-15 but is no longer in the vault, and the portal shows it only once: generate a new one", "acctsetup secret set acme client_secret --env production"},
			},
			wantErr: true,
		},
		{
			name: "credential malformed",
			env:  providers.Sandbox,
			change: func(in *readiness.Input) {
				c := in.Facts.Credentials["client_id"]
				c.Invalid = malformed
				in.Facts.Credentials["client_id"] = c
			},
			want: []readiness.Finding{
				{"acme/sandbox/credential-malformed/client_id", E, `Client ID in the vault is malformed: client_id: value breaks "len=8" of rule "alphanum,len=8": it must be exactly 8 characters`, "acctsetup secret set acme client_id --env sandbox"},
			},
			wantErr: true,
		},
		{
			name: "credential expired",
			env:  providers.Production,
			change: func(in *readiness.Input) {
				in.Facts.Credentials["client_secret"] = withMeta(in.Facts.Credentials["client_secret"], func(m *checklists.SecretMeta) {
					m.ExpiresAt = now.Add(-36 * time.Hour)
				})
			},
			want: []readiness.Finding{
				{"acme/production/credential-expired/client_secret", E, "Client secret expired on 2026-05-31 (maximum age 90d): issue a new one in the portal", "acctsetup secret rotate acme client_secret --env production"},
			},
			wantErr: true,
		},
		{
			name: "credential expires now",
			env:  providers.Production,
			change: func(in *readiness.Input) {
				in.Facts.Credentials["client_secret"] = withMeta(in.Facts.Credentials["client_secret"], func(m *checklists.SecretMeta) {
					m.ExpiresAt = now
				})
			},
			want: []readiness.Finding{
				{"acme/production/credential-expired/client_secret", E, "Client secret expired on 2026-06-01 (maximum age 90d): issue a new one in the portal", "acctsetup secret rotate acme client_secret --env production"},
			},
			wantErr: true,
		},
		{
			name: "credential expiring within the configured warning",
			env:  providers.Production,
			change: func(in *readiness.Input) {
				in.ExpiryWarning = 14 * 24 * time.Hour
				in.Facts.Credentials["client_secret"] = withMeta(in.Facts.Credentials["client_secret"], func(m *checklists.SecretMeta) {
					m.ExpiresAt = now.Add(9*24*time.Hour + 12*time.Hour)
				})
			},
			want: []readiness.Finding{
				{"acme/production/credential-expiring/client_secret", W, "Client secret expires on 2026-06-11, in 10 days", "acctsetup secret rotate acme client_secret --env production"},
			},
		},
		{
			name: "credential expiring in an hour",
			env:  providers.Production,
			change: func(in *readiness.Input) {
				in.Facts.Credentials["client_secret"] = withMeta(in.Facts.Credentials["client_secret"], func(m *checklists.SecretMeta) {
					m.ExpiresAt = now.Add(time.Hour)
				})
			},
			want: []readiness.Finding{
				{"acme/production/credential-expiring/client_secret", W, "Client secret expires on 2026-06-01, in 1 day", "acctsetup secret rotate acme client_secret --env production"},
			},
		},
		{
			name: "credential expiring outside the configured warning",
			env:  providers.Production,
			change: func(in *readiness.Input) {
				in.ExpiryWarning = 7 * 24 * time.Hour
				in.Facts.Credentials["client_secret"] = withMeta(in.Facts.Credentials["client_secret"], func(m *checklists.SecretMeta) {
					m.ExpiresAt = now.Add(9*24*time.Hour + 12*time.Hour)
				})
			},
		},
		{
			name: "credential expiring within the default 30 days",
			env:  providers.Sandbox,
			change: func(in *readiness.Input) {
				in.Facts.Credentials["client_secret"] = withMeta(in.Facts.Credentials["client_secret"], func(m *checklists.SecretMeta) {
					m.ExpiresAt = now.Add(29*24*time.Hour + 23*time.Hour)
				})
			},
			want: []readiness.Finding{
				{"acme/sandbox/credential-expiring/client_secret", W, "Client secret expires on 2026-07-01, in 30 days", "acctsetup secret rotate acme client_secret --env sandbox"},
			},
		},
		{
			name: "credential expiring just after the default 30 days",
			env:  providers.Sandbox,
			change: func(in *readiness.Input) {
				in.Facts.Credentials["client_secret"] = withMeta(in.Facts.Credentials["client_secret"], func(m *checklists.SecretMeta) {
					m.ExpiresAt = now.Add(30*24*time.Hour + time.Second)
				})
			},
		},
		{
			name:   "credential shared with sandbox",
			env:    providers.Production,
			change: func(in *readiness.Input) { in.Shared = []string{"client_id"} },
			want: []readiness.Finding{
				{"acme/production/env-shared-credential/client_id", E, "client_id is the same in sandbox and production; keep the environments apart", "acctsetup secret set acme client_id --env sandbox"},
			},
			wantErr: true,
		},
		{
			name:   "credential shared with production",
			env:    providers.Sandbox,
			change: func(in *readiness.Input) { in.Shared = []string{"client_secret"} },
			want: []readiness.Finding{
				{"acme/sandbox/env-shared-credential/client_secret", E, "client_secret is the same in sandbox and production; keep the environments apart", "acctsetup secret set acme client_secret --env sandbox"},
			},
			wantErr: true,
		},
		{
			name:   "redirect missing",
			env:    providers.Sandbox,
			change: func(in *readiness.Input) { in.RedirectURIs = nil },
			want: []readiness.Finding{
				{"acme/sandbox/redirect-missing/" + sandboxURI, E, "redirect URI " + sandboxURI + " is not registered for sandbox", redirectFix("sandbox", sandboxURI)},
			},
			wantErr: true,
		},
		{
			name:   "production redirect not HTTPS",
			env:    providers.Production,
			change: func(in *readiness.Input) { in.RedirectURIs = []string{"http://acme.codat.example/oauth2/callback"} },
			want: []readiness.Finding{
				{"acme/production/redirect-missing/" + productionURI, E, "redirect URI " + productionURI + " is not registered for production", redirectFix("production", productionURI)},
				{"acme/production/redirect-not-https/http://acme.codat.example/oauth2/callback", E, "production redirect URI http://acme.codat.example/oauth2/callback is not HTTPS", redirectFix("production", productionURI)},
			},
			wantErr: true,
		},
		{
			name:   "sandbox may register a plain-HTTP local callback",
			env:    providers.Sandbox,
			change: func(in *readiness.Input) { in.RedirectURIs = append(in.RedirectURIs, "http://localhost:8080/callback") },
		},
		{
			name:   "production registers the sandbox redirect",
			env:    providers.Production,
			change: func(in *readiness.Input) { in.RedirectURIs = append(in.RedirectURIs, sandboxURI) },
			want: []readiness.Finding{
				{"acme/production/env-shared-redirect/" + sandboxURI, E, "production redirect URI " + sandboxURI + " belongs to sandbox", redirectFix("production", productionURI)},
				{"acme/production/redirect-unexpected/" + sandboxURI, W, "production redirect URI " + sandboxURI + " is not one Acme Books requires", redirectFix("production", productionURI)},
			},
			wantErr: true,
		},
		{
			name:   "sandbox registers the production redirect",
			env:    providers.Sandbox,
			change: func(in *readiness.Input) { in.RedirectURIs = []string{productionURI} },
			want: []readiness.Finding{
				{"acme/sandbox/redirect-missing/" + sandboxURI, E, "redirect URI " + sandboxURI + " is not registered for sandbox", redirectFix("sandbox", sandboxURI)},
				{"acme/sandbox/env-shared-redirect/" + productionURI, E, "sandbox redirect URI " + productionURI + " belongs to production", redirectFix("sandbox", sandboxURI)},
			},
			wantErr: true,
		},
		{
			name: "production redirect unexpected",
			env:  providers.Production,
			change: func(in *readiness.Input) {
				in.RedirectURIs = append(in.RedirectURIs, "https://staging.example.com/callback")
			},
			want: []readiness.Finding{
				{"acme/production/redirect-unexpected/https://staging.example.com/callback", W, "production redirect URI https://staging.example.com/callback is not one Acme Books requires", redirectFix("production", productionURI)},
			},
		},
		{
			name: "nothing done, production",
			env:  providers.Production,
			change: func(in *readiness.Input) {
				in.Facts = checklists.Facts{}
				in.RedirectURIs = nil
			},
			want: []readiness.Finding{
				{"acme/production/step-todo/create-app", E, "action step create-app (Create the app) is not done", "acctsetup step done acme create-app --env production"},
				{"acme/production/mfa-not-enrolled/enrol-mfa", E, "MFA for the shared portal login is not enrolled: enrol-mfa (Enrol the shared login's MFA)", "acctsetup otp enroll acme --env production"},
				{"acme/production/question-unanswered/data-use", E, "required question data-use is not answered: How will you use the data?", "acctsetup questionnaire answer acme data-use"},
				{"acme/production/question-unanswered/retention", E, "required question retention is not answered: How long do you keep it?", "acctsetup questionnaire answer acme retention"},
				{"acme/production/questionnaire-signoff/answer-questionnaire", E, "the questionnaire needs a compliance sign-off: no compliance sign-off", "acctsetup questionnaire signoff acme --env production"},
				{"acme/production/credential-missing/client_id", E, "Client ID (client_id) is not in the vault", "acctsetup secret set acme client_id --env production"},
				{"acme/production/credential-missing/client_secret", E, "Client secret (client_secret) is not in the vault; the portal shows it only once, so store it the moment it appears", "acctsetup secret set acme client_secret --env production"},
				{"acme/production/redirect-missing/" + productionURI, E, "redirect URI " + productionURI + " is not registered for production", redirectFix("production", productionURI)},
				// Last, after everything that can be done now.
				{"acme/production/steps-waiting", I, "2 more step(s) wait on the ones above", "acctsetup status acme --env production"},
			},
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := clone(ready(t, p, tt.env))
			if tt.change != nil {
				tt.change(&in)
			}
			got := readiness.Evaluate(in, readiness.Error)
			if !slices.Equal(got.Findings, tt.want) {
				t.Errorf("Findings =\n%s\nwant\n%s", lines(got.Findings), lines(tt.want))
			}
			if got.Ready != !tt.wantErr {
				t.Errorf("Ready (fail on error) = %v, want %v", got.Ready, !tt.wantErr)
			}
			hasWarn := slices.ContainsFunc(tt.want, func(f readiness.Finding) bool { return f.Severity == readiness.Warn })
			if r := readiness.Evaluate(in, readiness.Warn); r.Ready != (!tt.wantErr && !hasWarn) {
				t.Errorf("Ready (fail on warn) = %v, want %v", r.Ready, !tt.wantErr && !hasWarn)
			}
			if got.Provider != "acme" || got.Name != "Acme Books" || got.Environment != tt.env {
				t.Errorf("Result = {%q %q %q}, want {acme, Acme Books, %s}", got.Provider, got.Name, got.Environment, tt.env)
			}
		})
	}
}

func lines(fs []readiness.Finding) string {
	s := ""
	for _, f := range fs {
		s += fmt.Sprintf("  {%s %s %q %q}\n", f.ID, f.Severity, f.Message, f.Fix)
	}
	if s == "" {
		s = "  (none)\n"
	}
	return s
}

func TestEvaluateAllDone(t *testing.T) {
	t.Parallel()
	p := acme(t)
	for _, env := range p.EnvironmentNames() {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			r := readiness.Evaluate(ready(t, p, env), readiness.Warn)
			if !r.Ready {
				t.Errorf("Ready = false, want true")
			}
			if slices.ContainsFunc(r.Findings, func(f readiness.Finding) bool { return f.Severity.AtLeast(readiness.Warn) }) {
				t.Errorf("Findings = %s, want no errors or warnings", lines(r.Findings))
			}
			wantTotal := len(p.StepsFor(env))
			if r.Done != wantTotal || r.Total != wantTotal {
				t.Errorf("Done/Total = %d/%d, want %d/%d", r.Done, r.Total, wantTotal, wantTotal)
			}
		})
	}
}

func TestEvaluateProgress(t *testing.T) {
	t.Parallel()
	p := acme(t)
	in := clone(ready(t, p, providers.Production))
	delete(in.Facts.Records, "sign-terms")
	in.Facts.MFAEnrolled = false
	r := readiness.Evaluate(in, readiness.Error)
	if r.Done != 4 || r.Total != 6 {
		t.Errorf("Done/Total = %d/%d, want 4/6", r.Done, r.Total)
	}
}

// TestXeroSharedRedirectIsExpected: Xero's sandbox and production apps use
// the same Codat callback, so registering it in both is not a finding.
func TestXeroSharedRedirectIsExpected(t *testing.T) {
	t.Parallel()
	reg, err := providers.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	p, err := reg.Lookup("xero")
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range p.EnvironmentNames() {
		e, _ := p.Environment(env)
		r := readiness.Evaluate(readiness.Input{Provider: p, Env: env, RedirectURIs: e.RedirectURIs, Now: now}, readiness.Error)
		for _, f := range r.Findings {
			if slices.Contains([]string{"env-shared-redirect", "redirect-missing", "redirect-unexpected", "redirect-not-https"}, checkOf(f.ID)) {
				t.Errorf("%s: unexpected redirect finding %+v", env, f)
			}
		}
	}
}

// checkOf returns the check part of provider/environment/check[/subject].
func checkOf(id string) string {
	parts := strings.SplitN(id, "/", 4)
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

func TestReadyThreshold(t *testing.T) {
	t.Parallel()
	p := acme(t)
	warnOnly := clone(ready(t, p, providers.Production))
	warnOnly.RedirectURIs = append(warnOnly.RedirectURIs, "https://staging.example.com/callback")
	clean := ready(t, p, providers.Sandbox)
	tests := []struct {
		name   string
		in     readiness.Input
		failOn readiness.Severity
		want   bool
	}{
		{"warning, fail on error", warnOnly, readiness.Error, true},
		{"warning, fail on warn", warnOnly, readiness.Warn, false},
		{"warning, fail on info", warnOnly, readiness.Info, false},
		{"no findings, fail on info", clean, readiness.Info, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := readiness.Evaluate(tt.in, tt.failOn).Ready; got != tt.want {
				t.Errorf("Ready (fail on %s) = %v, want %v", tt.failOn, got, tt.want)
			}
		})
	}
}

func TestSeverityAtLeast(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s, min readiness.Severity
		want   bool
	}{
		{readiness.Error, readiness.Error, true},
		{readiness.Error, readiness.Warn, true},
		{readiness.Error, readiness.Info, true},
		{readiness.Warn, readiness.Error, false},
		{readiness.Warn, readiness.Warn, true},
		{readiness.Warn, readiness.Info, true},
		{readiness.Info, readiness.Error, false},
		{readiness.Info, readiness.Warn, false},
		{readiness.Info, readiness.Info, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s>=%s", tt.s, tt.min), func(t *testing.T) {
			t.Parallel()
			if got := tt.s.AtLeast(tt.min); got != tt.want {
				t.Errorf("%s.AtLeast(%s) = %v, want %v", tt.s, tt.min, got, tt.want)
			}
		})
	}
}

func TestReportSummarise(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		results []readiness.Result
		want    bool
	}{
		{"all ready", []readiness.Result{{Provider: "a", Ready: true}, {Provider: "b", Ready: true}}, true},
		{"one not ready", []readiness.Result{{Provider: "a", Ready: true}, {Provider: "b", Ready: false}}, false},
		{"none ready", []readiness.Result{{Provider: "a"}, {Provider: "b"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := readiness.Report{Ready: !tt.want, Results: tt.results}
			r.Summarise()
			if r.Ready != tt.want {
				t.Errorf("Summarise: Ready = %v, want %v", r.Ready, tt.want)
			}
		})
	}
}
