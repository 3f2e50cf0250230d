package service

import (
	"context"

	streamplane "github.com/streamplane/streamplane"
)

// TaskDetail is a task with its log.
type TaskDetail struct {
	*streamplane.Task
	Events []streamplane.TaskEvent `json:"events"`
}

// Tasks lists tasks. A filter may name the instance by id or name.
func (s *Service) Tasks(ctx context.Context, instance string, f streamplane.TaskFilter) ([]*streamplane.Task, int, error) {
	var list []*streamplane.Task
	var total int
	err := s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		if instance != "" {
			inst, err := tx.Instance(instance)
			if err != nil {
				return err
			}
			f.InstanceID = inst.ID
		}
		list, total, err = tx.Tasks(f)
		return err
	})
	return list, total, err
}

// Task returns one task with its log.
func (s *Service) Task(ctx context.Context, id string) (*TaskDetail, error) {
	var d TaskDetail
	err := s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		if d.Task, err = tx.Task(id); err != nil {
			return err
		}
		d.Events, err = tx.TaskEvents(id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if d.Events == nil {
		d.Events = []streamplane.TaskEvent{}
	}
	return &d, nil
}

// DeleteTask removes a finished task's record.
func (s *Service) DeleteTask(ctx context.Context, id string) error {
	return s.Store.Update(ctx, func(tx streamplane.Tx) error { return tx.DeleteTask(id) })
}
