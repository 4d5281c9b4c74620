package providers

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/acctsetup/acctsetup/providers/tomlfile"
)

// testFile names the descriptor in every expected error below.
const testFile = "examplebooks.toml"

// baseDescriptor is the smallest descriptor that exercises every section.
// The expected errors in TestDecodeErrors pin its line numbers (listed below
// it): a change here moves them.
const baseDescriptor = `id = "examplebooks"
name = "Example Books"
portal_url = "https://developer.example.com"

[[environments]]
name = "sandbox"
redirect_uris = ["https://examplebooks.codat.io/oauth/callback"]

[[environments]]
name = "production"
redirect_uris = ["https://examplebooks.codat.io/oauth/callback"]

[[steps]]
id = "create-app"
title = "Create the app"
kind = "action"
instructions = "Create it."

[[steps]]
id = "store-keys"
title = "Store the keys"
kind = "credential"
depends_on = ["create-app"]
credentials = ["client_id"]
instructions = "Store them."

[[steps]]
id = "go-live"
title = "Go live"
kind = "approval"
depends_on = ["store-keys"]
environments = ["production"]
instructions = "Wait for approval."

[[credentials]]
name = "client_id"
label = "Client ID"
rule = "token,min=16"

[signals]
domains = ["example.com"]

[[signals.rules]]
id = "app-approved"
event = "approved"
step = "go-live"
subject = '(?i)app approved'
`

// Line numbers of baseDescriptor, for reading the expectations:
//
//	 1 id                  20 id = "store-keys"    35 [[credentials]]
//	 2 name                22 kind = "credential"  36 name = "client_id"
//	 3 portal_url          23 depends_on           38 rule
//	 5 [[environments]]    24 credentials          40 [signals]
//	 9 [[environments]]    27 [[steps]]            41 domains
//	13 [[steps]]           28 id = "go-live"       43 [[signals.rules]]
//	14 id = "create-app"   30 kind = "approval"    45 event
//	16 kind = "action"     31 depends_on           46 step
//	19 [[steps]]           32 environments         47 subject

// edit applies old/new replacement pairs to baseDescriptor; each old must
// occur exactly once, so a drifting base fails loudly instead of silently
// testing the unedited descriptor.
func edit(t *testing.T, pairs ...string) string {
	t.Helper()
	if len(pairs)%2 != 0 {
		t.Fatalf("edit: odd number of arguments")
	}
	s := baseDescriptor
	for i := 0; i < len(pairs); i += 2 {
		if n := strings.Count(s, pairs[i]); n != 1 {
			t.Fatalf("edit: %q occurs %d times in the descriptor, want 1", pairs[i], n)
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

func TestDecodeValid(t *testing.T) {
	t.Parallel()
	p, err := Decode(testFile, []byte(baseDescriptor))
	if err != nil {
		t.Fatalf("Decode(base) error = %v", err)
	}
	if p.ID != "examplebooks" || p.Name != "Example Books" || p.PortalURL != "https://developer.example.com" {
		t.Errorf("Decode(base) = %q %q %q, want examplebooks, Example Books, https://developer.example.com", p.ID, p.Name, p.PortalURL)
	}
	if got, want := p.EnvironmentNames(), []string{Sandbox, Production}; !reflect.DeepEqual(got, want) {
		t.Errorf("EnvironmentNames() = %v, want %v", got, want)
	}
	prod, ok := p.Environment(Production)
	if !ok || !reflect.DeepEqual(prod.RedirectURIs, []string{"https://examplebooks.codat.io/oauth/callback"}) {
		t.Errorf("Environment(production) = %+v, %v; want the examplebooks callback", prod, ok)
	}
	stepIDs := func(steps []Step) []string {
		var ids []string
		for _, s := range steps {
			ids = append(ids, s.ID)
		}
		return ids
	}
	if got, want := stepIDs(p.StepsFor(Sandbox)), []string{"create-app", "store-keys"}; !reflect.DeepEqual(got, want) {
		t.Errorf("StepsFor(sandbox) = %v, want %v", got, want)
	}
	if got, want := stepIDs(p.StepsFor(Production)), []string{"create-app", "store-keys", "go-live"}; !reflect.DeepEqual(got, want) {
		t.Errorf("StepsFor(production) = %v, want %v", got, want)
	}
	s, ok := p.Step("store-keys")
	if !ok || s.Kind != KindCredential || !reflect.DeepEqual(s.DependsOn, []string{"create-app"}) || !reflect.DeepEqual(s.Credentials, []string{"client_id"}) {
		t.Errorf("Step(store-keys) = %+v, %v; want a credential step after create-app storing client_id", s, ok)
	}
	c, ok := p.Credential("client_id")
	if !ok || c.Label != "Client ID" || c.Rule != "token,min=16" || c.Secret || !c.MaxAge.IsZero() {
		t.Errorf("Credential(client_id) = %+v, %v; want non-secret, rule token,min=16, no max age", c, ok)
	}
	if len(p.Signals.Rules) != 1 || p.Signals.Rules[0].subject == nil {
		t.Fatalf("Signals.Rules = %+v, want one rule with its subject compiled", p.Signals.Rules)
	}
	want := Signals{
		Domains: []string{"example.com"},
		Rules: []Signal{{ID: "app-approved", Event: EventApproved, Step: "go-live", Subject: "(?i)app approved",
			subject: p.Signals.Rules[0].subject, words: []string{"app approved"}}},
	}
	if !reflect.DeepEqual(p.Signals, want) {
		t.Errorf("Signals = %+v, want %+v", p.Signals, want)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("Validate() of a decoded provider = %v, want nil", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edits   []string // old/new pairs applied to baseDescriptor
		text    string   // whole descriptor instead of edits, when set
		wantErr string
	}{
		{
			name:    "unknown top-level key",
			edits:   []string{"name = \"Example Books\"\n", "name = \"Example Books\"\ncolour = \"red\"\n"},
			wantErr: `examplebooks.toml:3: colour: unknown key`,
		},
		{
			// In the second step, so the line must come from the right table.
			name:    "unknown key inside steps",
			edits:   []string{"kind = \"credential\"\n", "kind = \"credential\"\ncolour = \"blue\"\n"},
			wantErr: `examplebooks.toml:23: steps[1].colour: unknown key`,
		},
		{
			name: "several unknown keys",
			edits: []string{
				"name = \"Example Books\"\n", "name = \"Example Books\"\ncolour = \"red\"\n",
				"rule = \"token,min=16\"\n", "rule = \"token,min=16\"\nexample = \"abc\"\n",
			},
			wantErr: "examplebooks.toml:3: colour: unknown key\nexamplebooks.toml:40: credentials[0].example: unknown key",
		},
		{
			name:    "syntax error",
			edits:   []string{`kind = "action"`, `kind = "action`},
			wantErr: `examplebooks.toml:16: steps.kind: strings cannot contain newlines`,
		},
		{
			name:    "syntax error missing equals",
			edits:   []string{`kind = "action"`, `kind "action"`},
			wantErr: `examplebooks.toml:16: steps: expected '.' or '=', but got '"' instead`,
		},
		{
			// The mistake is in the last of three steps: the TOML library would
			// report the last "steps.kind" anyway; TestDecodeTypeMismatch in
			// tomlfile covers an earlier element.
			name:    "wrong type",
			edits:   []string{`kind = "approval"`, `kind = 3`},
			wantErr: `examplebooks.toml:30: steps[2].kind: must be a string, not a whole number`,
		},
		{
			name:    "bad max_age",
			edits:   []string{"rule = \"token,min=16\"\n", "rule = \"token,min=16\"\nmax_age = \"24m\"\n"},
			wantErr: `examplebooks.toml:39: credentials[0].max_age: invalid age "24m": want a whole number and a unit, like 90d, 6w, 24mo or 2y`,
		},
		{
			name:    "bad kind value",
			edits:   []string{`kind = "action"`, `kind = "manual"`},
			wantErr: `examplebooks.toml:16: steps[0].kind: must be one of: action, credential, mfa, questionnaire, agreement, approval, not "manual"`,
		},
		{
			// Renamed everywhere, so the only problem is the ID's form.
			name: "bad step ID",
			edits: []string{
				`id = "create-app"`, `id = "Create_App"`,
				`depends_on = ["create-app"]`, `depends_on = ["Create_App"]`,
			},
			wantErr: `examplebooks.toml:14: steps[0].id: must be lower-case kebab-case (like create-app), not "Create_App"`,
		},
		{
			name:    "bad provider ID",
			edits:   []string{`id = "examplebooks"`, `id = "example-books"`},
			wantErr: `examplebooks.toml:1: id: must be lower-case letters and digits only ([a-z0-9]+), not "example-books"`,
		},
		{
			name:    "missing name",
			edits:   []string{"name = \"Example Books\"\n", ""},
			wantErr: `examplebooks.toml: name: is required`,
		},
		{
			name:    "duplicate step ID",
			edits:   []string{`id = "go-live"`, `id = "create-app"`, `step = "go-live"`, `step = "create-app"`},
			wantErr: `examplebooks.toml:28: steps[2].id: step "create-app" is declared twice`,
		},
		{
			name:    "dependency on unknown step",
			edits:   []string{`depends_on = ["create-app"]`, `depends_on = ["create-ap"]`},
			wantErr: `examplebooks.toml:23: steps[1].depends_on: step "store-keys" depends on unknown step "create-ap"`,
		},
		{
			// Reported once, as itself, and not again as a cycle.
			name:    "self-dependency",
			edits:   []string{`depends_on = ["create-app"]`, `depends_on = ["store-keys"]`},
			wantErr: `examplebooks.toml:23: steps[1].depends_on: step "store-keys" depends on itself`,
		},
		{
			// create-app -> go-live -> store-keys -> create-app, all in both
			// environments.
			name: "three-step cycle",
			edits: []string{
				"kind = \"action\"\n", "kind = \"action\"\ndepends_on = [\"go-live\"]\n",
				"environments = [\"production\"]\n", "",
			},
			wantErr: `examplebooks.toml:17: steps[0].depends_on: dependency cycle: create-app -> go-live -> store-keys -> create-app`,
		},
		{
			// store-keys is in both environments; go-live only in production.
			name: "dependency outside the environment",
			edits: []string{
				`depends_on = ["create-app"]`, `depends_on = ["go-live"]`,
				`depends_on = ["store-keys"]`, `depends_on = ["create-app"]`,
			},
			wantErr: `examplebooks.toml:23: steps[1].depends_on: step "store-keys" depends on "go-live", which is not a step of the sandbox environment`,
		},
		{
			// Only production is declared; go-live moves to sandbox.
			name: "step in an undeclared environment",
			edits: []string{
				"[[environments]]\nname = \"sandbox\"\nredirect_uris = [\"https://examplebooks.codat.io/oauth/callback\"]\n\n", "",
				`environments = ["production"]`, `environments = ["sandbox"]`,
			},
			wantErr: `examplebooks.toml:28: steps[2].environments: environment "sandbox" is not declared by the provider`,
		},
		{
			name:    "unknown environment name",
			edits:   []string{`name = "sandbox"`, `name = "staging"`},
			wantErr: `examplebooks.toml:6: environments[0].name: must be one of: sandbox, production, not "staging"`,
		},
		{
			name:    "environment declared twice",
			edits:   []string{`name = "sandbox"`, `name = "production"`},
			wantErr: `examplebooks.toml:10: environments[1].name: environment "production" is declared twice`,
		},
		{
			name:    "non-https redirect URI",
			edits:   []string{"name = \"production\"\nredirect_uris = [\"https:", "name = \"production\"\nredirect_uris = [\"http:"},
			wantErr: `examplebooks.toml:11: environments[1].redirect_uris[0]: must be an https:// URL, not "http://examplebooks.codat.io/oauth/callback"`,
		},
		{
			name:    "credential step naming an unknown credential",
			edits:   []string{`credentials = ["client_id"]`, `credentials = ["client_id", "client_secret"]`},
			wantErr: `examplebooks.toml:24: steps[1].credentials: step "store-keys" names unknown credential "client_secret"`,
		},
		{
			name:    "credential step without credentials",
			edits:   []string{"credentials = [\"client_id\"]\n", ""},
			wantErr: "examplebooks.toml:19: steps[1].credentials: is required\nexamplebooks.toml:35: credentials[0].name: credential \"client_id\" is not stored by any credential step",
		},
		{
			name:    "non-credential step listing credentials",
			edits:   []string{"kind = \"action\"\n", "kind = \"action\"\ncredentials = [\"client_id\"]\n"},
			wantErr: `examplebooks.toml:17: steps[0].credentials: only credential steps list credentials (kind is "action")`,
		},
		{
			name:    "credential not stored by any step",
			edits:   []string{"rule = \"token,min=16\"\n", "rule = \"token,min=16\"\n\n[[credentials]]\nname = \"client_secret\"\nlabel = \"Client secret\"\nrule = \"token\"\n"},
			wantErr: `examplebooks.toml:41: credentials[1].name: credential "client_secret" is not stored by any credential step`,
		},
		{
			name:    "credential declared twice",
			edits:   []string{"rule = \"token,min=16\"\n", "rule = \"token,min=16\"\n\n[[credentials]]\nname = \"client_id\"\nlabel = \"Client ID again\"\nrule = \"token\"\n"},
			wantErr: `examplebooks.toml:41: credentials[1].name: credential "client_id" is declared twice`,
		},
		{
			name:    "bad credential name",
			edits:   []string{`name = "client_id"`, `name = "ClientID"`, `credentials = ["client_id"]`, `credentials = ["ClientID"]`},
			wantErr: `examplebooks.toml:36: credentials[0].name: must be lower-case snake_case (like client_id), not "ClientID"`,
		},
		{
			name:    "invalid rule tag",
			edits:   []string{`rule = "token,min=16"`, `rule = "nosuchtag"`},
			wantErr: `examplebooks.toml:38: credentials[0].rule: invalid rule "nosuchtag": Undefined validation function 'nosuchtag' on field ''`,
		},
		{
			name:    "invalid pattern",
			edits:   []string{"rule = \"token,min=16\"\n", "rule = \"token,min=16\"\npattern = '^(ab'\n"},
			wantErr: "examplebooks.toml:39: credentials[0].pattern: invalid regular expression: error parsing regexp: missing closing ): `^(ab`",
		},
		{
			name:    "non-https portal_url",
			edits:   []string{`portal_url = "https://developer.example.com"`, `portal_url = "http://developer.example.com"`},
			wantErr: `examplebooks.toml:3: portal_url: must be an https:// URL, not "http://developer.example.com"`,
		},
		{
			name:    "signal naming an unknown step",
			edits:   []string{`step = "go-live"`, `step = "go-lve"`},
			wantErr: `examplebooks.toml:46: signals.rules[0].step: signal "app-approved" names unknown step "go-lve"`,
		},
		{
			name:    "signal with a bad regular expression",
			edits:   []string{`subject = '(?i)app approved'`, `subject = '(?i)app [approved'`},
			wantErr: "examplebooks.toml:47: signals.rules[0].subject: invalid regular expression: error parsing regexp: missing closing ]: `[approved`",
		},
		{
			name:    "signal with an unknown event",
			edits:   []string{`event = "approved"`, `event = "accepted"`},
			wantErr: `examplebooks.toml:45: signals.rules[0].event: must be one of: approved, rejected, keys_issued, questionnaire_requested, account_verified, review_due, not "accepted"`,
		},
		{
			name:    "signal rules without domains",
			edits:   []string{"domains = [\"example.com\"]\n", ""},
			wantErr: `examplebooks.toml:40: signals.domains: signal rules need at least one sender domain`,
		},
		{
			name:    "signal domain that is not a domain",
			edits:   []string{`domains = ["example.com"]`, `domains = ["https://example.com"]`},
			wantErr: `examplebooks.toml:41: signals.domains[0]: must be a domain name, not "https://example.com"`,
		},
		{
			name:    "signal relay outside the signal domains",
			edits:   []string{`domains = ["example.com"]`, `domains = ["example.com"]` + "\nrelays = [\"post.example.com\", \"billing@example.org\"]"},
			wantErr: `examplebooks.toml:42: signals.relays[1]: relay "billing@example.org" is not within the signal domains`,
		},
		{
			name:    "signal brand that is not one lower-case word",
			edits:   []string{`domains = ["example.com"]`, `domains = ["example.com"]` + "\nbrands = [\"Example Books\"]"},
			wantErr: `examplebooks.toml:42: signals.brands[0]: must be lower-case letters and digits only ([a-z0-9]+), not "Example Books"`,
		},
		{
			name:    "questionnaire without questionnaire step",
			edits:   []string{"subject = '(?i)app approved'\n", "subject = '(?i)app approved'\n\n[[questionnaire]]\nid = \"hosting\"\ntext = \"Where is the app hosted?\"\nrequired = true\n"},
			wantErr: `examplebooks.toml:49: questionnaire: the provider has a questionnaire but no questionnaire step`,
		},
		{
			name:    "questionnaire step without questionnaire",
			edits:   []string{`kind = "approval"`, `kind = "questionnaire"`},
			wantErr: `examplebooks.toml:30: steps[2].kind: questionnaire step "go-live" but the provider has no questionnaire`,
		},
		{
			name:    "retired provider without retired_note",
			edits:   []string{"name = \"Example Books\"\n", "name = \"Example Books\"\nretired = true\n"},
			wantErr: `examplebooks.toml: retired_note: is required`,
		},
		{
			name:    "live provider without environments or steps",
			text:    "id = \"examplebooks\"\nname = \"Example Books\"\nportal_url = \"https://developer.example.com\"\n",
			wantErr: "examplebooks.toml: environments: is required\nexamplebooks.toml: steps: is required",
		},
		{
			name:    "step source not https",
			edits:   []string{"instructions = \"Create it.\"\n", "instructions = \"Create it.\"\nsource = \"http://docs.example.com/setup\"\n"},
			wantErr: `examplebooks.toml:18: steps[0].source: must be an https:// URL or "unverified", not "http://docs.example.com/setup"`,
		},
		{
			name:    "unverified step without a note",
			edits:   []string{"instructions = \"Store them.\"\n", "instructions = \"Store them.\"\nsource = \"unverified\"\n"},
			wantErr: `examplebooks.toml:19: steps[1].source_note: a source of "unverified" needs a note saying why no page documents it`,
		},
		{
			name:    "credential source not a URL",
			edits:   []string{"rule = \"token,min=16\"\n", "rule = \"token,min=16\"\nsource = \"Codat's guide\"\n"},
			wantErr: `examplebooks.toml:39: credentials[0].source: must be an https:// URL or "unverified", not "Codat's guide"`,
		},
		{
			name:    "redirect source not https",
			edits:   []string{"name = \"sandbox\"\n", "name = \"sandbox\"\nredirect_source = \"ftp://example.com\"\n"},
			wantErr: `examplebooks.toml:7: environments[0].redirect_source: must be an https:// URL or "unverified", not "ftp://example.com"`,
		},
		{
			name:    "obligation with neither every nor due",
			edits:   []string{"[signals]\n", "[[calendar]]\nid = \"renew\"\ntitle = \"Renew\"\ninstructions = \"Renew it.\"\n\n[signals]\n"},
			wantErr: `examplebooks.toml:40: calendar[0]: obligation "renew" needs every (it recurs), due (a date) or both`,
		},
		{
			name:    "recurring obligation with no start",
			edits:   []string{"[signals]\n", "[[calendar]]\nid = \"renew\"\ntitle = \"Renew\"\ninstructions = \"Renew it.\"\nevery = \"12mo\"\n\n[signals]\n"},
			wantErr: `examplebooks.toml:44: calendar[0].every: obligation "renew" recurs but nothing starts its clock: add after (a step) or due (a first date)`,
		},
		{
			name:  "obligation after an unknown step, with a bad date",
			edits: []string{"[signals]\n", "[[calendar]]\nid = \"renew\"\ntitle = \"Renew\"\ninstructions = \"Renew it.\"\nevery = \"12mo\"\nafter = \"go-lve\"\ndue = \"2027-13-01\"\n\n[signals]\n"},
			wantErr: "examplebooks.toml:46: calendar[0].due: must be a date like 2027-09-30, not \"2027-13-01\"\n" +
				`examplebooks.toml:45: calendar[0].after: obligation "renew" starts after unknown step "go-lve"`,
		},
		{
			name:    "obligation after a production-only step applies to sandbox too",
			edits:   []string{"[signals]\n", "[[calendar]]\nid = \"renew\"\ntitle = \"Renew\"\ninstructions = \"Renew it.\"\nevery = \"12mo\"\nafter = \"go-live\"\n\n[signals]\n"},
			wantErr: `examplebooks.toml:45: calendar[0].after: obligation "renew" starts after "go-live", which is not a step of the sandbox environment`,
		},
		{
			name:    "obligation that names a step but does not recur",
			edits:   []string{"[signals]\n", "[[calendar]]\nid = \"renew\"\ntitle = \"Renew\"\ninstructions = \"Renew it.\"\ndue = \"2027-01-31\"\nafter = \"go-live\"\nenvironments = [\"production\"]\n\n[signals]\n"},
			wantErr: `examplebooks.toml:45: calendar[0].after: obligation "renew" names a step to start its clock but does not recur: add every`,
		},
		{
			name:    "obligation after a derived step",
			edits:   []string{"[signals]\n", "[[calendar]]\nid = \"renew\"\ntitle = \"Renew\"\ninstructions = \"Renew it.\"\nevery = \"12mo\"\nafter = \"store-keys\"\n\n[signals]\n"},
			wantErr: `examplebooks.toml:45: calendar[0].after: obligation "renew" starts after credential step "store-keys": name an action, agreement or approval step, whose done date is recorded`,
		},
		{
			// Every problem is reported, in order, not just the first.
			name: "several problems at once",
			edits: []string{
				`portal_url = "https://developer.example.com"`, `portal_url = "http://developer.example.com"`,
				`kind = "action"`, `kind = "manual"`,
				`step = "go-live"`, `step = "go-lve"`,
			},
			wantErr: "examplebooks.toml:3: portal_url: must be an https:// URL, not \"http://developer.example.com\"\n" +
				"examplebooks.toml:16: steps[0].kind: must be one of: action, credential, mfa, questionnaire, agreement, approval, not \"manual\"\n" +
				"examplebooks.toml:46: signals.rules[0].step: signal \"app-approved\" names unknown step \"go-lve\"",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			text := tt.text
			if text == "" {
				text = edit(t, tt.edits...)
			}
			p, err := Decode(testFile, []byte(text))
			if err == nil {
				t.Fatalf("Decode() = %+v, want error %q", p, tt.wantErr)
			}
			if p != nil {
				t.Errorf("Decode() returned a provider with error %v; want nil", err)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("Decode() error =\n%s\nwant\n%s", err, tt.wantErr)
			}
			var te *tomlfile.Error
			if !errors.As(err, &te) {
				t.Errorf("Decode() error %T is not a *tomlfile.Error", err)
			} else if te.File != testFile {
				t.Errorf("tomlfile.Error.File = %q, want %q", te.File, testFile)
			}
		})
	}
}

// TestDecodeRetired checks a retired provider needs no environments, steps
// or credential steps: old state must still read.
func TestDecodeRetired(t *testing.T) {
	t.Parallel()
	text := `id = "oldbooks"
name = "Old Books"
portal_url = "https://developer.oldbooks.example"
retired = true
retired_note = "Withdrawn by the platform in 2025."

[[credentials]]
name = "client_id"
label = "Client ID"
rule = "token"
`
	p, err := Decode("oldbooks.toml", []byte(text))
	if err != nil {
		t.Fatalf("Decode(retired) error = %v", err)
	}
	if !p.Retired || p.RetiredNote != "Withdrawn by the platform in 2025." || len(p.Steps) != 0 {
		t.Errorf("Decode(retired) = %+v, want retired with its note and no steps", p)
	}
}

func TestValidateWithoutLocator(t *testing.T) {
	t.Parallel()
	p, err := Decode(testFile, []byte(baseDescriptor))
	if err != nil {
		t.Fatal(err)
	}
	p.PortalURL = "ftp://developer.example.com"
	want := `examplebooks.toml: portal_url: must be an https:// URL, not "ftp://developer.example.com"`
	if err := p.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate() = %v, want %q", err, want)
	}
}

func TestDecodeFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "examplebooks.toml")
	if err := os.WriteFile(path, []byte(baseDescriptor), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := DecodeFile(path)
	if err != nil || p.ID != "examplebooks" {
		t.Errorf("DecodeFile(good) = %v, %v; want examplebooks", p, err)
	}
	p, err = DecodeFile(filepath.Join(dir, "missing.toml"))
	if !errors.Is(err, fs.ErrNotExist) || p != nil {
		t.Errorf("DecodeFile(missing) = %v, %v; want nil and an fs.ErrNotExist error", p, err)
	}
}

func TestLoadDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"a-good.toml":    baseDescriptor,
		"b-unknown.toml": strings.Replace(baseDescriptor, "name = \"Example Books\"\n", "name = \"Example Books\"\ncolour = \"red\"\n", 1),
		"c-syntax.toml":  strings.Replace(baseDescriptor, `kind = "action"`, `kind = "action`, 1),
		"README.md":      "not a descriptor, must be ignored",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	ps, err := LoadDir(dir)
	if len(ps) != 1 || ps[0].ID != "examplebooks" {
		t.Errorf("LoadDir() providers = %v, want only examplebooks from a-good.toml", ps)
	}
	want := filepath.Join(dir, "b-unknown.toml") + ":3: colour: unknown key\n" +
		filepath.Join(dir, "c-syntax.toml") + ":16: steps.kind: strings cannot contain newlines"
	if err == nil || err.Error() != want {
		t.Errorf("LoadDir() error =\n%v\nwant\n%s", err, want)
	}

	empty := t.TempDir()
	if ps, err := LoadDir(empty); err != nil || len(ps) != 0 {
		t.Errorf("LoadDir(empty) = %v, %v; want no providers and no error", ps, err)
	}

	ps, err = LoadDir(filepath.Join(dir, "missing"))
	if !errors.Is(err, fs.ErrNotExist) || ps != nil {
		t.Errorf("LoadDir(missing) = %v, %v; want nil and an fs.ErrNotExist error", ps, err)
	}
}
