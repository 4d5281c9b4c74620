// Package providers describes the accounting-software providers acctsetup knows:
// how to register an app in each developer portal (ordered steps), which
// credentials that yields and how to recognise a well-formed one, the
// questionnaire a provider asks, the e-mails that signal progress, and the
// redirect URIs each environment must register.
//
// A provider is data: a TOML descriptor embedded in its package under
// providers/<id>, decoded strictly by [Decode] and checked by [Provider.Validate].
// This package performs no I/O beyond reading descriptor files it is given.
package providers

import (
	"regexp"
	"slices"
	"time"
)

// Environment names. Every provider declares one or both.
const (
	Sandbox    = "sandbox"
	Production = "production"
)

// StepKind says how a step is completed and so how its status is known.
type StepKind string

// Step kinds. Action, agreement and approval steps are recorded by people;
// credential, mfa and questionnaire steps are derived from the vault and the
// questionnaire answers and are never toggled by hand.
const (
	KindAction        StepKind = "action"
	KindCredential    StepKind = "credential"
	KindMFA           StepKind = "mfa"
	KindQuestionnaire StepKind = "questionnaire"
	KindAgreement     StepKind = "agreement"
	KindApproval      StepKind = "approval"
)

// Derived reports whether the step's status is computed from other facts
// (vault contents, questionnaire answers) rather than recorded by a person.
func (k StepKind) Derived() bool {
	return k == KindCredential || k == KindMFA || k == KindQuestionnaire
}

// NeedsEvidence reports whether a person marking the step done must say what
// proves it: the signed document for an agreement, the message or ticket for
// an approval.
func (k StepKind) NeedsEvidence() bool {
	return k == KindAgreement || k == KindApproval
}

// Provider is one accounting-software provider (or the unified API platform
// itself), decoded from its descriptor.
type Provider struct {
	// ID is [a-z0-9]+: the package name, CLI argument and vault segment.
	ID        string `toml:"id" validate:"required,providerid"`
	Name      string `toml:"name" validate:"required"`
	PortalURL string `toml:"portal_url" validate:"required,https_url"`
	DocsURL   string `toml:"docs_url" validate:"omitempty,https_url"`
	// Summary is one or two sentences shown by "providers show".
	Summary string `toml:"summary"`
	// Retired providers stay listed so that old state still reads, but are
	// not enabled by default and have no steps to do.
	Retired     bool   `toml:"retired"`
	RetiredNote string `toml:"retired_note" validate:"required_if=Retired true"`

	Environments  []Environment `toml:"environments" validate:"required_if=Retired false,dive"`
	Steps         []Step        `toml:"steps" validate:"required_if=Retired false,dive"`
	Credentials   []Credential  `toml:"credentials" validate:"dive"`
	Questionnaire []Question    `toml:"questionnaire" validate:"dive"`
	Calendar      []Obligation  `toml:"calendar" validate:"dive"`
	Signals       Signals       `toml:"signals"`
	Limits        []string      `toml:"limits"`
	Sources       []string      `toml:"sources" validate:"dive,https_url"`
}

// Unverified is the Source of a fact no public page documents; its
// SourceNote says why, and check reports such steps as info.
const Unverified = "unverified"

// Environment is one of sandbox or production with what it must register.
type Environment struct {
	Name string `toml:"name" validate:"oneof=sandbox production"`
	// RedirectURIs are the callback URLs that must be registered in the
	// provider's portal for this environment (the unified API's callbacks).
	RedirectURIs []string `toml:"redirect_uris" validate:"dive,https_url"`
	// Note explains what the environment means for this provider.
	Note string `toml:"note"`
	// RedirectSource is the page that documents the redirect URIs (an
	// https URL, or "unverified" with RedirectSourceNote saying why).
	RedirectSource     string `toml:"redirect_source"`
	RedirectSourceNote string `toml:"redirect_source_note"`
}

// Step is one thing to do, in order. IDs are stable kebab-case keys stored in
// checklists: never rename one, add a new step instead.
type Step struct {
	ID           string   `toml:"id" validate:"required,stepid"`
	Title        string   `toml:"title" validate:"required"`
	Kind         StepKind `toml:"kind" validate:"oneof=action credential mfa questionnaire agreement approval"`
	Instructions string   `toml:"instructions" validate:"required"`
	URL          string   `toml:"url" validate:"omitempty,https_url"`
	DependsOn    []string `toml:"depends_on"`
	// Credentials lists the credential fields a credential step stores.
	Credentials []string `toml:"credentials" validate:"required_if=Kind credential"`
	// Environments limits the step to some environments; empty means all.
	Environments []string `toml:"environments" validate:"dive,oneof=sandbox production"`
	// Source is the page that documents the step (an https URL), or
	// "unverified" when none does; SourceNote then says why.
	Source     string `toml:"source"`
	SourceNote string `toml:"source_note"`
}

// Unverified reports whether no documented source backs the step.
func (s Step) Unverified() bool { return s.Source == Unverified }

// AppliesTo reports whether the step belongs to the environment's checklist.
func (s Step) AppliesTo(env string) bool {
	return len(s.Environments) == 0 || slices.Contains(s.Environments, env)
}

// Credential is one field a portal yields (client ID, client secret, ...).
type Credential struct {
	Name  string `toml:"name" validate:"required,fieldname"`
	Label string `toml:"label" validate:"required"`
	// Secret fields are never printed; non-secret ones (client IDs) may be.
	Secret bool `toml:"secret"`
	// Rule is a go-playground/validator tag list every value must satisfy,
	// on top of the baseline every credential gets (see CheckValue).
	Rule string `toml:"rule" validate:"required"`
	// Pattern is an optional RE2 expression the whole value must match.
	Pattern string `toml:"pattern"`
	// ShownOnce marks values the portal shows a single time: losing the
	// vault copy means generating a new one.
	ShownOnce bool `toml:"shown_once"`
	// Optional values are not needed for the checklist (Codat does not ask
	// for them) but unlock something when stored, such as a probe's tenant
	// ID; a missing one is never a finding.
	Optional bool `toml:"optional"`
	// MaxAge is how long a value may live before it must be rotated,
	// written like "24mo", "90d", "2y" or "6w"; empty means no limit.
	MaxAge Age `toml:"max_age"`
	// Environments limits the field to some environments; empty means all.
	Environments []string `toml:"environments" validate:"dive,oneof=sandbox production"`
	// Note tells where the value is found in the portal.
	Note string `toml:"note"`
	// Source is the page that documents the field and what its rule rests
	// on (an https URL), or "unverified" with SourceNote saying why.
	Source     string `toml:"source"`
	SourceNote string `toml:"source_note"`
}

// AppliesTo reports whether the credential exists in the environment.
func (c Credential) AppliesTo(env string) bool {
	return len(c.Environments) == 0 || slices.Contains(c.Environments, env)
}

// ExpiresAt returns when a value stored at t reaches the credential's
// maximum age, or the zero time if it has none.
func (c Credential) ExpiresAt(t time.Time) time.Time {
	if c.MaxAge.IsZero() {
		return time.Time{}
	}
	return c.MaxAge.After(t)
}

// Question is one questionnaire item.
type Question struct {
	ID       string `toml:"id" validate:"required,stepid"`
	Text     string `toml:"text" validate:"required"`
	Required bool   `toml:"required"`
	// Guidance is the recommended answer or where to find it.
	Guidance string `toml:"guidance"`
	// Topic names what the question asks about in words shared across
	// providers ("data-protection", "mfa-policy"): the team's answer to a
	// question of the same topic is offered when answering this one.
	Topic string `toml:"topic" validate:"omitempty,stepid"`
}

// Signals describe the e-mails that speak for the provider. Subject
// patterns cannot look behind (RE2), so a subject may match several rules:
// "Your certification was not approved" matches an approval rule's
// "approved" too. A rejection then wins over every other event; otherwise
// the first matching rule in descriptor order does.
type Signals struct {
	// Domains may speak for the provider; their subdomains count too.
	Domains []string `toml:"domains" validate:"dive,fqdn"`
	// Brands are words that name the provider in a sender's name or
	// address or in a subject ("intuit", "quickbooks"). Mail that uses one
	// without coming from a listed domain is a look-alike or a forward: a
	// person reviews it. Empty means the provider's ID (see Provider.Brands).
	Brands []string `toml:"brands" validate:"dive,providerid"`
	// BrandExceptions are ordinary words that hold a brand without naming
	// the provider ("message" holds "sage", "intuitive" holds "intuit"):
	// a sender or subject is not a look-alike for using them.
	BrandExceptions []string `toml:"brand_exceptions" validate:"dive,providerid"`
	// Relays are senders within Domains that carry mail the provider's own
	// customers write, such as invoices sent through the product: an
	// address ("quickbooks@notification.intuit.com") or a domain and its
	// subdomains ("post.xero.com"). Their mail is authentic but its subject
	// is not the provider's word, so it never advances a step.
	Relays []string `toml:"relays"`
	Rules  []Signal `toml:"rules" validate:"dive"`
}

// Event is what a provider e-mail means.
type Event string

// Events a signal may announce.
const (
	EventApproved               Event = "approved"
	EventRejected               Event = "rejected"
	EventKeysIssued             Event = "keys_issued"
	EventQuestionnaireRequested Event = "questionnaire_requested"
	EventAccountVerified        Event = "account_verified"
	EventReviewDue              Event = "review_due"
)

// Signal maps an e-mail subject to an event about a step.
type Signal struct {
	ID    string `toml:"id" validate:"required,stepid"`
	Event Event  `toml:"event" validate:"oneof=approved rejected keys_issued questionnaire_requested account_verified review_due"`
	// Step is the step the event concerns.
	Step string `toml:"step" validate:"required"`
	// Subject is an RE2 expression matched against the decoded subject.
	Subject string `toml:"subject" validate:"required"`

	// subject is Subject compiled, once, when the descriptor is validated,
	// and words the strings one of which its every match contains.
	subject *regexp.Regexp
	words   []string
}

// Environment returns the named environment and whether the provider has it.
func (p *Provider) Environment(name string) (Environment, bool) {
	for _, e := range p.Environments {
		if e.Name == name {
			return e, true
		}
	}
	return Environment{}, false
}

// EnvironmentNames lists the provider's environments in descriptor order.
func (p *Provider) EnvironmentNames() []string {
	names := make([]string, len(p.Environments))
	for i, e := range p.Environments {
		names[i] = e.Name
	}
	return names
}

// Step returns the step with the given ID.
func (p *Provider) Step(id string) (Step, bool) {
	i := slices.IndexFunc(p.Steps, func(s Step) bool { return s.ID == id })
	if i < 0 {
		return Step{}, false
	}
	return p.Steps[i], true
}

// StepsFor returns the steps of one environment's checklist, in order.
func (p *Provider) StepsFor(env string) []Step {
	var steps []Step
	for _, s := range p.Steps {
		if s.AppliesTo(env) {
			steps = append(steps, s)
		}
	}
	return steps
}

// Credential returns the credential field with the given name.
func (p *Provider) Credential(name string) (Credential, bool) {
	i := slices.IndexFunc(p.Credentials, func(c Credential) bool { return c.Name == name })
	if i < 0 {
		return Credential{}, false
	}
	return p.Credentials[i], true
}

// CredentialsFor returns the credential fields of one environment.
func (p *Provider) CredentialsFor(env string) []Credential {
	var creds []Credential
	for _, c := range p.Credentials {
		if c.AppliesTo(env) {
			creds = append(creds, c)
		}
	}
	return creds
}

// Question returns the questionnaire item with the given ID.
func (p *Provider) Question(id string) (Question, bool) {
	i := slices.IndexFunc(p.Questionnaire, func(q Question) bool { return q.ID == id })
	if i < 0 {
		return Question{}, false
	}
	return p.Questionnaire[i], true
}
