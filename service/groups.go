package service

import (
	"context"
	"fmt"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/task"
)

// MaxGroupBatch is the most groups one batch deletion may name.
const MaxGroupBatch = 1000

// Groups lists an instance's consumer groups, with members and lag for the
// page asked for. Listing is cheap (one ListGroups per broker); members and
// lag cost a few batched requests per page, whatever the page's size.
func (s *Service) Groups(ctx context.Context, instance string, f streamplane.GroupFilter) ([]streamplane.Group, int, error) {
	if err := f.Validate(); err != nil {
		return nil, 0, err
	}
	_, cl, err := s.cluster(ctx, instance)
	if err != nil {
		return nil, 0, err
	}
	all, err := cl.ListGroups(ctx)
	if err != nil {
		return nil, 0, err
	}
	var matched []streamplane.Group
	for _, g := range all {
		if f.Matches(g) {
			matched = append(matched, g)
		}
	}
	total := len(matched)
	page := matched[min(f.Offset, total):]
	if f.Limit > 0 && len(page) > f.Limit {
		page = page[:f.Limit]
	}
	details, err := cl.DescribeGroups(ctx, page)
	if err != nil {
		return nil, 0, err
	}
	out := make([]streamplane.Group, len(details))
	for i, d := range details {
		out[i] = d.Group
	}
	return out, total, nil
}

// Group describes one consumer group: state, coordinator, members and, per
// topic and partition, committed offset, end offset and lag.
func (s *Service) Group(ctx context.Context, instance, group string) (*streamplane.GroupDetail, error) {
	if err := streamplane.ValidateGroupName("group", group); err != nil {
		return nil, err
	}
	_, cl, err := s.cluster(ctx, instance)
	if err != nil {
		return nil, err
	}
	return cl.Group(ctx, group)
}

// ResetOffsets moves a group's committed offsets in a topic, or in one
// partition of it (DMS 11.3). The group must have no members: consumers
// would overwrite the new offsets with their next commit. A group that does
// not exist yet is created by the commit, EMPTY, so a new application can
// be told where to start before it first runs (as kafka-consumer-groups.sh
// --reset-offsets does). A dry run computes the offsets, commits nothing
// and is not recorded.
func (s *Service) ResetOffsets(ctx context.Context, instance, group string, req streamplane.OffsetResetRequest) (*streamplane.OffsetReset, error) {
	if req.DryRun {
		if err := validateReset(group, req); err != nil {
			return nil, err
		}
		_, cl, err := s.cluster(ctx, instance)
		if err != nil {
			return nil, err
		}
		return resetOffsets(ctx, cl, group, req)
	}
	t, err := s.change(ctx, changeRequest{instance: instance, kind: streamplane.TaskResetOffsets, params: offsetResetParams{group, req},
		check: func(*streamplane.Instance) error { return validateReset(group, req) }})
	if err != nil {
		return nil, err
	}
	var st offsetResetState
	if err := taskState(t, &st); err != nil {
		return nil, err
	}
	return st.Plan, nil
}

// offsetResetParams are an offset reset's inputs.
type offsetResetParams struct {
	Group string `json:"group"`
	streamplane.OffsetResetRequest
}

// offsetResetState is the reset as planned: "earliest" and "latest" are
// taken once, when the task begins, and committed as planned even if the
// task resumes later.
type offsetResetState struct {
	changeState
	Plan *streamplane.OffsetReset `json:"plan"`
}

func (s *Service) resetOffsetsWorkflow() task.Workflow {
	return s.changeWorkflow(streamplane.TaskResetOffsets, nil,
		task.Step{Name: "Check the group has no members and plan the offsets", Run: s.planOffsetReset},
		task.Step{Name: "Commit the offsets", Run: s.commitOffsetReset},
	)
}

func (s *Service) planOffsetReset(ctx context.Context, r *task.Run) error {
	var p offsetResetParams
	_, cl, err := s.changeInput(ctx, r, &p)
	if err != nil {
		return err
	}
	p.DryRun = true // plan only
	plan, err := resetOffsets(ctx, cl, p.Group, p.OffsetResetRequest)
	if err != nil {
		return err
	}
	plan.DryRun = false
	return r.SaveState(ctx, offsetResetState{Plan: plan})
}

// commitOffsetReset commits the planned offsets; committing them again is
// harmless.
func (s *Service) commitOffsetReset(ctx context.Context, r *task.Run) error {
	var p offsetResetParams
	var st offsetResetState
	if err := r.Params(&p); err != nil {
		return err
	}
	if err := r.State(&st); err != nil {
		return err
	}
	inst, cl, err := s.connect(ctx, r)
	if err != nil {
		return err
	}
	if err := cl.CommitGroupOffsets(ctx, p.Group, p.Topic, st.Plan.Partitions); err != nil {
		return err
	}
	out := st.Plan
	clamped := 0
	for _, p := range out.Partitions {
		if p.Clamped {
			clamped++
		}
	}
	st.Result = fmt.Sprintf("reset group %s to %s in %d partition(s) of topic %s", p.Group, p.Describe(), len(out.Partitions), p.Topic)
	if clamped > 0 {
		st.Result += fmt.Sprintf(", %d clamped to the partition's start or end", clamped)
	}
	if out.Created {
		st.Result += "; the group did not exist and was created"
	}
	s.Log.Info("consumer offsets reset", "instance", inst.Name, "group", p.Group, "topic", p.Topic, "to", p.Describe())
	return r.SaveState(ctx, st)
}

func validateReset(group string, req streamplane.OffsetResetRequest) error {
	if err := streamplane.ValidateGroupName("group", group); err != nil {
		return err
	}
	return req.Validate()
}

func resetOffsets(ctx context.Context, cl *kafkaadmin.Client, group string, req streamplane.OffsetResetRequest) (*streamplane.OffsetReset, error) {
	out := &streamplane.OffsetReset{Group: group, Topic: req.Topic, To: req.To, DryRun: req.DryRun}
	g, err := cl.Group(ctx, group)
	switch {
	case streamplane.IsCode(err, streamplane.ENOTFOUND):
		out.Created = true
	case err != nil:
		return nil, err
	case g.MemberCount > 0 || g.State != streamplane.GroupEmpty:
		return nil, streamplane.Errorf(streamplane.ESTATE,
			"group %s is %s with %d member(s); offsets can only be reset while it has none: stop its consumers first (a consumer that stopped without leaving counts until its session times out)",
			group, g.State, g.MemberCount)
	}
	if out.Partitions, err = cl.ResetPlan(ctx, group, req); err != nil {
		return nil, err
	}
	if !req.DryRun {
		if err := cl.CommitGroupOffsets(ctx, group, req.Topic, out.Partitions); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DeleteGroups deletes consumer groups (DMS 11.2). Only EMPTY groups can
// be deleted; each group gets its own outcome, and a refused group does not
// stop the others. The request fails as a whole only when the instance
// refuses it. The task is recorded as failed if any group was not deleted.
func (s *Service) DeleteGroups(ctx context.Context, instance string, groups []string) ([]streamplane.GroupDeletion, error) {
	names := uniqueNames(groups)
	t, err := s.change(ctx, changeRequest{instance: instance, kind: streamplane.TaskDeleteGroups, params: map[string][]string{"groups": names},
		check: func(*streamplane.Instance) error { return validateBatch(groups) }})
	outcomes, err := batchOutcomes(t, err, len(names), "groups")
	if err != nil {
		return nil, err
	}
	out := make([]streamplane.GroupDeletion, len(outcomes))
	for i, o := range outcomes {
		out[i] = streamplane.GroupDeletion{Group: o.Name}
		if o.Error != nil {
			out[i].Err = o.Error
		}
	}
	return out, nil
}

// groupDeletionState is what a batch deletion's steps found and did.
type groupDeletionState struct {
	changeState
	Deletable []string  `json:"deletable"` // the EMPTY groups, when the task began
	Outcomes  []outcome `json:"outcomes"`  // every group's outcome, in the order asked
}

func (s *Service) deleteGroupsWorkflow() task.Workflow {
	return s.changeWorkflow(streamplane.TaskDeleteGroups, nil,
		task.Step{Name: "Find the groups", Run: s.findGroupsToDelete},
		task.Step{Name: "Delete the groups", Run: s.deleteGroups},
	)
}

func (s *Service) findGroupsToDelete(ctx context.Context, r *task.Run) error {
	var p struct {
		Groups []string `json:"groups"`
	}
	if err := r.Params(&p); err != nil {
		return err
	}
	_, cl, err := s.connect(ctx, r)
	if err != nil {
		return err
	}
	listed, err := cl.ListGroups(ctx)
	if err != nil {
		return err
	}
	known := map[string]streamplane.Group{}
	for _, g := range listed {
		known[g.Name] = g
	}
	st := groupDeletionState{Deletable: []string{}}
	for _, name := range p.Groups {
		o := outcome{Name: name}
		g, ok := known[name]
		switch invalid := streamplane.ValidateGroupName("groups", name); {
		case invalid != nil:
			o.Error = outcomeError(invalid)
		case !ok || g.State == streamplane.GroupDead:
			o.Error = &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "groups", Message: fmt.Sprintf("group %q does not exist", name)}
		case g.State != streamplane.GroupEmpty:
			o.Error = &streamplane.Error{Code: streamplane.ESTATE, Field: "groups",
				Message: fmt.Sprintf("group %s is %s; only an EMPTY group (one with no members) can be deleted: stop its consumers first", name, g.State)}
		default:
			st.Deletable = append(st.Deletable, name)
		}
		st.Outcomes = append(st.Outcomes, o)
	}
	return r.SaveState(ctx, st)
}

// deleteGroups deletes the groups found EMPTY. One found that Kafka no
// longer knows was deleted by this task before a restart: the task holds
// the instance.
func (s *Service) deleteGroups(ctx context.Context, r *task.Run) error {
	var st groupDeletionState
	if err := r.State(&st); err != nil {
		return err
	}
	inst, cl, err := s.connect(ctx, r)
	if err != nil {
		return err
	}
	if len(st.Deletable) > 0 {
		results, err := cl.DeleteGroups(ctx, st.Deletable...)
		if err != nil {
			return err
		}
		refused := map[string]error{}
		for _, res := range results {
			if res.Err != nil && !streamplane.IsCode(res.Err, streamplane.ENOTFOUND) {
				refused[res.Group] = res.Err
			}
		}
		for i, o := range st.Outcomes {
			if e, ok := refused[o.Name]; ok {
				st.Outcomes[i].Error = outcomeError(e)
			}
		}
	}
	var deleted, failed []string
	var first *streamplane.Error
	for _, o := range st.Outcomes {
		if o.Error == nil {
			deleted = append(deleted, o.Name)
			continue
		}
		failed = append(failed, fmt.Sprintf("%s (%s)", o.Name, o.Error.Message))
		if first == nil {
			first = o.Error
		}
	}
	if len(deleted) > 0 {
		s.Log.Info("consumer groups deleted", "instance", inst.Name, "groups", deleted)
	}
	if first == nil {
		st.Result = fmt.Sprintf("deleted %d group(s): %s", len(deleted), strings.Join(deleted, ", "))
	}
	if err := r.SaveState(ctx, st); err != nil {
		return err
	}
	if first != nil {
		msg := fmt.Sprintf("deleted %d of %d group(s)", len(deleted), len(st.Outcomes))
		if len(deleted) > 0 {
			msg += " (" + strings.Join(deleted, ", ") + ")"
		}
		// The request as such succeeded; this error marks the task failed,
		// with the first refusal's code.
		return streamplane.Errorf(first.Code, "%s; not deleted: %s", msg, strings.Join(failed, "; "))
	}
	return nil
}

func validateBatch(groups []string) error {
	switch {
	case len(groups) == 0:
		return streamplane.Invalid("groups", "name at least one group to delete")
	case len(groups) > MaxGroupBatch:
		return streamplane.Invalid("groups", "at most %d groups can be deleted at a time, got %d", MaxGroupBatch, len(groups))
	}
	return nil
}
