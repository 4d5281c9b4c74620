package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/sqlstore"
	"github.com/acctsetup/acctsetup/mailbox/dovecottest"
)

// mailboxRun runs acctsetup commands against one folder's config.
type mailboxRun struct {
	t      *testing.T
	config string
}

func newMailboxRun(t *testing.T, srv *dovecottest.Server) *mailboxRun {
	t.Helper()
	dir := t.TempDir()
	config := filepath.Join(dir, "acctsetup.toml")
	text := fmt.Sprintf("[mailbox]\nhost = %q\nport = %d\ntls = \"none\"\nusername = %q\nauthserv_id = \"mx.acctsetup.test\"\n"+
		"\n[[providers]]\nid = \"xero\"\n\n[[providers]]\nid = \"quickbooksonline\"\n", srv.Host, srv.Port, dovecottest.User)
	if err := os.WriteFile(config, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &mailboxRun{t: t, config: config}
	r.ok(dovecottest.Password, "mailbox", "login")
	return r
}

// run returns the exit code, standard output and standard error.
func (r *mailboxRun) run(ctx context.Context, stdin string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	env := map[string]string{"ACCTSETUP_ACTOR": "ana"}
	code := mainWith(ctx, append([]string{"acctsetup", "--config", r.config}, args...),
		IO{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}, func(k string) string { return env[k] })
	return code, out.String(), errOut.String()
}

func (r *mailboxRun) ok(stdin string, args ...string) string {
	r.t.Helper()
	code, out, errOut := r.run(context.Background(), stdin, args...)
	if code != exitOK {
		r.t.Fatalf("acctsetup %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func (r *mailboxRun) scan() scanJSON {
	r.t.Helper()
	var got scanJSON
	if err := json.Unmarshal([]byte(r.ok("", "mailbox", "scan", "--json")), &got); err != nil {
		r.t.Fatal(err)
	}
	return got
}

// stepStatus returns a step's status and evidence from status --json.
func (r *mailboxRun) stepStatus(provider, env, step string) (string, string) {
	r.t.Helper()
	var got []struct {
		Provider, Environment string
		Steps                 []struct{ ID, Status, Evidence, Actor string }
	}
	if err := json.Unmarshal([]byte(r.ok("", "status", provider, "--env", env, "--json")), &got); err != nil {
		r.t.Fatal(err)
	}
	for _, c := range got {
		for _, s := range c.Steps {
			if s.ID == step {
				return s.Status, s.Evidence
			}
		}
	}
	r.t.Fatalf("no step %s/%s/%s in status", provider, env, step)
	return "", ""
}

// checkReasons checks that each sample named, by the start of its
// Message-ID, waits for review with a reason mentioning what it is mapped to.
func checkReasons(t *testing.T, review []reviewJSON, want map[string]string) {
	t.Helper()
	reasons := map[string]string{}
	for _, m := range review {
		reasons[strings.Split(m.MessageID, ".")[0]] = m.Reason
	}
	for name, reason := range want {
		if got, ok := reasons[name]; !ok || !strings.Contains(strings.ToLower(got), strings.ToLower(reason)) {
			t.Errorf("review reason for %s = %q (listed %v), want one mentioning %q", name, got, ok, reason)
		}
	}
}

func sample(t *testing.T, provider, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "providers", provider, "testdata", "mail", name+".eml"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestMailboxScanDovecot is the mailbox's acceptance against a real
// Dovecot: a verified approval advances its step with the message as
// evidence; forged, look-alike, forwarded, unauthenticated and
// other-server-vouched copies advance nothing and wait for review with
// the reason; scanning again counts nothing twice and fetches only what is
// new; a person accepts or dismisses what waits.
func TestMailboxScanDovecot(t *testing.T) {
	srv := dovecottest.New(t)
	r := newMailboxRun(t, srv)
	for _, name := range []string{"advance-certification-passed", "review-dkim-fail", "review-lookalike-domain",
		"review-forward", "review-no-results", "review-forged-results", "ignore-unrelated"} {
		srv.Deliver(t, sample(t, "xero", name))
	}
	srv.Deliver(t, sample(t, "quickbooksonline", "review-untrusted-only"))

	got := r.scan()
	if got.Fetched == 0 || len(got.Advanced) != 1 {
		t.Fatalf("first scan = %+v, want one step advanced", got)
	}
	want := advancedJSON{Provider: "xero", Environment: "production", Step: "pass-certification", MessageID: "advance-certification-passed.xero@mail.example", Status: "done"}
	if got.Advanced[0] != want {
		t.Errorf("advanced %+v, want %+v", got.Advanced[0], want)
	}
	if status, evidence := r.stepStatus("xero", "production", "pass-certification"); status != "done" || evidence != "<"+want.MessageID+">" {
		t.Errorf("pass-certification = %s with evidence %q, want done with the message", status, evidence)
	}
	checkReasons(t, got.Review, map[string]string{
		"review-dkim-fail":        "dkim=fail",
		"review-lookalike-domain": "look-alike",
		"review-forward":          "forward",
		"review-no-results":       "no authentication results",
		"review-forged-results":   "mx.acctsetup.test",
		"review-untrusted-only":   "not trusted",
	})
	if len(got.Review) != 6 {
		t.Errorf("review has %d messages, want 6: %+v", len(got.Review), got.Review)
	}
	var review []reviewJSON
	if err := json.Unmarshal([]byte(r.ok("", "mailbox", "review", "--json")), &review); err != nil || len(review) != 6 {
		t.Errorf("mailbox review = %d messages, %v; want the 6", len(review), err)
	}

	// Again: nothing new is fetched, nothing counts twice.
	if again := r.scan(); again.Fetched != 0 || len(again.Advanced) != 0 || len(again.Review) != 0 {
		t.Errorf("second scan = %+v, want nothing", again)
	}
	srv.Deliver(t, sample(t, "xero", "advance-email-verified"))
	third := r.scan()
	if third.Fetched != 1 || len(third.Advanced) != 2 { // verify-email is in both environments
		t.Errorf("scan after one delivery = %+v, want 1 fetched and verify-email advanced in both environments", third)
	}
	// A rejection blocks the step it concerns, and says so.
	srv.Deliver(t, sample(t, "xero", "advance-certification-declined"))
	out := r.ok("", "mailbox", "scan")
	if !strings.Contains(out, "marked xero/production/pass-certification blocked with <advance-certification-declined.xero@mail.example>") {
		t.Errorf("scan of a rejection printed %q, want the step marked blocked", out)
	}
	if status, _ := r.stepStatus("xero", "production", "pass-certification"); status != "blocked" {
		t.Errorf("pass-certification after the rejection = %s, want blocked", status)
	}

	// A person decides what waits.
	lookalike := "review-lookalike-domain"
	for _, m := range review {
		if strings.HasPrefix(m.MessageID, lookalike) {
			lookalike = m.MessageID
		}
	}
	r.ok("", "mailbox", "accept", lookalike, "xero", "apply-partner", "--env", "production")
	if status, evidence := r.stepStatus("xero", "production", "apply-partner"); status != "done" || evidence != "<"+lookalike+">" {
		t.Errorf("after accept, apply-partner = %s, %q", status, evidence)
	}
	r.ok("", "mailbox", "dismiss", "review-no-results", "--note", "a test")
	if code, _, errOut := r.run(context.Background(), "", "mailbox", "dismiss", "review-no-results"); code != exitNotReady || !strings.Contains(errOut, "waits for review") {
		t.Errorf("dismissing twice: exit %d, %q", code, errOut)
	}
	if code, _, errOut := r.run(context.Background(), "", "mailbox", "accept", "review-dkim", "xero", "store-keys"); code != exitUsage || !strings.Contains(errOut, "credential step") {
		t.Errorf("accepting for a derived step: exit %d, %q", code, errOut)
	}
	var left []reviewJSON
	json.Unmarshal([]byte(r.ok("", "mailbox", "review", "--json")), &left)
	if len(left) != 4 {
		t.Errorf("review after accept and dismiss has %d, want 4", len(left))
	}
	log := r.ok("", "audit", "log", "--json")
	for _, want := range []string{`"actor": "mailbox"`, `"action": "mailbox.advanced"`, `"action": "mailbox.review"`, `"action": "mailbox.accept"`, `"action": "mailbox.dismiss"`} {
		if !strings.Contains(log, want) {
			t.Errorf("audit log lacks %s", want)
		}
	}
	r.ok("", "audit", "verify")
}

// TestMailboxWatchDovecot: watch records a delivered approval, survives
// Dovecot restarting mid-watch, records what arrived meanwhile once, and
// stops cleanly when cancelled.
func TestMailboxWatchDovecot(t *testing.T) {
	srv := dovecottest.New(t)
	r := newMailboxRun(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var stderr string
	go func() {
		code, _, errOut := r.run(ctx, "", "mailbox", "watch")
		stderr = errOut
		done <- code
	}()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second) // a failure guard, not a timing target
		for !ok() {
			if time.Now().After(deadline) {
				cancel()
				<-done
				t.Fatalf("watch: %s never happened\n%s", what, stderr)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// The state is read directly while watch runs: running a second
	// command in this process at once would race on urfave/cli's globals.
	st, _, err := sqlstore.Open(context.Background(), "sqlite://"+filepath.Join(filepath.Dir(r.config), ".acctsetup", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stepDone := func(env, step string) func() bool {
		return func() bool {
			records, err := st.Steps(context.Background(), "xero", env)
			return err == nil && slices.ContainsFunc(records, func(r checklists.StepRecord) bool {
				return r.Step == step && r.Status == checklists.Done
			})
		}
	}
	srv.Deliver(t, sample(t, "xero", "advance-certification-passed"))
	waitFor("certification recorded", stepDone("production", "pass-certification"))

	srv.Restart(t)
	srv.Deliver(t, sample(t, "xero", "advance-email-verified"))
	waitFor("email verification recorded after a restart", stepDone("sandbox", "verify-email"))

	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("watch exited %d after cancel, want 0\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "reconnecting") || !strings.Contains(stderr, "stopped") {
		t.Errorf("watch log lacks the reconnect or the stop:\n%s", stderr)
	}
	var events []struct{ Action, Detail string }
	json.Unmarshal([]byte(r.ok("", "audit", "log", "--json")), &events)
	advanced := slices.DeleteFunc(events, func(e struct{ Action, Detail string }) bool { return e.Action != "mailbox.advanced" })
	if len(advanced) != 2 {
		t.Errorf("%d mailbox.advanced events, want 2 (each message once): %+v", len(advanced), advanced)
	}
}

// TestMailboxPlaintextRefused: a plaintext connection to a host that is
// not loopback is refused before any connection, so no credential leaves.
func TestMailboxPlaintextRefused(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "acctsetup.toml")
	text := "[mailbox]\nhost = \"192.0.2.1\"\nport = 143\ntls = \"none\"\nusername = \"team@example.com\"\nauthserv_id = \"mx.example.com\"\n"
	if err := os.WriteFile(config, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &mailboxRun{t: t, config: config}
	code, _, errOut := r.run(context.Background(), "hunter2-password", "mailbox", "login")
	if code != exitUsage || !strings.Contains(errOut, "loopback") || strings.Contains(errOut, "hunter2") {
		t.Errorf("login over plaintext to 192.0.2.1: exit %d, %q; want a usage error about loopback", code, errOut)
	}
}
