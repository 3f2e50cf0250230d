package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/streamplane/streamplane/server"
)

// newServerCommand returns `streamplane server`, which runs the server.
// Every setting is a flag, an environment variable STREAMPLANE_<NAME> and a
// key of the JSON file given with --config; flags win over the environment,
// which wins over the file.
func newServerCommand() *cobra.Command {
	var configFile string
	values := map[string]*string{}
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the Streamplane server (REST API, task workers, supervisor)",
		Long: "Run the Streamplane server. Brokers it starts keep running when it stops, " +
			"and are adopted again when it starts.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			flags := map[string]string{}
			for name, v := range values {
				if cmd.Flags().Changed(name) {
					flags[name] = *v
				}
			}
			cfg, err := server.Load(configFile, os.Getenv, flags)
			if err != nil {
				return err
			}
			log := newLogger(cfg)
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if err := server.Run(ctx, cfg, log); err != nil {
				return fmt.Errorf("server: %w", err)
			}
			return nil
		},
	}
	cmd.AddCommand(newMigrateStoreCommand(), newBackupCommand())
	cmd.Flags().StringVar(&configFile, "config", os.Getenv("STREAMPLANE_CONFIG"), "JSON config file (env STREAMPLANE_CONFIG)")
	for _, s := range server.Settings() {
		v := new(string)
		values[s.Name] = v
		cmd.Flags().StringVar(v, s.Name, s.Default, s.Help+" (env "+s.Env()+")")
		// A yes/no setting given alone means yes: --insecure-listen.
		if s.Default == "true" || s.Default == "false" {
			cmd.Flags().Lookup(s.Name).NoOptDefVal = "true"
		}
	}
	return cmd
}

func newLogger(cfg server.Config) *slog.Logger {
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[cfg.LogLevel]
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
