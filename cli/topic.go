package cli

import "github.com/spf13/cobra"

func newTopicCommand(o *options) *cobra.Command {
	return newGroup(o, "topic", "")
}
