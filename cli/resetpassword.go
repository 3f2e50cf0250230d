package cli

import "github.com/spf13/cobra"

func newInstanceResetKafkaPasswordCommand(o *options) *cobra.Command {
	var password string
	cmd := &cobra.Command{
		Use:   "reset-kafka-password INSTANCE --password PASSWORD",
		Short: "Give the instance's initial SASL user a new password",
		Long: `Give a SASL_SSL instance's initial user (the one created with it) a new
password, for every mechanism it signs in with. New logins with the old
password fail as soon as this returns; connections already open stay. The
password has ` + passwordRules + `.`,
		Example: `  streamplane instance reset-kafka-password orders --password 'New-Pass1'`,
		Args:    exactArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := o.password(cmd, password)
			if err != nil {
				return err
			}
			u, err := o.client().ResetKafkaPassword(cmd.Context(), args[0], pw)
			if err != nil {
				return err
			}
			return o.printPasswordReset(u)
		},
	}
	cmd.Flags().StringVar(&password, "password", "", "the new password (env "+passwordEnv+")")
	return cmd
}
