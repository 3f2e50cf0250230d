package service

import (
	"context"
	"fmt"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/task"
)

// ElectLeaders moves each partition's leadership, of the topics named or
// of every topic, back to its preferred replica, as Kafka's
// kafka-leader-election --election-type preferred does: after restarts
// and reassignments leaders pile up on the brokers that stayed up.
func (s *Service) ElectLeaders(ctx context.Context, idOrName string, req streamplane.LeaderElectionRequest) (*streamplane.LeaderElection, error) {
	t, err := s.change(ctx, changeRequest{instance: idOrName, kind: streamplane.TaskElectLeaders, params: req,
		check: func(*streamplane.Instance) error { return req.Validate() }})
	if err != nil {
		return nil, err
	}
	var st leaderElectionState
	if err := taskState(t, &st); err != nil {
		return nil, err
	}
	if st.Election.Failed == nil {
		st.Election.Failed = []streamplane.PartitionFailure{}
	}
	return &st.Election, nil
}

// leaderElectionState is what the election did, for the answer and the
// task's record.
type leaderElectionState struct {
	changeState
	Election streamplane.LeaderElection `json:"election"`
}

func (s *Service) electLeadersWorkflow() task.Workflow {
	return s.changeWorkflow(streamplane.TaskElectLeaders, nil,
		task.Step{Name: "Elect the preferred leaders", Run: s.electLeaders},
	)
}

// electLeaders runs the election; running it again after a crash elects
// what is still not led by its preferred replica.
func (s *Service) electLeaders(ctx context.Context, r *task.Run) error {
	var req streamplane.LeaderElectionRequest
	inst, cl, err := s.changeInput(ctx, r, &req)
	if err != nil {
		return err
	}
	var partitions map[string][]int32 // nil: every partition
	if len(req.Topics) > 0 {
		partitions = map[string][]int32{}
		for _, topic := range req.Topics {
			m, err := findTopic(ctx, inst, cl, topic)
			if err != nil {
				return err
			}
			for _, p := range m.Partitions {
				partitions[topic] = append(partitions[topic], p.ID)
			}
		}
	}
	election, err := cl.ElectPreferredLeaders(ctx, partitions)
	if err != nil {
		return fmt.Errorf("elect preferred leaders on %s: %w", inst.Name, err)
	}
	result := fmt.Sprintf("elected the preferred leader of %d partition(s); %d already had it", election.Elected, election.AlreadyPreferred)
	if len(election.Failed) > 0 {
		result += fmt.Sprintf("; %d left as they were (preferred replica not in sync or not available)", len(election.Failed))
	}
	s.Log.Info("preferred leaders elected", "instance", inst.Name, "elected", election.Elected, "already", election.AlreadyPreferred, "failed", len(election.Failed))
	return r.SaveState(ctx, leaderElectionState{changeState: changeState{Result: result}, Election: election})
}
