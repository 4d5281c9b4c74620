package report_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/checklists/report"
)

// chromium returns Debian's Chromium, or skips the test saying why (fails
// instead under ACCTSETUP_REQUIRE_TOOLS, as in CI, which installs it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("ACCTSETUP_REQUIRE_TOOLS") != "" {
		t.Fatal("chromium is required (ACCTSETUP_REQUIRE_TOOLS is set) but not installed")
	}
	t.Skip("chromium is not installed (Debian's chromium package; .ci/run installs it)")
	return ""
}

// headless runs Chromium on a local file with the given mode flags, as a
// sandboxless root process on a machine with no network.
func headless(t *testing.T, bin, page string, mode ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--window-size=1000,1400"}, mode...)
	cmd := exec.CommandContext(ctx, bin, append(args, "file://"+page)...)
	cmd.Dir = filepath.Dir(page)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", mode, err, stderr.String())
	}
	return out
}

// TestHTMLRendersInChromium renders the HTML report in headless Chromium:
// the page is not blank, and the text a reader needs is there, provider
// names first.
func TestHTMLRendersInChromium(t *testing.T) {
	t.Parallel()
	bin := chromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var b bytes.Buffer
	r := sample(t)
	if err := report.Render(&b, r, "html"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "<script") || strings.Contains(b.String(), "http://") || strings.Contains(b.String(), "https://") {
		t.Errorf("the page loads or runs something from elsewhere")
	}
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	dom := string(headless(t, bin, page, "--dump-dom"))
	for _, want := range []string{"Xero production", "Xero (every environment)", "regressed", "create-login undone by priya",
		"client_secret rotated", "audit verify --head " + r.To.Head, "<svg", "<polyline"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered page lacks %q", want)
		}
	}

	shot := filepath.Join(dir, "report.png")
	headless(t, bin, page, "--screenshot="+shot, "--hide-scrollbars")
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if dark, blue := inked(img); dark < 2000 || blue < 100 {
		t.Errorf("screenshot %s looks blank: %d dark pixels (text), %d blue ones (the chart)", shot, dark, blue)
	}
}

// inked counts a screenshot's dark pixels (text) and the chart's blue ones.
func inked(img image.Image) (dark, blue int) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			switch {
			case int(c.R)+int(c.G)+int(c.B) < 200:
				dark++
			case c.B > 180 && c.R < 60 && c.G > 80 && c.G < 140:
				blue++
			}
		}
	}
	return dark, blue
}
