package service

import (
	"context"
	"fmt"
	"slices"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/audit"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/streamplane/streamplane/workflow"
)

// CreateInstance validates spec and records the new instance with its
// creation task.
func (s *Service) CreateInstance(ctx context.Context, spec streamplane.InstanceSpec) (*streamplane.Instance, *streamplane.Task, error) {
	if err := spec.Normalize(streamplane.Placement{Versions: kafkaruntime.Versions(), Zones: s.Provisioner.Zones()}); err != nil {
		return nil, nil, err
	}
	inst := &streamplane.Instance{
		ID: newID(), Name: spec.Name, Description: spec.Description, Version: spec.Version, Flavor: spec.Flavor,
		BrokerCount: spec.BrokerCount, StorageGBPerBroker: spec.StorageGBPerBroker, DiskType: spec.DiskType,
		Zones: spec.Zones, AutoCreateTopics: spec.AutoCreateTopics, Tags: spec.Tags, Status: streamplane.InstanceCreating,
		SecurityProtocol: spec.SecurityProtocol, SASLMechanisms: spec.SASLMechanisms, KafkaUser: spec.KafkaUser,
		PublicAccess: spec.PublicAccess, Project: spec.Project, DeletionProtection: spec.DeletionProtection,
		CapacityPolicy: spec.CapacityPolicy,
	}
	if rel, ok := kafkaruntime.Lookup(spec.Version); ok {
		inst.MetadataLevel = rel.MetadataLevel // storage is formatted at the version's own level
	}
	var initial *streamplane.KafkaUser
	if inst.SASL() {
		var err error
		if initial, err = s.newKafkaUser(inst, spec.KafkaUser, spec.KafkaPassword, true); err != nil {
			return nil, nil, err
		}
	}
	for i := 0; i < spec.BrokerCount; i++ {
		roles := []string{streamplane.RoleBroker}
		if i < streamplane.ControllerCount(spec.BrokerCount) {
			roles = append(roles, streamplane.RoleController)
		}
		inst.Brokers = append(inst.Brokers, streamplane.Broker{
			ID: i, Roles: roles, State: streamplane.BrokerStarting, Rack: spec.Zones[i%len(spec.Zones)],
		})
	}
	t, err := s.newTask(streamplane.TaskCreateInstance, inst.ID, inst.Name, struct{}{})
	if err != nil {
		return nil, nil, err
	}
	err = s.Store.Update(ctx, func(tx streamplane.Tx) error {
		if err := s.checkLimits(tx, inst); err != nil {
			return err
		}
		if err := tx.CreateInstance(inst); err != nil {
			return err
		}
		if initial != nil {
			// The password waits, sealed, until the cluster can take the
			// SCRAM credential; the creation task then forgets it.
			if err := s.Vault.PutInitialPassword(tx, inst.ID, spec.KafkaPassword); err != nil {
				return err
			}
			if err := tx.PutKafkaUser(initial); err != nil {
				return err
			}
		}
		audit.From(ctx).Describe("instance", inst.ID, inst.Name, inst.Project)
		if err := audit.ForTask(ctx, tx, t, true); err != nil {
			return err
		}
		return tx.CreateTask(t)
	})
	if err != nil {
		return nil, nil, err
	}
	inst.TaskID = t.ID
	s.Engine.Wake()
	s.Log.Info("instance creation requested", "instance", inst.Name, "id", inst.ID, "task", t.ID)
	return inst, t, nil
}

// checkLimits enforces the service quotas over every live instance, inst
// counted as it is (new, or as a change would leave it).
func (s *Service) checkLimits(tx streamplane.Tx, inst *streamplane.Instance) error {
	list, _, err := tx.Instances(streamplane.InstanceFilter{})
	if err != nil {
		return err
	}
	instances, brokers, storage := 1, inst.BrokerCount, inst.BrokerCount*inst.StorageGBPerBroker
	project, err := tx.Project(inst.Project)
	if err != nil {
		return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "project", Message: streamplane.ErrorMessage(err)}
	}
	usage := streamplane.ProjectUsage{Project: *project}
	for _, other := range list {
		if other.ID == inst.ID {
			continue // a change of an instance counts it once, as it will be
		}
		instances++
		brokers += other.BrokerCount
		storage += other.BrokerCount * other.StorageGBPerBroker
		if other.Project == inst.Project {
			usage.Usage.Instances++
			usage.Usage.Brokers += other.BrokerCount
			usage.Usage.StorageGB += other.BrokerCount * other.StorageGBPerBroker
		}
	}
	if err := usage.Check(inst.BrokerCount, inst.StorageGBPerBroker); err != nil {
		return err
	}
	switch l := s.Limits; {
	case l.MaxInstances > 0 && instances > l.MaxInstances:
		return streamplane.Errorf(streamplane.ELIMIT, "the service allows at most %d instances; delete one or ask the operator to raise the limit", l.MaxInstances)
	case l.MaxBrokers > 0 && brokers > l.MaxBrokers:
		return &streamplane.Error{Code: streamplane.ELIMIT, Field: "broker_count",
			Message: fmt.Sprintf("the service allows at most %d brokers in all; %d are in use", l.MaxBrokers, brokers-inst.BrokerCount)}
	case l.MaxStorageGB > 0 && storage > l.MaxStorageGB:
		return &streamplane.Error{Code: streamplane.ELIMIT, Field: "storage_gb_per_broker",
			Message: fmt.Sprintf("the service allows at most %d GB of storage in all; %d GB are in use", l.MaxStorageGB, storage-inst.BrokerCount*inst.StorageGBPerBroker)}
	}
	return nil
}

// Instance returns one instance by id or name.
func (s *Service) Instance(ctx context.Context, idOrName string) (*streamplane.Instance, error) {
	var inst *streamplane.Instance
	err := s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		if inst, err = tx.Instance(idOrName); err != nil {
			return err
		}
		inst.SetStorageUnit(s.storageUnit())
		holder, err := tx.ActiveTask(inst.ID)
		if holder != nil {
			inst.TaskID = holder.ID
		}
		return err
	})
	return inst, err
}

// Instances lists instances.
func (s *Service) Instances(ctx context.Context, f streamplane.InstanceFilter) ([]*streamplane.Instance, int, error) {
	for _, st := range f.Status {
		if !slices.Contains(streamplane.InstanceStatuses, st) {
			return nil, 0, streamplane.Invalid("status", "unknown status %q; one of %v", st, streamplane.InstanceStatuses)
		}
	}
	var list []*streamplane.Instance
	var total int
	err := s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		if list, total, err = tx.Instances(f); err != nil {
			return err
		}
		active, _, err := tx.Tasks(streamplane.TaskFilter{Status: []streamplane.TaskStatus{streamplane.TaskPending, streamplane.TaskRunning}})
		if err != nil {
			return err
		}
		holders := map[string]string{}
		for _, t := range active {
			if t.InstanceID != "" {
				holders[t.InstanceID] = t.ID
			}
		}
		for _, inst := range list {
			inst.TaskID = holders[inst.ID]
			inst.SetStorageUnit(s.storageUnit())
		}
		return nil
	})
	return list, total, err
}

// UpdateInstance changes an instance's name, description or tags. These
// touch no broker, so they apply at once; If-Match guards against lost updates.
func (s *Service) UpdateInstance(ctx context.Context, idOrName string, upd streamplane.InstanceUpdate, ifMatch *int64) (*streamplane.Instance, error) {
	var inst *streamplane.Instance
	err := s.Store.Update(ctx, func(tx streamplane.Tx) (err error) {
		if inst, err = tx.Instance(idOrName); err != nil {
			return err
		}
		if inst.Status == streamplane.InstanceDeleted || inst.Status == streamplane.InstanceDeleting {
			return streamplane.Errorf(streamplane.ESTATE, "instance %s is %s and can no longer be changed", inst.Name, inst.Status)
		}
		if err := checkVersion(inst, ifMatch); err != nil {
			return err
		}
		if err := upd.Apply(inst); err != nil {
			return err
		}
		if err := tx.UpdateInstance(inst); err != nil {
			return err
		}
		inst.SetStorageUnit(s.storageUnit())
		return nil
	})
	return inst, err
}

// RestartInstance starts a rolling (or, with force, a full) restart.
func (s *Service) RestartInstance(ctx context.Context, idOrName string, force bool, ifMatch *int64) (*streamplane.Task, error) {
	return s.instanceTask(ctx, idOrName, ifMatch, streamplane.TaskRestartInstance, workflow.RestartParams{Force: force},
		func(_ streamplane.Tx, inst *streamplane.Instance) error {
			if !inst.Status.CanRestart() {
				return streamplane.Errorf(streamplane.ESTATE, "instance %s is %s; it can be restarted only when RUNNING, FAULTY or CHANGE_FAILED", inst.Name, inst.Status)
			}
			inst.Status, inst.StatusReason = streamplane.InstanceRestarting, ""
			return nil
		})
}

// DeleteInstance starts deleting an instance: brokers stopped, data removed,
// the record kept as DELETED.
func (s *Service) DeleteInstance(ctx context.Context, idOrName string, ifMatch *int64) (*streamplane.Task, error) {
	return s.instanceTask(ctx, idOrName, ifMatch, streamplane.TaskDeleteInstance, struct{}{},
		func(_ streamplane.Tx, inst *streamplane.Instance) error {
			if inst.DeletionProtection {
				return &streamplane.Error{Code: streamplane.ESTATE, Field: "deletion_protection", Message: fmt.Sprintf(
					"instance %s has deletion protection; turn it off first (streamplane instance update %s --deletion-protection=false)", inst.Name, inst.Name)}
			}
			if !inst.Status.CanDelete() {
				return streamplane.Errorf(streamplane.ESTATE, "instance %s is %s; it can be deleted only when RUNNING, FAULTY or CREATE_FAILED", inst.Name, inst.Status)
			}
			inst.Status, inst.StatusReason = streamplane.InstanceDeleting, ""
			return nil
		})
}

// instanceTask writes an instance's new status and a task for it in one
// transaction: the instance-level change pattern. change checks and
// changes the instance, and may write more in the same transaction.
func (s *Service) instanceTask(ctx context.Context, idOrName string, ifMatch *int64, kind string, params any,
	change func(streamplane.Tx, *streamplane.Instance) error) (*streamplane.Task, error) {
	var t *streamplane.Task
	err := s.Store.Update(ctx, func(tx streamplane.Tx) error {
		inst, err := tx.Instance(idOrName)
		if err != nil {
			return err
		}
		if err := checkVersion(inst, ifMatch); err != nil {
			return err
		}
		if t, err = s.newTask(kind, inst.ID, inst.Name, params); err != nil {
			return err
		}
		// The task first: if another holds the instance, the caller learns
		// which, whatever the instance's status says.
		if err := audit.ForTask(ctx, tx, t, true); err != nil {
			return err
		}
		if err := tx.CreateTask(t); err != nil {
			return err
		}
		if err := change(tx, inst); err != nil {
			return err
		}
		return tx.UpdateInstance(inst)
	})
	if err != nil {
		return nil, err
	}
	s.Engine.Wake()
	s.Log.Info("instance task requested", "kind", kind, "instance", t.Target, "task", t.ID)
	return t, nil
}

// ClearFailed removes the records of every instance whose creation failed,
// with anything left of them, and returns their names.
// projects limits it to those projects' instances (nil: every project).
func (s *Service) ClearFailed(ctx context.Context, projects []string) ([]string, error) {
	var failed []*streamplane.Instance
	err := s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		failed, _, err = tx.Instances(streamplane.InstanceFilter{Status: []streamplane.InstanceStatus{streamplane.InstanceCreateFailed}, Projects: projects})
		return err
	})
	if err != nil {
		return nil, err
	}
	var cleared []string
	for _, inst := range failed {
		if inst.DeletionProtection {
			continue // clearing is deleting: the protection holds here too
		}
		if err := s.Provisioner.Destroy(ctx, inst); err != nil {
			return cleared, err
		}
		err := s.Store.Update(ctx, func(tx streamplane.Tx) error {
			cur, err := tx.Instance(inst.ID)
			if err != nil {
				return err
			}
			if holder, err := tx.ActiveTask(cur.ID); err != nil || holder != nil || cur.Status != streamplane.InstanceCreateFailed {
				return err // something started on it meanwhile: leave it
			}
			if cur.DeletionProtection {
				return nil // turned on while its leftovers were removed: keep the record
			}
			cleared = append(cleared, cur.Name)
			return tx.PurgeInstance(cur.ID)
		})
		if err != nil {
			return cleared, err
		}
	}
	return cleared, nil
}

// BrokerLog returns the last lines of a broker's log.
func (s *Service) BrokerLog(ctx context.Context, idOrName string, brokerID, lines int) (string, error) {
	inst, err := s.Instance(ctx, idOrName)
	if err != nil {
		return "", err
	}
	b, ok := inst.Broker(brokerID)
	if !ok {
		return "", streamplane.Errorf(streamplane.ENOTFOUND, "instance %s has no broker %d", inst.Name, brokerID)
	}
	return s.Provisioner.Logs(ctx, inst, b, lines)
}
