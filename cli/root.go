// Package cli is the streamplane command: `streamplane server` runs the
// server and every other subcommand is a client of its REST API, built on
// the public client package so that the CLI sees exactly what other API
// users see.
package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

// defaultServer is where the CLI looks for the server when neither --server
// nor STREAMPLANE_SERVER says otherwise.
const defaultServer = "http://127.0.0.1:8080"

// Output formats of -o.
const (
	outputTable = "table"
	outputJSON  = "json"
	outputCSV   = "csv"
)

// listAnnotation marks commands that show a list, the only ones -o csv fits.
const listAnnotation = "streamplane/list"

// Main runs the command line and returns the process exit code.
func Main(args []string) int {
	return run(context.Background(), args, os.Stdout, os.Stderr, os.Getenv)
}

// options is what every client command shares: where to write, the global
// flags and the few things tests replace. Commands get a pointer to one.
type options struct {
	stdin          io.Reader // where --password-stdin reads
	stdout, stderr io.Writer
	env            func(string) string
	now            func() time.Time
	stderrTTY      bool // redraw progress in place rather than print lines
	// interrupt derives the context a wait runs under; it ends on Ctrl-C.
	interrupt func(context.Context) (context.Context, context.CancelFunc)
	// configDir holds the credentials file (os.UserConfigDir).
	configDir func() (string, error)

	server string // --server
	token  string // --token
	ca     string // --ca
	output string // -o

	// Set by check from the flags: the client every command uses, the CA
	// file it trusts and where its token came from.
	api         *client.Client
	caFile      string
	tokenSource string
	// noAuthHint keeps the sign-in hint off a 401 that is not about a
	// missing or stale token (a wrong password at login).
	noAuthHint bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) int {
	return newOptions(stdout, stderr, env).execute(ctx, args)
}

func newOptions(stdout, stderr io.Writer, env func(string) string) *options {
	return &options{
		stdin: os.Stdin, stdout: stdout, stderr: stderr, env: env, now: time.Now, configDir: os.UserConfigDir,
		stderrTTY: isTerminal(stderr),
		interrupt: func(ctx context.Context) (context.Context, context.CancelFunc) {
			return signal.NotifyContext(ctx, os.Interrupt)
		},
	}
}

func (o *options) execute(ctx context.Context, args []string) int {
	root := newRootCommand(o)
	if args == nil {
		args = []string{} // cobra falls back to os.Args on nil
	}
	root.SetArgs(args)
	root.SetOut(o.stdout)
	root.SetErr(o.stderr)
	err := root.ExecuteContext(ctx)
	var running *client.StillRunning
	if errors.As(err, &running) {
		err = o.followChange(ctx, running.Task)
	}
	if err != nil {
		if !errors.Is(err, errReported) {
			fmt.Fprintln(o.stderr, "error: "+formatError(err))
		}
		var apiErr *client.Error
		var unknownCA x509.UnknownAuthorityError
		switch {
		case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized && !o.noAuthHint:
			fmt.Fprintln(o.stderr, signInHint)
		case errors.As(err, &unknownCA):
			fmt.Fprintln(o.stderr, trustHint)
		}
		return 1
	}
	return 0
}

func newRootCommand(o *options) *cobra.Command {
	root := &cobra.Command{
		Use:   "streamplane",
		Short: "Streamplane: self-hosted managed Apache Kafka",
		Long: `Streamplane runs Apache Kafka instances for you.

'streamplane server' runs the server; every other command is a client of its
REST API. Point the client at a server with --server or STREAMPLANE_SERVER,
and sign in with 'streamplane login' (or give a token with --token or
STREAMPLANE_TOKEN).`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return fmt.Errorf("%w (see '%s --help')", err, cmd.CommandPath())
	})
	root.AddCommand(
		newServerCommand(),
		newRuntimeCommand(o),
		newFlavorCommand(o),
		newZoneCommand(o),
		newInstanceCommand(o),
		newTaskCommand(o),
		newTopicCommand(o),
		newGroupCommand(o),
		newMessageCommand(o),
		newParamCommand(o),
		newUserCommand(o),
		newQuotaCommand(o),
		newLoginCommand(o),
		newLogoutCommand(o),
		newWhoAmICommand(o),
		newIAMCommand(o),
		newProjectCommand(o),
		newAuditCommand(o),
		newMetricsCommand(o),
		newAlarmCommand(o),
		newMigrationCommand(o),
	)
	return root
}

// newGroup returns a command that only holds subcommands, with the global
// client flags. They live on each group rather than on the root so that
// `streamplane server` keeps a flag set of its own.
func newGroup(o *options, use, short string, subs ...*cobra.Command) *cobra.Command {
	cmd := subgroup(use, short, subs...)
	o.clientFlags(cmd)
	return cmd
}

// clientFlags gives cmd and its subcommands the global client flags, and
// checks them before any of them runs.
func (o *options) clientFlags(cmd *cobra.Command) {
	server := o.env("STREAMPLANE_SERVER")
	if server == "" {
		server = defaultServer
	}
	cmd.PersistentFlags().StringVar(&o.server, "server", server, "URL of the Streamplane server (env STREAMPLANE_SERVER)")
	// The default is left out of the help, which would print the token.
	cmd.PersistentFlags().StringVar(&o.token, "token", "", "API token (default: env "+tokenEnv+", else the token 'streamplane login' kept for --server)")
	cmd.PersistentFlags().StringVar(&o.ca, "ca", o.env(caEnv), "PEM file of the certificate(s) to trust for an https --server, such as its self-signed server.crt (env "+caEnv+")")
	cmd.PersistentFlags().StringVarP(&o.output, "output", "o", outputTable, "output format: table, json, or csv (lists only)")
	cmd.PersistentPreRunE = func(cmd *cobra.Command, args []string) error { return o.check(cmd) }
}

// check validates the global flags for the command about to run.
func (o *options) check(cmd *cobra.Command) error {
	switch o.output {
	case outputTable, outputJSON:
	case outputCSV:
		if cmd.Annotations[listAnnotation] == "" {
			return fmt.Errorf("-o csv is only for commands that show a list; use -o table or -o json for '%s'", cmd.CommandPath())
		}
	default:
		return fmt.Errorf("invalid --output %q: use table, json or csv", o.output)
	}
	u, err := url.Parse(o.server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("invalid --server %q: give a URL such as %s", o.server, defaultServer)
	}
	token, err := o.resolveAuth()
	if err != nil {
		return err
	}
	o.api, err = client.NewWithOptions(o.server, client.Options{Token: token, CAFile: o.caFile})
	if err != nil {
		return fmt.Errorf("--ca: %w", err)
	}
	return nil
}

// followChange waits for a change the server answered 202: it outlasted
// the server's short deadline and goes on as a task. Its outcome is the
// command's.
func (o *options) followChange(ctx context.Context, t *streamplane.Task) error {
	fmt.Fprintf(o.stderr, "The change takes longer than usual; it goes on as task %s.\n", t.ID)
	d, err := o.waitTask(ctx, o.client(), t)
	if err != nil {
		return err
	}
	if d.Result != "" {
		fmt.Fprintln(o.stdout, d.Result)
	}
	return nil
}

// client is the API client check built from the global flags.
func (o *options) client() *client.Client {
	if o.api == nil {
		panic("cli: a command without the client flags uses the API")
	}
	return o.api
}

func (o *options) json() bool { return o.output == outputJSON }

// listCommand marks cmd as showing a list, so -o csv is accepted.
func listCommand(cmd *cobra.Command) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[listAnnotation] = "yes"
	return cmd
}

// exactArgs names the missing or extra arguments, which cobra's ExactArgs
// only counts.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(names) == 0 && len(args) > 0 {
			return fmt.Errorf("'%s' takes no arguments; got %q", cmd.CommandPath(), args)
		}
		if len(args) != len(names) {
			return fmt.Errorf("'%s' takes %s; got %d argument(s)", cmd.CommandPath(), strings.Join(names, " "), len(args))
		}
		return nil
	}
}

// minArgs is exactArgs with the last argument given one or more times.
func minArgs(names ...string) cobra.PositionalArgs {
	want := "at least one " + names[len(names)-1]
	if len(names) > 1 {
		want = strings.Join(names[:len(names)-1], " ") + " and " + want
	}
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < len(names) {
			return fmt.Errorf("'%s' takes %s; got %d argument(s)", cmd.CommandPath(), want, len(args))
		}
		return nil
	}
}

// requireFlags names every required flag that was not given. Cobra's own
// check prints them quoted without dashes, which reads less like a command.
func requireFlags(cmd *cobra.Command, names ...string) error {
	var missing []string
	for _, n := range names {
		if !cmd.Flags().Changed(n) {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("'%s' needs %s", cmd.CommandPath(), strings.Join(missing, ", "))
}

// upperEnum upper-cases enum flag values and checks them against the known
// ones, so that a typo fails here rather than matching nothing.
func upperEnum[T ~string](flag string, values []string, known []T) ([]string, error) {
	var out []string
	for _, given := range values {
		v := strings.ToUpper(strings.TrimSpace(given))
		if !slices.Contains(known, T(v)) {
			names := make([]string, len(known))
			for i, k := range known {
				names[i] = string(k)
			}
			return nil, fmt.Errorf("invalid %s %q: use one of %s", flag, given, strings.Join(names, ", "))
		}
		out = append(out, v)
	}
	return out, nil
}

// parseKeyValues reads a repeated key=value flag such as --tag or
// --config; form is what the error shows a pair should look like.
func parseKeyValues(flag string, pairs []string, form string) (map[string]string, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("invalid %s %q: use %s", flag, p, form)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("invalid %s %q: key %q is given twice", flag, p, k)
		}
		out[k] = v
	}
	return out, nil
}

// errReported means the error was already printed (one line per failed
// item of a many-item command); only the exit code is left to set.
var errReported = errors.New("reported")

// formatError renders an error for people. API errors show their stable
// code, the field at fault and, for a busy instance, the task holding it.
func formatError(err error) string {
	var failed *client.TaskFailedError
	var apiErr *client.Error
	switch {
	case errors.As(err, &failed):
		return failed.Error()
	case errors.As(err, &apiErr):
		app := apiErr.App
		msg := app.Code + ": " + app.Message
		if app.Field != "" {
			msg += " (field " + app.Field + ")"
		}
		if app.Code == streamplane.EBUSY && app.TaskID != "" && !strings.Contains(app.Message, app.TaskID) {
			msg += " (held by task " + app.TaskID + ")"
		}
		return msg
	}
	return err.Error()
}
