// Package totp handles the TOTP seeds of shared portal logins (RFC 6238):
// reading what teams paste (otpauth:// URIs, or base32 seeds with spaces
// and in lower case), checking a code before a seed is trusted, and
// producing the current code. It wraps github.com/pquerna/otp.
package totp

import (
	"bytes"
	"encoding/base32"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Key is a TOTP seed with its parameters.
type Key struct {
	secret    string // base32, upper case, no padding or spaces
	algorithm otp.Algorithm
	digits    otp.Digits
	period    uint
	issuer    string
	account   string
}

// Parse reads an otpauth://totp/ URI or a bare base32 seed. White space
// and dashes inside a seed are dropped and case is ignored, as
// authenticator apps display seeds in spaced groups. Errors never contain
// the seed.
func Parse(input string) (Key, error) {
	input = strings.TrimSpace(input)
	if strings.HasPrefix(strings.ToLower(input), "otpauth://") {
		return parseURI(input)
	}
	return parseSeed(input, Key{algorithm: otp.AlgorithmSHA1, digits: otp.DigitsSix, period: 30})
}

func parseURI(input string) (Key, error) {
	u, err := url.Parse(input)
	if err != nil {
		return Key{}, errors.New("totp: the otpauth:// URI does not parse")
	}
	switch {
	case strings.EqualFold(u.Host, "hotp"):
		return Key{}, errors.New("totp: the URI is for counter-based (hotp) codes; only totp is supported")
	case u.Host != "totp":
		// Not quoted: whatever stands there may be the seed, pasted wrongly.
		return Key{}, errors.New("totp: the URI is not an otpauth://totp/ URI; only totp is supported")
	}
	q := u.Query()
	k := Key{algorithm: otp.AlgorithmSHA1, digits: otp.DigitsSix, period: 30, issuer: q.Get("issuer")}
	k.account = strings.TrimPrefix(u.Path, "/")
	switch strings.ToUpper(q.Get("algorithm")) {
	case "", "SHA1":
	case "SHA256":
		k.algorithm = otp.AlgorithmSHA256
	case "SHA512":
		k.algorithm = otp.AlgorithmSHA512
	default:
		// Values from the URI are not quoted: one pasted wrongly may be the seed.
		return Key{}, errors.New("totp: the algorithm is not SHA1, SHA256 or SHA512")
	}
	if d := q.Get("digits"); d != "" {
		switch d {
		case "6":
		case "8":
			k.digits = otp.DigitsEight
		default:
			return Key{}, errors.New("totp: the number of digits is not supported; codes have 6 or 8")
		}
	}
	if p := q.Get("period"); p != "" {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil || n == 0 || n > 3600 {
			return Key{}, errors.New("totp: the period is not a number of seconds from 1 to 3600")
		}
		k.period = uint(n)
	}
	return parseSeed(q.Get("secret"), k)
}

func parseSeed(seed string, k Key) (Key, error) {
	seed = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' || r == '=' {
			return -1
		}
		return unicode.ToUpper(r)
	}, seed)
	if seed == "" {
		return Key{}, errors.New("totp: no seed given")
	}
	// Decode as the otp library does when it makes a code: padded to whole
	// groups of eight. Unpadded decoding would take 1, 3 or 6 characters
	// over, which no base32 text ends with, and codes would then fail.
	b, err := base32.StdEncoding.DecodeString(seed + strings.Repeat("=", (8-len(seed)%8)%8))
	if err != nil {
		return Key{}, errors.New("totp: the seed is not base32 (letters A-Z and digits 2-7)")
	}
	if len(b) < 10 {
		return Key{}, fmt.Errorf("totp: the seed is %d bytes; RFC 4226 asks for at least 16 (10 at the very least)", len(b))
	}
	k.secret = seed
	return k, nil
}

func (k Key) opts() totp.ValidateOpts {
	return totp.ValidateOpts{Period: k.period, Digits: k.digits, Algorithm: k.algorithm}
}

// Code returns the code at t and how long it stays valid.
func (k Key) Code(t time.Time) (code string, validFor time.Duration, err error) {
	code, err = totp.GenerateCodeCustom(k.secret, t, k.opts())
	if err != nil {
		return "", 0, fmt.Errorf("totp: generate code: %w", err)
	}
	period := int64(k.period)
	left := period - t.Unix()%period
	return code, time.Duration(left) * time.Second, nil
}

// Verify reports whether code is valid at t, allowing one period of clock
// skew either way (a code read just before it changed still counts).
func (k Key) Verify(code string, t time.Time) bool {
	opts := k.opts()
	opts.Skew = 1
	ok, err := totp.ValidateCustom(strings.ReplaceAll(strings.TrimSpace(code), " ", ""), k.secret, t, opts)
	return err == nil && ok
}

// URI returns the key as an otpauth:// URI, the form stored in the vault.
func (k Key) URI(issuer, account string) string {
	if k.issuer != "" {
		issuer = k.issuer
	}
	if k.account != "" {
		account = k.account
	}
	q := url.Values{}
	q.Set("secret", k.secret)
	q.Set("issuer", issuer)
	q.Set("algorithm", k.algorithm.String())
	q.Set("digits", k.digits.String())
	q.Set("period", strconv.FormatUint(uint64(k.period), 10))
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + account, RawQuery: q.Encode()}
	return u.String()
}

// Describe says how codes are made, without the seed: "SHA1, 6 digits, 30s".
func (k Key) Describe() string {
	return fmt.Sprintf("%s, %d digits, %ds", k.algorithm, k.digits.Length(), k.period)
}

// QR returns a PNG of the key's otpauth:// URI as a QR code of size×size
// pixels, for a teammate to scan into an authenticator app. The image
// holds the seed: treat it as a secret.
func (k Key) QR(issuer, account string, size int) ([]byte, error) {
	key, err := otp.NewKeyFromURL(k.URI(issuer, account))
	if err != nil {
		return nil, errors.New("totp: the key does not form an otpauth:// URI")
	}
	img, err := key.Image(size, size)
	if err != nil {
		return nil, fmt.Errorf("totp: draw QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("totp: encode QR code: %w", err)
	}
	return buf.Bytes(), nil
}
