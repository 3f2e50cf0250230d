// Package servicetest holds stand-ins for the service's workflows, for
// tests of the layers above it (API, console) that run no brokers.
package servicetest

import (
	"context"
	"errors"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/service"
	"github.com/streamplane/streamplane/task"
)

// StandInMirrors replaces svc's migration workflows with ones that run no
// MirrorMaker: each change ends as the real one does (RUNNING, PAUSED or
// DELETED), except for migrations named stuck-*, whose task fails and
// leaves them busy, as a change the server lost track of would.
func StandInMirrors(svc *service.Service) {
	for kind := range svc.MigrationWorkflows() {
		svc.Workflows[kind] = standInMirror(kind)
	}
}

func standInMirror(kind string) task.Workflow {
	return task.Workflow{
		Kind: kind,
		Steps: []task.Step{{Name: "Run MirrorMaker", Run: func(ctx context.Context, r *task.Run) error {
			if strings.Contains(r.Task.Target, "/stuck-") {
				return errors.New("lost")
			}
			return nil
		}}},
		Finish: func(tx streamplane.Tx, r *task.Run, runErr error) error {
			var p struct {
				MigrationID string `json:"migration_id"`
			}
			if err := r.Params(&p); err != nil {
				return err
			}
			m, err := tx.Migration(r.Task.InstanceID, p.MigrationID)
			if err != nil || runErr != nil {
				return err
			}
			m.TaskID = ""
			switch kind {
			case streamplane.TaskPauseMigration:
				m.State = streamplane.MigrationPaused
			case streamplane.TaskDeleteMigration:
				now := tx.Now()
				m.State, m.DeletedAt = streamplane.MigrationDeleted, &now
			default:
				m.State = streamplane.MigrationRunning
			}
			return tx.UpdateMigration(m)
		},
	}
}
