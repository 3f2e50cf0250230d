package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/streamplane/streamplane/wire"
)

func newRuntimeCommand(o *options) *cobra.Command {
	return newGroup(o, "runtime", "Kafka versions the server can run",
		newRuntimeListCommand(o),
		newRuntimeInstallCommand(o),
	)
}

func newRuntimeListCommand(o *options) *cobra.Command {
	return listCommand(&cobra.Command{
		Use:   "list",
		Short: "List the Kafka runtime catalog and what is installed",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			runtimes, err := o.client().Runtimes(cmd.Context())
			if err != nil {
				return err
			}
			var rows [][]string
			for _, r := range runtimes {
				rows = append(rows, []string{r.Version, r.Released, r.SupportStart, r.SupportEnd, yesNo(r.Recommended), yesNo(r.Installed)})
			}
			return o.printList(wire.RuntimeList{Runtimes: runtimes},
				[]string{"VERSION", "RELEASED", "SUPPORT-START", "SUPPORT-END", "RECOMMENDED", "INSTALLED"}, rows)
		},
	})
}

func newRuntimeInstallCommand(o *options) *cobra.Command {
	var noWait bool
	cmd := &cobra.Command{
		Use:   "install VERSION",
		Short: "Download and verify a Kafka version from Maven Central",
		Long: `Install a Kafka version from the catalog on the server. The server fetches its
jars from Maven Central into its cache and verifies them; instances of that
version can then be created. The command waits for the install task unless
--no-wait is given.`,
		Args: exactArgs("VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := o.client()
			t, err := c.InstallRuntime(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if noWait {
				if o.json() {
					return printJSON(o.stdout, wire.TaskAccepted{Task: t})
				}
				fmt.Fprintf(o.stdout, "Installing Kafka %s: task %s (follow with 'streamplane task show %s').\n", args[0], t.ID, t.ID)
				return nil
			}
			d, err := o.waitTask(cmd.Context(), c, t)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, d)
			}
			fmt.Fprintf(o.stdout, "Installed Kafka %s.\n", args[0])
			if d.Result != "" {
				fmt.Fprintln(o.stdout, d.Result)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return once the task has started")
	return cmd
}
