package service

import (
	"context"
	"fmt"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
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
	params := struct {
		Group string `json:"group"`
		streamplane.OffsetResetRequest
	}{group, req}
	var out *streamplane.OffsetReset
	err := s.change(ctx, instance, streamplane.TaskResetOffsets, "Reset consumer offsets", params,
		func(*streamplane.Instance) error { return validateReset(group, req) },
		func(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client) (string, error) {
			var err error
			if out, err = resetOffsets(ctx, cl, group, req); err != nil {
				return "", err
			}
			clamped := 0
			for _, p := range out.Partitions {
				if p.Clamped {
					clamped++
				}
			}
			result := fmt.Sprintf("reset group %s to %s in %d partition(s) of topic %s", group, req.Describe(), len(out.Partitions), req.Topic)
			if clamped > 0 {
				result += fmt.Sprintf(", %d clamped to the partition's start or end", clamped)
			}
			if out.Created {
				result += "; the group did not exist and was created"
			}
			s.Log.Info("consumer offsets reset", "instance", inst.Name, "group", group, "topic", req.Topic, "to", req.Describe())
			return result, nil
		})
	return out, err
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
// refuses it. The batch is recorded as one task, failed if any group was
// not deleted.
func (s *Service) DeleteGroups(ctx context.Context, instance string, groups []string) ([]streamplane.GroupDeletion, error) {
	params := map[string]any{"groups": groups}
	var out []streamplane.GroupDeletion
	err := s.change(ctx, instance, streamplane.TaskDeleteGroups, "Delete consumer groups", params,
		func(*streamplane.Instance) error { return validateBatch(groups) },
		func(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client) (string, error) {
			var err error
			if out, err = deleteGroups(ctx, cl, groups); err != nil {
				return "", err
			}
			var deleted, failed []string
			var first error
			for _, d := range out {
				if d.Err == nil {
					deleted = append(deleted, d.Group)
					continue
				}
				failed = append(failed, fmt.Sprintf("%s (%s)", d.Group, streamplane.ErrorMessage(d.Err)))
				if first == nil {
					first = d.Err
				}
			}
			if len(deleted) > 0 {
				s.Log.Info("consumer groups deleted", "instance", inst.Name, "groups", deleted)
			}
			if first != nil {
				msg := fmt.Sprintf("deleted %d of %d group(s)", len(deleted), len(out))
				if len(deleted) > 0 {
					msg += " (" + strings.Join(deleted, ", ") + ")"
				}
				// The request as such succeeded; this error only marks the
				// recorded task failed, with the first refusal's code.
				return "", streamplane.Errorf(streamplane.ErrorCode(first), "%s; not deleted: %s", msg, strings.Join(failed, "; "))
			}
			return fmt.Sprintf("deleted %d group(s): %s", len(deleted), strings.Join(deleted, ", ")), nil
		})
	if out != nil {
		return out, nil // per-group outcomes, even when some were refused
	}
	return nil, err
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

func deleteGroups(ctx context.Context, cl *kafkaadmin.Client, groups []string) ([]streamplane.GroupDeletion, error) {
	listed, err := cl.ListGroups(ctx)
	if err != nil {
		return nil, err
	}
	known := map[string]streamplane.Group{}
	for _, g := range listed {
		known[g.Name] = g
	}
	out := make([]streamplane.GroupDeletion, 0, len(groups))
	seen := map[string]bool{}
	var deletable []string
	at := map[string]int{} // index in out of each group sent to Kafka
	for _, name := range groups {
		if seen[name] {
			continue
		}
		seen[name] = true
		d := streamplane.GroupDeletion{Group: name}
		g, ok := known[name]
		switch invalid := streamplane.ValidateGroupName("groups", name); {
		case invalid != nil:
			d.Err = invalid
		case !ok || g.State == streamplane.GroupDead:
			d.Err = &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "groups", Message: fmt.Sprintf("group %q does not exist", name)}
		case g.State != streamplane.GroupEmpty:
			d.Err = &streamplane.Error{Code: streamplane.ESTATE, Field: "groups",
				Message: fmt.Sprintf("group %s is %s; only an EMPTY group (one with no members) can be deleted: stop its consumers first", name, g.State)}
		default:
			at[name] = len(out)
			deletable = append(deletable, name)
		}
		out = append(out, d)
	}
	if len(deletable) > 0 {
		results, err := cl.DeleteGroups(ctx, deletable...)
		if err != nil {
			return nil, err
		}
		for _, r := range results {
			out[at[r.Group]].Err = r.Err
		}
	}
	return out, nil
}
