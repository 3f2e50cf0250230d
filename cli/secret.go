package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// newPassword returns a password a command sets for user: the first line
// of standard input with --password-stdin, else typed twice at the
// terminal without echo, so that a typo does not lock anyone out.
func (o *options) newPassword(user string, fromStdin bool) (string, error) {
	if fromStdin {
		return o.readPassword(user, true)
	}
	f, ok := o.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("standard input is not a terminal to ask the password on; pipe the password with --password-stdin")
	}
	read := func(prompt string) (string, error) {
		fmt.Fprint(o.stderr, prompt)
		raw, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(o.stderr)
		if err != nil {
			return "", fmt.Errorf("read the password: %w", err)
		}
		return string(raw), nil
	}
	pw, err := read("New password for " + user + ": ")
	if err != nil {
		return "", err
	}
	if pw == "" {
		return "", errors.New("no password given")
	}
	again, err := read("Repeat it: ")
	if err != nil {
		return "", err
	}
	if again != pw {
		return "", errors.New("the passwords differ; nothing was changed")
	}
	return pw, nil
}

// stdinLine reads a secret from the first line of standard input, for a
// flag such as --password-stdin; what names the secret in errors.
func (o *options) stdinLine(flag, what string) (string, error) {
	line, err := bufio.NewReader(o.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("%s: %w", flag, err)
	}
	if s := strings.TrimRight(line, "\r\n"); s != "" {
		return s, nil
	}
	return "", fmt.Errorf("%s: standard input holds no %s", flag, what)
}
