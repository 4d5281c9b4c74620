package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/mailbox"
	"github.com/acctsetup/acctsetup/mailbox/oauth"
	"github.com/acctsetup/acctsetup/vault"
	"github.com/acctsetup/acctsetup/vault/onepassword"
)

// mailboxRef is where "mailbox login" keeps the password, or one of the
// OAuth client credentials: mailbox/imap/FIELD.
func mailboxRef(field string) vault.Ref {
	return vault.Ref{Provider: "mailbox", Environment: "imap", Field: field}
}

// imapConfig is the [mailbox] table as the mailbox package takes it.
func (a *app) imapConfig() (mailbox.Config, error) {
	cfg, err := a.config()
	if err != nil {
		return mailbox.Config{}, err
	}
	m := cfg.Mailbox
	if m == nil {
		return mailbox.Config{}, usageError(errors.New("no mailbox is configured"), "add a [mailbox] table to acctsetup.toml (acctsetup init writes a commented one)")
	}
	return mailbox.Config{Host: m.Host, Port: m.Port, TLS: m.TLS, Username: m.Username, Auth: m.Auth, Folders: m.Folders}, nil
}

// mailboxCreds is what the mailbox logs in with: OAuth 2.0 access tokens
// from tokens when [mailbox] oauth is set, else the password (or a token
// kept current elsewhere) that secret reads.
type mailboxCreds struct {
	tokens *oauth.Source
	secret func(ctx context.Context) (string, error)
}

// mailboxCredentials reads what the mailbox logs in with.
func (a *app) mailboxCredentials(ctx context.Context) (mailboxCreds, error) {
	cfg, err := a.config()
	if err != nil {
		return mailboxCreds{}, err
	}
	m := cfg.Mailbox
	if m.OAuth == "" {
		return mailboxCreds{secret: a.mailboxSecret}, nil
	}
	v, err := a.vaultToRead()
	if err != nil {
		return mailboxCreds{}, err
	}
	values := map[string]string{}
	for _, c := range oauth.Credentials(m.OAuth) {
		s, err := vault.Secret{}, vault.ErrNotFound
		if v != nil {
			s, err = v.Get(ctx, mailboxRef(c.Field))
		}
		switch {
		case errors.Is(err, vault.ErrNotFound):
			return mailboxCreds{}, failure(fmt.Errorf("the mailbox's OAuth %s is not stored (%s)", c.Label, mailboxRef(c.Field)), "acctsetup mailbox login --oauth")
		case err != nil:
			return mailboxCreds{}, a.vaultError(err)
		}
		values[c.Field] = s.Reveal()
	}
	src, err := a.tokenSource(values)
	return mailboxCreds{tokens: src}, err
}

// tokenSource is the [mailbox] OAuth flow with the given credentials.
func (a *app) tokenSource(values map[string]string) (*oauth.Source, error) {
	m := a.deps.cfg.Mailbox
	var opts []oauth.Option
	if m.TokenURL != "" {
		opts = append(opts, oauth.WithTokenURL(m.TokenURL))
	}
	src, err := oauth.New(m.OAuth, values, opts...)
	if err != nil {
		return nil, a.mailboxError(err)
	}
	return src, nil
}

// mailboxSecret reads the mailbox password or token: from password_ref
// (an op:// reference is read from 1Password, whatever the backend), or
// where "mailbox login" stored it. Reading never creates an age identity.
func (a *app) mailboxSecret(ctx context.Context) (string, error) {
	cfg, err := a.config()
	if err != nil {
		return "", err
	}
	ref := cfg.Mailbox.PasswordRef
	var v vault.Vault
	if strings.HasPrefix(ref, "op://") && cfg.Vault.Backend != "onepassword" {
		v = onepassword.Open(cfg.Vault.OnePasswordVault, a.connectOnePassword)
	} else if v, err = a.vaultToRead(); err != nil {
		return "", err
	}
	s, err := vault.Secret{}, vault.ErrNotFound
	switch {
	case v == nil: // no vault yet
	case ref != "":
		s, err = v.Resolve(ctx, ref)
	default:
		s, err = v.Get(ctx, mailboxRef("password"))
	}
	switch {
	case errors.Is(err, vault.ErrNotFound) && ref != "":
		return "", failure(fmt.Errorf("mailbox.password_ref %s names no secret", ref), "fix password_ref in acctsetup.toml")
	case errors.Is(err, vault.ErrNotFound):
		return "", failure(errors.New("the mailbox password is not stored"), "acctsetup mailbox login")
	case err != nil:
		return "", a.vaultError(err)
	}
	return s.Reveal(), nil
}

// mailboxError maps a mailbox failure to an exit code and advice.
func (a *app) mailboxError(err error) error {
	login := "store the right password: acctsetup mailbox login"
	if m := a.deps.cfg.Mailbox; m != nil && m.OAuth != "" {
		login = "check the app's credentials and its access to the mailbox (see the README), then: acctsetup mailbox login --oauth"
	}
	var herr *mailbox.HandlerError
	switch {
	case errors.As(err, &herr):
		return herr.Err // already mapped by the handler
	case errors.Is(err, mailbox.ErrInvalidConfig):
		return usageError(err, "fix [mailbox] in acctsetup.toml")
	case errors.Is(err, mailbox.ErrAuthFailed):
		return failure(err, login)
	case errors.Is(err, oauth.ErrTokenEndpoint):
		return backendError(err, "check that the OAuth token endpoint is reachable from here (proxy, firewall), or set [mailbox] token_url")
	}
	return backendError(err, "check that the server is reachable and [mailbox] host and port are right")
}

// dialMailbox connects and logs in.
func (a *app) dialMailbox(ctx context.Context, cfg mailbox.Config, creds mailboxCreds, opts ...mailbox.Option) (*mailbox.Client, error) {
	if creds.tokens != nil {
		c, err := mailbox.DialOAuth(ctx, cfg, creds.tokens, opts...)
		if err != nil {
			return nil, a.mailboxError(err)
		}
		return c, nil
	}
	secret, err := creds.secret(ctx)
	if err != nil {
		return nil, err
	}
	c, err := mailbox.Dial(ctx, cfg, secret, opts...)
	if err != nil {
		return nil, a.mailboxError(err)
	}
	return c, nil
}

func (a *app) mailboxLogin(ctx *cli.Context) error {
	if _, err := a.args(ctx, 0, 0, "no arguments"); err != nil {
		return err
	}
	mcfg, err := a.imapConfig()
	if err != nil {
		return err
	}
	m := a.deps.cfg.Mailbox
	switch withOAuth := ctx.Bool(flgOAuth); {
	case m.OAuth != "" && !withOAuth:
		return usageError(fmt.Errorf("the mailbox logs in with OAuth 2.0 (oauth = %q): it needs the app's client credentials, not a password", m.OAuth),
			"acctsetup mailbox login --oauth")
	case m.OAuth == "" && withOAuth:
		return usageError(errors.New("--oauth needs [mailbox] oauth = \"google\" or \"microsoft365\""),
			"set preset = \"gmail\" or \"microsoft365\" in [mailbox] of acctsetup.toml")
	case withOAuth:
		return a.mailboxLoginOAuth(ctx.Context, mcfg)
	}
	if ref := m.PasswordRef; ref != "" {
		c, err := a.dialMailbox(ctx.Context, mcfg, mailboxCreds{secret: a.mailboxSecret})
		if err != nil {
			return err
		}
		c.Close()
		a.printf("logged in to %s as %s with the secret at %s; nothing to store\n", mcfg.Host, mcfg.Username, ref)
		return nil
	}
	secret, err := a.readValue(fmt.Sprintf("password for %s: ", mcfg.Username), true)
	if err != nil {
		return failure(err)
	}
	given := func(context.Context) (string, error) { return secret, nil }
	c, err := a.dialMailbox(ctx.Context, mcfg, mailboxCreds{secret: given})
	if err != nil {
		return err
	}
	c.Close()
	ref := mailboxRef("password")
	if err := a.storeSecret(ctx.Context, ref, secret, vault.Meta{SetAt: a.stamp(), SetBy: a.actor()}, "mailbox.login"); err != nil {
		return err
	}
	a.printf("logged in to %s as %s; stored the password as %s\n", mcfg.Host, mcfg.Username, ref)
	return nil
}

// mailboxLoginOAuth reads the OAuth flow's client credentials (one hidden
// prompt each, or one line each of standard input), checks that they get an
// access token the server takes, and stores them, never the token.
func (a *app) mailboxLoginOAuth(ctx context.Context, mcfg mailbox.Config) error {
	flow := a.deps.cfg.Mailbox.OAuth
	creds := oauth.Credentials(flow)
	values := map[string]string{}
	for _, c := range creds {
		v, err := a.askSecret(c.Label + ": ")
		if err != nil {
			return failure(err, "give the values on standard input, one a line: "+credentialLabels(creds))
		}
		if v == "" {
			return usageError(fmt.Errorf("the %s is empty", c.Label))
		}
		values[c.Field] = v
	}
	src, err := a.tokenSource(values)
	if err != nil {
		return err
	}
	c, err := a.dialMailbox(ctx, mcfg, mailboxCreds{tokens: src})
	if err != nil {
		return err
	}
	c.Close()
	meta := vault.Meta{SetAt: a.stamp(), SetBy: a.actor()}
	var refs []string
	for _, c := range creds {
		ref := mailboxRef(c.Field)
		if err := a.storeSecret(ctx, ref, values[c.Field], meta, "mailbox.login"); err != nil {
			return err
		}
		refs = append(refs, ref.String())
	}
	a.printf("logged in to %s as %s with an access token from %s; stored %s (the tokens themselves are never stored)\n",
		mcfg.Host, mcfg.Username, src.Endpoint(), strings.Join(refs, ", "))
	return nil
}

// credentialLabels lists what a flow asks for.
func credentialLabels(creds []oauth.Credential) string {
	var labels []string
	for _, c := range creds {
		labels = append(labels, c.Label)
	}
	return strings.Join(labels, ", ")
}

type scanJSON struct {
	Fetched  int            `json:"fetched"`
	Advanced []advancedJSON `json:"advanced"`
	Review   []reviewJSON   `json:"review"`
}

func (a *app) mailboxScan(ctx *cli.Context) error {
	mcfg, rec, checkpoints, err := a.mailboxSession(ctx)
	if err != nil {
		return err
	}
	creds, err := a.mailboxCredentials(ctx.Context)
	if err != nil {
		return err
	}
	var opts []mailbox.Option
	if a.io.ErrTTY && !ctx.Bool(flgJSON) {
		opts = append(opts, mailbox.WithProgress(a.progressBar()))
	}
	c, err := a.dialMailbox(ctx.Context, mcfg, creds, opts...)
	if err != nil {
		return err
	}
	defer c.Close()
	terms := mailbox.SearchTerms(rec.all)
	out := scanJSON{Advanced: []advancedJSON{}, Review: []reviewJSON{}}
	for _, folder := range mcfg.Folders {
		cp := checkpoints[folder]
		cp.Folder = folder
		next, stats, err := c.Scan(ctx.Context, cp, terms, func(m mailbox.Message) error { return rec.handle(ctx.Context, m) })
		out.Fetched += stats.Messages
		// Saved even after an error: it covers every message recorded.
		if serr := rec.store.SaveMailCheckpoint(ctx.Context, checklists.MailCheckpoint(next)); serr != nil && err == nil {
			err = backendError(serr)
		}
		if err != nil {
			return a.mailboxError(err)
		}
	}
	out.Advanced = append(out.Advanced, rec.advanced...)
	out.Review = append(out.Review, rec.review...)
	if ctx.Bool(flgJSON) {
		return a.writeJSON(out)
	}
	a.printf("fetched %d new message(s) from %s\n", out.Fetched, strings.Join(mcfg.Folders, ", "))
	for _, s := range out.Advanced {
		a.printf("%s\n", s)
	}
	if len(out.Review) > 0 {
		a.printf("%d message(s) wait for review: acctsetup mailbox review\n", len(out.Review))
	}
	return nil
}

// mailboxSession is what scan and watch start from: the mailbox settings,
// a recorder, and the saved checkpoints by folder.
func (a *app) mailboxSession(ctx *cli.Context) (mailbox.Config, *mailRecorder, map[string]mailbox.Checkpoint, error) {
	if _, err := a.args(ctx, 0, 0, "no arguments"); err != nil {
		return mailbox.Config{}, nil, nil, err
	}
	mcfg, err := a.imapConfig()
	if err != nil {
		return mailbox.Config{}, nil, nil, err
	}
	rec, err := a.newMailRecorder(ctx.Context)
	if err != nil {
		return mailbox.Config{}, nil, nil, err
	}
	saved, err := rec.store.MailCheckpoints(ctx.Context)
	if err != nil {
		return mailbox.Config{}, nil, nil, backendError(err)
	}
	checkpoints := make(map[string]mailbox.Checkpoint, len(saved))
	for _, cp := range saved {
		checkpoints[cp.Folder] = mailbox.Checkpoint(cp)
	}
	return mcfg, rec, checkpoints, nil
}

// progressBar draws one bar per folder on standard error.
func (a *app) progressBar() func(folder string, done, total int) {
	var bar *progressbar.ProgressBar
	return func(folder string, done, total int) {
		if done == 0 {
			if bar != nil {
				bar.Finish()
			}
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(a.io.ErrOut), progressbar.OptionSetDescription(folder),
				progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
		}
		if bar != nil {
			bar.Set(done)
			if done == total {
				bar.Finish()
			}
		}
	}
}

func (a *app) mailboxWatch(ctx *cli.Context) error {
	mcfg, rec, checkpoints, err := a.mailboxSession(ctx)
	if err != nil {
		return err
	}
	health := newWatchHealth(mcfg.Folders, a.now())
	if addr := ctx.String(flgHealth); addr != "" {
		stop, err := health.serve(addr)
		if err != nil {
			return usageError(fmt.Errorf("--health %s: %w", addr, err), "give --health a free host:port to listen on, such as 127.0.0.1:8080")
		}
		defer stop()
	}
	creds, err := a.mailboxCredentials(ctx.Context)
	if err != nil {
		return err
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(a.io.ErrOut, "%s %s\n", a.now().UTC().Format(time.RFC3339), fmt.Sprintf(format, args...))
	}
	from := make([]mailbox.Checkpoint, 0, len(checkpoints))
	for _, cp := range checkpoints {
		from = append(from, cp)
	}
	w := &mailbox.Watcher{
		Config: mcfg,
		Secret: creds.secret,
		Terms:  mailbox.SearchTerms(rec.all),
		Handle: func(m mailbox.Message) error {
			if err := rec.handle(ctx.Context, m); err != nil {
				return err
			}
			for _, s := range rec.advanced {
				logf("%s", s)
			}
			for _, r := range rec.review {
				logf("for review: <%s> from %s: %s (acctsetup mailbox review)", r.MessageID, r.From, r.Reason)
			}
			health.handled(len(rec.advanced) + len(rec.review))
			rec.advanced, rec.review = rec.advanced[:0], rec.review[:0]
			return nil
		},
		Save: func(cp mailbox.Checkpoint) error {
			return rec.store.SaveMailCheckpoint(ctx.Context, checklists.MailCheckpoint(cp))
		},
		Options: []mailbox.Option{mailbox.WithEvents(func(e mailbox.Event) {
			health.event(e)
			logf("%s", e)
		})},
	}
	if creds.tokens != nil {
		w.Tokens = creds.tokens
	}
	logf("watching %s on %s as %s (stop with Ctrl-C or SIGTERM)", strings.Join(mcfg.Folders, ", "), mcfg.Host, mcfg.Username)
	if err := w.Watch(ctx.Context, from); err != nil {
		return a.mailboxError(err)
	}
	logf("stopped")
	return nil
}

// watchHealth is what --health serves: each folder's state, the last
// event and how many messages the watch recorded.
type watchHealth struct {
	mu        sync.Mutex
	Status    string                   `json:"status"` // ok when every folder is watching
	Folders   map[string]mailbox.State `json:"folders"`
	Since     time.Time                `json:"since"`
	LastEvent string                   `json:"last_event"`
	LastAt    time.Time                `json:"last_event_at"`
	Recorded  int                      `json:"recorded"`
}

func newWatchHealth(folders []string, now time.Time) *watchHealth {
	h := &watchHealth{Status: "starting", Folders: map[string]mailbox.State{}, Since: now.UTC()}
	for _, f := range folders {
		h.Folders[f] = ""
	}
	return h
}

func (h *watchHealth) event(e mailbox.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.LastEvent, h.LastAt = e.String(), time.Now().UTC()
	if e.State == "" {
		return
	}
	h.Folders[e.Folder] = e.State
	h.Status = "ok"
	for _, st := range h.Folders {
		if st != mailbox.StateWatching {
			h.Status = "degraded"
		}
	}
}

// report writes the state as JSON, with 503 unless every folder watches.
func (h *watchHealth) report(w http.ResponseWriter, _ *http.Request) {
	h.mu.Lock()
	body, _ := json.Marshal(h)
	ok := h.Status == "ok"
	h.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	w.Write(append(body, '\n'))
}

func (h *watchHealth) handled(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.Recorded += n
}

// serve answers GET /healthz on addr: 200 while every folder is watching,
// 503 while one is connecting, reconnecting or stopped, with the state as
// JSON.
func (h *watchHealth) serve(addr string) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", h.report)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return func() { srv.Close() }, nil
}
