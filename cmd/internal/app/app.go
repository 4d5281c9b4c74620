// Package app is acctsetup's command line: the urfave/cli command tree, flag
// parsing, prompts and output. It wires the providers registry, the state
// store, the vault and the readiness check together and holds no business
// logic of its own; each command is one file.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/user"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/acctsetup/acctsetup/vault/onepassword"
)

// Exit codes, as DESIGN.md fixes them.
const (
	exitOK       = 0
	exitNotReady = 1 // also: the command could not do what was asked
	exitUsage    = 2 // bad arguments, flags or configuration
	exitBackend  = 3 // the vault, mailbox or database could not be reached
)

// IO is where a run reads and writes.
type IO struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// InTTY, OutTTY and ErrTTY report terminals: prompts hide input,
	// output may use colour, long scans draw a progress bar.
	InTTY, OutTTY, ErrTTY bool
}

// SystemIO is the process's standard streams.
func SystemIO() IO {
	return IO{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		ErrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
}

// Main runs acctsetup with args (os.Args) and returns the exit code.
// Options are for tests: the real binary passes none.
func Main(ctx context.Context, args []string, io IO, getenv func(string) string, options ...Option) int {
	return mainWith(ctx, args, io, getenv, options...)
}

// Option changes how a run sees the world, for tests.
type Option = func(*app)

// At runs the command as if the clock read t when it started; the clock
// moves on from there. Transcript tests use it so that dated findings
// (calendar obligations, expiring secrets) read the same on any day.
func At(t time.Time) Option {
	return func(a *app) {
		start := time.Now()
		a.now = func() time.Time { return t.Add(time.Since(start)) }
	}
}

// mainWith is Main with options that tests use to set the clock or fake a
// service that cannot run here.
func mainWith(ctx context.Context, args []string, io IO, getenv func(string) string, options ...Option) int {
	a := &app{io: io, getenv: getenv, now: time.Now}
	for _, o := range options {
		o(a)
	}
	defer a.close()
	err := a.cli().RunContext(ctx, args)
	if err == nil && a.deps.failedCommand {
		return exitUsage // commandNotFound printed the error
	}
	return a.report(err)
}

// app holds one run's dependencies, each created when a command first
// needs it, so that "providers list" never opens the state or the vault.
type app struct {
	io     IO
	getenv func(string) string
	now    func() time.Time

	globals    globals
	positional []string // the command's arguments, flags removed
	deps       deps

	// onePassword, when set, replaces the 1Password SDK client (tests).
	onePassword func(context.Context) (onepassword.API, error)
	// client makes the live probes' requests; tests point it at local
	// servers. nil: a plain client (proxy settings from the environment).
	client *http.Client
}

// exitError carries an exit code and hints for the user.
type exitError struct {
	code  int
	err   error // nil: exit silently (the command already said why)
	hints []string
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError is bad input: exit 2.
func usageError(err error, hints ...string) error {
	return &exitError{code: exitUsage, err: err, hints: hints}
}

// failure is a refused or failed command: exit 1.
func failure(err error, hints ...string) error {
	return &exitError{code: exitNotReady, err: err, hints: hints}
}

// backendError is an unreachable vault, mailbox or database: exit 3.
func backendError(err error, hints ...string) error {
	return &exitError{code: exitBackend, err: err, hints: hints}
}

// errNotReady ends a check that printed its findings.
var errNotReady = &exitError{code: exitNotReady}

// report prints err the way age does, "acctsetup: error: ..." then
// "acctsetup: hint: ..." lines, and returns the exit code.
func (a *app) report(err error) int {
	if err == nil {
		return exitOK
	}
	code, hints := exitUsage, []string(nil) // urfave/cli's own errors are usage errors
	var ee *exitError
	if errors.As(err, &ee) {
		code, hints = ee.code, ee.hints
		if ee.err == nil {
			return code
		}
		err = ee.err
	}
	// errors.Join puts one error per line: print each as its own error.
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(a.io.ErrOut, "acctsetup: error: %s\n", line)
	}
	for _, h := range hints {
		fmt.Fprintf(a.io.ErrOut, "acctsetup: hint: %s\n", h)
	}
	return code
}

// actor names who is acting: --actor, ACCTSETUP_ACTOR, or the OS user.
func (a *app) actor() string {
	if a.globals.actor != "" {
		return a.globals.actor
	}
	if v := a.getenv("ACCTSETUP_ACTOR"); v != "" {
		return v
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if v := a.getenv("USER"); v != "" {
		return v
	}
	return "unknown"
}

// printf writes to standard output; write errors surface when it is closed.
func (a *app) printf(format string, args ...any) {
	fmt.Fprintf(a.io.Out, format, args...)
}

// notef writes a note for the person at the terminal to standard error.
func (a *app) notef(format string, args ...any) {
	fmt.Fprintf(a.io.ErrOut, "acctsetup: "+format+"\n", args...)
}

func (a *app) close() {
	a.deps.close()
}

// version is the module version the binary was built from, as go install
// records it, or "(devel)".
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// httpClient returns the client live probes use. Each probe bounds its own
// request with a deadline, so the client needs no timeout of its own.
func (a *app) httpClient() *http.Client {
	if a.client != nil {
		return a.client
	}
	return &http.Client{Transport: http.DefaultTransport}
}
