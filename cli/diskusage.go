package cli

import "github.com/spf13/cobra"

func newInstanceDiskUsageCommand(o *options) *cobra.Command {
	return &cobra.Command{Use: "disk-usage NAME_OR_ID", Hidden: true}
}
