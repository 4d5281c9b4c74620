package onepassword_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	sdk "github.com/1password/onepassword-sdk-go"

	"github.com/acctsetup/acctsetup/vault"
	"github.com/acctsetup/acctsetup/vault/onepassword"
)

func TestConnectEmptyToken(t *testing.T) {
	t.Parallel()
	_, err := onepassword.Connect(context.Background(), "", "test")
	if err == nil || err.Error() != "onepassword: connect: the service account token is empty" {
		t.Errorf("Connect(\"\") error = %v", err)
	}
	v := onepassword.Open(vaultName, onepassword.ServiceAccount("", "test"))
	if _, err := v.Get(context.Background(), refID); err == nil || errors.Is(err, vault.ErrNotFound) {
		t.Errorf("Get through a failing connect error = %v, want the connect error", err)
	}
}

// TestConnectBadToken loads the SDK's WebAssembly core (seconds, and about
// 150 MB) to check that a token the core rejects stays out of the error. The
// token does not decode, so the core fails before any request.
func TestConnectBadToken(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("loads the SDK's WebAssembly core: 3 s, 30 s with the race detector")
	}
	const token = "ops_not-a-real-token-Zx81Kq!"
	_, err := onepassword.Connect(context.Background(), token, "test")
	if err == nil {
		t.Fatal("Connect with a malformed token succeeded")
	}
	if !strings.HasPrefix(err.Error(), "onepassword: connect: ") {
		t.Errorf("error = %q, want the onepassword: connect: prefix", err)
	}
	for e := error(err); e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), token) || strings.Contains(e.Error(), "Zx81Kq") {
			t.Errorf("error %q contains the token", e)
		}
	}
	if _, ok := errors.AsType[*sdk.RateLimitExceededError](err); ok {
		t.Errorf("error %v is a rate limit", err)
	}
}
