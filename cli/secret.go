package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// readPasswordStdin returns the first line of standard input, for
// --password-stdin: the password stays out of the shell's history and the
// process list.
func readPasswordStdin(cmd *cobra.Command) (string, error) {
	line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("--password-stdin: standard input holds no password")
	}
	return pw, nil
}

// promptPassword asks for a new password twice at the terminal, without
// echo; ok is false when standard input is not a terminal.
func (o *options) promptPassword(cmd *cobra.Command, user string) (pw string, ok bool, err error) {
	f, isFile := cmd.InOrStdin().(*os.File)
	if !isFile || !term.IsTerminal(int(f.Fd())) {
		return "", false, nil
	}
	read := func(prompt string) (string, error) {
		fmt.Fprint(o.stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(o.stderr)
		return string(b), err
	}
	if pw, err = read("New password for " + user + ": "); err != nil {
		return "", true, err
	}
	if pw == "" {
		return "", true, errors.New("no password given")
	}
	again, err := read("Repeat it: ")
	if err != nil {
		return "", true, err
	}
	if again != pw {
		return "", true, errors.New("the passwords differ; nothing was changed")
	}
	return pw, true, nil
}
