package cli

import "github.com/spf13/cobra"

func newQuotaCommand(o *options) *cobra.Command { return newGroup(o, "quota", "") }
