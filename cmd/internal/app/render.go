package app

import (
	"encoding/xml"
	"fmt"
	"html/template"
	"strings"

	"github.com/acctsetup/acctsetup/checklists/readiness"
	"github.com/acctsetup/acctsetup/providers/probe"
)

// renderText prints the report for a person: one block per checklist,
// findings with their fix, and a closing verdict.
func (a *app) renderText(b *strings.Builder, r readiness.Report) {
	errs, warns := count(r)
	ready := 0
	for _, res := range r.Results {
		if res.Ready {
			ready++
		}
	}
	for _, res := range r.Results {
		mark, verdict := a.colour(green, "✓"), "ready"
		if !res.Ready {
			mark, verdict = a.colour(red, "✗"), "not ready"
		}
		fmt.Fprintf(b, "%s %s %s: %s, %d of %d steps done\n", mark, res.Provider, res.Environment, verdict, res.Done, res.Total)
		if res.Probe != nil && res.Probe.Verdict == probe.Valid {
			fmt.Fprintf(b, "    %-5s %s\n", a.colour(dim, "probe"), "the live endpoint accepted the stored credentials: "+res.Probe.Detail)
		}
		for _, f := range res.Findings {
			sev := string(f.Severity)
			switch f.Severity {
			case readiness.Error:
				sev = a.colour(red, sev)
			case readiness.Warn:
				sev = a.colour(yellow, sev)
			default:
				sev = a.colour(dim, sev)
			}
			fmt.Fprintf(b, "    %-5s %s\n", sev, f.Message)
			fmt.Fprintf(b, "          %s %s\n", a.colour(dim, "fix:"), f.Fix)
		}
	}
	fmt.Fprintf(b, "\n%d of %d checklists ready; %s, %s (failing on %s).\n", ready, len(r.Results), plural(errs, "error"), plural(warns, "warning"), r.FailOn)
	if !r.Ready {
		for _, res := range r.Results {
			if !res.Ready {
				fmt.Fprintf(b, "Next: acctsetup onboard %s --env %s walks through what is left.\n", res.Provider, res.Environment)
				break
			}
		}
	}
}

// renderMarkdown prints the report for a pull request or wiki page.
func renderMarkdown(b *strings.Builder, r readiness.Report) {
	verdict := "ready"
	if !r.Ready {
		verdict = "not ready"
	}
	fmt.Fprintf(b, "# Integration readiness: %s\n\nChecked %s.\n\n", verdict, r.At.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(b, "| Provider | Environment | Ready | Steps done | Findings |\n|---|---|---|---|---|\n")
	for _, res := range r.Results {
		fmt.Fprintf(b, "| %s | %s | %s | %d/%d | %d |\n", res.Name, res.Environment, yesNo(res.Ready), res.Done, res.Total, len(res.Findings))
	}
	for _, res := range r.Results {
		if len(res.Findings) == 0 {
			continue
		}
		fmt.Fprintf(b, "\n## %s %s\n\n| Severity | Finding | Fix |\n|---|---|---|\n", res.Name, res.Environment)
		for _, f := range res.Findings {
			fmt.Fprintf(b, "| %s | %s | `%s` |\n", f.Severity, mdEscape(f.Message), f.Fix)
		}
	}
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// JUnit XML: one suite per checklist, one test case per error or warning,
// so CI systems show each finding as a failed test.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *struct{}     `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func renderJUnit(b *strings.Builder, r readiness.Report) error {
	out := junitSuites{Name: "acctsetup check"}
	for _, res := range r.Results {
		s := junitSuite{Name: res.Provider + "/" + res.Environment, Timestamp: r.At.Format("2006-01-02T15:04:05")}
		if len(res.Findings) == 0 {
			s.Cases = append(s.Cases, junitCase{Name: "ready", ClassName: s.Name})
		}
		for _, f := range res.Findings {
			c := junitCase{Name: f.ID, ClassName: s.Name}
			if f.Severity.AtLeast(r.FailOn) {
				c.Failure = &junitFailure{Message: f.Message, Type: string(f.Severity), Text: "fix: " + f.Fix}
				s.Failures++
			} else {
				c.Skipped = &struct{}{}
			}
			s.Cases = append(s.Cases, c)
		}
		s.Tests = len(s.Cases)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Suites = append(out.Suites, s)
	}
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(b)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("encode JUnit report: %w", err)
	}
	b.WriteString("\n")
	return nil
}

// plural formats a count with its noun: "1 error", "2 errors".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// htmlReport is a self-contained page for compliance reviewers; the
// template escapes every finding.
var htmlReport = template.Must(template.New("report").Funcs(template.FuncMap{"yesNo": yesNo}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Integration readiness</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin-bottom:1.5em}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}.no{color:#b00}.yes{color:#070}
.error{color:#b00}.warn{color:#a60}.info{color:#666}code{font-size:.9em}</style></head><body>
<h1>Integration readiness: {{if .Ready}}<span class="yes">ready</span>{{else}}<span class="no">not ready</span>{{end}}</h1>
<p>Checked {{.At.Format "2006-01-02 15:04 UTC"}}, failing on {{.FailOn}}.</p>
<table><tr><th>Provider</th><th>Environment</th><th>Ready</th><th>Steps done</th><th>Findings</th></tr>
{{range .Results}}<tr><td>{{.Name}}</td><td>{{.Environment}}</td><td class="{{yesNo .Ready}}">{{yesNo .Ready}}</td><td>{{.Done}}/{{.Total}}</td><td>{{len .Findings}}</td></tr>
{{end}}</table>
{{range .Results}}{{if .Findings}}<h2>{{.Name}} {{.Environment}}</h2>
<table><tr><th>Severity</th><th>Finding</th><th>Fix</th></tr>
{{range .Findings}}<tr><td class="{{.Severity}}">{{.Severity}}</td><td>{{.Message}}</td><td><code>{{.Fix}}</code></td></tr>
{{end}}</table>
{{end}}{{end}}</body></html>
`))

func renderHTML(b *strings.Builder, r readiness.Report) error {
	if err := htmlReport.Execute(b, r); err != nil {
		return fmt.Errorf("render HTML report: %w", err)
	}
	return nil
}
