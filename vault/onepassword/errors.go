package onepassword

import (
	"errors"
	"fmt"
	"strings"

	sdk "github.com/1password/onepassword-sdk-go"

	"github.com/acctsetup/acctsetup/vault"
)

// limits states 1Password's service-account rate limits
// (https://developer.1password.com/docs/service-accounts/rate-limits) and
// what to do about them.
const limits = "rate limit exceeded: a 1Password service account may make 1,000 reads and 100 writes an hour " +
	"(10,000 and 1,000 on Business), and all service accounts of a 1Password account together " +
	"1,000 requests a day on Individual and Families, 5,000 on Teams, 50,000 on Business; " +
	"wait for the limit to reset (\"op service-account ratelimit\" shows when), " +
	"or use the 1Password desktop app integration or a Connect server, which have higher limits"

// ErrRateLimited is wrapped by errors returned when 1Password refused a
// request because the service account or the account used up its hourly or
// daily allowance. The backend never retries such a request; test for it
// with errors.Is. The SDK's *onepassword.RateLimitExceededError stays
// reachable with errors.As.
var ErrRateLimited = errors.New("onepassword: " + limits)

// rateLimitError is ErrRateLimited for one operation, wrapping the SDK's
// error.
type rateLimitError struct {
	op  string
	err error
}

func (e *rateLimitError) Error() string        { return "onepassword: " + e.op + ": " + limits }
func (e *rateLimitError) Is(target error) bool { return target == ErrRateLimited }
func (e *rateLimitError) Unwrap() error        { return e.err }

// minSecretLen is the shortest value that apiError scrubs from messages:
// replacing shorter ones would mangle messages more than it protects.
const minSecretLen = 4

// apiError wraps an error the SDK returned for op. A rate limit becomes
// [ErrRateLimited]. If the SDK's message contains one of secrets (a value
// being written, the token), it is replaced by "[redacted]" and the SDK's
// error is not wrapped, so that no caller can reach the original message.
func apiError(op string, err error, secrets ...string) error {
	if _, ok := errors.AsType[*sdk.RateLimitExceededError](err); ok {
		return &rateLimitError{op: op, err: err}
	}
	msg := err.Error()
	scrubbed := msg
	for _, s := range secrets {
		if len(s) >= minSecretLen {
			scrubbed = strings.ReplaceAll(scrubbed, s, "[redacted]")
		}
	}
	if scrubbed != msg {
		return fmt.Errorf("onepassword: %s: %s", op, scrubbed)
	}
	return fmt.Errorf("onepassword: %s: %w", op, err)
}

// notFoundMessages are the phrases of the SDK core (v0.4.1, strings of
// internal/wasm/core.wasm) that mean a secret reference names nothing: no
// item, section or field matched, or the item is archived. The SDK turns the
// core's errors into plain errors carrying only the message, so matching the
// message is the only way to tell. "No vault matched" is left out on
// purpose: it means a wrong vault name or a vault not shared with the
// service account, which is a configuration error to report, not an unset
// secret.
var notFoundMessages = []string{
	"no item matched the secret reference query",
	"no section matched the secret reference",
	"the specified field cannot be found within the item",
	"item is not in an active state",
}

// resolveError wraps an error of SecretsAPI.Resolve, adding
// [vault.ErrNotFound] when the SDK's message says the reference names
// nothing.
func resolveError(reference string, err error) error {
	op := fmt.Sprintf("resolve %q", reference)
	msg := strings.ToLower(err.Error())
	for _, m := range notFoundMessages {
		if strings.Contains(msg, m) {
			return fmt.Errorf("onepassword: %s: %w: %w", op, vault.ErrNotFound, err)
		}
	}
	return apiError(op, err)
}
