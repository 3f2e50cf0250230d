package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	streamplane "github.com/streamplane/streamplane"
)

func newLoginCommand(o *options) *cobra.Command {
	var user string
	var passwordStdin bool
	cmd := &cobra.Command{
		Use:   "login --user NAME",
		Short: "Sign in to the server and keep the token for later commands",
		Long: `Sign in with an account's password. The password is asked for on the
terminal, without echo, or read from the first line of standard input with
--password-stdin. The server answers with a token, which is kept for this
--server URL in the credentials file (streamplane/credentials.json in your
user config directory, readable by you only) and sent by every later command
to that server. --token and STREAMPLANE_TOKEN take precedence over it.

For a server with a self-signed certificate give --ca with that certificate
(<data>/tls/server.crt on the server); it is kept with the token, so later
commands need it no more.

The first start of a server creates the account 'admin' and writes a token
for it to <data>/admin.token.`,
		Example: `  streamplane login --user admin
  streamplane login --server https://sp.example:8443 --ca server.crt --user alice
  printf '%s\n' "$PASSWORD" | streamplane login --user ci --password-stdin`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "user"); err != nil {
				return err
			}
			path, err := o.credentialsPath()
			if err != nil {
				return err
			}
			pw, err := o.readPassword(user, passwordStdin)
			if err != nil {
				return err
			}
			o.noAuthHint = true // a 401 here is a wrong user or password
			ts, err := o.client().Login(cmd.Context(), user, pw)
			if err != nil {
				return err
			}
			if ts.Secret == "" {
				return errors.New("the server signed you in but answered no token")
			}
			ca := o.caFile
			if ca != "" {
				if ca, err = filepath.Abs(ca); err != nil {
					return err
				}
			}
			l, err := loadLogins(path)
			if err != nil {
				return err
			}
			l.Servers[serverKey(o.server)] = storedLogin{User: ts.Account, Token: ts.Secret, ExpiresAt: ts.ExpiresAt, CA: ca}
			if err := l.save(path); err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, ts.Token) // the token without its secret
			}
			msg := fmt.Sprintf("Signed in to %s as %s", serverKey(o.server), ts.Account)
			if ts.ExpiresAt != nil {
				msg += fmt.Sprintf(" until %s", ts.ExpiresAt.Local().Format(time.DateTime))
			}
			fmt.Fprintf(o.stdout, "%s; the token is kept in %s.\n", msg, path)
			return nil
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "the account to sign in as")
	cmd.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
	o.clientFlags(cmd)
	cmd.PersistentFlags().MarkHidden("token") // login sends none
	return cmd
}

// readPassword reads the first line of standard input, or asks on the
// terminal without echo.
func (o *options) readPassword(user string, fromStdin bool) (string, error) {
	if fromStdin {
		return o.stdinLine("--password-stdin", "password")
	}
	f, ok := o.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("standard input is not a terminal to ask the password on; pipe the password with --password-stdin")
	}
	fmt.Fprintf(o.stderr, "Password for %s at %s: ", user, serverKey(o.server))
	raw, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(o.stderr)
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	if len(raw) == 0 {
		return "", errors.New("no password given")
	}
	return string(raw), nil
}

func newLogoutCommand(o *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Forget the token kept for the server",
		Long: `Remove the token 'streamplane login' kept for this --server URL from the
credentials file. This only forgets it here: the token stays valid on the
server until it expires or is revoked there.`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := o.credentialsPath()
			if err != nil {
				return err
			}
			l, err := loadLogins(path)
			if err != nil {
				return err
			}
			key := serverKey(o.server)
			if _, ok := l.Servers[key]; !ok {
				fmt.Fprintf(o.stdout, "No sign-in to %s is kept here.\n", key)
				return nil
			}
			delete(l.Servers, key)
			if err := l.save(path); err != nil {
				return err
			}
			fmt.Fprintf(o.stdout, "Signed out of %s: its token is removed from %s (it stays valid on the server until it expires or is revoked).\n", key, path)
			return nil
		},
	}
	o.clientFlags(cmd)
	return cmd
}

func newWhoAmICommand(o *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "whoami",
		Short: "Show the account your token belongs to: name, home project, policies",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			me, err := o.client().WhoAmI(cmd.Context())
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, me)
			}
			return o.printWhoAmI(me)
		},
	}
	o.clientFlags(cmd)
	return cmd
}

// printWhoAmI shows the signed-in account and where its token came from.
func (o *options) printWhoAmI(a *streamplane.Account) error {
	f := newFields(o.stdout)
	f.add("Account", a.Name)
	f.add("ID", a.ID)
	f.add("Home project", a.Project)
	f.add("Token from", o.tokenSource)
	if err := f.flush(); err != nil {
		return err
	}
	if len(a.Attachments) == 0 {
		fmt.Fprintln(o.stdout, "\nNo policy is attached: the account may do nothing.")
		return nil
	}
	fmt.Fprintln(o.stdout)
	t := newTable(o.stdout, "POLICY", "PROJECT")
	for _, at := range a.Attachments {
		project := at.Project
		if project == streamplane.AllProjects {
			project = "* (every project)"
		}
		t.row(at.Policy, project)
	}
	return t.flush()
}
