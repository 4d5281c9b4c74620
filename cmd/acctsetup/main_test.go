package main

import (
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	_ "modernc.org/sqlite" // the sql command opens state databases

	"github.com/acctsetup/acctsetup/checklists/audit"
	"github.com/acctsetup/acctsetup/cmd/internal/app"
	"github.com/acctsetup/acctsetup/vault/totp"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/*.txtar")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"acctsetup": testMain})
}

// testMain is the acctsetup the transcripts run. After "clock TIME" in a
// transcript, its clock reads TIME plus the real time gone by since: a
// transcript whose output holds dated findings reads the same on any day,
// and commands stay in order. The real binary has no such setting.
func testMain() {
	var options []app.Option
	if s := os.Getenv("ACCTSETUP_TEST_NOW"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			fmt.Fprintf(os.Stderr, "ACCTSETUP_TEST_NOW: %v\n", err)
			os.Exit(2)
		}
		set, err := time.Parse(time.RFC3339Nano, os.Getenv("ACCTSETUP_TEST_NOW_SET"))
		if err != nil {
			fmt.Fprintf(os.Stderr, "ACCTSETUP_TEST_NOW_SET: %v\n", err)
			os.Exit(2)
		}
		options = append(options, app.At(t.Add(time.Since(set))))
	}
	os.Exit(run(options...))
}

// clock TIME makes the commands that follow see TIME (RFC 3339) now, and
// the time pass from there.
func setClock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: clock TIME")
	}
	if _, err := time.Parse(time.RFC3339, args[0]); err != nil {
		ts.Fatalf("clock: %v", err)
	}
	ts.Setenv("ACCTSETUP_TEST_NOW", args[0])
	ts.Setenv("ACCTSETUP_TEST_NOW_SET", time.Now().Format(time.RFC3339Nano))
}

// TestScripts runs the transcripts in testdata: the real binary against a
// fresh folder each, with no network and nothing from $HOME.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata",
		UpdateScripts: *update,
		Setup: func(e *testscript.Env) error {
			e.Setenv("ACCTSETUP_ACTOR", "tester")
			e.Setenv("NO_COLOR", "1")
			return nil
		},
		Condition: toolCondition,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits": exits,
			"totp":  totpCode,
			"sql":   runSQL,
			"forge": forgeChain,
			"read":  readVar,
			"clock": setClock,
			"date":  dateIn,
		},
	})
}

// toolCondition answers [tool:NAME]: whether the program is installed. A
// script skips when it is not, unless ACCTSETUP_REQUIRE_TOOLS is set (as in
// CI), when the missing tool fails the script instead.
func toolCondition(cond string) (bool, error) {
	name, ok := strings.CutPrefix(cond, "tool:")
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("ACCTSETUP_REQUIRE_TOOLS") != "" {
			return false, fmt.Errorf("%s is required (ACCTSETUP_REQUIRE_TOOLS is set) but not installed", name)
		}
		return false, nil
	}
	return true, nil
}

// exits N PROGRAM ARGS... runs a program and checks its exit code is N,
// keeping its output for stdout and stderr checks.
func exits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// totp VAR SEED sets VAR to the seed's current six-digit code.
func totpCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: totp VAR SEED")
	}
	k, err := totp.Parse(args[1])
	ts.Check(err)
	code, left, err := k.Code(time.Now())
	ts.Check(err)
	if left < 3*time.Second { // do not hand out a code about to change
		time.Sleep(left)
		code, _, err = k.Code(time.Now())
		ts.Check(err)
	}
	ts.Setenv(args[0], code)
}

// date VAR DAYS sets VAR to the UTC date DAYS days from now, YYYY-MM-DD.
func dateIn(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: date VAR DAYS")
	}
	days, err := strconv.Atoi(args[1])
	ts.Check(err)
	ts.Setenv(args[0], time.Now().UTC().AddDate(0, 0, days).Format(time.DateOnly))
}

// read VAR FILE sets VAR to the file's text without its trailing newline,
// as a shell's $(cat FILE) would.
func readVar(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: read VAR FILE")
	}
	ts.Setenv(args[0], strings.TrimRight(ts.ReadFile(args[1]), "\n"))
}

// forge DB SEQ DETAIL rewrites audit event SEQ's detail in a SQLite state
// file and reseals every event after it and the head, as someone who can
// write the database and knows the (public) hash would: the chain stays
// consistent.
func forgeChain(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: forge DB SEQ DETAIL")
	}
	db, err := sql.Open("sqlite", ts.MkAbs(args[0]))
	ts.Check(err)
	defer db.Close()
	rows, err := db.Query(`SELECT seq, at, actor, action, provider, environment, subject, detail FROM audit_events ORDER BY seq`)
	ts.Check(err)
	var events []audit.Event
	for rows.Next() {
		var ev audit.Event
		var at string
		ts.Check(rows.Scan(&ev.Seq, &at, &ev.Actor, &ev.Action, &ev.Provider, &ev.Environment, &ev.Subject, &ev.Detail))
		ev.At, err = time.Parse(audit.TimeFormat, at)
		ts.Check(err)
		events = append(events, ev)
	}
	ts.Check(rows.Err())
	var head audit.Head
	for i := range events {
		if strconv.FormatInt(events[i].Seq, 10) == args[1] {
			events[i].Detail = args[2]
		}
		head = audit.Seal(&events[i], head)
		_, err := db.Exec(`UPDATE audit_events SET detail = $1, prev_hash = $2, hash = $3 WHERE seq = $4`,
			events[i].Detail, events[i].PrevHash, events[i].Hash, events[i].Seq)
		ts.Check(err)
	}
	_, err = db.Exec(`UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, head.Seq, head.Hash)
	ts.Check(err)
}

// sql DB STATEMENT runs one statement on a SQLite file, as someone with
// the sqlite3 tool would.
func runSQL(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: sql DB STATEMENT")
	}
	db, err := sql.Open("sqlite", ts.MkAbs(args[0]))
	ts.Check(err)
	defer db.Close()
	_, err = db.Exec(args[1])
	ts.Check(err)
}
