package cli

import "github.com/spf13/cobra"

func newTopicGrantCommand(o *options) *cobra.Command {
	return &cobra.Command{Use: "grant", Hidden: true}
}
func newTopicRevokeCommand(o *options) *cobra.Command {
	return &cobra.Command{Use: "revoke", Hidden: true}
}
func newTopicGrantsCommand(o *options) *cobra.Command {
	return &cobra.Command{Use: "grants", Hidden: true}
}
