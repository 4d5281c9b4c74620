package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/sqlstore"
	"github.com/acctsetup/acctsetup/mailbox/oauthtest"
	agevault "github.com/acctsetup/acctsetup/vault/age"
)

// newOAuthRun writes a config whose mailbox is an oauthtest IMAP server with
// the preset's OAuth flow and trust rule, tokens coming from a local token
// server issuing tokens of the given lifetime.
func newOAuthRun(t *testing.T, preset string, lifetime time.Duration) (*mailboxRun, *oauthtest.TokenServer, *oauthtest.IMAPServer) {
	t.Helper()
	tokens := oauthtest.NewTokenServer(t, lifetime)
	srv := oauthtest.NewIMAPServer(t, tokens)
	config := filepath.Join(t.TempDir(), "acctsetup.toml")
	text := fmt.Sprintf("[mailbox]\npreset = %q\nhost = %q\nport = %d\ntls = \"none\"\nusername = %q\ntoken_url = %q\n\n[[providers]]\nid = \"xero\"\n",
		preset, srv.Host, srv.Port, oauthtest.User, tokens.URL)
	if err := os.WriteFile(config, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return &mailboxRun{t: t, config: config}, tokens, srv
}

// microsoftLogin is what mailbox login --oauth reads for Microsoft 365.
var microsoftLogin = strings.Join([]string{oauthtest.TenantID, oauthtest.ClientID, oauthtest.ClientSecret}, "\n") + "\n"

// vaultValues decrypts the run's age vault and returns its values by
// provider/environment/field.
func vaultValues(t *testing.T, r *mailboxRun) map[string]string {
	t.Helper()
	dir := filepath.Join(filepath.Dir(r.config), ".acctsetup")
	data, err := os.ReadFile(filepath.Join(dir, "vault.age"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := agevault.LoadOrCreateIdentity(filepath.Join(dir, "identity.txt"))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := age.Decrypt(bytes.NewReader(data), id)
	if err != nil {
		t.Fatal(err)
	}
	var contents struct {
		Secrets []struct{ Provider, Environment, Field, Value string }
	}
	if err := json.NewDecoder(plain).Decode(&contents); err != nil {
		t.Fatal(err)
	}
	values := map[string]string{}
	for _, s := range contents.Secrets {
		values[s.Provider+"/"+s.Environment+"/"+s.Field] = s.Value
	}
	return values
}

// The tests here run commands, so none is parallel: commands running at
// once in one process race on urfave/cli's globals.

// TestMailboxLoginOAuth: login --oauth checks the client credentials by
// getting a token and logging in with it, stores the credentials and never
// a token, and refuses wrong ones storing nothing; scan then logs in with
// tokens of its own, and the Microsoft 365 preset's trust rule lets only the
// genuine Exchange Online sample advance.
func TestMailboxLoginOAuth(t *testing.T) {
	r, tokens, srv := newOAuthRun(t, "microsoft365", time.Hour)

	wrong := strings.Replace(microsoftLogin, oauthtest.ClientSecret, "stale~client-secret", 1)
	code, _, errOut := r.run(context.Background(), wrong, "mailbox", "login", "--oauth")
	if code != exitNotReady || !strings.Contains(errOut, "invalid_client") || !strings.Contains(errOut, "mailbox login --oauth") || strings.Contains(errOut, "stale~client-secret") {
		t.Errorf("login with a wrong client secret: exit %d\n%s", code, errOut)
	}
	if values := vaultValues(t, r); len(values) != 0 {
		t.Errorf("a refused login stored %v", slices.Sorted(maps.Keys(values)))
	}

	out := r.ok(microsoftLogin, "mailbox", "login", "--oauth")
	if !strings.Contains(out, "with an access token from "+tokens.URL) || !strings.Contains(out, "stored mailbox/imap/tenant_id, mailbox/imap/client_id, mailbox/imap/client_secret") {
		t.Errorf("login --oauth printed %q", out)
	}
	want := map[string]string{"mailbox/imap/tenant_id": oauthtest.TenantID, "mailbox/imap/client_id": oauthtest.ClientID, "mailbox/imap/client_secret": oauthtest.ClientSecret}
	if got := vaultValues(t, r); !maps.Equal(got, want) {
		t.Errorf("the vault holds %v, want exactly the client credentials %v", got, want)
	}

	for _, name := range []string{"advance-exchange-online", "review-exchange-forged-below", "review-exchange-forged-above", "review-exchange-forged-arc"} {
		srv.Deliver(t, sample(t, "xero", name))
	}
	got := r.scan()
	if len(got.Advanced) != 1 || got.Advanced[0].MessageID != "advance-exchange-online.xero@mail.example" || got.Advanced[0].Step != "pass-certification" {
		t.Errorf("scan advanced %+v, want pass-certification by the genuine Exchange Online sample alone", got.Advanced)
	}
	if status, evidence := r.stepStatus("xero", "production", "pass-certification"); status != "done" || evidence != "<advance-exchange-online.xero@mail.example>" {
		t.Errorf("pass-certification = %s with %q, want done with the genuine sample", status, evidence)
	}
	checkReasons(t, got.Review, map[string]string{
		"review-exchange-forged-below": "dmarc=fail header.from=xero.com (Exchange Online)",
		"review-exchange-forged-above": "names mx.microsoft.com, so it was added after Exchange Online",
		"review-exchange-forged-arc":   "dmarc=fail header.from=xero.com (Exchange Online)",
	})
	if srv.Refused() != 0 || srv.Logins() != 2 || tokens.Issued() != 2 || tokens.Requests() != 3 {
		t.Errorf("%d refused and %d good logins, %s; want the wrong secret refused by the token server, a token for login and one for scan",
			srv.Refused(), srv.Logins(), tokens)
	}
}

// TestMailboxLoginOAuthGoogle: the Gmail preset stores the client and its
// refresh token.
func TestMailboxLoginOAuthGoogle(t *testing.T) {
	r, tokens, _ := newOAuthRun(t, "gmail", time.Hour)
	r.ok(strings.Join([]string{oauthtest.ClientID, oauthtest.ClientSecret, oauthtest.RefreshToken}, "\n")+"\n", "mailbox", "login", "--oauth")
	want := map[string]string{"mailbox/imap/client_id": oauthtest.ClientID, "mailbox/imap/client_secret": oauthtest.ClientSecret, "mailbox/imap/refresh_token": oauthtest.RefreshToken}
	if got := vaultValues(t, r); !maps.Equal(got, want) {
		t.Errorf("the vault holds %v, want %v", got, want)
	}
	if got := r.scan(); got.Fetched != 0 || tokens.Issued() != 2 {
		t.Errorf("scan of an empty mailbox = %+v, %s; want nothing fetched, a new token", got, tokens)
	}
}

// TestMailboxWatchOAuth is acceptance 1 of issue 11: with the token server
// issuing 60-second tokens, mailbox watch keeps recording approvals for five
// minutes, the token server sees refreshes, and no IMAP login fails (nor
// does the server ever end a session for an expired token). It takes five
// minutes: skipped with -short.
func TestMailboxWatchOAuth(t *testing.T) {
	if testing.Short() {
		t.Skip("takes five minutes of watching; run without -short")
	}
	const (
		lifetime = time.Minute
		run      = 5 * time.Minute
		every    = 15 * time.Second
	)
	r, tokens, srv := newOAuthRun(t, "microsoft365", lifetime)
	r.ok(microsoftLogin, "mailbox", "login", "--oauth")
	st, _, err := sqlstore.Open(context.Background(), "sqlite://"+filepath.Join(filepath.Dir(r.config), ".acctsetup", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu     sync.Mutex
		stderr bytes.Buffer
	)
	done := make(chan int, 1)
	go func() {
		code := mainWith(ctx, []string{"acctsetup", "--config", r.config, "mailbox", "watch"},
			IO{In: strings.NewReader(""), Out: io.Discard, ErrOut: lockedWriter{&mu, &stderr}}, func(k string) string { return "" })
		done <- code
	}()
	log := func() string {
		mu.Lock()
		defer mu.Unlock()
		return stderr.String()
	}
	recorded := func(id string) bool {
		msgs, err := st.Mail(context.Background(), checklists.MailAdvanced)
		return err == nil && slices.ContainsFunc(msgs, func(m checklists.MailMessage) bool { return m.MessageID == id })
	}

	genuine := sample(t, "xero", "advance-exchange-online")
	start := time.Now()
	var ids []string
	for i := 0; time.Since(start) < run; i++ {
		id := fmt.Sprintf("approval-%d.xero@mail.example", i)
		srv.Deliver(t, bytes.Replace(genuine, []byte("advance-exchange-online.xero@mail.example"), []byte(id), 1))
		ids = append(ids, id)
		deadline := time.Now().Add(30 * time.Second) // a failure guard, not a timing target
		for !recorded(id) {
			if time.Now().After(deadline) {
				t.Fatalf("%s, delivered %s after the start, was not recorded within 30s\n%s", id, time.Since(start).Round(time.Second), log())
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(time.Until(start.Add(time.Duration(i+1) * every)))
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("watch exited %d after cancel, want 0\n%s", code, log())
	}

	msgs, err := st.Mail(context.Background(), checklists.MailAdvanced)
	if err != nil || len(msgs) != len(ids) {
		t.Errorf("%d messages recorded as advancing (%v), want each of the %d delivered once", len(msgs), err, len(ids))
	}
	// 60-second tokens are renewed after 45: at least six in five minutes.
	if n := tokens.Issued(); n < int(run/(lifetime*3/4)) {
		t.Errorf("%s; want a refresh every 45 seconds", tokens)
	}
	if srv.Refused() != 0 || srv.Expired() != 0 {
		t.Errorf("the IMAP server refused %d logins and ended %d sessions for an expired token; want none\n%s", srv.Refused(), srv.Expired(), log())
	}
	if !strings.Contains(log(), "renewing the session") {
		t.Errorf("the watch log shows no session renewal:\n%s", log())
	}
	t.Logf("%d approvals recorded over %s; %s; %d IMAP logins", len(ids), time.Since(start).Round(time.Second), tokens, srv.Logins())
}

// lockedWriter serializes writes to w, for a log read while it is written.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
