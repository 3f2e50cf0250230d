package service

import (
	"context"
	"fmt"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/workflow"
)

// ExpandStorage grows an instance's storage per broker. Locally a broker's
// storage is a limit Streamplane enforces (the capacity policy) and
// reports, not a partition, and no broker setting depends on it: nothing
// restarts. The expansion is a task all the same, so that it is refused
// while another holds the instance and recorded like every change.
func (s *Service) ExpandStorage(ctx context.Context, idOrName string, req streamplane.StorageExpansionRequest, ifMatch *int64) (*streamplane.Task, error) {
	if req.StorageGBPerBroker <= 0 {
		return nil, streamplane.Invalid("storage_gb_per_broker", "storage_gb_per_broker must be a positive number of GB, got %d", req.StorageGBPerBroker)
	}
	cur, err := s.Instance(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	// Volumes that cannot grow refuse before anything is recorded.
	if x, ok := s.Provisioner.(streamplane.StorageExpander); ok && req.StorageGBPerBroker > cur.StorageGBPerBroker {
		if err := x.CheckStorageExpansion(ctx, cur); err != nil {
			return nil, err
		}
	}
	params := workflow.ExpandStorageParams{From: cur.StorageGBPerBroker, To: req.StorageGBPerBroker}
	return s.instanceTask(ctx, idOrName, ifMatch, streamplane.TaskExpandStorage, params,
		func(tx streamplane.Tx, inst *streamplane.Instance) error {
			if inst.Status != streamplane.InstanceRunning {
				return streamplane.Errorf(streamplane.ESTATE, "instance %s is %s; its storage grows only when RUNNING", inst.Name, inst.Status)
			}
			if err := inst.CheckStorageExpansion(req.StorageGBPerBroker); err != nil {
				return err
			}
			from := inst.StorageGBPerBroker
			if from != params.From {
				return streamplane.Errorf(streamplane.ECONFLICT, "the storage of %s changed from %d to %d GB per broker meanwhile; read it again and retry", inst.Name, params.From, from)
			}
			inst.StorageGBPerBroker = req.StorageGBPerBroker
			if err := s.checkLimits(tx, inst); err != nil {
				return err
			}
			inst.StorageExpansions++
			inst.Status, inst.StatusReason = streamplane.InstanceChanging, fmt.Sprintf("expanding storage from %d to %d GB per broker", from, req.StorageGBPerBroker)
			for i := range inst.Brokers {
				if inst.Brokers[i].State != streamplane.BrokerDeleted {
					inst.Brokers[i].State = streamplane.BrokerExpanding
				}
			}
			return nil
		})
}
