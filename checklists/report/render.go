package report

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/acctsetup/acctsetup/checklists/readiness"
)

// Formats the report renders in.
var Formats = []string{"text", "markdown", "html", "json"}

// Render writes the report in format (one of Formats).
func Render(w io.Writer, r *Report, format string) error {
	switch format {
	case "text":
		return renderText(w, r)
	case "markdown":
		return renderMarkdown(w, r)
	case "html":
		return renderHTML(w, r)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false) // evidence such as <message-id> reads as written
		return enc.Encode(r)
	}
	return fmt.Errorf("report: unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

const stamp = "2006-01-02 15:04 UTC"

// section is one list of changes, as every renderer titles it.
type section struct {
	Title   string
	Changes []Change
}

// sections are a checklist's lists of changes, in reading order.
func (cl Checklist) sections() []section {
	all := []section{
		{"Steps done", cl.StepsDone}, {"Steps undone", cl.StepsUndone}, {"Steps blocked", cl.StepsBlocked},
		{"Approvals by e-mail", cl.Approvals}, {"Secrets", cl.Secrets}, {"Questionnaire answers", cl.Answers},
		{"Sign-offs", cl.SignOffs}, {"Obligations met", cl.ObligationsMet},
	}
	var out []section
	for _, s := range all {
		if len(s.Changes) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// Title names the checklist: "Xero production", or "Xero (every
// environment)" for provider-wide changes.
func (cl Checklist) Title() string {
	if cl.Environment == "" {
		return cl.Name + " (every environment)"
	}
	return cl.Name + " " + cl.Environment
}

// Verdict says how the checklist's readiness moved.
func (cl Checklist) Verdict() string {
	switch {
	case cl.Environment == "":
		return ""
	case cl.WasReady && !cl.Ready:
		return "no longer ready"
	case !cl.WasReady && cl.Ready:
		return "now ready"
	case cl.Ready:
		return "ready"
	}
	return "not ready"
}

// Heading is the title with the verdict: "Xero production: not ready".
func (cl Checklist) Heading() string {
	if v := cl.Verdict(); v != "" {
		return cl.Title() + ": " + v
	}
	return cl.Title()
}

// Line describes a change in words: "create-app done by priya on
// 2026-12-01 10:00 UTC: evidence: ...".
func (c Change) Line() string {
	s := fmt.Sprintf("%s by %s on %s", c.What(), c.Actor, c.At.Format(stamp))
	if c.Detail != "" {
		s += ": " + c.Detail
	}
	return s
}

// What is the change without who and when.
func (c Change) What() string {
	verb := map[string]string{
		"step.done": "done", "step.undo": "undone", "step.block": "blocked",
		"mailbox.advanced": "recorded from a verified e-mail", "mailbox.accept": "accepted from an e-mail",
		"secret.set": "set", "secret.rotate": "rotated", "secret.rm": "removed", "otp.enroll": "enrolled",
		"questionnaire.answer": "answered", "questionnaire.signoff": "signed off", "calendar.done": "met",
	}[c.Action]
	if verb == "" {
		verb = c.Action
	}
	if c.Subject == "" {
		return verb
	}
	return c.Subject + " " + verb
}

// Summary is the report's verdict in one line.
func (r *Report) Summary() string {
	switch {
	case r.From == nil:
		return "only one check run is stored: nothing to compare yet"
	case r.Regressed:
		return "regressed: something that worked no longer does"
	case len(r.Checklists) == 0:
		return "no changes"
	}
	return "no regressions"
}

func runLine(name string, run Run) string {
	verdict := "ready"
	if !run.Ready {
		verdict = "not ready"
	}
	s := fmt.Sprintf("%s: run %d on %s, %s, %s, %s", name, run.ID, run.At.Format(stamp), verdict, count(run.Errors, "error"), count(run.Warns, "warning"))
	if run.Head != "" {
		s += ", audit head " + run.Head
	}
	return s
}

func renderText(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Readiness report since %s: %s\n", r.Since.UTC().Format(stamp), r.Summary())
	if r.From != nil {
		fmt.Fprintf(&b, "  %s\n", runLine("from", *r.From))
	}
	fmt.Fprintf(&b, "  %s\n", runLine("to  ", r.To))
	for _, cl := range r.Checklists {
		fmt.Fprintf(&b, "\n%s", cl.Heading())
		if cl.Regressed {
			b.WriteString(" [regressed]")
		}
		b.WriteString("\n")
		findingsText(&b, "Newly failing", cl.NewlyFailing)
		findingsText(&b, "Newly fixed", cl.NewlyFixed)
		for _, s := range cl.sections() {
			fmt.Fprintf(&b, "  %s:\n", s.Title)
			for _, c := range s.Changes {
				fmt.Fprintf(&b, "    %s\n", c.Line())
			}
		}
	}
	if len(r.Expiring) > 0 {
		b.WriteString("\nSecrets expiring soon:\n")
		for _, e := range r.Expiring {
			fmt.Fprintf(&b, "  %s/%s %s expires %s\n", e.Provider, e.Environment, e.Field, e.ExpiresAt.Format(time.DateOnly))
		}
	}
	if r.To.Head != "" {
		fmt.Fprintf(&b, "\nKeep the audit head outside the database; later: acctsetup audit verify --head %s\n", r.To.Head)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func findingsText(b *strings.Builder, title string, fs []readiness.Finding) {
	if len(fs) == 0 {
		return
	}
	fmt.Fprintf(b, "  %s:\n", title)
	for _, f := range fs {
		fmt.Fprintf(b, "    %-5s %s\n          fix: %s\n", f.Severity, f.Message, f.Fix)
	}
}

func renderMarkdown(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Readiness report\n\nSince %s: **%s**.\n\n", r.Since.UTC().Format(stamp), r.Summary())
	if r.From != nil {
		fmt.Fprintf(&b, "- %s\n", runLine("From", *r.From))
	}
	fmt.Fprintf(&b, "- %s\n", runLine("To", r.To))
	for _, cl := range r.Checklists {
		fmt.Fprintf(&b, "\n## %s", cl.Heading())
		if cl.Regressed {
			b.WriteString(" (regressed)")
		}
		b.WriteString("\n")
		findingsMarkdown(&b, "Newly failing", cl.NewlyFailing)
		findingsMarkdown(&b, "Newly fixed", cl.NewlyFixed)
		for _, s := range cl.sections() {
			fmt.Fprintf(&b, "\n%s:\n\n", s.Title)
			for _, c := range s.Changes {
				fmt.Fprintf(&b, "- %s\n", mdEscape(c.Line()))
			}
		}
	}
	if len(r.Expiring) > 0 {
		b.WriteString("\n## Secrets expiring soon\n\n| Provider | Environment | Field | Expires |\n|---|---|---|---|\n")
		for _, e := range r.Expiring {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", e.Provider, e.Environment, e.Field, e.ExpiresAt.Format(time.DateOnly))
		}
	}
	if r.To.Head != "" {
		fmt.Fprintf(&b, "\nAudit head: `%s` (later: `acctsetup audit verify --head %s`).\n", r.To.Head, r.To.Head)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func findingsMarkdown(b *strings.Builder, title string, fs []readiness.Finding) {
	if len(fs) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s:\n\n| Severity | Finding | Fix |\n|---|---|---|\n", title)
	for _, f := range fs {
		fmt.Fprintf(b, "| %s | %s | `%s` |\n", f.Severity, mdEscape(f.Message), f.Fix)
	}
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// chart is the SVG of ready checklists over the charted runs.
type chart struct {
	Width, Height int
	// The plot's edges: Left and Right in x, Top and Bottom in y.
	Left, Right, Top, Bottom int
	Line                     string // polyline points
	Dots                     []dot
	Max                      int
	First, Last              string
}

type dot struct {
	X, Y  int
	Title string
}

func newChart(points []Point) chart {
	c := chart{Width: 640, Height: 160, Left: 40, Right: 630, Top: 10, Bottom: 130}
	for _, p := range points {
		c.Max = max(c.Max, p.Total)
	}
	if c.Max == 0 {
		c.Max = 1
	}
	if len(points) > 0 {
		c.First, c.Last = points[0].At.Format(time.DateOnly), points[len(points)-1].At.Format(time.DateOnly)
	}
	plotW, plotH := c.Right-c.Left, c.Bottom-c.Top
	var line []string
	for i, p := range points {
		x := c.Left + plotW/2
		if len(points) > 1 {
			x = c.Left + i*plotW/(len(points)-1)
		}
		y := c.Bottom - p.Ready*plotH/c.Max
		line = append(line, fmt.Sprintf("%d,%d", x, y))
		c.Dots = append(c.Dots, dot{X: x, Y: y, Title: fmt.Sprintf("%s: %d of %d ready, %d errors", p.At.Format(stamp), p.Ready, p.Total, p.Errors)})
	}
	c.Line = strings.Join(line, " ")
	return c
}

var htmlPage = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Readiness report</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1d2430;max-width:60rem}
h1{font-size:1.6rem}h2{font-size:1.15rem;margin-top:1.8rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
h3{font-size:1rem;margin:.8rem 0 .3rem}
.regressed{color:#b42318}.ok{color:#067647}.muted{color:#57606a}
table{border-collapse:collapse;width:100%;margin:.4rem 0}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
th{background:#f6f8fa}code{font-size:.85rem;background:#f6f8fa;padding:0 .2rem}
ul{margin:.2rem 0 .6rem 1.2rem;padding:0}li{margin:.15rem 0}
svg{width:100%;max-width:640px;height:auto;border:1px solid #d0d7de}
.error{color:#b42318;font-weight:600}.warn{color:#9a6700;font-weight:600}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,li{break-inside:avoid}a{color:inherit}}
</style></head><body>
<h1>Readiness report: <span class="{{if .R.Regressed}}regressed{{else}}ok{{end}}">{{.R.Summary}}</span></h1>
<p class="muted">Since {{.Since}}.</p>
<ul>{{with .From}}<li>{{.}}</li>{{end}}<li>{{.To}}</li></ul>
{{with .Chart}}<h2>Checklists ready, run by run</h2>
<svg viewBox="0 0 {{.Width}} {{.Height}}" role="img" aria-label="Checklists ready over the stored check runs">
<line x1="{{.Left}}" y1="{{.Bottom}}" x2="{{.Right}}" y2="{{.Bottom}}" stroke="#8c959f"/><line x1="{{.Left}}" y1="{{.Top}}" x2="{{.Left}}" y2="{{.Bottom}}" stroke="#8c959f"/>
<text x="34" y="{{.Top}}" dy="4" font-size="11" text-anchor="end" fill="#57606a">{{.Max}}</text><text x="34" y="{{.Bottom}}" dy="4" font-size="11" text-anchor="end" fill="#57606a">0</text>
<text x="{{.Left}}" y="{{.Bottom}}" dy="18" font-size="11" fill="#57606a">{{.First}}</text><text x="{{.Right}}" y="{{.Bottom}}" dy="18" font-size="11" text-anchor="end" fill="#57606a">{{.Last}}</text>
<polyline fill="none" stroke="#0969da" stroke-width="2" points="{{.Line}}"/>
{{range .Dots}}<circle cx="{{.X}}" cy="{{.Y}}" r="3.5" fill="#0969da"><title>{{.Title}}</title></circle>
{{end}}</svg>{{end}}
{{range .R.Checklists}}<h2>{{.Heading}}{{if .Regressed}} <span class="regressed">(regressed)</span>{{end}}</h2>
{{with .NewlyFailing}}<h3>Newly failing</h3><table><tr><th>Severity</th><th>Finding</th><th>Fix</th></tr>
{{range .}}<tr><td class="{{.Severity}}">{{.Severity}}</td><td>{{.Message}}</td><td><code>{{.Fix}}</code></td></tr>
{{end}}</table>{{end}}
{{with .NewlyFixed}}<h3>Newly fixed</h3><table><tr><th>Was</th><th>Finding</th></tr>
{{range .}}<tr><td class="muted">{{.Severity}}</td><td>{{.Message}}</td></tr>
{{end}}</table>{{end}}
{{range .Sections}}<h3>{{.Title}}</h3><ul>{{range .Changes}}<li>{{.Line}}</li>{{end}}</ul>
{{end}}{{end}}
{{with .R.Expiring}}<h2>Secrets expiring soon</h2><table><tr><th>Provider</th><th>Environment</th><th>Field</th><th>Expires</th></tr>
{{range .}}<tr><td>{{.Provider}}</td><td>{{.Environment}}</td><td><code>{{.Field}}</code></td><td>{{.ExpiresAt.Format "2006-01-02"}}</td></tr>
{{end}}</table>{{end}}
{{if .R.To.Head}}<p class="muted">Audit head <code>{{.R.To.Head}}</code>: keep it outside the database and check it later with <code>acctsetup audit verify --head {{.R.To.Head}}</code>.</p>{{end}}
</body></html>
`))

// htmlChecklist gives the template a checklist with its sections.
type htmlChecklist struct {
	Checklist
	Sections []section
}

func renderHTML(w io.Writer, r *Report) error {
	data := struct {
		R               *reportView
		Since, From, To string
		Chart           *chart
	}{R: newReportView(r), Since: r.Since.UTC().Format(stamp), To: runLine("To", r.To)}
	if r.From != nil {
		data.From = runLine("From", *r.From)
	}
	if len(r.History) > 0 {
		c := newChart(r.History)
		data.Chart = &c
	}
	return htmlPage.Execute(w, data)
}

// reportView is the report with each checklist's sections, for the
// template.
type reportView struct {
	*Report
	Checklists []htmlChecklist
}

func newReportView(r *Report) *reportView {
	v := &reportView{Report: r}
	for _, cl := range r.Checklists {
		v.Checklists = append(v.Checklists, htmlChecklist{Checklist: cl, Sections: cl.sections()})
	}
	return v
}

// count is "1 error", "2 errors".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
