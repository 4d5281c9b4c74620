package app

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// errNoInput means standard input ended before an answer.
var errNoInput = errors.New("standard input ended")

// lines returns the run's line reader over standard input.
func (a *app) lines() *bufio.Reader {
	if a.deps.lines == nil {
		a.deps.lines = bufio.NewReader(a.io.In)
	}
	return a.deps.lines
}

// ask prints a prompt (to standard error, so output stays clean) and reads
// one line, trimmed.
func (a *app) ask(prompt string) (string, error) {
	fmt.Fprint(a.io.ErrOut, prompt)
	line, err := a.lines().ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		if !a.io.InTTY {
			fmt.Fprintln(a.io.ErrOut)
		}
		if errors.Is(err, io.EOF) {
			return "", errNoInput
		}
		return "", fmt.Errorf("read standard input: %w", err)
	}
	if !a.io.InTTY {
		fmt.Fprintln(a.io.ErrOut) // piped input is not echoed: end the prompt's line
	}
	return strings.TrimSpace(line), nil
}

// askSecret reads one secret line: hidden on a terminal, a plain line from
// piped input. The value is never echoed.
func (a *app) askSecret(prompt string) (string, error) {
	if f, ok := a.io.In.(*os.File); ok && a.io.InTTY {
		fmt.Fprint(a.io.ErrOut, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.io.ErrOut)
		if err != nil {
			return "", fmt.Errorf("read secret from terminal: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return a.ask(prompt)
}

// readValue reads a whole value from piped standard input, or prompts for
// it on a terminal. Surrounding white space (the newline echo adds) is
// dropped; anything inside is kept for the format rules to judge.
func (a *app) readValue(prompt string, secret bool) (string, error) {
	if a.io.InTTY {
		if secret {
			return a.askSecret(prompt)
		}
		return a.ask(prompt)
	}
	b, err := io.ReadAll(io.LimitReader(a.io.In, 1<<20))
	if err != nil {
		return "", fmt.Errorf("read standard input: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}
