package cli

import "github.com/spf13/cobra"

func newUserCommand(o *options) *cobra.Command { return newGroup(o, "user", "") }
