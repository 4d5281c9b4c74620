package all

import (
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/providers"
)

func registry(t *testing.T) *providers.Registry {
	t.Helper()
	reg, err := Registry()
	if err != nil {
		t.Fatalf("Registry() error = %v", err)
	}
	return reg
}

// TestEveryModuleIsRegistered ties the folders to the registry both ways: a
// providers/<id> folder holding <id>.toml is a module and must be in the
// registry under that ID, as that very file decodes; every registered ID
// has one.
func TestEveryModuleIsRegistered(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	entries, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	var modules []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		path := filepath.Join("..", e.Name(), e.Name()+".toml")
		if _, err := os.Stat(path); err != nil {
			continue // all, tomlfile: not modules
		}
		modules = append(modules, e.Name())

		p, err := reg.Lookup(e.Name())
		if err != nil {
			t.Errorf("providers/%s/%s.toml exists but %v", e.Name(), e.Name(), err)
			continue
		}
		onDisk, err := providers.DecodeFile(path)
		if err != nil {
			t.Errorf("DecodeFile(%s) error = %v", path, err)
			continue
		}
		if !reflect.DeepEqual(onDisk, p) {
			t.Errorf("registered provider %q differs from %s", e.Name(), path)
		}
	}
	for _, notModule := range []string{"all", "tomlfile"} {
		if slices.Contains(modules, notModule) {
			t.Errorf("providers/%s was taken for a provider module", notModule)
		}
	}
	if len(modules) == 0 {
		t.Fatalf("found no provider modules under %s: wrong directory?", filepath.Join("..", ""))
	}
	for _, p := range reg.All() {
		if !slices.Contains(modules, p.ID) {
			t.Errorf("registered provider %q has no providers/%s/%s.toml", p.ID, p.ID, p.ID)
		}
	}
}

// designIDs lists the provider IDs DESIGN.md names, and whether each is
// retired. A registered ID outside this list is a typo or needs the design
// updated first.
var designIDs = map[string]bool{
	"xero": false, "quickbooksonline": false, "quickbooksdesktop": false, "sageaccounting": false,
	"sageintacct": false, "sage200": false, "sage50": false, "netsuite": false, "businesscentral": false,
	"freeagent": false, "myob": false, "exactonline": false, "zohobooks": false, "freshbooks": false,
	"wave": false, "codat": false,
	"pandle": true, "clearbooks": true, "kashflow": true,
}

// oauth2Callback lists the providers whose Codat callback path is
// /oauth2/callback (reference/providers.md: "Xero and both QuickBooks Online
// entries use the path /oauth2/callback; every other provider uses
// /oauth/callback").
var oauth2Callback = map[string]bool{"xero": true, "quickbooksonline": true}

var idPattern = regexp.MustCompile(`^[a-z0-9]+$`)

func isHTTPS(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

// TestConformance holds every built-in provider to the rules all modules share.
func TestConformance(t *testing.T) {
	t.Parallel()
	for _, p := range registry(t).All() {
		t.Run(p.ID, func(t *testing.T) {
			t.Parallel()
			if !idPattern.MatchString(p.ID) {
				t.Errorf("ID %q does not match %s", p.ID, idPattern)
			}
			retired, known := designIDs[p.ID]
			if !known {
				t.Errorf("ID %q is not one of the providers DESIGN.md lists", p.ID)
			} else if p.Retired != retired {
				t.Errorf("Retired = %v, want %v (DESIGN.md)", p.Retired, retired)
			}
			if err := p.Validate(); err != nil {
				t.Errorf("Validate() = %v", err)
			}

			if p.Retired {
				if p.RetiredNote == "" {
					t.Errorf("retired provider has no retired_note")
				}
				if len(p.Steps) != 0 {
					t.Errorf("retired provider has %d steps, want none", len(p.Steps))
				}
				return
			}

			if len(p.Environments) == 0 {
				t.Errorf("no environments, want sandbox, production or both")
			}
			for _, e := range p.Environments {
				if e.Name != providers.Sandbox && e.Name != providers.Production {
					t.Errorf("environment %q, want sandbox or production", e.Name)
				}
				for _, uri := range e.RedirectURIs {
					if !isHTTPS(uri) {
						t.Errorf("%s redirect URI %q is not https", e.Name, uri)
					}
					u, _ := url.Parse(uri)
					if !strings.HasSuffix(u.Hostname(), ".codat.io") {
						t.Errorf("%s redirect URI %q is not a Codat callback (*.codat.io)", e.Name, uri)
					}
					wantPath := "/oauth/callback"
					if oauth2Callback[p.ID] {
						wantPath = "/oauth2/callback"
					}
					if u.Path != wantPath || u.RawQuery != "" {
						t.Errorf("%s redirect URI %q, want the path %s", e.Name, uri, wantPath)
					}
				}
			}

			pos := map[string]int{}
			for i, s := range p.Steps {
				pos[s.ID] = i
				if s.URL != "" && !isHTTPS(s.URL) {
					t.Errorf("step %q URL %q is not https", s.ID, s.URL)
				}
				// Steps are listed in the order they are done.
				for _, dep := range s.DependsOn {
					if j, ok := pos[dep]; !ok || j >= i {
						t.Errorf("step %q depends on %q, which is not an earlier step", s.ID, dep)
					}
				}
				if s.Kind == providers.KindCredential && len(s.Credentials) == 0 {
					t.Errorf("credential step %q stores no credential", s.ID)
				}
				for _, name := range s.Credentials {
					if _, ok := p.Credential(name); !ok {
						t.Errorf("step %q stores %q, which is not a declared credential", s.ID, name)
					}
				}
			}

			// Every credential is stored by a credential step of each
			// environment it exists in.
			for _, env := range p.EnvironmentNames() {
				for _, c := range p.CredentialsFor(env) {
					stored := slices.ContainsFunc(p.StepsFor(env), func(s providers.Step) bool {
						return s.Kind == providers.KindCredential && slices.Contains(s.Credentials, c.Name)
					})
					if !stored {
						t.Errorf("credential %q exists in %s but no %s credential step stores it", c.Name, env, env)
					}
				}
			}
			if len(p.Credentials) > 0 && !slices.ContainsFunc(p.Steps, func(s providers.Step) bool { return s.Kind == providers.KindCredential }) {
				t.Errorf("has credentials but no credential step")
			}
			checkSources(t, p)
			for _, c := range p.Credentials {
				if c.Pattern != "" {
					if _, err := regexp.Compile(c.Pattern); err != nil {
						t.Errorf("credential %q pattern: %v", c.Name, err)
					}
				}
			}
		})
	}
}

// checkSources holds a built-in provider to naming the page each fact rests
// on: every step, credential, redirect URI and calendar obligation has a
// source (Validate checks its form: an https URL, or "unverified" with a note).
func checkSources(t *testing.T, p *providers.Provider) {
	t.Helper()
	for _, e := range p.Environments {
		if len(e.RedirectURIs) > 0 && e.RedirectSource == "" {
			t.Errorf("%s redirect URIs have no redirect_source", e.Name)
		}
	}
	for _, s := range p.Steps {
		if s.Source == "" {
			t.Errorf("step %q has no source", s.ID)
		}
	}
	for _, c := range p.Credentials {
		if c.Source == "" {
			t.Errorf("credential %q has no source", c.Name)
		}
	}
	for _, o := range p.Calendar {
		if o.Source == "" {
			t.Errorf("calendar obligation %q has no source", o.ID)
		}
	}
}

// TestFewUnverifiedSteps: under 10% of all built-in steps may rest on no
// documented source.
func TestFewUnverifiedSteps(t *testing.T) {
	t.Parallel()
	var steps, unverified []string
	for _, p := range registry(t).All() {
		for _, s := range p.Steps {
			steps = append(steps, p.ID+"/"+s.ID)
			if s.Unverified() {
				unverified = append(unverified, p.ID+"/"+s.ID)
			}
		}
	}
	if 10*len(unverified) >= len(steps) {
		t.Errorf("%d of %d steps are unverified, want under 10%%: %v", len(unverified), len(steps), unverified)
	}
}

func TestProviderFacts(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	type credFact struct {
		name      string
		rule      string
		secret    bool
		shownOnce bool
		maxAge    string
	}
	tests := []struct {
		id          string
		redirects   map[string][]string // environment -> redirect URIs
		credentials []credFact
		check       func(t *testing.T, p *providers.Provider)
	}{
		{
			id: "xero",
			redirects: map[string][]string{
				providers.Sandbox:    {"https://xero.codat.io/oauth2/callback"},
				providers.Production: {"https://xero.codat.io/oauth2/callback"},
			},
			credentials: []credFact{
				{name: "client_id", rule: "alphanum,len=32"},
				{name: "client_secret", rule: "token,min=20,max=128", secret: true, shownOnce: true},
			},
		},
		{
			id: "quickbooksonline",
			redirects: map[string][]string{
				providers.Sandbox:    {"https://quickbooksonlinesandbox.codat.io/oauth2/callback"},
				providers.Production: {"https://quickbooksonline.codat.io/oauth2/callback"},
			},
			credentials: []credFact{
				{name: "client_id", rule: "token,min=16,max=128"},
				{name: "client_secret", rule: "token,min=16,max=128", secret: true},
			},
			check: func(t *testing.T, p *providers.Provider) {
				// The app assessment questionnaire gates production only.
				var qs []providers.Step
				for _, s := range p.Steps {
					if s.Kind == providers.KindQuestionnaire {
						qs = append(qs, s)
					}
				}
				if len(qs) != 1 || !reflect.DeepEqual(qs[0].Environments, []string{providers.Production}) {
					t.Errorf("questionnaire steps = %+v, want exactly one, in production only", qs)
				}
				if len(p.Questionnaire) == 0 {
					t.Errorf("no questionnaire items")
				}
				if q, ok := p.Question("sandbox-connection-test"); !ok || !q.Required {
					t.Errorf("Question(sandbox-connection-test) = %+v, %v; want a required question", q, ok)
				}
			},
		},
		{
			id: "businesscentral",
			redirects: map[string][]string{
				providers.Sandbox:    {"https://dynamics365businesscentral.codat.io/oauth/callback"},
				providers.Production: {"https://dynamics365businesscentral.codat.io/oauth/callback"},
			},
			credentials: []credFact{
				{name: "client_id", rule: "uuid"},
				{name: "tenant_id", rule: "uuid"}, // optional: for check --probe
				{name: "client_secret", rule: "token,min=20,max=128", secret: true, shownOnce: true, maxAge: "24mo"},
			},
			check: func(t *testing.T, p *providers.Provider) {
				c, _ := p.Credential("client_secret")
				set := time.Date(2026, time.January, 31, 12, 0, 0, 0, time.UTC)
				if got, want := c.MaxAge.After(set), time.Date(2028, time.January, 31, 12, 0, 0, 0, time.UTC); !got.Equal(want) {
					t.Errorf("client_secret set %s expires %s, want %s", set, got, want)
				}
			},
		},
		{
			id: "sageaccounting",
			redirects: map[string][]string{
				providers.Sandbox:    {"https://sageone.codat.io/oauth/callback"},
				providers.Production: {"https://sageone.codat.io/oauth/callback"},
			},
			credentials: []credFact{
				{name: "client_id", rule: "token,min=16,max=128"},
				{name: "client_secret", rule: "token,min=16,max=128", secret: true},
			},
		},
		{
			id: "codat",
			redirects: map[string][]string{
				providers.Sandbox:    nil,
				providers.Production: nil,
			},
			credentials: []credFact{
				// Keys can be viewed and copied again in the Portal (Codat's authentication page).
				{name: "api_key", rule: "token,min=20,max=128", secret: true},
				{name: "webhook_signing_secret", rule: "token,min=30,max=128", secret: true},
			},
		},
		// Connectors and NetSuite's bundle: nothing to register, no keys.
		{id: "quickbooksdesktop", redirects: map[string][]string{providers.Production: nil}, credentials: []credFact{}},
		{id: "sage50", redirects: map[string][]string{providers.Production: nil}, credentials: []credFact{}},
		{id: "netsuite", redirects: map[string][]string{providers.Production: nil}, credentials: []credFact{}},
		{
			id:        "sageintacct",
			redirects: map[string][]string{providers.Production: nil},
			credentials: []credFact{
				{name: "sender_id", rule: "token,min=3,max=100"},
				{name: "sender_password", rule: "token,min=6,max=128", secret: true},
			},
		},
		{
			id: "sage200",
			redirects: map[string][]string{
				providers.Sandbox:    {"https://sage200cloud.codat.io/oauth/callback"},
				providers.Production: {"https://sage200cloud.codat.io/oauth/callback"},
			},
			credentials: []credFact{
				{name: "client_id", rule: "token,min=16,max=128"},
				{name: "client_secret", rule: "token,min=16,max=128", secret: true},
				{name: "subscription_key", rule: "token,min=16,max=128", secret: true},
			},
		},
		{
			id: "myob",
			redirects: map[string][]string{
				providers.Sandbox:    {"https://myobaccountright.codat.io/oauth/callback"},
				providers.Production: {"https://myobaccountright.codat.io/oauth/callback"},
			},
			credentials: []credFact{
				{name: "client_id", rule: "token,min=8,max=128"},
				{name: "client_secret", rule: "token,min=8,max=128", secret: true},
			},
		},
		{
			id: "exactonline",
			redirects: map[string][]string{
				providers.Sandbox:    {"https://exact.codat.io/oauth/callback"},
				providers.Production: {"https://exact.codat.io/oauth/callback"},
			},
			credentials: []credFact{
				{name: "client_id", rule: "token,min=32,max=38"},
				{name: "client_secret", rule: "token,min=8,max=128", secret: true},
			},
		},
		{
			// Codat cannot link FreeAgent's sandbox: production only.
			id:        "freeagent",
			redirects: map[string][]string{providers.Production: {"https://freeagent.codat.io/oauth/callback"}},
			credentials: []credFact{
				{name: "client_id", rule: "token,min=16,max=128"},
				{name: "client_secret", rule: "token,min=16,max=128", secret: true},
			},
		},
		{
			id: "zohobooks",
			redirects: map[string][]string{
				providers.Sandbox:    {"https://zohobooks.codat.io/oauth/callback"},
				providers.Production: {"https://zohobooks.codat.io/oauth/callback"},
			},
			credentials: []credFact{
				{name: "client_id", rule: "token,len=35"},
				{name: "client_secret", rule: "token,min=20,max=128", secret: true},
			},
		},
		{
			id: "freshbooks",
			redirects: map[string][]string{
				providers.Sandbox:    {"https://freshbooks.codat.io/oauth/callback"},
				providers.Production: {"https://freshbooks.codat.io/oauth/callback"},
			},
			credentials: []credFact{
				{name: "client_id", rule: "token,min=16,max=128"},
				{name: "client_secret", rule: "token,min=16,max=128", secret: true},
			},
		},
		{
			id: "wave",
			redirects: map[string][]string{
				providers.Sandbox:    {"https://wave.codat.io/oauth/callback"},
				providers.Production: {"https://wave.codat.io/oauth/callback"},
			},
			credentials: []credFact{
				{name: "client_id", rule: "token,min=16,max=128"},
				{name: "client_secret", rule: "token,min=16,max=128", secret: true},
			},
		},
		{id: "pandle", check: checkRetired},
		{id: "clearbooks", check: checkRetired},
		{id: "kashflow", check: checkRetired},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			t.Parallel()
			p, err := reg.Lookup(tt.id)
			if err != nil {
				t.Fatal(err)
			}
			for env, want := range tt.redirects {
				e, ok := p.Environment(env)
				if !ok {
					t.Errorf("no %s environment", env)
					continue
				}
				if len(e.RedirectURIs) != len(want) || (len(want) > 0 && !reflect.DeepEqual(e.RedirectURIs, want)) {
					t.Errorf("%s redirect URIs = %q, want %q", env, e.RedirectURIs, want)
				}
			}
			if tt.redirects != nil && len(p.Environments) != len(tt.redirects) {
				t.Errorf("environments = %v, want %d", p.EnvironmentNames(), len(tt.redirects))
			}
			if tt.credentials != nil && len(p.Credentials) != len(tt.credentials) {
				t.Errorf("%d credentials, want %d", len(p.Credentials), len(tt.credentials))
			}
			for _, want := range tt.credentials {
				c, ok := p.Credential(want.name)
				if !ok {
					t.Errorf("no credential %q", want.name)
					continue
				}
				if c.Rule != want.rule || c.Secret != want.secret || c.ShownOnce != want.shownOnce || c.MaxAge.String() != want.maxAge {
					t.Errorf("credential %q = {rule %q, secret %v, shown_once %v, max_age %q}, want {%q, %v, %v, %q}",
						c.Name, c.Rule, c.Secret, c.ShownOnce, c.MaxAge, want.rule, want.secret, want.shownOnce, want.maxAge)
				}
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

func checkRetired(t *testing.T, p *providers.Provider) {
	t.Helper()
	if !p.Retired || p.RetiredNote == "" || len(p.Steps) != 0 || len(p.Environments) != 0 {
		t.Errorf("%s: retired %v, note %q, %d steps, %d environments; want retired with a note and nothing to do",
			p.ID, p.Retired, p.RetiredNote, len(p.Steps), len(p.Environments))
	}
}

// TestCredentialSamples runs realistic values (made up, in each provider's
// documented or observed shape) through the built-in credential rules.
func TestCredentialSamples(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	tests := []struct {
		name    string
		id      string
		field   string
		value   string
		wantErr string
	}{
		{name: "xero client id", id: "xero", field: "client_id", value: "4F1A0C2B9D8E7F6A5B4C3D2E1F0A9B8C"},
		{name: "xero client id too short", id: "xero", field: "client_id", value: "4F1A0C2B9D8E7F6A5B4C3D2E1F0A9B8", wantErr: `client_id: value breaks "len=32" of rule "alphanum,len=32": it must be exactly 32 characters`},
		{name: "xero secret", id: "xero", field: "client_secret", value: "r8Kq_2vXn-9TzPwLm4Hc7JbYs1FdGe0AoU3iQk5N6tV8xRyZ"},
		{name: "business central client id", id: "businesscentral", field: "client_id", value: "9b2d3c4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"},
		{name: "business central client id not a GUID", id: "businesscentral", field: "client_id", value: "Q9b2d3c45f604a7b8c9d0e1f2a3b4c5dQ", wantErr: `client_id: value breaks rule "uuid": it must be a GUID like 123e4567-e89b-12d3-a456-426614174000`},
		{name: "business central secret", id: "businesscentral", field: "client_secret", value: "Xy8Q~abcDEFghiJKLmnoPQRstuVWXyz0123456789"},
		{name: "codat signing secret", id: "codat", field: "webhook_signing_secret", value: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"},
		{name: "codat signing secret without prefix", id: "codat", field: "webhook_signing_secret", value: "C2FVsBQIhrscChlQIMV+b5sSYspob7oDxyz",
			wantErr: "webhook_signing_secret: value breaks \"pattern ^whsec_[A-Za-z0-9+/=]{24,}$\" of rule \"token,min=30,max=128\": it does not match the pattern"},
		{name: "quickbooks online client id", id: "quickbooksonline", field: "client_id", value: "ABkq7Xo2Yd9Vn4Lm3Pq8Rs5Tu1Wx6Zc0Fg2Hj9Kl4Mn7Bp3Qe"},
		{name: "quickbooks online client id too short", id: "quickbooksonline", field: "client_id", value: "ABkq7Xo2Yd9V",
			wantErr: `client_id: value breaks "min=16" of rule "token,min=16,max=128": it must be at least 16 characters`},
		{name: "sage accounting client id", id: "sageaccounting", field: "client_id", value: "4b64a1c9e2d7f0b3a710"},
		{name: "sage intacct sender id", id: "sageintacct", field: "sender_id", value: "AcmeLedgerMPP"},
		{name: "sage intacct sender id with a space", id: "sageintacct", field: "sender_id", value: "Acme Ledger",
			wantErr: `sender_id: value breaks rule "token": every credential must be printable, with no white space or control characters`},
		{name: "sage intacct sender password", id: "sageintacct", field: "sender_password", value: "v9#Lq2!tWm7zRk"},
		{name: "sage 200 subscription key", id: "sage200", field: "subscription_key", value: "3f9c2a7e51d84b6c9e0a1f2b3c4d5e6f"},
		{name: "myob api key", id: "myob", field: "client_id", value: "a1b2c3d4e5f6g7h8i9j0k1l2"},
		{name: "myob api key too short", id: "myob", field: "client_id", value: "abc123",
			wantErr: `client_id: value breaks "min=8" of rule "token,min=8,max=128": it must be at least 8 characters`},
		{name: "exact online client id", id: "exactonline", field: "client_id", value: "8059c106-9dac-4e8a-8611-937adfcae815"},
		{name: "exact online client id in braces", id: "exactonline", field: "client_id", value: "{4B311EF8-C54E-479D-8DC0-855D2627C462}"},
		{name: "exact online client id without dashes", id: "exactonline", field: "client_id", value: "8059c1069dac4e8a8611937adfcae815",
			wantErr: `client_id: value breaks "pattern ^([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|\\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\\})$" of rule "token,min=32,max=38": it does not match the pattern`},
		{name: "exact online short secret", id: "exactonline", field: "client_secret", value: "6DMa0Bq9dH7D"},
		{name: "freeagent oauth identifier", id: "freeagent", field: "client_id", value: "0cyBcYKxCX9DuMgxcLP1xA"},
		{name: "zoho client id", id: "zohobooks", field: "client_id", value: "1000.GMB0YULZHJK411248S8I5GZ4CHUEX0"},
		{name: "zoho client id in lower case", id: "zohobooks", field: "client_id", value: "1000.gmb0yulzhjk411248s8i5gz4chuex0",
			wantErr: `client_id: value breaks "pattern ^1000\\.[A-Z0-9]{30}$" of rule "token,len=35": it does not match the pattern`},
		{name: "zoho client id without its prefix", id: "zohobooks", field: "client_id", value: "GMB0YULZHJK411248S8I5GZ4CHUEX0",
			wantErr: `client_id: value breaks "len=35" of rule "token,len=35": it must be exactly 35 characters`},
		{name: "freshbooks client id", id: "freshbooks", field: "client_id", value: "943f08ec5a5797f579e2682103868216f2d00a64faf0fb36e8257c8acceebfc6"},
		{name: "wave client secret", id: "wave", field: "client_secret", value: "Gh7Jk2Lm9Np4Qr1St6Vw3Xy8Za5Bc0De"},
		{name: "wave secret too short", id: "wave", field: "client_secret", value: "short-secret",
			wantErr: `client_secret: value breaks "min=16" of rule "token,min=16,max=128": it must be at least 16 characters`},
		{name: "codat api key with a space", id: "codat", field: "api_key", value: "Jk3Lm9Np2Qr5St8Vw1 Xy4Za7Bc0De6Fg",
			wantErr: `api_key: value breaks rule "token": every credential must be printable, with no white space or control characters`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := reg.Lookup(tt.id)
			if err != nil {
				t.Fatal(err)
			}
			c, ok := p.Credential(tt.field)
			if !ok {
				t.Fatalf("%s has no credential %q", tt.id, tt.field)
			}
			err = c.Check(tt.value)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Check() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
				t.Errorf("Check() = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestSignalSubjectsCompile(t *testing.T) {
	t.Parallel()
	for _, p := range registry(t).All() {
		for _, r := range p.Signals.Rules {
			if _, err := regexp.Compile(r.Subject); err != nil {
				t.Errorf("%s signal %q: %v", p.ID, r.ID, err)
			}
			if _, ok := p.Step(r.Step); !ok {
				t.Errorf("%s signal %q names unknown step %q", p.ID, r.ID, r.Step)
			}
		}
	}
}

// signalSample is an e-mail subject and the rule Signals.Classify must pick
// for it, "" for subjects no rule may match (newsletters, password resets,
// other mail from the same domains).
type signalSample struct {
	subject string
	rule    string
}

// signalSamples are the subjects each provider's rules must classify.
var signalSamples = map[string][]signalSample{
	"xero": {
		{"Verify your email address", "email-verified"},
		{"Please verify your Xero account", "email-verified"},
		{"Activate your Xero login", "email-verified"},
		{"Your certification was successful", "certification-passed"},
		{"Xero App Partner certification complete", "certification-passed"},
		{"Partner application approved", "certification-passed"},
		{"Your certification was unsuccessful", "certification-declined"},
		{"Your partner application has been declined", "certification-declined"},
		{"App Partner certification rejected", "certification-declined"},
		// Matches certification-passed too: the rejection wins.
		{"Your certification was not approved", "certification-declined"},
		{"Annual security self-assessment due", "security-assessment"},
		{"Complete your security self assessment", "security-assessment"},
		{"Xero developer newsletter: November", ""},
		{"Reset your password", ""},
		{"Verify your new device", ""},
		{"Certification incomplete: action needed", ""},
		{"Confirm your subscription to Xero news", ""},
		{"Your Xero invoice is ready", ""},
	},
	"quickbooksonline": {
		{"Verify your email", "email-verified"},
		{"Confirm your Intuit account", "email-verified"},
		{"Action required: complete your app assessment questionnaire", "questionnaire-requested"},
		{"Reminder: app assessment questionnaire", "questionnaire-requested"},
		{"Your app assessment has been approved", "production-approved"},
		{"Production keys are now available", "production-approved"},
		{"Production access granted", "production-approved"},
		{"Your app assessment was declined", "production-declined"},
		{"Questionnaire rejected", "production-declined"},
		{"Your app assessment was not approved", "production-declined"}, // a rejection wins
		{"Production access denied", "production-declined"},
		{"Annual security assessment", "security-assessment"},
		{"Security review due", "security-assessment"},
		{"Intuit Developer newsletter", ""},
		{"Reset your password", ""},
		{"Intuit security alert: new sign-in", ""},
		{"Verify your identity", ""},
	},
	"freeagent": {
		{"Confirmation instructions", "email-confirmed"},
		{"Confirm your FreeAgent developer account", "email-confirmed"},
		{"Verify your email address", "email-confirmed"},
		{"Reset password instructions", ""},
		{"Unlock instructions", ""},
		{"FreeAgent API: versioning is coming to the API", ""},
	},
	"myob": {
		{"Your MYOB developer account is ready", "developer-account-ready"},
		{"Set up your MYOB developer password", "developer-account-ready"},
		{"Developer access activated for Acme Ltd", "developer-account-ready"},
		{"Welcome to the MYOB Developer Program", "developer-welcome"},
		{"Welcome to MYOB API", "developer-welcome"},
		{"Your MYOB developer registration was unsuccessful", "registration-declined"},
		{"Developer Program application declined", "registration-declined"},
		{"Your developer account was not approved", "registration-declined"}, // a rejection wins
		{"Reset your MYOB password", ""},
		{"Your MYOB authentication code", ""},
		{"MYOB developer newsletter: API updates for April", ""},
		{"Welcome to MYOB Business", ""},
	},
	"sage200": {
		{"Your Sage Developer Services account has been created", "account-created"},
		{"Welcome to Sage Developer Services: your account number", "account-created"},
		{"Your Sage 200 API account is set up", "account-created"},
		{"Your Sage 200 API credentials", "credentials-issued"},
		{"Sage 200 API credentials generated", "credentials-issued"},
		{"Sage 200 Standard: your Client ID and Client Secret have been issued", "credentials-issued"},
		{"Sage 200 API credential request received", ""},
		{"Your Sage account has been created", ""},
		{"Reset your Sage ID password", ""},
	},
	"sageintacct": {
		{"Your Web Services developer license: sender ID and password", "sender-credentials-issued"},
		{"Set your Web Services sender password", "sender-credentials-issued"},
		{"Sage Intacct Web Services developer licence issued", "sender-credentials-issued"},
		{"Sage Intacct 2026 Release 3: what's new in the REST API", ""},
		{"Your Sage Intacct invoice", ""},
		{"Your Sage 200 API credentials", ""},
	},
}

func TestSignalSamples(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	for id := range signalSamples {
		if _, err := reg.Lookup(id); err != nil {
			t.Errorf("signalSamples: %v", err)
		}
	}
	samples := func(p *providers.Provider) []signalSample { return signalSamples[p.ID] }
	runSamples(t, reg.All(), "subject", samples, func(t *testing.T, p *providers.Provider, s signalSample) string {
		if got, _ := p.Signals.Classify(s.subject); got.ID != s.rule {
			t.Errorf("Classify(%q) = rule %q, want %q", s.subject, got.ID, s.rule)
		}
		return s.rule
	})
}

// runSamples checks each provider's samples in a subtest of its own. check
// checks one and returns the rule it must advance, "" for a negative
// sample, one that must advance no step. A provider with signal rules needs
// a sample advancing each rule and a negative one; one without needs none.
func runSamples[S any](t *testing.T, ps []*providers.Provider, what string, samples func(*providers.Provider) []S, check func(*testing.T, *providers.Provider, S) string) {
	t.Helper()
	for _, p := range ps {
		ss := samples(p)
		if len(p.Signals.Rules) == 0 {
			if len(ss) > 0 {
				t.Errorf("%s has sample %ss but no signal rules", p.ID, what)
			}
			continue
		}
		t.Run(p.ID, func(t *testing.T) {
			t.Parallel()
			advanced := map[string]bool{}
			for _, s := range ss {
				advanced[check(t, p, s)] = true
			}
			for _, r := range p.Signals.Rules {
				if !advanced[r.ID] {
					t.Errorf("signal rule %q has no sample %s that advances it", r.ID, what)
				}
			}
			if !advanced[""] {
				t.Errorf("no negative sample %s, one that must advance no step", what)
			}
		})
	}
}

// TestProbesFitTheirProviders: every probe belongs to a built-in provider
// and sends only credentials that provider declares, in every environment
// its token endpoint knows.
func TestProbesFitTheirProviders(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	for id, pr := range probes {
		p, err := reg.Lookup(id)
		if err != nil {
			t.Errorf("probe for %v", err)
			continue
		}
		for _, field := range pr.Fields() {
			if c, ok := p.Credential(field); !ok || c.Optional {
				t.Errorf("%s's probe sends %q, which is not one of its required credentials", id, field)
			}
		}
		if got, ok := Probe(id); !ok || got == nil {
			t.Errorf("Probe(%q) = %v, %v", id, got, ok)
		}
	}
	if _, ok := Probe("wave"); ok {
		t.Errorf("Probe(wave) found a probe; Wave documents no distinct answer for a bad client")
	}
}
