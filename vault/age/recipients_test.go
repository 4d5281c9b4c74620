package agevault_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"golang.org/x/crypto/ssh"

	agevault "github.com/acctsetup/acctsetup/vault/age"
)

func sshKeyLine(t *testing.T, pub any) string {
	t.Helper()
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))) + " someone@example.com"
}

func TestParseRecipients(t *testing.T) {
	t.Parallel()
	x, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ageLine := x.Recipient().String()
	edLine := sshKeyLine(t, edPub)
	rsaLine := sshKeyLine(t, &rsaKey.PublicKey)

	tests := []struct {
		name      string
		lines     []string
		wantTypes []string
		wantErr   string // prefix
	}{
		{name: "all kinds", lines: []string{ageLine, edLine, rsaLine},
			wantTypes: []string{"*age.X25519Recipient", "*agessh.Ed25519Recipient", "*agessh.RSARecipient"}},
		{name: "blank and comments skipped", lines: []string{"", "# team keys", "  " + ageLine + "  "},
			wantTypes: []string{"*age.X25519Recipient"}},
		{name: "none", lines: nil},
		{name: "bad age key", lines: []string{ageLine, "age1notakey"},
			wantErr: `agevault: recipient 2: malformed recipient "age1notakey"`},
		{name: "bad ssh key", lines: []string{"ssh-ed25519 AAAAnotbase64"},
			wantErr: `agevault: recipient 1: malformed SSH recipient: "ssh-ed25519 AAAAnotbase64"`},
		{name: "unsupported ssh type", lines: []string{"ssh-dss AAAAB3NzaC1kc3MAAACBAP"},
			wantErr: `agevault: recipient 1: malformed SSH recipient: "ssh-dss AAAAB3NzaC1kc3MAAACBAP"`},
		{name: "unknown", lines: []string{"bob@example.com"},
			wantErr: `agevault: recipient 1: unknown recipient type "bob@example.com": want an age1... or ssh-ed25519/ssh-rsa public key`},
		{name: "private key not echoed", lines: []string{x.String()},
			wantErr: `agevault: recipient 1: this is a private key (AGE-SECRET-KEY-...): give its public key (age1...) instead`},
		{name: "quoted private key not echoed", lines: []string{`"` + x.String() + `"`},
			wantErr: `agevault: recipient 1: this is a private key (AGE-SECRET-KEY-...): give its public key (age1...) instead`},
		{name: "PEM private key not echoed", lines: []string{"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----"},
			wantErr: `agevault: recipient 1: this is a private key (PRIVATE KEY): give its public key (ssh-ed25519 ... or ssh-rsa ...) instead`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := agevault.ParseRecipients(tt.lines)
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want prefix %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), x.String()) || strings.Contains(err.Error(), "b3BlbnNzaC1rZXktdjEAAAAA") {
					t.Errorf("error %q contains a private key", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("error = %v", err)
			}
			var types []string
			for _, r := range got {
				types = append(types, fmt.Sprintf("%T", r))
			}
			if strings.Join(types, ",") != strings.Join(tt.wantTypes, ",") {
				t.Errorf("types = %v, want %v", types, tt.wantTypes)
			}
		})
	}
}

func TestSSHRecipient(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writer, _ := newIdentity(t, dir, "identity.txt")
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := agevault.ParseRecipients([]string{sshKeyLine(t, pub)})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "vault.age")
	set(t, agevault.Open(path, writer, rs), refID, valueID)

	sshID, err := agessh.NewEd25519Identity(priv)
	if err != nil {
		t.Fatal(err)
	}
	s, err := agevault.Open(path, sshID, nil).Get(context.Background(), refID)
	if err != nil {
		t.Fatalf("Get with SSH identity error = %v", err)
	}
	if s.Reveal() != valueID {
		t.Error("SSH identity read a different value")
	}
	if got := get(t, agevault.Open(path, writer, nil), refID); got != valueID {
		t.Error("writer read a different value")
	}
}

// TestRewrap: after Rewrap to a smaller set, a removed recipient can no
// longer read the file, a kept one still can, and the values are unchanged.
func TestRewrap(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writer, _ := newIdentity(t, dir, "writer.txt")
	kept, _ := newIdentity(t, dir, "kept.txt")
	removed, _ := newIdentity(t, dir, "removed.txt")
	path := filepath.Join(dir, "vault.age")
	set(t, agevault.Open(path, writer, []age.Recipient{kept.Recipient(), removed.Recipient()}), refID, valueID)
	if got := get(t, agevault.Open(path, removed, nil), refID); got != valueID {
		t.Fatal("a recipient read a different value")
	}

	if err := agevault.Open(path, writer, []age.Recipient{kept.Recipient()}).Rewrap(context.Background()); err != nil {
		t.Fatalf("Rewrap() error = %v", err)
	}
	if _, err := agevault.Open(path, removed, nil).Get(context.Background(), refID); err == nil {
		t.Error("a removed recipient can still read the vault after Rewrap")
	}
	if got := get(t, agevault.Open(path, kept, nil), refID); got != valueID {
		t.Error("a kept recipient reads a different value after Rewrap")
	}

	// Nothing to rewrap: no file is created.
	empty := filepath.Join(dir, "none.age")
	if err := agevault.Open(empty, writer, nil).Rewrap(context.Background()); err != nil {
		t.Fatalf("Rewrap() of a missing vault error = %v", err)
	}
	if _, err := os.Stat(empty); !os.IsNotExist(err) {
		t.Errorf("Rewrap() of a missing vault created %s", empty)
	}
}
