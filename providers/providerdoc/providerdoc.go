// Package providerdoc writes the provider catalogue as Markdown: a page per
// provider (docs/providers/<id>.md) and an index (docs/providers/README.md),
// made from the descriptors alone, so that the docs say what the tool does.
// `go generate ./providers/all` writes them; a test fails when a page no
// longer matches its descriptor.
package providerdoc

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/acctsetup/acctsetup/providers"
)

// IndexFile is the index page's name beside the provider pages.
const IndexFile = "README.md"

// Generator names the command that writes the pages, in their header.
const Generator = "go generate ./providers/all"

// PageFile returns the file name of a provider's page.
func PageFile(id string) string { return id + ".md" }

// Page returns a provider's page. probe says whether check --probe can ask
// the provider's live endpoint about stored credentials.
func Page(p *providers.Provider, probe bool) []byte {
	w := &writer{}
	w.line("<!-- Generated from providers/%s/%s.toml by %s: do not edit. -->", p.ID, p.ID, Generator)
	w.line("# %s (`%s`)", p.Name, p.ID)
	w.line("")
	if p.Retired {
		w.line("**Retired:** %s", p.RetiredNote)
		w.line("")
	}
	if p.Summary != "" {
		w.line("%s", oneLine(p.Summary))
		w.line("")
	}
	w.line("| | |")
	w.line("|---|---|")
	w.line("| Developer portal | %s |", p.PortalURL)
	if p.DocsURL != "" {
		w.line("| Setup guide | %s |", p.DocsURL)
	}
	w.line("| Environments | %s |", cmp.Or(strings.Join(p.EnvironmentNames(), ", "), "none"))
	w.line("| Steps | %d |", len(p.Steps))
	w.line("| Credentials | %s |", cmp.Or(credentialNames(p), "none"))
	w.line("| E-mail signals | %s |", signalSummary(p))
	w.line("| Live credential probe | %s |", probeText(p, probe))
	w.line("")
	if !p.Retired {
		w.environments(p)
		w.steps(p)
		w.credentials(p)
		w.questionnaire(p)
		w.calendar(p)
		w.signals(p)
	}
	w.list("Limits", p.Limits)
	w.list("Sources", p.Sources)
	return w.bytes()
}

// Index returns the table of every provider. probe reports whether a
// provider has a live credential probe.
func Index(ps []*providers.Provider, probe func(id string) bool) []byte {
	w := &writer{}
	w.line("<!-- Generated from providers/*/*.toml by %s: do not edit. -->", Generator)
	w.line("# Providers")
	w.line("")
	w.line("Every provider acctsetup knows, one page each, made from its descriptor in `providers/<id>/<id>.toml`.")
	w.line("Every step, credential, redirect URI and calendar obligation names its source. `acctsetup providers show ID`")
	w.line("prints the same; `acctsetup check --probe` asks the providers marked *yes* whether stored credentials work.")
	w.line("")
	w.line("| Provider | ID | Environments | Steps | Credentials | E-mail signals | Probe | Retired |")
	w.line("|---|---|---|---|---|---|---|---|")
	for _, p := range ps {
		retired := ""
		if p.Retired {
			retired = "retired"
		}
		w.line("| [%s](%s) | `%s` | %s | %d | %s | %s | %s | %s |", cell(p.Name), PageFile(p.ID), p.ID,
			cmp.Or(strings.Join(p.EnvironmentNames(), ", "), "-"), len(p.Steps), cmp.Or(credentialNames(p), "-"),
			cmp.Or(ruleCount(p), "-"), yes(probe(p.ID)), retired)
	}
	return w.bytes()
}

func (w *writer) environments(p *providers.Provider) {
	w.line("## Environments")
	w.line("")
	for _, e := range p.Environments {
		w.line("### %s", e.Name)
		w.line("")
		if e.Note != "" {
			w.line("%s", oneLine(e.Note))
			w.line("")
		}
		if len(e.RedirectURIs) == 0 {
			w.line("No redirect URI to register.")
		}
		for _, u := range e.RedirectURIs {
			w.line("- Redirect URI: `%s`", u)
		}
		if e.RedirectSource != "" {
			w.line("- Source: %s", source(e.RedirectSource, e.RedirectSourceNote))
		}
		w.line("")
	}
}

func (w *writer) steps(p *providers.Provider) {
	w.line("## Steps")
	w.line("")
	w.line("| # | Step | Kind | Environments | After | Source |")
	w.line("|---|---|---|---|---|---|")
	for i, s := range p.Steps {
		w.line("| %d | [%s](#%s) | %s | %s | %s | %s |", i+1, cell(s.Title), s.ID, s.Kind,
			envs(s.Environments), cmp.Or(codes(s.DependsOn), "-"), shortSource(s.Source))
	}
	w.line("")
	for i, s := range p.Steps {
		w.line("### %s", s.ID)
		w.line("")
		w.line("**%d. %s**: %s step, %s.", i+1, s.Title, s.Kind, strings.ToLower(envs(s.Environments)))
		if len(s.DependsOn) > 0 {
			w.line("After %s.", codes(s.DependsOn))
		}
		w.line("")
		w.line("%s", oneLine(s.Instructions))
		w.line("")
		if s.URL != "" {
			w.line("- Where: %s", s.URL)
		}
		if len(s.Credentials) > 0 {
			w.line("- Stores: %s", codes(s.Credentials))
		}
		w.line("- Source: %s", source(s.Source, s.SourceNote))
		w.line("")
	}
}

func (w *writer) credentials(p *providers.Provider) {
	if len(p.Credentials) == 0 {
		return
	}
	w.line("## Credentials")
	w.line("")
	w.line("| Field | Label | Kind | Rule | Environments | Source |")
	w.line("|---|---|---|---|---|---|")
	for _, c := range p.Credentials {
		rule := "`" + cell(c.Rule) + "`"
		if c.Pattern != "" {
			rule += ", pattern `" + cell(c.Pattern) + "`"
		}
		w.line("| `%s` | %s | %s | %s | %s | %s |", c.Name, cell(c.Label), credentialKind(c), rule, envs(c.Environments), shortSource(c.Source))
	}
	w.line("")
	for _, c := range p.Credentials {
		w.line("- `%s`: %s Source: %s", c.Name, sentence(c.Note), source(c.Source, c.SourceNote))
	}
	w.line("")
}

func (w *writer) questionnaire(p *providers.Provider) {
	if len(p.Questionnaire) == 0 {
		return
	}
	w.line("## Questionnaire")
	w.line("")
	w.line("Questions with a topic share the team's answer with other providers' questions of that topic.")
	w.line("")
	w.line("| ID | Question | Required | Topic | Guidance |")
	w.line("|---|---|---|---|---|")
	for _, q := range p.Questionnaire {
		w.line("| `%s` | %s | %s | %s | %s |", q.ID, cell(q.Text), yes(q.Required), cmp.Or(q.Topic, "-"), cell(q.Guidance))
	}
	w.line("")
}

func (w *writer) calendar(p *providers.Provider) {
	if len(p.Calendar) == 0 {
		return
	}
	w.line("## Calendar")
	w.line("")
	w.line("Duties that come round after onboarding; `acctsetup check` warns ahead of each and fails once one is past due.")
	w.line("")
	w.line("| Obligation | When | Warned | Environments | Source |")
	w.line("|---|---|---|---|---|")
	for _, o := range p.Calendar {
		w.line("| %s `%s` | %s | %s ahead | %s | %s |", cell(o.Title), o.ID, when(o), o.WarnAhead(), envs(o.Environments), shortSource(o.Source))
	}
	w.line("")
	for _, o := range p.Calendar {
		w.line("- `%s`: %s Source: %s", o.ID, sentence(o.Instructions), source(o.Source, o.SourceNote))
	}
	w.line("")
}

func (w *writer) signals(p *providers.Provider) {
	sig := p.Signals
	if len(sig.Rules) == 0 {
		return
	}
	w.line("## E-mail signals")
	w.line("")
	w.line("Mail from %s (and their subdomains) advances a step when the receiving server's", codes(sig.Domains))
	w.line("`Authentication-Results` show DMARC or DKIM pass for one of them and its subject matches a rule.")
	w.line("Brand words for look-alike senders: %s.", codes(p.Brands()))
	if len(sig.BrandExceptions) > 0 {
		w.line("Ordinary words that hold a brand and name no one: %s.", codes(sig.BrandExceptions))
	}
	if len(sig.Relays) > 0 {
		w.line("Never advancing (they carry mail the provider's customers write): %s.", codes(sig.Relays))
	}
	w.line("")
	w.line("| Rule | Event | Step | Subject |")
	w.line("|---|---|---|---|")
	for _, r := range sig.Rules {
		w.line("| `%s` | %s | `%s` | `%s` |", r.ID, r.Event, r.Step, cell(r.Subject))
	}
	w.line("")
}

func (w *writer) list(title string, items []string) {
	if len(items) == 0 {
		return
	}
	w.line("## %s", title)
	w.line("")
	for _, it := range items {
		w.line("- %s", oneLine(it))
	}
	w.line("")
}

// writer builds a page line by line.
type writer struct{ b strings.Builder }

func (w *writer) line(format string, args ...any) {
	fmt.Fprintf(&w.b, format, args...)
	w.b.WriteByte('\n')
}

// bytes returns the page with exactly one newline at its end.
func (w *writer) bytes() []byte { return []byte(strings.TrimRight(w.b.String(), "\n") + "\n") }

// oneLine joins a descriptor's wrapped text into one paragraph line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// sentence is s as one line ending in a full stop, or "" for nothing.
func sentence(s string) string {
	s = oneLine(s)
	if s == "" || strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string { return strings.ReplaceAll(oneLine(s), "|", `\|`) }

func codes(ss []string) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "`" + s + "`"
	}
	return strings.Join(out, ", ")
}

func envs(list []string) string {
	if len(list) == 0 {
		return "All environments"
	}
	return strings.Join(list, ", ") + " only"
}

func credentialNames(p *providers.Provider) string {
	var names []string
	for _, c := range p.Credentials {
		names = append(names, c.Name)
	}
	return strings.Join(names, ", ")
}

func credentialKind(c providers.Credential) string {
	var traits []string
	if c.Secret {
		traits = append(traits, "secret")
	} else {
		traits = append(traits, "not secret")
	}
	if c.ShownOnce {
		traits = append(traits, "shown once")
	}
	if c.Optional {
		traits = append(traits, "optional")
	}
	if !c.MaxAge.IsZero() {
		traits = append(traits, "max age "+c.MaxAge.String())
	}
	return strings.Join(traits, ", ")
}

func ruleCount(p *providers.Provider) string {
	switch n := len(p.Signals.Rules); n {
	case 0:
		return ""
	case 1:
		return "1 rule"
	default:
		return fmt.Sprintf("%d rules", n)
	}
}

func signalSummary(p *providers.Provider) string {
	if len(p.Signals.Rules) == 0 {
		return "none: the provider documents no e-mail a step can wait on"
	}
	return fmt.Sprintf("%s, from %s", ruleCount(p), codes(p.Signals.Domains))
}

func probeText(p *providers.Provider, probe bool) string {
	if !probe {
		return "no"
	}
	return fmt.Sprintf("yes: `acctsetup check %s --probe`", p.ID)
}

func when(o providers.Obligation) string {
	switch {
	case o.Due != "" && !o.Every.IsZero():
		return fmt.Sprintf("first %s, then every %s", o.Due, o.Every)
	case o.Due != "":
		return o.Due
	}
	return fmt.Sprintf("every %s after `%s`", o.Every, o.After)
}

// source is a source in full, with its note: "URL: note".
func source(src, note string) string {
	s := src
	if src == "" {
		s = providers.Unverified
	}
	if note != "" {
		s += ": " + sentence(note)
	}
	return s
}

// shortSource links a source by its host, for a table cell, or says it is
// unverified.
func shortSource(src string) string {
	u, err := url.Parse(src)
	if src == "" || src == providers.Unverified || err != nil {
		return providers.Unverified
	}
	return fmt.Sprintf("[%s](%s)", u.Host, src)
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// Files returns every page and the index, by file name.
func Files(ps []*providers.Provider, probe func(id string) bool) map[string][]byte {
	files := map[string][]byte{IndexFile: Index(ps, probe)}
	for _, p := range ps {
		files[PageFile(p.ID)] = Page(p, probe(p.ID))
	}
	return files
}

// Stale lists the names in dir's listing that Files would not write: pages
// of providers that are gone.
func Stale(existing []string, files map[string][]byte) []string {
	var stale []string
	for _, name := range existing {
		if _, ok := files[name]; !ok && strings.HasSuffix(name, ".md") {
			stale = append(stale, name)
		}
	}
	slices.Sort(stale)
	return stale
}
