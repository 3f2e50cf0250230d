package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	streamplane "github.com/streamplane/streamplane"
)

func newParamCommand(o *options) *cobra.Command {
	return newGroup(o, "param", "An instance's broker parameters",
		newParamListCommand(o),
		newParamSetCommand(o),
		newParamResetCommand(o),
	)
}

func newParamListCommand(o *options) *cobra.Command {
	return listCommand(&cobra.Command{
		Use:   "list INSTANCE",
		Short: "List parameters: value, default, range, dynamic or static, pending restart",
		Args:  exactArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := o.client().Parameters(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := o.printParams(list); err != nil {
				return err
			}
			o.restartHint(args[0], list.PendingRestart)
			return nil
		},
	})
}

func (o *options) printParams(list *streamplane.ParameterList) error {
	var rows [][]string
	for _, p := range list.Parameters {
		kind := "static"
		if p.Dynamic {
			kind = "dynamic"
		}
		pending := ""
		if p.PendingRestart {
			pending = "restart → " + p.PendingValue
		}
		rows = append(rows, []string{p.Name, p.Value, p.Default, p.Range, kind, pending})
	}
	return o.printList(list, []string{"NAME", "VALUE", "DEFAULT", "RANGE", "KIND", "PENDING"}, rows)
}

// restartHint tells people (not scripts) how to apply saved parameters.
func (o *options) restartHint(instance string, pending []string) {
	if len(pending) > 0 && !o.json() {
		fmt.Fprintf(o.stderr, "Pending until a restart: %s. Apply with: streamplane instance restart %s\n", strings.Join(pending, ", "), instance)
	}
}

func newParamSetCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:     "set INSTANCE NAME=VALUE...",
		Short:   "Set parameters: dynamic ones apply live, static ones at the next restart",
		Example: `  streamplane param set demo min.insync.replicas=2 log.retention.hours=48`,
		Args:    minArgs("INSTANCE", "NAME=VALUE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			values := map[string]string{}
			for _, kv := range args[1:] {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return fmt.Errorf("%q is not NAME=VALUE", kv)
				}
				values[k] = v
			}
			change, err := o.client().SetParameters(cmd.Context(), args[0], values)
			if err != nil {
				return err
			}
			return o.printChange(args[0], change)
		},
	}
}

func newParamResetCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "reset INSTANCE NAME...",
		Short: "Restore parameters to their defaults",
		Args:  minArgs("INSTANCE", "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			change, err := o.client().ResetParameters(cmd.Context(), args[0], args[1:]...)
			if err != nil {
				return err
			}
			return o.printChange(args[0], change)
		},
	}
}

func (o *options) printChange(instance string, change *streamplane.ParameterChange) error {
	if o.json() {
		return printJSON(o.stdout, change)
	}
	if len(change.AppliedLive) > 0 {
		fmt.Fprintf(o.stdout, "Applied live on every broker: %s\n", strings.Join(change.AppliedLive, ", "))
	}
	if len(change.Saved) > 0 {
		fmt.Fprintf(o.stdout, "Saved for the next restart: %s\n", strings.Join(change.Saved, ", "))
	}
	o.restartHint(instance, change.PendingRestart)
	return nil
}
