package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

func newProjectCommand(o *options) *cobra.Command {
	return newGroup(o, "project", "Projects: groups of instances under quotas, the scope of IAM policies",
		newProjectCreateCommand(o),
		newProjectListCommand(o),
		newProjectShowCommand(o),
		newProjectUpdateCommand(o),
		newProjectDeleteCommand(o),
	)
}

// projectQuotas is what the project commands' help says about limits.
const projectQuotas = `A project caps how many instances it holds, their brokers in all, and their
storage in all (decimal GB, brokers × storage per broker); 0 is no limit.
Creating or growing an instance beyond a cap is refused.`

// projectLimitFlags adds the three quota flags.
func projectLimitFlags(cmd *cobra.Command, instances, brokers, storage *int) {
	cmd.Flags().IntVar(instances, "max-instances", 0, "most instances (0: no limit)")
	cmd.Flags().IntVar(brokers, "max-brokers", 0, "most brokers over all its instances (0: no limit)")
	cmd.Flags().IntVar(storage, "max-storage-gb", 0, "most storage over all its instances, in GB (0: no limit)")
}

func newProjectCreateCommand(o *options) *cobra.Command {
	var p streamplane.Project
	cmd := &cobra.Command{
		Use:   "create NAME [--description TEXT] [--max-instances N] [--max-brokers N] [--max-storage-gb N]",
		Short: "Create a project with quotas",
		Long: `Create a project. Put instances in it with 'streamplane instance create
--project', and give users policies in it with 'streamplane iam user attach
--project'.

` + projectQuotas,
		Example: `  streamplane project create team-a --description "Team A" --max-instances 5 --max-brokers 15 --max-storage-gb 3000`,
		Args:    exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p.Name = args[0]
			pu, err := o.client().CreateProject(cmd.Context(), p)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, pu)
			}
			fmt.Fprintf(o.stdout, "Created project %s: %s.\n", pu.Name, projectLimits(&pu.Project))
			return nil
		},
	}
	cmd.Flags().StringVar(&p.Description, "description", "", "what the project is for")
	projectLimitFlags(cmd, &p.MaxInstances, &p.MaxBrokers, &p.MaxStorageGB)
	return cmd
}

// projectLimits renders a project's quotas as a phrase.
func projectLimits(p *streamplane.Project) string {
	var parts []string
	for _, l := range []struct {
		max  int
		unit string
	}{{p.MaxInstances, "instances"}, {p.MaxBrokers, "brokers"}, {p.MaxStorageGB, "GB of storage"}} {
		if l.max > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", l.max, l.unit))
		}
	}
	if len(parts) == 0 {
		return "no limits"
	}
	return "at most " + strings.Join(parts, ", ")
}

// usedOf renders a usage against its limit: "2/5", or "2/-" with no limit.
func usedOf(used, max int) string {
	if max <= 0 {
		return strconv.Itoa(used) + "/-"
	}
	return strconv.Itoa(used) + "/" + strconv.Itoa(max)
}

func newProjectListCommand(o *options) *cobra.Command {
	return listCommand(&cobra.Command{
		Use:   "list",
		Short: "List projects: what their instances use of their quotas",
		Long: `List projects with their usage against their quotas, as USED/MAX; a "-" max
is no limit.

` + projectQuotas,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := o.client().Projects(cmd.Context())
			if err != nil {
				return err
			}
			var rows [][]string
			for _, p := range list.Projects {
				if o.output == outputCSV {
					rows = append(rows, []string{p.Name, p.Description,
						strconv.Itoa(p.Usage.Instances), strconv.Itoa(p.MaxInstances),
						strconv.Itoa(p.Usage.Brokers), strconv.Itoa(p.MaxBrokers),
						strconv.Itoa(p.Usage.StorageGB), strconv.Itoa(p.MaxStorageGB)})
					continue
				}
				rows = append(rows, []string{p.Name, usedOf(p.Usage.Instances, p.MaxInstances), usedOf(p.Usage.Brokers, p.MaxBrokers),
					usedOf(p.Usage.StorageGB, p.MaxStorageGB), shorten(p.Description, 50)})
			}
			if o.output == outputCSV {
				return writeCSV(o.stdout, []string{"name", "description", "instances", "max_instances", "brokers", "max_brokers",
					"storage_gb", "max_storage_gb"}, rows)
			}
			return o.printList(list, []string{"NAME", "INSTANCES", "BROKERS", "STORAGE-GB", "DESCRIPTION"}, rows)
		},
	})
}

func newProjectShowCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "Show a project: its quotas and what its instances use of them",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := o.client().Project(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, p)
			}
			now := o.now()
			of := func(used, max int, unit string) string {
				if max <= 0 {
					return fmt.Sprintf("%d%s (no limit)", used, unit)
				}
				return fmt.Sprintf("%d%s of %d%s", used, unit, max, unit)
			}
			f := newFields(o.stdout)
			f.add("Name", p.Name)
			f.add("Description", p.Description)
			f.add("Instances", of(p.Usage.Instances, p.MaxInstances, ""))
			f.add("Brokers", of(p.Usage.Brokers, p.MaxBrokers, ""))
			f.add("Storage", of(p.Usage.StorageGB, p.MaxStorageGB, " GB"))
			f.add("Version", strconv.FormatInt(p.ResourceVersion, 10))
			f.add("Created", timestamp(now, &p.CreatedAt))
			f.add("Updated", timestamp(now, &p.UpdatedAt))
			return f.flush()
		},
	}
}

func newProjectUpdateCommand(o *options) *cobra.Command {
	var (
		description                 string
		instances, brokers, storage int
	)
	cmd := &cobra.Command{
		Use:   "update NAME [--description TEXT] [--max-instances N] [--max-brokers N] [--max-storage-gb N]",
		Short: "Change a project's description or quotas",
		Long: `Change a project's description or quotas; what is not given stays. A quota
may be lowered below the current usage: nothing is taken away, but nothing
more is allowed until usage falls under it.

` + projectQuotas,
		Example: `  streamplane project update team-a --max-instances 8 --max-storage-gb 5000`,
		Args:    exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var upd wire.ProjectUpdate
			flags := cmd.Flags()
			if flags.Changed("description") {
				upd.Description = &description
			}
			if flags.Changed("max-instances") {
				upd.MaxInstances = &instances
			}
			if flags.Changed("max-brokers") {
				upd.MaxBrokers = &brokers
			}
			if flags.Changed("max-storage-gb") {
				upd.MaxStorageGB = &storage
			}
			if upd == (wire.ProjectUpdate{}) {
				return fmt.Errorf("nothing to change: give --description, --max-instances, --max-brokers or --max-storage-gb")
			}
			p, err := o.client().UpdateProject(cmd.Context(), args[0], upd)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, p)
			}
			fmt.Fprintf(o.stdout, "Updated project %s: %s.\n", p.Name, projectLimits(&p.Project))
			return nil
		},
	}
	cmd.Flags().StringVar(&description, "description", "", "new description; \"\" clears it")
	projectLimitFlags(cmd, &instances, &brokers, &storage)
	return cmd
}

func newProjectDeleteCommand(o *options) *cobra.Command {
	var confirmed bool
	cmd := &cobra.Command{
		Use:   "delete NAME --yes",
		Short: "Delete an empty project",
		Long: `Delete an empty project: the server refuses while an instance is in it, a
policy is attached in it, or it is a user's home project. The default
project cannot be deleted.`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !confirmed {
				return fmt.Errorf("not deleting project %s: add --yes to confirm", args[0])
			}
			if err := o.client().DeleteProject(cmd.Context(), args[0]); err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, map[string]string{"deleted": args[0]})
			}
			fmt.Fprintf(o.stdout, "Deleted project %s.\n", args[0])
			return nil
		},
	}
	cmd.Flags().BoolVar(&confirmed, "yes", false, "confirm the deletion")
	return cmd
}
