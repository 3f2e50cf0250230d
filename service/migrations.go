package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/audit"
	"github.com/streamplane/streamplane/sourcekafka"
)

// Migrations (SPEC §8) copy topics and group offsets from a source cluster
// into an instance with MirrorMaker 2. A migration is a record of its own:
// its MirrorMaker process runs for as long as the user keeps it, watched
// by the supervisor like a broker. Each change of it (create, pause,
// resume, update, delete) is a durable task that holds the instance while
// it runs, with the migration CREATING, MODIFYING or DELETING meanwhile;
// no other change of the migration starts until it ends (409).

// Secrets a migration keeps sealed under its id for as long as it lives.
const (
	sourcePasswordSecret = "source-password"
	// The password of MirrorMaker's own user on a SASL_SSL instance.
	mirrorPasswordSecret = "mirror-password"
)

// migrationParams are a migration task's inputs.
type migrationParams struct {
	MigrationID string `json:"migration_id"`
	Migration   string `json:"migration"` // its name, for people
}

// Migrations lists an instance's migrations.
func (s *Service) Migrations(ctx context.Context, instance string) ([]*streamplane.Migration, error) {
	var out []*streamplane.Migration
	err := s.Store.View(ctx, func(tx streamplane.Tx) error {
		inst, err := tx.Instance(instance)
		if err != nil {
			return err
		}
		out, err = tx.Migrations(streamplane.MigrationFilter{InstanceID: inst.ID})
		return err
	})
	return out, err
}

// Migration returns one migration by id or name.
func (s *Service) Migration(ctx context.Context, instance, name string) (*streamplane.Migration, error) {
	var m *streamplane.Migration
	err := s.Store.View(ctx, func(tx streamplane.Tx) error {
		inst, err := tx.Instance(instance)
		if err != nil {
			return err
		}
		m, err = tx.Migration(inst.ID, name)
		return err
	})
	return m, err
}

// CreateMigration checks the spec, records the migration CREATING with its
// source password sealed, and starts the task that starts MirrorMaker.
func (s *Service) CreateMigration(ctx context.Context, instance string, spec streamplane.MigrationSpec) (*streamplane.Migration, error) {
	if err := spec.Normalize(); err != nil {
		return nil, err
	}
	m := &streamplane.Migration{ID: newID(), Name: spec.Name, Source: spec.Source, Topics: spec.Topics, Groups: spec.Groups,
		SyncTopicConfigs: spec.SyncTopicConfigs, SyncACLs: spec.SyncACLs, State: streamplane.MigrationCreating}
	return s.migrationChange(ctx, instance, streamplane.TaskCreateMigration, func(tx streamplane.Tx, inst *streamplane.Instance) (*streamplane.Migration, error) {
		if err := checkMigrationTarget(inst, spec.Source); err != nil {
			return nil, err
		}
		m.InstanceID = inst.ID
		if err := tx.CreateMigration(m); err != nil {
			return nil, err
		}
		if spec.Source.Password != "" {
			if err := s.Vault.Put(tx, m.ID, sourcePasswordSecret, spec.Source.Password); err != nil {
				return nil, err
			}
		}
		return m, nil
	})
}

// UpdateMigration changes what a migration copies (and, with a new source
// password, how it signs in). MirrorMaker restarts with the new selection
// and keeps its position in every topic it copied already.
func (s *Service) UpdateMigration(ctx context.Context, instance, name string, u streamplane.MigrationUpdate, sourcePassword string, ifMatch *int64) (*streamplane.Migration, error) {
	return s.migrationChange(ctx, instance, streamplane.TaskUpdateMigration, func(tx streamplane.Tx, inst *streamplane.Instance) (*streamplane.Migration, error) {
		m, err := tx.Migration(inst.ID, name)
		if err != nil {
			return nil, err
		}
		if ifMatch != nil && *ifMatch != m.ResourceVersion {
			return nil, &streamplane.Error{Code: streamplane.ESTALE, Field: "If-Match",
				Message: "migration " + m.Name + " has changed since you read it; read it again and retry"}
		}
		if err := m.CheckChange("update"); err != nil {
			return nil, err
		}
		if u.Topics != nil || u.Groups != nil || u.SyncTopicConfigs != nil || u.SyncACLs != nil || sourcePassword == "" {
			if err := u.Apply(m); err != nil {
				return nil, err
			}
		}
		if sourcePassword != "" {
			if !m.Source.SASL() {
				return nil, streamplane.Invalid("source_password", "the source uses %s: it takes no password", m.Source.SecurityProtocol)
			}
			probe := m.Source
			probe.Password = sourcePassword
			if err := probe.Normalize("source", false); err != nil {
				return nil, err
			}
			if err := s.Vault.Put(tx, m.ID, sourcePasswordSecret, sourcePassword); err != nil {
				return nil, err
			}
		}
		if err := checkMigrationTarget(inst, m.Source); err != nil {
			return nil, err
		}
		m.State = streamplane.MigrationModifying
		return m, nil
	})
}

// PauseMigration stops MirrorMaker; its position stays in the instance.
func (s *Service) PauseMigration(ctx context.Context, instance, name string) (*streamplane.Migration, error) {
	return s.migrationStateChange(ctx, instance, name, streamplane.TaskPauseMigration, "pause", func(m *streamplane.Migration) error {
		if m.State == streamplane.MigrationPaused {
			return streamplane.Errorf(streamplane.ESTATE, "migration %s is paused already", m.Name)
		}
		return nil
	})
}

// ResumeMigration starts MirrorMaker again where it stopped; from
// SERVICE_EXCEPTION it retries.
func (s *Service) ResumeMigration(ctx context.Context, instance, name string) (*streamplane.Migration, error) {
	return s.migrationStateChange(ctx, instance, name, streamplane.TaskResumeMigration, "resume", func(m *streamplane.Migration) error {
		if m.State == streamplane.MigrationRunning {
			return streamplane.Errorf(streamplane.ESTATE, "migration %s is running already", m.Name)
		}
		return nil
	})
}

// DeleteMigration stops MirrorMaker for good and removes what it kept in
// the instance (its internal topics, user and ACLs). The copied topics and
// the groups' offsets stay: they are the point of the migration.
func (s *Service) DeleteMigration(ctx context.Context, instance, name string) (*streamplane.Migration, error) {
	return s.migrationStateChange(ctx, instance, name, streamplane.TaskDeleteMigration, "delete", nil)
}

// migrationStateChange starts a change of an existing migration after
// check, with the migration MODIFYING (DELETING for a delete).
func (s *Service) migrationStateChange(ctx context.Context, instance, name, kind, action string, check func(m *streamplane.Migration) error) (*streamplane.Migration, error) {
	return s.migrationChange(ctx, instance, kind, func(tx streamplane.Tx, inst *streamplane.Instance) (*streamplane.Migration, error) {
		m, err := tx.Migration(inst.ID, name)
		if err != nil {
			return nil, err
		}
		if err := m.CheckChange(action); err != nil {
			return nil, err
		}
		if check != nil {
			if err := check(m); err != nil {
				return nil, err
			}
		}
		m.State = streamplane.MigrationModifying
		if kind == streamplane.TaskDeleteMigration {
			m.State = streamplane.MigrationDeleting
		}
		return m, nil
	})
}

// migrationChange writes, in one transaction, the migration as prepare
// leaves it (busy, held by the new task) and the task, which takes the
// instance; then it runs the task and waits for it briefly. It returns the
// migration as it is then: changed, or still busy with the task.
func (s *Service) migrationChange(ctx context.Context, instance, kind string, prepare func(tx streamplane.Tx, inst *streamplane.Instance) (*streamplane.Migration, error)) (*streamplane.Migration, error) {
	wf, ok := s.Workflows[kind]
	if !ok {
		return nil, streamplane.Errorf(streamplane.EINTERNAL, "no workflow for %s", kind)
	}
	var m *streamplane.Migration
	var t *streamplane.Task
	err := s.Store.Update(ctx, func(tx streamplane.Tx) error {
		inst, err := tx.Instance(instance)
		if err != nil {
			return err
		}
		if m, err = prepare(tx, inst); err != nil {
			return err
		}
		if err := brokersAvailable(inst); err != nil && kind != streamplane.TaskDeleteMigration {
			return err
		}
		if t, err = streamplane.NewTask(newID(), kind, inst.ID, inst.Name+"/"+m.Name,
			migrationParams{MigrationID: m.ID, Migration: m.Name}, wf.StepNames()...); err != nil {
			return err
		}
		if err := audit.ForTask(ctx, tx, t, true); err != nil {
			return err
		}
		if err := tx.CreateTask(t); err != nil {
			return err
		}
		m.TaskID = t.ID
		return tx.UpdateMigration(m)
	})
	if err != nil {
		return nil, err
	}
	s.Log.Info("migration change requested", "kind", kind, "migration", t.Target, "task", t.ID)
	outcome := s.Engine.Start(t.ID)
	timer := time.NewTimer(answerDeadline)
	defer timer.Stop()
	select {
	case <-outcome:
	case <-timer.C:
	case <-ctx.Done():
	}
	return s.Migration(context.WithoutCancel(ctx), m.InstanceID, m.ID)
}

// checkMigrationTarget refuses instances MirrorMaker cannot sign in to,
// and a source with credentials into a PLAINTEXT instance: MirrorMaker
// keeps its connectors' configuration, the source's credentials included,
// in a topic of the instance, and on a PLAINTEXT instance every client may
// read every topic.
func checkMigrationTarget(inst *streamplane.Instance, src streamplane.MigrationSource) error {
	if src.SASL() && !inst.SASL() {
		return &streamplane.Error{Code: streamplane.EPRECONDITION, Field: "source.security_protocol", Message: fmt.Sprintf(
			"instance %s is PLAINTEXT: any client of it could read MirrorMaker's configuration topic, which holds the source's credentials; migrate a %s source into a SASL_SSL instance",
			inst.Name, src.SecurityProtocol)}
	}
	if inst.MutualTLS {
		return streamplane.Errorf(streamplane.EPRECONDITION,
			"instance %s requires client certificates (mutual TLS); migrations into it are not supported yet: turn mutual TLS off for the migration", inst.Name)
	}
	return nil
}

// MigrationLogs returns the last lines of a migration's MirrorMaker log.
func (s *Service) MigrationLogs(ctx context.Context, instance, name string, lines int) (string, error) {
	m, err := s.Migration(ctx, instance, name)
	if err != nil {
		return "", err
	}
	runner, err := s.mirrors()
	if err != nil {
		return "", err
	}
	if lines <= 0 || lines > 10000 {
		return "", streamplane.Invalid("lines", "must be 1–10,000")
	}
	return runner.MirrorLogs(ctx, m, lines)
}

// mirrors is the provisioner's MirrorMaker runner.
func (s *Service) mirrors() (streamplane.MirrorRunner, error) {
	r, ok := s.Provisioner.(streamplane.MirrorRunner)
	if !ok {
		return nil, errors.New("this server's provisioner cannot run MirrorMaker")
	}
	return r, nil
}

// MigrationStatus returns a migration with its progress, read live from
// the source and the instance (migrationstatus.go).
func (s *Service) MigrationStatus(ctx context.Context, instance, name string) (*streamplane.MigrationStatus, error) {
	return s.migrationStatus(ctx, instance, name)
}

// CutoverCheck says, per selected group, whether its consumers may switch
// to the instance now (migrationstatus.go).
func (s *Service) CutoverCheck(ctx context.Context, instance, name string) ([]streamplane.CutoverCheck, error) {
	return s.cutoverCheck(ctx, instance, name)
}

// Inventory bounds.
const (
	DefaultInventorySample = 30 * time.Second
	MaxInventorySample     = 5 * time.Minute
)

// Inventory reads what a source cluster holds and how busy it is over a
// sample, with the instance it would take (SPEC §8: before a migration).
// It changes nothing anywhere; the password is used for this read only.
func (s *Service) Inventory(ctx context.Context, src streamplane.MigrationSource, sample time.Duration) (*streamplane.Inventory, error) {
	if err := src.Normalize("source", false); err != nil {
		return nil, err
	}
	if sample == 0 {
		sample = DefaultInventorySample
	}
	if sample < time.Second || sample > MaxInventorySample {
		return nil, streamplane.Invalid("sample_seconds", "must be 1–%d seconds", int(MaxInventorySample.Seconds()))
	}
	cl, err := sourcekafka.Dial(src)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	if err := cl.Probe(ctx); err != nil {
		return nil, err
	}
	inv, err := cl.Inventory(ctx, sample)
	if err != nil {
		return nil, err
	}
	inv.Recommendation = streamplane.RecommendFlavor(inv)
	return inv, nil
}
