package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
)

// kills is how many times TestKillVaultWriters kills each command.
const kills = 50

// TestKillVaultWriters kills each command that writes the age vault (secret
// set, vault recipients add, vault migrate) with SIGKILL at a random moment
// of its run, 50 times each. After every kill the standard age tool
// decrypts the vault, every secret stored before is there with its value
// (and the one being stored, if the command said it was done), no
// temporary file of the vault or the identity is readable by others, and
// the same command run again completes at once: no lock outlives a kill.
//
// The moment is drawn uniformly from the command's own duration, measured
// on its last run that was not killed, so the kills spread over start-up,
// reading, encrypting, writing and recording in the state.
func TestKillVaultWriters(t *testing.T) {
	if testing.Short() {
		t.Skip("kills 150 acctsetup processes (about 10 s)")
	}
	k := newKiller(t)
	t.Run("secret set", k.secretSet)
	t.Run("vault recipients add", k.recipientsAdd)
	t.Run("vault migrate", k.migrate)
}

// killer runs the acctsetup binary that testscript.Main installed in PATH.
type killer struct {
	bin, age string
	rng      *rand.Rand
}

func newKiller(t *testing.T) *killer {
	t.Helper()
	tool := requireTool(t, "age")
	bin, err := exec.LookPath("acctsetup")
	if err != nil {
		t.Fatalf("testscript.Main puts acctsetup in PATH: %v", err)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("random seed %d", seed)
	return &killer{bin: bin, age: tool, rng: rand.New(rand.NewPCG(seed, 0))}
}

// requireTool returns the path of a program, or skips the test when it is
// not installed, unless ACCTSETUP_REQUIRE_TOOLS is set (as in CI).
func requireTool(t *testing.T, name string) string {
	t.Helper()
	ok, err := toolCondition("tool:" + name)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Skipf("%s is not installed; .ci/run installs it", name)
	}
	p, _ := exec.LookPath(name)
	return p
}

// killProvider has one secret field per kill, so each run of secret set
// stores one of its own.
func killProvider() string {
	var b, names strings.Builder
	for i := range kills + 10 {
		fmt.Fprintf(&names, "%q, ", key(i))
	}
	b.WriteString("id = \"killtest\"\nname = \"Kill test\"\nportal_url = \"https://killtest.example\"\n\n" +
		"[[environments]]\nname = \"production\"\n\n" +
		"[[steps]]\nid = \"store-keys\"\ntitle = \"Store the keys\"\nkind = \"credential\"\ninstructions = \"Store them.\"\n" +
		"credentials = [" + names.String() + "]\n")
	for i := range kills + 10 {
		fmt.Fprintf(&b, "\n[[credentials]]\nname = %q\nlabel = \"Key %d\"\nsecret = true\nrule = \"printascii,min=8,max=64\"\n", key(i), i)
	}
	return b.String()
}

func key(i int) string   { return fmt.Sprintf("key%02d", i) }
func value(i int) string { return fmt.Sprintf("value-%s-0123456789", key(i)) }

// workspace is a folder with acctsetup.toml, made by acctsetup init.
type workspace struct {
	dir string
	env []string
}

func (k *killer) workspace(t *testing.T) *workspace {
	t.Helper()
	w := &workspace{dir: t.TempDir()}
	pd := filepath.Join(w.dir, "providers")
	if err := os.Mkdir(pd, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pd, "killtest.toml"), []byte(killProvider()), 0o644); err != nil {
		t.Fatal(err)
	}
	w.env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + w.dir, "NO_COLOR=1",
		"ACCTSETUP_ACTOR=tester", "ACCTSETUP_PROVIDERS_DIR=" + pd}
	k.run(t, w, "", "init")
	return w
}

func (w *workspace) path(name string) string { return filepath.Join(w.dir, name) }

// command returns acctsetup with args, in w, reading stdin.
func (k *killer) command(ctx context.Context, w *workspace, stdin string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, k.bin, args...)
	cmd.Dir, cmd.Env, cmd.Stdin = w.dir, w.env, strings.NewReader(stdin)
	return cmd
}

// run runs acctsetup to the end and fails t unless it succeeds. It
// returns how long it took. A run that does not end within a minute
// (it takes a fraction of a second) waits on a lock nobody holds.
func (k *killer) run(t *testing.T, w *workspace, stdin string, args ...string) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := k.command(ctx, w, stdin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("acctsetup %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return time.Since(start)
}

// runKilled starts acctsetup and kills it with SIGKILL after a delay drawn
// from [0, span). It reports whether the command had finished, and
// succeeded, before the kill.
func (k *killer) runKilled(t *testing.T, w *workspace, span time.Duration, stdin string, args ...string) (succeeded bool) {
	t.Helper()
	cmd := k.command(context.Background(), w, stdin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(time.Duration(k.rng.Int64N(int64(span))), func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
	defer timer.Stop()
	err := cmd.Wait()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return true
	case errors.As(err, &exit) && exit.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL:
		return false
	}
	t.Fatalf("acctsetup %s: %v\n%s", strings.Join(args, " "), err, out.String())
	return false
}

// decrypt decrypts a vault file with the age tool and returns its values
// by field.
func (k *killer) decrypt(t *testing.T, identity, vaultFile string) map[string]string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(k.age, "-d", "-i", identity, vaultFile)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("age -d -i %s %s: %v\n%s", identity, vaultFile, err, stderr.String())
	}
	var doc struct {
		Secrets []struct{ Field, Value string } `json:"secrets"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("age -d %s printed no vault JSON: %v", vaultFile, err)
	}
	values := make(map[string]string, len(doc.Secrets))
	for _, s := range doc.Secrets {
		values[s.Field] = s.Value
	}
	return values
}

// checkSecrets fails t unless values holds key(i) for every i in want, and
// key(maybe), if present, with its value. maybe < 0 means none.
func checkSecrets(t *testing.T, what string, values map[string]string, want []int, maybe int) {
	t.Helper()
	for _, i := range want {
		if values[key(i)] != value(i) {
			t.Fatalf("%s: %s is missing or changed", what, key(i))
		}
	}
	if v, ok := values[key(maybe)]; ok && maybe >= 0 && v != value(maybe) {
		t.Fatalf("%s: %s, being stored when killed, holds another value", what, key(maybe))
	}
}

// tempFiles fails t if a temporary file in dir (the vault's, or one an
// identity was being written to) is readable or writable by others, and
// returns how many there are.
func tempFiles(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !strings.Contains(e.Name(), ".tmp") {
			continue
		}
		n++
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			t.Fatalf("a kill left %s with mode %04o: others can read it", e.Name(), perm)
		}
	}
	return n
}

// tally counts where the kills of one command landed.
type tally struct{ killed, finished, tempLeft int }

func (c tally) log(t *testing.T, span time.Duration) {
	t.Logf("%d kills over runs of about %s: %d before the command finished (%d leaving a temporary file), %d after",
		kills, span.Round(time.Millisecond), c.killed, c.tempLeft, c.finished)
}

func (k *killer) secretSet(t *testing.T) {
	w := k.workspace(t)
	vaultFile, identity := w.path(".acctsetup/vault.age"), w.path(".acctsetup/identity.txt")
	set := func(i int) []string { return []string{"secret", "set", "killtest", key(i), "--env", "production"} }
	span := k.run(t, w, value(kills), set(kills)...) // a warm-up, measured
	var c tally
	var stored []int
	for i := range kills {
		done := k.runKilled(t, w, span, value(i), set(i)...)
		if done {
			c.finished++
			stored = append(stored, i)
		} else {
			c.killed++
		}
		checkSecrets(t, fmt.Sprintf("after kill %d", i), k.decrypt(t, identity, vaultFile), stored, i)
		c.tempLeft += tempFiles(t, w.path(".acctsetup"))

		// Run again, it completes: the value is stored whatever the kill did.
		span = k.run(t, w, value(i), set(i)...)
		if !done {
			stored = append(stored, i)
		}
	}
	checkSecrets(t, "at the end", k.decrypt(t, identity, vaultFile), stored, -1)
	c.log(t, span)
}

func (k *killer) recipientsAdd(t *testing.T) {
	w := k.workspace(t)
	vaultFile, identity := w.path(".acctsetup/vault.age"), w.path(".acctsetup/identity.txt")
	var stored []int
	for i := range 5 {
		k.run(t, w, value(i), "secret", "set", "killtest", key(i), "--env", "production")
		stored = append(stored, i)
	}
	span := k.run(t, w, "", "vault", "recipients", "add", newIdentity(t, w, "warmup"))
	var c tally
	for i := range kills {
		name := fmt.Sprintf("teammate%02d", i)
		pub := newIdentity(t, w, name)
		done := k.runKilled(t, w, span, "", "vault", "recipients", "add", pub)
		if done {
			c.finished++
			checkSecrets(t, name+"'s identity after the add", k.decrypt(t, w.path(name+".txt"), vaultFile), stored, -1)
		} else {
			c.killed++
		}
		checkSecrets(t, fmt.Sprintf("after kill %d", i), k.decrypt(t, identity, vaultFile), stored, -1)
		c.tempLeft += tempFiles(t, w.path(".acctsetup"))

		// Run again: whatever the kill left undone, the teammate can read
		// the vault once it completes.
		span = k.run(t, w, "", "vault", "recipients", "add", pub)
		checkSecrets(t, name+"'s identity after adding again", k.decrypt(t, w.path(name+".txt"), vaultFile), stored, -1)
	}
	c.log(t, span)
}

// newIdentity writes an age identity to NAME.txt in w and returns its
// public key.
func newIdentity(t *testing.T, w *workspace, name string) string {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.path(name+".txt"), []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return id.Recipient().String()
}

func (k *killer) migrate(t *testing.T) {
	src, dst := k.workspace(t), k.workspace(t)
	srcVault, srcIdentity := src.path(".acctsetup/vault.age"), src.path(".acctsetup/identity.txt")
	dstVault, dstIdentity := dst.path(".acctsetup/vault.age"), dst.path(".acctsetup/identity.txt")
	migrate := []string{"vault", "migrate", "--to", dst.path("acctsetup.toml")}
	var stored []int
	for i := range 5 {
		k.run(t, src, value(i), "secret", "set", "killtest", key(i), "--env", "production")
		stored = append(stored, i)
	}
	span := k.run(t, src, "", migrate...)
	var c tally
	for i := range kills {
		// Each run has one secret more to copy.
		n := len(stored)
		k.run(t, src, value(n), "secret", "set", "killtest", key(n), "--env", "production")
		copied := stored
		stored = append(stored, n)

		done := k.runKilled(t, src, span, "", migrate...)
		if done {
			c.finished++
			copied = stored
		} else {
			c.killed++
		}
		what := fmt.Sprintf("after kill %d", i)
		checkSecrets(t, what+", the source", k.decrypt(t, srcIdentity, srcVault), stored, -1)
		checkSecrets(t, what+", the target", k.decrypt(t, dstIdentity, dstVault), copied, n)
		c.tempLeft += tempFiles(t, src.path(".acctsetup")) + tempFiles(t, dst.path(".acctsetup"))

		span = k.run(t, src, "", migrate...)
		checkSecrets(t, what+", the target after migrating again", k.decrypt(t, dstIdentity, dstVault), stored, -1)
	}
	c.log(t, span)
}
