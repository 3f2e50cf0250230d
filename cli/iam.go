package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
)

func newIAMCommand(o *options) *cobra.Command {
	return newGroup(o, "iam", "Control-plane identity: users, API tokens, policies",
		newIAMUserCommand(o),
		newIAMTokenCommand(o),
		newIAMPolicyCommand(o),
	)
}

// subgroup is a command that only holds subcommands: an unknown one is an
// error with suggestions (without a RunE cobra shows help and exits 0 for
// `instance bogus`). newGroup adds the global client flags to it; a
// subgroup inside a group gets them from the group above.
func subgroup(use, short string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
				if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
					msg += "; did you mean " + strings.Join(s, " or ") + "?"
				}
				return errors.New(msg)
			}
			return cmd.Help()
		},
		// Cobra only sets this default when it reports an unknown command itself.
		SuggestionsMinimumDistance: 2,
	}
	cmd.AddCommand(subs...)
	return cmd
}

// attachmentList renders a user's attachments as policy@project, the
// form people type them in.
func attachmentList(as []streamplane.Attachment) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = a.Policy + "@" + a.Project
	}
	return strings.Join(parts, ", ")
}
