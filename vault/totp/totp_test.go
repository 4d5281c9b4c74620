package totp

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// RFC 6238 appendix B: the seed is the ASCII string "12345678901234567890"
// repeated to the hash's block size, and these are its 8-digit codes.
const (
	seedSHA1   = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"                                                                        // 20 bytes
	seedSHA256 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA"                                                    // 32 bytes
	seedSHA512 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA" // 64 bytes
)

func TestCodeRFC6238Vectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		unix int64
		alg  string
		seed string
		want string
	}{
		{59, "SHA1", seedSHA1, "94287082"},
		{59, "SHA256", seedSHA256, "46119246"},
		{59, "SHA512", seedSHA512, "90693936"},
		{1111111109, "SHA1", seedSHA1, "07081804"},
		{1111111109, "SHA256", seedSHA256, "68084774"},
		{1111111109, "SHA512", seedSHA512, "25091201"},
		{2000000000, "SHA1", seedSHA1, "69279037"},
		{20000000000, "SHA512", seedSHA512, "47863826"},
	}
	for _, tt := range tests {
		t.Run(tt.alg+"/"+time.Unix(tt.unix, 0).UTC().Format(time.RFC3339), func(t *testing.T) {
			k, err := Parse("otpauth://totp/x?secret=" + tt.seed + "&algorithm=" + tt.alg + "&digits=8&period=30")
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := k.Code(time.Unix(tt.unix, 0))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Code = %s, want %s", got, tt.want)
			}
			if !k.Verify(tt.want, time.Unix(tt.unix, 0)) {
				t.Errorf("Verify(%s) = false", tt.want)
			}
		})
	}
}

func TestParseTolerantSeed(t *testing.T) {
	t.Parallel()
	spaced := strings.ToLower("GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ")
	k, err := Parse(spaced)
	if err != nil {
		t.Fatal(err)
	}
	code, left, err := k.Code(time.Unix(59, 0))
	if err != nil || code != "287082" || left != time.Second {
		t.Errorf("Code = %q, %v, %v; want 287082, 1s, nil", code, left, err)
	}
}

func TestParseErrorsHideSeed(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", "totp: no seed given"},
		{"NOT-BASE32-189!", "totp: the seed is not base32 (letters A-Z and digits 2-7)"},
		{"GEZDGNBV", "totp: the seed is 5 bytes; RFC 4226 asks for at least 16 (10 at the very least)"},
		{seedSHA1 + "G", "totp: the seed is not base32 (letters A-Z and digits 2-7)"},      // 33 characters: 1 over
		{"22222222222222222", "totp: the seed is not base32 (letters A-Z and digits 2-7)"}, // found by FuzzParse
		{"otpauth://hotp/x?secret=" + seedSHA1, "totp: the URI is for counter-based (hotp) codes; only totp is supported"},
		{"otpauth://Sheet/x?secret=" + seedSHA1, "totp: the URI is not an otpauth://totp/ URI; only totp is supported"},
		{"otpauth://totp/x?secret=" + seedSHA1 + "&algorithm=MD5", "totp: the algorithm is not SHA1, SHA256 or SHA512"},
		{"otpauth://totp/x?secret=" + seedSHA1 + "&digits=7", "totp: the number of digits is not supported; codes have 6 or 8"},
		{"otpauth://totp/x?secret=" + seedSHA1 + "&period=0", "totp: the period is not a number of seconds from 1 to 3600"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q) error = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestVerifyRejectsWrongCode(t *testing.T) {
	t.Parallel()
	k, _ := Parse(seedSHA1)
	at := time.Unix(1111111109, 0)
	code, _, _ := k.Code(at)
	if !k.Verify(code, at.Add(30*time.Second)) {
		t.Error("a code one period old was refused; one period of skew is allowed")
	}
	if k.Verify(code, at.Add(90*time.Second)) {
		t.Error("a code three periods old was accepted")
	}
	if k.Verify("000000", at) && code != "000000" {
		t.Error("a wrong code was accepted")
	}
}

func TestURIRoundTrip(t *testing.T) {
	t.Parallel()
	k, _ := Parse("otpauth://totp/x?secret=" + seedSHA256 + "&algorithm=SHA256&digits=8&period=60")
	back, err := Parse(k.URI("acctsetup", "xero"))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(1234567890, 0)
	a, _, _ := k.Code(at)
	b, _, _ := back.Code(at)
	if a != b || back.Describe() != "SHA256, 8 digits, 60s" {
		t.Errorf("round trip: %s vs %s, %s", a, b, back.Describe())
	}
}

// TestQRDecodesToURI reads the QR code back with a QR decoder: an
// authenticator app scanning it gets the same seed and parameters.
func TestQRDecodesToURI(t *testing.T) {
	t.Parallel()
	k, err := Parse("otpauth://totp/Xero:team?secret=" + seedSHA256 + "&algorithm=SHA256&digits=8&period=60")
	if err != nil {
		t.Fatal(err)
	}
	data, err := k.QR("acctsetup", "xero", 256)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("QR is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Errorf("QR is %dx%d, want 256x256", b.Dx(), b.Dy())
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("QR does not decode: %v", err)
	}
	got, err := Parse(res.GetText())
	if err != nil {
		t.Fatalf("QR text does not parse as a key: %v", err)
	}
	at := time.Unix(1111111109, 0)
	wantCode, _, _ := k.Code(at)
	if gotCode, _, _ := got.Code(at); gotCode != wantCode || res.GetText() != k.URI("acctsetup", "xero") {
		t.Errorf("QR decodes to %q, want %q", res.GetText(), k.URI("acctsetup", "xero"))
	}
}
