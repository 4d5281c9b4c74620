package totp

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"hash"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
)

// FuzzParse parses arbitrary pasted seeds and otpauth:// URIs. Whatever
// the input, an error never holds the seed; and a key that parses
//
//   - gives, at any time, the code RFC 6238 defines (computed here without
//     github.com/pquerna/otp), which Verify accepts;
//   - round-trips: its URI, the form the vault stores and the QR code
//     carries, parses to a key with the same parameters and codes.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		seedSHA1,
		"gezd gnbv gy3t qojq gezd gnbv gy3t qojq",
		"GEZD-GNBV-GY3T-QOJQ-GEZD-GNBV-GY3T-QOJQ====",
		"otpauth://totp/Xero:team@example.com?secret=" + seedSHA1 + "&issuer=Xero",
		"otpauth://totp/x?secret=" + seedSHA256 + "&algorithm=SHA256&digits=8&period=60",
		"otpauth://totp/x?secret=" + seedSHA512 + "&algorithm=sha512&digits=6&period=3600",
		"otpauth://hotp/x?secret=" + seedSHA1 + "&counter=1",
		"otpauth://totp/x?secret=" + seedSHA1 + "&algorithm=MD5",
		"otpauth://totp/x?secret=" + seedSHA1 + "&digits=7",
		"otpauth://totp/x?secret=" + seedSHA1 + "&period=0",
		"GEZDGNBV",
		"NOT-BASE32-189!",
	} {
		f.Add(s, int64(1111111109))
	}
	f.Fuzz(func(t *testing.T, input string, unix int64) {
		k, err := Parse(input)
		if err != nil {
			for _, seed := range seeds(input) {
				if strings.Contains(err.Error(), seed) {
					t.Fatalf("Parse(%q): the error holds the seed %q: %v", input, seed, err)
				}
			}
			return
		}
		at := time.Unix(int64(uint64(unix)%(1<<40)), 0) // any time from 1970 to the year 36812
		checkCode(t, k, at)

		uri := k.URI("acctsetup", "xero")
		back, err := Parse(uri)
		if err != nil {
			t.Fatalf("Parse(%q) = %v; the key's own URI must parse", uri, err)
		}
		want := k
		if want.issuer == "" {
			want.issuer = "acctsetup"
		}
		if want.account == "" {
			want.account = "xero"
		}
		if back != want {
			t.Fatalf("Parse(%q) = %+v, want %+v", uri, back, want)
		}
		if _, err := otp.NewKeyFromURL(uri); err != nil {
			t.Fatalf("the QR code's URI %q does not parse for the otp library: %v", uri, err)
		}
	})
}

// seeds returns what in input may be a seed, as written and as Parse
// reads it, when long enough to be one.
func seeds(input string) []string {
	input = strings.TrimSpace(input)
	seed := input
	if strings.HasPrefix(strings.ToLower(input), "otpauth://") {
		u, err := url.Parse(input)
		if err != nil {
			return nil
		}
		seed = u.Query().Get("secret")
	}
	var out []string
	for _, s := range []string{seed, strings.ToUpper(seed)} {
		if len(s) >= 16 { // 10 bytes, the shortest seed Parse takes
			out = append(out, s)
		}
	}
	return out
}

// checkCode checks the key's code at t against RFC 6238.
func checkCode(t *testing.T, k Key, at time.Time) {
	t.Helper()
	code, left, err := k.Code(at)
	if err != nil {
		t.Fatalf("Code(%v) of a parsed key: %v", at, err)
	}
	if want := rfc6238(t, k, at); code != want {
		t.Fatalf("Code(%v) = %s, want %s (%s)", at, code, want, k.Describe())
	}
	if left <= 0 || left > time.Duration(k.period)*time.Second {
		t.Fatalf("Code(%v) valid for %v, want at most the period %ds", at, left, k.period)
	}
	if !k.Verify(code, at) {
		t.Fatalf("Verify(%s, %v) = false for the key's own code", code, at)
	}
}

// rfc6238 computes the key's code at t as RFC 6238 and RFC 4226 define it.
func rfc6238(t *testing.T, k Key, at time.Time) string {
	t.Helper()
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(k.secret)
	if err != nil {
		t.Fatalf("the key's seed %q is not base32: %v", k.secret, err)
	}
	var h func() hash.Hash
	switch k.algorithm {
	case otp.AlgorithmSHA1:
		h = sha1.New
	case otp.AlgorithmSHA256:
		h = sha256.New
	case otp.AlgorithmSHA512:
		h = sha512.New
	default:
		t.Fatalf("unknown algorithm %v", k.algorithm)
	}
	mac := hmac.New(h, secret)
	_ = binary.Write(mac, binary.BigEndian, uint64(at.Unix())/uint64(k.period))
	sum := mac.Sum(nil)
	offset := sum[len(sum)-1] & 0xf
	value := binary.BigEndian.Uint32(sum[offset:]) & 0x7fffffff
	mod := uint32(1_000_000)
	if k.digits == otp.DigitsEight {
		mod = 100_000_000
	}
	return fmt.Sprintf("%0*d", k.digits.Length(), value%mod)
}
