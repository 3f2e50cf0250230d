package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/streamplane/streamplane/server"
)

// newMigrateStoreCommand returns `streamplane server migrate-store`.
func newMigrateStoreCommand() *cobra.Command {
	var from, to string
	cmd := &cobra.Command{
		Use:   "migrate-store --from sqlite://PATH --to postgres://...",
		Short: "Move a SQLite store into a new PostgreSQL database, verified row for row",
		Long: "Copies every table of a SQLite store into an empty PostgreSQL database in one transaction, " +
			"then checks that both hold the same rows. Stop every server first; then start them with " +
			"--store set to the PostgreSQL URL and the same --data, and they adopt the running brokers. " +
			"The URL's password is better given in PGPASSWORD or a PGPASSFILE than on the command line.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Read here, not as the flag's default: --help would show it,
			// password and all.
			if to == "" {
				to = os.Getenv("STREAMPLANE_STORE")
			}
			if to == "" {
				return fmt.Errorf("--to (or STREAMPLANE_STORE) names the PostgreSQL database to move into")
			}
			report, err := server.MigrateStore(cmd.Context(), from, to)
			if err != nil {
				return err
			}
			w := newTable(cmd.OutOrStdout(), "TABLE", "ROWS")
			total := 0
			for _, t := range report.Tables {
				w.row(t.Table, fmt.Sprint(t.Rows))
				total += t.Rows
			}
			w.flush()
			fmt.Fprintf(cmd.OutOrStdout(), "Copied %d rows of %d tables in %s; the copy matches the source.\n",
				total, len(report.Tables), report.Took.Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the SQLite store: sqlite://PATH (e.g. sqlite://$HOME/.local/share/streamplane/streamplane.db)")
	cmd.Flags().StringVar(&to, "to", "", "the new PostgreSQL database: postgres://user@host:5432/db?sslmode=verify-full (env STREAMPLANE_STORE)")
	cmd.MarkFlagRequired("from")
	return cmd
}

// newBackupCommand returns `streamplane server backup`.
func newBackupCommand() *cobra.Command {
	var to, store, data string
	cmd := &cobra.Command{
		Use:   "backup --to FILE",
		Short: "Write an online, consistent copy of the SQLite store to a new file",
		Long: "Copies the SQLite store while servers keep running (VACUUM INTO): the copy holds every change " +
			"committed before it began. Restore by stopping the server and putting the copy in place of " +
			"streamplane.db. A PostgreSQL store is backed up with pg_dump or PostgreSQL's base backups.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if store == "" {
				store = os.Getenv("STREAMPLANE_STORE") // not the flag's default: --help would show it
			}
			if err := server.BackupStore(cmd.Context(), store, data, to); err != nil {
				return err
			}
			abs, _ := filepath.Abs(to)
			fmt.Fprintf(cmd.OutOrStdout(), "Backed up the store to %s.\n", abs)
			return nil
		},
	}
	defaults, _ := server.Load("", os.Getenv, nil)
	cmd.Flags().StringVar(&to, "to", "", "the new file to write (refused if it exists)")
	cmd.Flags().StringVar(&store, "store", "", "the store: sqlite://PATH (default: streamplane.db in --data; env STREAMPLANE_STORE)")
	cmd.Flags().StringVar(&data, "data", defaults.DataDir, "the server's data directory (env STREAMPLANE_DATA)")
	cmd.MarkFlagRequired("to")
	return cmd
}
