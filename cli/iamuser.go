package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

func newIAMUserCommand(o *options) *cobra.Command {
	return subgroup("user", "People and programs that use Streamplane: create, list, passwords, policies",
		newIAMUserCreateCommand(o),
		newIAMUserListCommand(o),
		newIAMUserShowCommand(o),
		newIAMUserDeleteCommand(o),
		newIAMUserSetPasswordCommand(o),
		newIAMUserAttachCommand(o),
		newIAMUserDetachCommand(o),
	)
}

// iamUserAbout tells IAM users from the SASL users of 'streamplane user'.
const iamUserAbout = `An IAM user signs in to Streamplane itself (the API, this command, the
console); it is not a SASL user of a Kafka instance ('streamplane user').`

// iamPasswordRules are the server's rules for an IAM user's password.
const iamPasswordRules = `A password has 8 to 128 characters, at least three of lower-case letters,
upper-case letters, digits and other characters, and is not the user's name.`

func newIAMUserCreateCommand(o *options) *cobra.Command {
	var (
		spec          streamplane.AccountSpec
		passwordStdin bool
	)
	cmd := &cobra.Command{
		Use:   "create NAME [--password-stdin] [--project PROJECT]",
		Short: "Create an IAM user",
		Long: iamUserAbout + `

With --password-stdin the user signs in with a password (the first line of
standard input); without, it has none and uses API tokens only ('streamplane
iam token create'). Its home project (default "default") is where a policy
attached without --project applies. A new user may do nothing until a
policy is attached to it. The name has 2 to 64 lower-case letters, digits,
'.', '_' or '-', starting with a letter.

` + iamPasswordRules,
		Example: `  echo "$ALICE_PASSWORD" | streamplane iam user create alice --password-stdin --project team-a
  streamplane iam user create ci-bot`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec.Name = args[0]
			if passwordStdin {
				var err error
				if spec.Password, err = o.readPassword(spec.Name, true); err != nil {
					return err
				}
			}
			a, err := o.client().CreateIAMUser(cmd.Context(), spec)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, a)
			}
			how := "with a password"
			if !a.HasPassword {
				how = "without a password: it signs in with API tokens ('streamplane iam token create --user " + a.Name + "')"
			}
			fmt.Fprintf(o.stdout, "Created IAM user %s in project %s, %s.\n", a.Name, a.Project, how)
			if len(a.Attachments) == 0 {
				fmt.Fprintf(o.stderr, "It may do nothing yet; attach a policy with 'streamplane iam user attach %s --policy ReadOnlyAccess'.\n", a.Name)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
	cmd.Flags().StringVar(&spec.Project, "project", "", "home project (default \"default\")")
	return cmd
}

func newIAMUserListCommand(o *options) *cobra.Command {
	return listCommand(&cobra.Command{
		Use:   "list",
		Short: "List IAM users with their policies",
		Long: `List IAM users: their home project, whether they have a password (those
without sign in with API tokens only) and their policies as POLICY@PROJECT,
where project * is every project.`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := o.client().IAMUsers(cmd.Context())
			if err != nil {
				return err
			}
			rows := make([][]string, 0, len(list.Users))
			for _, a := range list.Users {
				rows = append(rows, []string{a.Name, a.Project, yesNo(a.HasPassword), attachmentList(a.Attachments), rfc3339(&a.CreatedAt)})
			}
			if err := o.printList(list, []string{"NAME", "PROJECT", "PASSWORD", "POLICIES", "CREATED"}, rows); err != nil {
				return err
			}
			if o.output == outputTable {
				o.pageHint(0, len(list.Users), list.Total)
			}
			return nil
		},
	})
}

func newIAMUserShowCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "Show an IAM user and its policies",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := o.client().IAMUser(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return o.printIAMUser(a)
		},
	}
}

// printIAMUser shows an IAM user in detail.
func (o *options) printIAMUser(a *streamplane.Account) error {
	if o.json() {
		return printJSON(o.stdout, a)
	}
	now := o.now()
	password := "yes"
	if !a.HasPassword {
		password = "no (API tokens only)"
	}
	f := newFields(o.stdout)
	f.add("Name", a.Name)
	f.add("ID", a.ID)
	f.add("Home project", a.Project)
	f.add("Password", password)
	f.add("Created", timestamp(now, &a.CreatedAt))
	f.add("Updated", timestamp(now, &a.UpdatedAt))
	if err := f.flush(); err != nil {
		return err
	}
	if len(a.Attachments) == 0 {
		fmt.Fprintln(o.stdout, "\nNo policies: the user may do nothing.")
		return nil
	}
	fmt.Fprintln(o.stdout, "\nPolicies:")
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

func newIAMUserDeleteCommand(o *options) *cobra.Command {
	var confirmed bool
	cmd := &cobra.Command{
		Use:   "delete NAME --yes",
		Short: "Delete an IAM user and revoke its API tokens",
		Long: `Delete an IAM user: it can no longer sign in, and every API token it has
stops working at once. Its entries in the audit log stay. The admin account
cannot be deleted.`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !confirmed {
				return fmt.Errorf("not deleting IAM user %s: its API tokens stop working; add --yes to confirm", args[0])
			}
			if err := o.client().DeleteIAMUser(cmd.Context(), args[0]); err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, map[string]string{"deleted": args[0]})
			}
			fmt.Fprintf(o.stdout, "Deleted IAM user %s and revoked its API tokens.\n", args[0])
			return nil
		},
	}
	cmd.Flags().BoolVar(&confirmed, "yes", false, "confirm the deletion")
	return cmd
}

func newIAMUserSetPasswordCommand(o *options) *cobra.Command {
	var passwordStdin bool
	cmd := &cobra.Command{
		Use:   "set-password NAME [--password-stdin]",
		Short: "Give an IAM user a new password",
		Long: `Give an IAM user a new password, or a first one to a user that had only API
tokens. With --password-stdin it is the first line of standard input;
otherwise it is asked for twice at the terminal, without echo. Sign-ins with
the old password fail from now on; tokens already issued stay valid (revoke
them with 'streamplane iam token revoke').

` + iamPasswordRules,
		Example: `  streamplane iam user set-password alice
  printf '%s\n' "$NEW_PASSWORD" | streamplane iam user set-password alice --password-stdin`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := o.newPassword(args[0], passwordStdin)
			if err != nil {
				return err
			}
			if err := o.client().SetIAMUserPassword(cmd.Context(), args[0], pw); err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, map[string]string{"password_set": args[0]})
			}
			fmt.Fprintf(o.stdout, "IAM user %s has a new password; its API tokens stay valid.\n", args[0])
			return nil
		},
	}
	cmd.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
	return cmd
}

// attachmentFlags adds --policy and --project to attach and detach.
func attachmentFlags(cmd *cobra.Command, a *wire.AttachmentSpec) {
	cmd.Flags().StringVar(&a.Policy, "policy", "", "the policy's name (see 'streamplane iam policy list') (required)")
	cmd.Flags().StringVar(&a.Project, "project", "", "the project it applies in; * for every project (default: the user's home project)")
}

func newIAMUserAttachCommand(o *options) *cobra.Command {
	var a wire.AttachmentSpec
	cmd := &cobra.Command{
		Use:   "attach NAME --policy POLICY [--project PROJECT]",
		Short: "Give an IAM user a policy in a project",
		Long: `Attach a policy to an IAM user in one project, or in every project with
--project '*'. Without --project it applies in the user's home project. A
Deny in any of the user's policies wins over every Allow.`,
		Example: `  streamplane iam user attach alice --policy ReadOnlyAccess --project team-a
  streamplane iam user attach ops --policy FullAccess --project '*'`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "policy"); err != nil {
				return err
			}
			acc, err := o.client().AttachPolicy(cmd.Context(), args[0], a)
			if err != nil {
				return err
			}
			return o.printAttachments(acc)
		},
	}
	attachmentFlags(cmd, &a)
	return cmd
}

func newIAMUserDetachCommand(o *options) *cobra.Command {
	var a wire.AttachmentSpec
	cmd := &cobra.Command{
		Use:   "detach NAME --policy POLICY [--project PROJECT]",
		Short: "Take a policy from an IAM user",
		Long: `Detach a policy from an IAM user, in the project it was attached in (default:
the user's home project; '*' for an attachment to every project).`,
		Example: `  streamplane iam user detach alice --policy ReadOnlyAccess --project team-a`,
		Args:    exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "policy"); err != nil {
				return err
			}
			acc, err := o.client().DetachPolicy(cmd.Context(), args[0], a)
			if err != nil {
				return err
			}
			return o.printAttachments(acc)
		},
	}
	attachmentFlags(cmd, &a)
	return cmd
}

// printAttachments shows what a user holds after an attach or detach.
func (o *options) printAttachments(a *streamplane.Account) error {
	if o.json() {
		return printJSON(o.stdout, a)
	}
	if len(a.Attachments) == 0 {
		fmt.Fprintf(o.stdout, "IAM user %s has no policies now: it may do nothing.\n", a.Name)
		return nil
	}
	fmt.Fprintf(o.stdout, "IAM user %s now has: %s.\n", a.Name, attachmentList(a.Attachments))
	return nil
}
