// Package service holds the control plane's use cases: what the REST API
// (and so the CLI and console) can ask for, with the rules that decide
// whether it may happen. Changes to an instance become durable tasks, written
// together with the instance's new desired state in one transaction.
package service

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/certs"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/streamplane/streamplane/secrets"
	"github.com/streamplane/streamplane/task"
)

// Limits are the service quotas of SPEC §1.5.
type Limits struct {
	MaxInstances int
	MaxBrokers   int
	MaxStorageGB int
}

// BrokerFiles rewrites an instance's broker files from the current state.
type BrokerFiles interface {
	WriteBrokerFiles(ctx context.Context, inst *streamplane.Instance) error
}

// Engine runs tasks: Wake tells it a new task is ready; Start runs one at
// once and gives its outcome (see task.Engine.Start).
type Engine interface {
	Wake()
	Start(id string) <-chan error
}

// Runtimes lists and checks installed Kafka runtimes.
type Runtimes interface {
	Installed(version string) (kafkaruntime.Runtime, bool)
}

// Service implements the use cases.
type Service struct {
	Store       streamplane.Store
	Provisioner streamplane.Provisioner
	Admin       *kafkaadmin.Pool
	Vault       *secrets.Vault
	Certs       *certs.Authority
	// Files rewrites brokers' secret files for live changes.
	Files BrokerFiles
	// Brokers starts and stops brokers when an instance scales.
	Brokers BrokerSteps
	// Plain hashes PLAIN passwords (nil: the server cannot serve PLAIN).
	Plain     PlainHasher
	Runtimes  Runtimes
	Engine    Engine
	Workflows map[string]task.Workflow
	Limits    Limits
	Log       *slog.Logger
	// StorageUnitBytes is the size of one unit of storage_gb_per_broker:
	// streamplane.BytesPerGB unless a server for tests sets it smaller.
	StorageUnitBytes int64
	// Metrics answers metric queries (nil: the server keeps none).
	Metrics MetricHistory
}

func newID() string { return uuid.NewString() }

// newTask builds a task for a workflow kind.
func (s *Service) newTask(kind, instanceID, target string, params any) (*streamplane.Task, error) {
	wf, ok := s.Workflows[kind]
	if !ok {
		return nil, streamplane.Errorf(streamplane.EINTERNAL, "no workflow for %s", kind)
	}
	return streamplane.NewTask(newID(), kind, instanceID, target, params, wf.StepNames()...)
}

// checkVersion compares an If-Match version with the current one.
func checkVersion(inst *streamplane.Instance, ifMatch *int64) error {
	if ifMatch != nil && *ifMatch != inst.ResourceVersion {
		return &streamplane.Error{Code: streamplane.ESTALE, Field: "If-Match",
			Message: fmt.Sprintf("instance %s has changed since you read it (resource version %d, you sent %d); read it again and retry",
				inst.Name, inst.ResourceVersion, *ifMatch)}
	}
	return nil
}
