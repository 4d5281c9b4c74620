package app

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/providers"
	"github.com/acctsetup/acctsetup/providers/all"
)

func (a *app) providersCommand() *cli.Command {
	return &cli.Command{
		Name:  "providers",
		Usage: "list the providers acctsetup knows, or show one's steps and credentials",
		Subcommands: []*cli.Command{
			{
				Name:   "list",
				Usage:  "list every provider with its environments",
				Flags:  []cli.Flag{jsonFlag()},
				Action: a.providersList,
			},
			{
				Name:      "show",
				Usage:     "show a provider's portal steps, credentials, questionnaire and redirect URIs",
				ArgsUsage: "ID",
				Flags:     []cli.Flag{jsonFlag()},
				Action:    a.providersShow,
			},
		},
	}
}

type providerSummary struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Environments []string `json:"environments"`
	Retired      bool     `json:"retired"`
}

func (a *app) providersList(ctx *cli.Context) error {
	if _, err := a.args(ctx, 0, 0, "no arguments"); err != nil {
		return err
	}
	reg, err := a.registry()
	if err != nil {
		return err
	}
	list := []providerSummary{}
	for _, p := range reg.All() {
		list = append(list, providerSummary{ID: p.ID, Name: p.Name, Environments: orEmpty(p.EnvironmentNames()), Retired: p.Retired})
	}
	if ctx.Bool(flgJSON) {
		return a.writeJSON(list)
	}
	t := a.table("ID", "NAME", "ENVIRONMENTS", "")
	for _, p := range list {
		note := ""
		if p.Retired {
			note = "retired"
		}
		envs := strings.Join(p.Environments, ", ")
		if envs == "" {
			envs = "-"
		}
		t.row(p.ID, p.Name, envs, note)
	}
	return t.flush()
}

type providerDetail struct {
	ID            string              `json:"id"`
	Name          string              `json:"name"`
	PortalURL     string              `json:"portal_url"`
	DocsURL       string              `json:"docs_url,omitempty"`
	Summary       string              `json:"summary,omitempty"`
	Retired       bool                `json:"retired"`
	RetiredNote   string              `json:"retired_note,omitempty"`
	Environments  []environmentDetail `json:"environments"`
	Steps         []stepDetail        `json:"steps"`
	Credentials   []credentialDetail  `json:"credentials"`
	Questionnaire []questionDetail    `json:"questionnaire"`
	Calendar      []obligationDetail  `json:"calendar"`
	SenderDomains []string            `json:"sender_domains"`
	// Probe says whether check --probe can ask the provider's live
	// endpoint about the stored credentials.
	Probe   bool     `json:"probe"`
	Limits  []string `json:"limits"`
	Sources []string `json:"sources"`
}

type environmentDetail struct {
	Name               string   `json:"name"`
	RedirectURIs       []string `json:"redirect_uris"`
	RedirectSource     string   `json:"redirect_source,omitempty"`
	RedirectSourceNote string   `json:"redirect_source_note,omitempty"`
	Note               string   `json:"note,omitempty"`
}

type stepDetail struct {
	ID           string   `json:"id"`
	Kind         string   `json:"kind"`
	Title        string   `json:"title"`
	DependsOn    []string `json:"depends_on"`
	URL          string   `json:"url"`
	Environments []string `json:"environments"`
	Credentials  []string `json:"credentials,omitempty"`
	Instructions string   `json:"instructions"`
	Source       string   `json:"source"`
	SourceNote   string   `json:"source_note,omitempty"`
}

type credentialDetail struct {
	Name         string   `json:"name"`
	Label        string   `json:"label"`
	Secret       bool     `json:"secret"`
	Rule         string   `json:"rule"`
	Pattern      string   `json:"pattern,omitempty"`
	MaxAge       string   `json:"max_age"`
	ShownOnce    bool     `json:"shown_once"`
	Optional     bool     `json:"optional"`
	Environments []string `json:"environments"`
	Note         string   `json:"note,omitempty"`
	Source       string   `json:"source"`
	SourceNote   string   `json:"source_note,omitempty"`
}

type obligationDetail struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	Every        string   `json:"every,omitempty"`
	After        string   `json:"after,omitempty"`
	Due          string   `json:"due,omitempty"`
	Warn         string   `json:"warn"`
	Environments []string `json:"environments"`
	URL          string   `json:"url,omitempty"`
	Instructions string   `json:"instructions"`
	Source       string   `json:"source"`
	SourceNote   string   `json:"source_note,omitempty"`
}

type questionDetail struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	Required bool   `json:"required"`
	Guidance string `json:"guidance,omitempty"`
}

func detail(p *providers.Provider) providerDetail {
	d := providerDetail{
		ID: p.ID, Name: p.Name, PortalURL: p.PortalURL, DocsURL: p.DocsURL, Summary: p.Summary,
		Retired: p.Retired, RetiredNote: p.RetiredNote,
		Environments: []environmentDetail{}, Steps: []stepDetail{}, Credentials: []credentialDetail{},
		Questionnaire: []questionDetail{}, Calendar: []obligationDetail{}, SenderDomains: orEmpty(p.Signals.Domains),
		Limits: orEmpty(p.Limits), Sources: orEmpty(p.Sources),
	}
	_, d.Probe = all.Probe(p.ID)
	orAll := func(envs []string) []string {
		if len(envs) == 0 {
			return p.EnvironmentNames()
		}
		return envs
	}
	for _, e := range p.Environments {
		d.Environments = append(d.Environments, environmentDetail{Name: e.Name, RedirectURIs: orEmpty(e.RedirectURIs),
			RedirectSource: e.RedirectSource, RedirectSourceNote: e.RedirectSourceNote, Note: e.Note})
	}
	for _, s := range p.Steps {
		d.Steps = append(d.Steps, stepDetail{ID: s.ID, Kind: string(s.Kind), Title: s.Title, DependsOn: orEmpty(s.DependsOn),
			URL: s.URL, Environments: orAll(s.Environments), Credentials: s.Credentials, Instructions: s.Instructions,
			Source: s.Source, SourceNote: s.SourceNote})
	}
	for _, c := range p.Credentials {
		d.Credentials = append(d.Credentials, credentialDetail{Name: c.Name, Label: c.Label, Secret: c.Secret, Rule: c.Rule,
			Pattern: c.Pattern, MaxAge: c.MaxAge.String(), ShownOnce: c.ShownOnce, Optional: c.Optional, Environments: orAll(c.Environments),
			Note: c.Note, Source: c.Source, SourceNote: c.SourceNote})
	}
	for _, o := range p.Calendar {
		d.Calendar = append(d.Calendar, obligationDetail{ID: o.ID, Title: o.Title, Every: o.Every.String(), After: o.After, Due: o.Due,
			Warn: o.WarnAhead().String(), Environments: orAll(o.Environments), URL: o.URL, Instructions: o.Instructions,
			Source: o.Source, SourceNote: o.SourceNote})
	}
	for _, q := range p.Questionnaire {
		d.Questionnaire = append(d.Questionnaire, questionDetail{ID: q.ID, Text: q.Text, Required: q.Required, Guidance: q.Guidance})
	}
	return d
}

func (a *app) providersShow(ctx *cli.Context) error {
	p, _, err := a.providerArgs(ctx)
	if err != nil {
		return err
	}
	d := detail(p)
	if ctx.Bool(flgJSON) {
		return a.writeJSON(d)
	}
	a.printf("%s (%s)\n", d.Name, d.ID)
	if d.Retired {
		a.printf("retired: %s\n", d.RetiredNote)
	}
	if d.Summary != "" {
		a.printf("%s\n", wrap(d.Summary, 2))
	}
	a.printf("\nportal: %s\n", d.PortalURL)
	if d.DocsURL != "" {
		a.printf("guide:  %s\n", d.DocsURL)
	}
	for _, e := range d.Environments {
		a.printf("\n%s", e.Name)
		if e.Note != "" {
			a.printf(": %s", e.Note)
		}
		a.printf("\n")
		for _, u := range e.RedirectURIs {
			a.printf("  redirect URI %s\n", u)
		}
		if e.RedirectSource != "" {
			a.printf("    source: %s\n", sourceText(e.RedirectSource, e.RedirectSourceNote))
		}
	}
	if d.Retired {
		return nil
	}
	a.printf("\nsteps:\n")
	for i, s := range d.Steps {
		a.printf("%3d. %-26s %-13s %s", i+1, s.ID, s.Kind, s.Title)
		if len(s.Environments) < len(d.Environments) {
			a.printf(" [%s only]", strings.Join(s.Environments, ", "))
		}
		a.printf("\n")
		if len(s.DependsOn) > 0 {
			a.printf("     after %s\n", strings.Join(s.DependsOn, ", "))
		}
		if s.Source != "" {
			a.printf("     source: %s\n", sourceText(s.Source, s.SourceNote))
		}
	}
	a.printf("\ncredentials:\n")
	for _, c := range d.Credentials {
		var traits []string
		if c.Secret {
			traits = append(traits, "secret")
		}
		if c.ShownOnce {
			traits = append(traits, "shown once")
		}
		if c.Optional {
			traits = append(traits, "optional")
		}
		if c.MaxAge != "" {
			traits = append(traits, "max age "+c.MaxAge)
		}
		a.printf("  %-24s %s; rule %s", c.Name, c.Label, c.Rule)
		if len(traits) > 0 {
			a.printf(" (%s)", strings.Join(traits, ", "))
		}
		a.printf("\n")
		if c.Source != "" {
			a.printf("  %-24s source: %s\n", "", sourceText(c.Source, c.SourceNote))
		}
	}
	if len(d.Calendar) > 0 {
		a.printf("\ncalendar:\n")
		for _, o := range d.Calendar {
			a.printf("  %-26s %s (%s)\n", o.ID, o.Title, obligationWhen(o))
			a.printf("  %-26s source: %s\n", "", sourceText(o.Source, o.SourceNote))
		}
	}
	if d.Probe {
		a.printf("\nlive probe: check --probe asks %s whether the stored credentials work\n", d.Name)
	}
	if n := len(d.Questionnaire); n > 0 {
		a.printf("\nquestionnaire: %d questions (acctsetup questionnaire show %s)\n", n, d.ID)
	}
	if len(d.Limits) > 0 {
		a.printf("\nlimits:\n")
		for _, l := range d.Limits {
			a.printf("  - %s\n", l)
		}
	}
	a.printf("\nstep instructions: acctsetup onboard %s; JSON: acctsetup providers show %s --json\n", d.ID, d.ID)
	return nil
}

// sourceText is a source with its note, if any.
func sourceText(source, note string) string {
	if note == "" {
		return source
	}
	return source + " (" + note + ")"
}

// obligationWhen says when an obligation falls due, in words.
func obligationWhen(o obligationDetail) string {
	switch {
	case o.Due != "" && o.Every != "":
		return fmt.Sprintf("first due %s, then every %s", o.Due, o.Every)
	case o.Due != "":
		return "due " + o.Due
	}
	return fmt.Sprintf("every %s after %s", o.Every, o.After)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// wrap folds text into lines of at most 90 characters, indented.
func wrap(text string, indent int) string {
	var b strings.Builder
	pad := strings.Repeat(" ", indent)
	line := 0
	for _, w := range strings.Fields(text) {
		if line > 0 && line+1+len(w) > 90 {
			b.WriteString("\n")
			line = 0
		}
		if line == 0 {
			b.WriteString(pad)
			line = indent
		} else {
			b.WriteString(" ")
			line++
		}
		b.WriteString(w)
		line += len(w)
	}
	return b.String()
}

// stepRef formats provider/environment/step for messages.
func stepRef(p *providers.Provider, env, step string) string {
	return fmt.Sprintf("%s/%s/%s", p.ID, env, step)
}
