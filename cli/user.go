package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
)

// passwordEnv is where commands that set a SASL password find it when
// --password is not given, to keep it out of the shell's history.
const passwordEnv = "STREAMPLANE_KAFKA_PASSWORD"

const passwordRules = "8-32 characters with at least three of: lower-case letters, upper-case letters, digits, special characters; not starting with '-' and not the user name"

func newUserCommand(o *options) *cobra.Command {
	return newGroup(o, "user", "SASL users of a SASL_SSL instance: create, list, reset passwords, delete",
		newUserCreateCommand(o),
		newUserListCommand(o),
		newUserResetPasswordCommand(o),
		newUserDeleteCommand(o),
	)
}

// password returns the password a command sets: --password, else the
// environment. It is never printed.
func (o *options) password(cmd *cobra.Command, flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if p := o.env(passwordEnv); p != "" {
		return p, nil
	}
	return "", fmt.Errorf("'%s' needs the new password: give --password or set %s", cmd.CommandPath(), passwordEnv)
}

func newUserCreateCommand(o *options) *cobra.Command {
	var password string
	cmd := &cobra.Command{
		Use:   "create INSTANCE NAME --password PASSWORD",
		Short: "Create a SASL user",
		Long: `Create a SASL user of a SASL_SSL instance. It signs in with SCRAM-SHA-512
and, if the instance offers it, PLAIN. An instance has at most 20 users, its
initial user included. The name has 4-64 letters, digits, '-' or '_',
starting with a letter. The password has ` + passwordRules + `.

A new user may use every topic that has no permissions yet; grant it more
with 'streamplane topic grant'.`,
		Example: `  streamplane user create orders alice --password 'Alice-Pass1'
  STREAMPLANE_KAFKA_PASSWORD='Alice-Pass1' streamplane user create orders alice`,
		Args: exactArgs("INSTANCE", "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := o.password(cmd, password)
			if err != nil {
				return err
			}
			u, err := o.client().CreateKafkaUser(cmd.Context(), args[0], args[1], pw)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, u)
			}
			fmt.Fprintf(o.stdout, "Created user %s on %s; it signs in with %s.\n", u.Name, args[0], strings.Join(u.Mechanisms, " or "))
			return nil
		},
	}
	cmd.Flags().StringVar(&password, "password", "", "the user's password (env "+passwordEnv+")")
	return cmd
}

func newUserListCommand(o *options) *cobra.Command {
	return listCommand(&cobra.Command{
		Use:   "list INSTANCE",
		Short: "List an instance's SASL users",
		Long: `List an instance's SASL users by name: whether it is the initial user (created
with the instance, which cannot be deleted), the mechanisms it signs in
with, and when it was created.`,
		Args: exactArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := o.client().KafkaUsers(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			rows := make([][]string, 0, len(list.Users))
			for _, u := range list.Users {
				rows = append(rows, []string{u.Name, yesNo(u.Initial), strings.Join(u.Mechanisms, " "), rfc3339(&u.CreatedAt)})
			}
			if err := o.printList(list, []string{"NAME", "INITIAL", "MECHANISMS", "CREATED"}, rows); err != nil {
				return err
			}
			if o.output == outputTable {
				fmt.Fprintf(o.stderr, "%d of at most %d users.\n", len(list.Users), list.Limit)
			}
			return nil
		},
	})
}

func newUserResetPasswordCommand(o *options) *cobra.Command {
	var password string
	cmd := &cobra.Command{
		Use:   "reset-password INSTANCE NAME --password PASSWORD",
		Short: "Give a SASL user a new password",
		Long: `Give a SASL user a new password, for every mechanism it signs in with. New
logins with the old password fail as soon as this returns; connections
already open stay. The password has ` + passwordRules + `.
For the instance's initial user, 'streamplane instance reset-kafka-password'
does the same.`,
		Example: `  streamplane user reset-password orders alice --password 'Alice-Pass2'`,
		Args:    exactArgs("INSTANCE", "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := o.password(cmd, password)
			if err != nil {
				return err
			}
			u, err := o.client().ResetKafkaUserPassword(cmd.Context(), args[0], args[1], pw)
			if err != nil {
				return err
			}
			return o.printPasswordReset(u)
		},
	}
	cmd.Flags().StringVar(&password, "password", "", "the new password (env "+passwordEnv+")")
	return cmd
}

// printPasswordReset confirms a new password, never showing it.
func (o *options) printPasswordReset(u *streamplane.KafkaUserInfo) error {
	if o.json() {
		return printJSON(o.stdout, u)
	}
	fmt.Fprintf(o.stdout, "User %s has a new password for %s; new logins need it, connections already open stay.\n",
		u.Name, strings.Join(u.Mechanisms, " and "))
	return nil
}

func newUserDeleteCommand(o *options) *cobra.Command {
	var confirmed bool
	cmd := &cobra.Command{
		Use:   "delete INSTANCE NAME --yes",
		Short: "Delete a SASL user and its topic permissions",
		Long: `Delete a SASL user: its credentials and every topic permission granted to
it. The instance's initial user cannot be deleted. A topic whose only
permission was this user's has none left, and is open to every user.`,
		Args: exactArgs("INSTANCE", "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !confirmed {
				return fmt.Errorf("not deleting user %s: its clients can no longer sign in; add --yes to confirm", args[1])
			}
			if err := o.client().DeleteKafkaUser(cmd.Context(), args[0], args[1]); err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, map[string]string{"deleted": args[1]})
			}
			fmt.Fprintf(o.stdout, "Deleted user %s from %s, with its topic permissions.\n", args[1], args[0])
			return nil
		},
	}
	cmd.Flags().BoolVar(&confirmed, "yes", false, "confirm the deletion")
	return cmd
}
