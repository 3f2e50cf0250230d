package service

import (
	"context"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/audit"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/streamplane/streamplane/workflow"
)

// RuntimeStatus is a catalog entry and whether this server has it installed.
type RuntimeStatus struct {
	kafkaruntime.Release
	Installed bool   `json:"installed"`
	Path      string `json:"path,omitempty"`
}

// RuntimeList returns the catalog, oldest first.
func (s *Service) RuntimeList(ctx context.Context) []RuntimeStatus {
	var out []RuntimeStatus
	for _, rel := range kafkaruntime.Catalog() {
		st := RuntimeStatus{Release: rel}
		if rt, ok := s.Runtimes.Installed(rel.Version); ok {
			st.Installed, st.Path = true, rt.Dir
		}
		out = append(out, st)
	}
	return out
}

// InstallRuntime starts installing a catalog version.
func (s *Service) InstallRuntime(ctx context.Context, version string) (*streamplane.Task, error) {
	if _, ok := kafkaruntime.Lookup(version); !ok {
		return nil, streamplane.Invalid("version", "unknown Kafka version %q; the catalog has %s", version, strings.Join(kafkaruntime.Versions(), ", "))
	}
	t, err := s.newTask(streamplane.TaskInstallRuntime, "", version, workflow.InstallParams{Version: version})
	if err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, func(tx streamplane.Tx) error {
		audit.From(ctx).Describe("runtime", version, version, "")
		if err := audit.ForTask(ctx, tx, t, true); err != nil {
			return err
		}
		return tx.CreateTask(t)
	})
	if err != nil {
		return nil, err
	}
	s.Engine.Wake()
	return t, nil
}
