package cli

import "github.com/spf13/cobra"

func newInstanceResetKafkaPasswordCommand(o *options) *cobra.Command {
	return &cobra.Command{Use: "reset-kafka-password", Hidden: true}
}
