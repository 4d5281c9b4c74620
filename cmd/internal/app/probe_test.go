package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/providers/probe/probetest"
)

// probeSecrets are the values stored for TestCheckProbe, by provider and
// environment. None may appear in any output.
var probeSecrets = map[string]map[string]string{
	"xero/sandbox":                {"client_id": "4F1A0C2B9D8E7F6A5B4C3D2E1F0A9B8C", "client_secret": "XeroGoodSecret-0123456789abcdefghij"},
	"xero/production":             {"client_id": "5F1A0C2B9D8E7F6A5B4C3D2E1F0A9B8C", "client_secret": "XeroBadSecret-0123456789abcdefghijk"},
	"quickbooksonline/sandbox":    {"client_id": "ABkq7Xo2Yd9Vn4Lm3Pq8Rs5Tu1Wx6Zc0Fg2Hj9Kl4Mn7Bp3Qe", "client_secret": "IntuitSandboxSecret0123456789"},
	"quickbooksonline/production": {"client_id": "CDkq7Xo2Yd9Vn4Lm3Pq8Rs5Tu1Wx6Zc0Fg2Hj9Kl4Mn7Bp3Qe", "client_secret": "IntuitProductionSecret01234567"},
	"codat/production":            {"api_key": "CodatKeyThatHangs0123456789abcdef"},
}

// imitation answers each probe as its provider documents, by where the
// request goes and which credentials it carries: good Xero sandbox keys,
// a bad Xero production secret, Intuit rate-limited in sandbox and failing
// in production, and Codat never answering. It records every request body.
type imitation struct {
	mu       sync.Mutex
	requests []string
	hang     chan struct{}
}

func (im *imitation) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	im.mu.Lock()
	im.requests = append(im.requests, r.Host+r.URL.Path+"?"+r.URL.RawQuery+" "+string(body))
	im.mu.Unlock()
	_, secret, _ := r.BasicAuth()
	secret, _ = url.QueryUnescape(secret)
	switch {
	case r.Host == "identity.xero.com" && secret == probeSecrets["xero/sandbox"]["client_secret"]:
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"invalid_grant"}`)
	case r.Host == "identity.xero.com":
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"invalid_client"}`)
	case r.Host == "oauth.platform.intuit.com" && secret == probeSecrets["quickbooksonline/sandbox"]["client_secret"]:
		w.WriteHeader(http.StatusTooManyRequests)
	case r.Host == "oauth.platform.intuit.com":
		w.WriteHeader(http.StatusServiceUnavailable)
	default: // api.codat.io: no answer until the test ends
		<-im.hang
	}
}

type probeJSON struct {
	Results []struct {
		Provider    string `json:"provider"`
		Environment string `json:"environment"`
		Findings    []struct {
			ID       string `json:"id"`
			Severity string `json:"severity"`
			Message  string `json:"message"`
			Fix      string `json:"fix"`
		} `json:"findings"`
		Probe *struct {
			Verdict string `json:"verdict"`
			Field   string `json:"field"`
			Detail  string `json:"detail"`
		} `json:"probe"`
	} `json:"results"`
}

// TestCheckProbe runs check --probe against local imitations of the
// providers' endpoints: a good credential is valid, a bad one rejected
// with the rotate command as the fix, a 429, a 503 and a timeout are
// unknown, the check finishes within the timeout plus a second, no refresh
// token is sent, and no secret reaches any output. Without --probe nothing
// is sent at all.
func TestCheckProbe(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "acctsetup.toml")
	im := &imitation{hang: make(chan struct{})}
	defer close(im.hang)
	client := probetest.Client(t, im)
	var outputs strings.Builder
	run := func(stdin string, args ...string) (int, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		env := map[string]string{"ACCTSETUP_ACTOR": "ana"}
		code := mainWith(context.Background(), append([]string{"acctsetup", "--config", config}, args...),
			IO{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}, func(k string) string { return env[k] },
			func(a *app) { a.client = client })
		outputs.WriteString(out.String() + errOut.String())
		return code, out.String()
	}
	for ref, fields := range probeSecrets {
		provider, env, _ := strings.Cut(ref, "/")
		for field, value := range fields {
			if code, out := run(value+"\n", "secret", "set", provider, field, "--env", env); code != exitOK {
				t.Fatalf("secret set %s %s: exit %d: %s", ref, field, code, out)
			}
		}
	}

	if code, _ := run("", "check", "xero", "quickbooksonline", "codat"); code != exitNotReady {
		t.Fatalf("check without --probe: exit %d", code)
	}
	if len(im.requests) != 0 {
		t.Fatalf("check without --probe sent %d requests", len(im.requests))
	}
	// A provider without a probe, or without stored credentials: nothing is
	// sent, and the run says why.
	if code, _ := run("", "check", "wave", "--probe"); code != exitNotReady || len(im.requests) != 0 ||
		!strings.Contains(outputs.String(), "nothing to probe: no checklist of a provider with a live probe (businesscentral, codat, quickbooksonline, sageintacct, xero) has its credentials stored") {
		t.Fatalf("check wave --probe: exit %d, %d requests; want exit 1, none, and the reason:\n%s", code, len(im.requests), outputs.String())
	}

	const timeout = 500 * time.Millisecond
	start := time.Now()
	code, out := run("", "check", "xero", "quickbooksonline", "codat", "--probe", "--probe-timeout", timeout.String(), "--json")
	if elapsed := time.Since(start); elapsed > timeout+time.Second {
		t.Errorf("check --probe took %v with a %v probe timeout", elapsed, timeout)
	}
	if code != exitNotReady {
		t.Errorf("check --probe: exit %d, want %d", code, exitNotReady)
	}
	var report probeJSON
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatalf("check --probe --json: %v\n%s", err, out)
	}
	want := map[string]struct{ verdict, field, finding, fix string }{
		"xero/sandbox": {verdict: "valid"},
		"xero/production": {verdict: "rejected", field: "client_secret", finding: "xero/production/credential-rejected/client_secret",
			fix: "acctsetup secret rotate xero client_secret --env production"},
		"quickbooksonline/sandbox": {verdict: "unknown", finding: "quickbooksonline/sandbox/credential-probe-unknown",
			fix: "acctsetup check quickbooksonline --env sandbox --probe"},
		"quickbooksonline/production": {verdict: "unknown", finding: "quickbooksonline/production/credential-probe-unknown",
			fix: "acctsetup check quickbooksonline --env production --probe"},
		"codat/production": {verdict: "unknown", finding: "codat/production/credential-probe-unknown",
			fix: "acctsetup check codat --env production --probe"},
	}
	for _, res := range report.Results {
		ref := res.Provider + "/" + res.Environment
		w, probed := want[ref]
		switch {
		case !probed && res.Probe != nil:
			t.Errorf("%s: probed %+v though no credentials are stored", ref, res.Probe)
		case !probed:
		case res.Probe == nil || res.Probe.Verdict != w.verdict || res.Probe.Field != w.field:
			t.Errorf("%s: probe %+v, want %s %s", ref, res.Probe, w.verdict, w.field)
		default:
			found := w.finding == ""
			for _, f := range res.Findings {
				if strings.Contains(f.ID, "credential-rejected") || strings.Contains(f.ID, "credential-probe") {
					found = found || (f.ID == w.finding && f.Fix == w.fix)
					if f.ID != w.finding {
						t.Errorf("%s: finding %s, want only %q", ref, f.ID, w.finding)
					}
				}
			}
			if !found {
				t.Errorf("%s: no finding %s with fix %q in %+v", ref, w.finding, w.fix, res.Findings)
			}
		}
		delete(want, ref)
	}
	if len(want) > 0 {
		t.Errorf("no results for %v", want)
	}
	for _, details := range []string{"HTTP 429: rate limited", "HTTP 503: the provider's server failed", "no answer in time"} {
		if !strings.Contains(out, details) {
			t.Errorf("output lacks %q", details)
		}
	}

	im.mu.Lock()
	requests := slices.Clone(im.requests)
	im.mu.Unlock()
	if len(requests) != 5 {
		t.Errorf("%d requests, want one per probed checklist (5)", len(requests))
	}
	for _, r := range requests {
		if strings.Contains(r, "refresh_token") {
			t.Errorf("a probe sent a refresh token: %s", r)
		}
	}
	code, text := run("", "check", "xero", "--env", "sandbox", "--probe")
	if code != exitNotReady || !strings.Contains(text, "probe the live endpoint accepted the stored credentials: HTTP 400 invalid_grant") {
		t.Errorf("text report: exit %d\n%s", code, text)
	}
	code, log := run("", "audit", "log")
	if code != exitOK || !strings.Contains(log, "probed 5: 1 valid, 1 rejected, 3 unknown") {
		t.Errorf("audit log lacks the probe summary:\n%s", log)
	}
	for ref, fields := range probeSecrets {
		for field, value := range fields {
			if strings.Contains(outputs.String(), value) {
				t.Errorf("%s %s reached the output", ref, field)
			}
		}
	}
}
