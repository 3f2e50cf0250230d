package service

import (
	"context"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/workflow"
)

// ChangeFlavor runs the instance on another flavor through a rolling
// restart. It is refused unless the new flavor takes the instance's brokers
// and storage as they are and its partition limit holds the partitions the
// topics have now; while the change runs, the task holds the instance, so
// no topic can grow past the new limit.
func (s *Service) ChangeFlavor(ctx context.Context, idOrName string, req streamplane.FlavorChangeRequest, ifMatch *int64) (*streamplane.Task, error) {
	if _, err := streamplane.FlavorNamed(req.Flavor); err != nil {
		return nil, err // bad input before the instance's state
	}
	inst, cl, err := s.cluster(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	metas, err := cl.Topics(ctx)
	if err != nil {
		return nil, kafkaadmin.AppError(err, "", "list the topics of %s", inst.Name)
	}
	used := partitionsUsed(metas)
	params := workflow.FlavorParams{From: inst.Flavor, To: req.Flavor}
	params.Reason = "change the flavor from " + inst.Flavor + " to " + req.Flavor
	return s.instanceTask(ctx, idOrName, ifMatch, streamplane.TaskChangeFlavor, params,
		func(_ streamplane.Tx, inst *streamplane.Instance) error {
			if inst.Status != streamplane.InstanceRunning {
				return streamplane.Errorf(streamplane.ESTATE, "instance %s is %s; its flavor changes only when RUNNING", inst.Name, inst.Status)
			}
			if err := inst.CheckFlavorChange(req.Flavor, used); err != nil {
				return err
			}
			inst.Flavor, inst.Status = req.Flavor, streamplane.InstanceChanging
			return nil
		})
}
