package service

import (
	"context"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/streamplane/streamplane/workflow"
)

// UpgradeInstance moves an instance onto another Kafka version with a
// rolling restart: a newer catalog version, the version an upgrade that
// stopped part way was going to (it carries on), or the version before an
// upgrade not yet finalized (a rollback). Kafka's own rules are checked
// against what the brokers report before any of them restarts.
func (s *Service) UpgradeInstance(ctx context.Context, idOrName string, req streamplane.UpgradeRequest, ifMatch *int64) (*streamplane.Task, error) {
	if req.Version == "" {
		return nil, streamplane.Invalid("version", "give the Kafka version to upgrade to")
	}
	return s.changeVersion(ctx, idOrName, ifMatch, func(*streamplane.Instance) (string, error) { return req.Version, nil }, req.NoFinalize)
}

// RollbackUpgrade returns an instance to the version it ran before an
// upgrade whose metadata.version is not finalized, or carries on with a
// rollback that stopped part way.
func (s *Service) RollbackUpgrade(ctx context.Context, idOrName string, ifMatch *int64) (*streamplane.Task, error) {
	return s.changeVersion(ctx, idOrName, ifMatch, func(inst *streamplane.Instance) (string, error) {
		switch {
		case inst.UpgradeFrom != "":
			return inst.UpgradeFrom, nil
		case inst.MixedVersions(): // a rollback that stopped part way
			return inst.Version, nil
		}
		return "", streamplane.Errorf(streamplane.ESTATE, "instance %s has no upgrade to roll back: it runs Kafka %s with metadata.version %s finalized",
			inst.Name, inst.Version, inst.MetadataVersion)
	}, true)
}

// FinalizeUpgrade raises an instance's metadata.version (and the features
// a new cluster of its version has) to its version's levels. After that the
// old version's jars cannot run the cluster any more.
func (s *Service) FinalizeUpgrade(ctx context.Context, idOrName string, ifMatch *int64) (*streamplane.Task, error) {
	return s.instanceTask(ctx, idOrName, ifMatch, streamplane.TaskFinalizeUpgrade, struct{}{},
		func(_ streamplane.Tx, inst *streamplane.Instance) error { return inst.CheckFinalize() })
}

func (s *Service) changeVersion(ctx context.Context, idOrName string, ifMatch *int64, target func(*streamplane.Instance) (string, error), noFinalize bool) (*streamplane.Task, error) {
	inst, err := s.Instance(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	to, err := target(inst)
	if err != nil {
		return nil, err
	}
	facts, err := s.upgradeFacts(ctx, inst)
	if err != nil {
		return nil, err
	}
	kind, err := inst.CheckUpgrade(to, facts)
	if err != nil {
		return nil, err
	}
	params := workflow.UpgradeParams{Kind: kind, From: inst.Version, To: to, NoFinalize: noFinalize}
	return s.instanceTask(ctx, idOrName, ifMatch, streamplane.TaskUpgradeInstance, params,
		func(_ streamplane.Tx, cur *streamplane.Instance) error {
			// Checked again on what the store holds now: the brokers' word
			// on metadata.version stands; the instance may have moved.
			if again, err := cur.CheckUpgrade(to, facts); err != nil {
				return err
			} else if again != kind || cur.Version != params.From {
				return streamplane.Errorf(streamplane.ECONFLICT, "instance %s changed meanwhile; ask again", cur.Name)
			}
			for i := range cur.Brokers {
				cur.Brokers[i].Version = cur.BrokerVersion(&cur.Brokers[i]) // pinned: only the roll moves them
			}
			switch kind {
			case streamplane.UpgradeForward:
				if cur.UpgradeFrom == "" {
					cur.UpgradeFrom = cur.Version
				}
			case streamplane.UpgradeRollback:
				cur.UpgradeFrom = ""
			}
			if level := anyLevel(facts.Finalized); level > 0 {
				cur.MetadataLevel = level
			}
			cur.Version, cur.Status, cur.StatusReason = to, streamplane.InstanceChanging, ""
			return nil
		})
}

// upgradeFacts gathers what CheckUpgrade needs: the catalog and the
// finalized metadata.version level each broker that answers reports. At
// least one must answer: a cluster nobody can reach is not one to roll.
func (s *Service) upgradeFacts(ctx context.Context, inst *streamplane.Instance) (streamplane.UpgradeFacts, error) {
	f := streamplane.UpgradeFacts{Finalized: map[int]int{}}
	for _, rel := range kafkaruntime.Catalog() {
		f.Catalog = append(f.Catalog, streamplane.ReleaseLevel{Version: rel.Version, MetadataLevel: rel.MetadataLevel})
	}
	switch inst.Status {
	case streamplane.InstanceRunning, streamplane.InstanceChangeFailed:
	default:
		return f, nil // CheckUpgrade refuses it with the reason
	}
	cl, err := s.Admin.Get(ctx, inst)
	if err != nil {
		return f, err
	}
	var last error
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		if b.State == streamplane.BrokerDeleted {
			continue
		}
		feats, err := cl.FinalizedFeatures(ctx, int32(b.ID))
		if err != nil {
			last = err
			continue
		}
		f.Finalized[b.ID] = int(feats.Finalized[kafkaruntime.MetadataFeature])
	}
	if len(f.Finalized) == 0 {
		return f, streamplane.Errorf(streamplane.EUNAVAILABLE, "no broker of %s answered for its metadata.version (%v); its version changes only while it serves", inst.Name, last)
	}
	return f, nil
}

func anyLevel(levels map[int]int) int {
	for _, l := range levels {
		return l
	}
	return 0
}
