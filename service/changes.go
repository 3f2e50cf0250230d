package service

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/audit"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/task"
)

// Changes inside an instance (topics, groups, parameters, users, grants,
// quotas) are durable tasks, like changes of the instance itself: the
// request checks its input, then in one transaction takes the instance
// (the store lets one unfinished task hold it) and writes the task with
// its parameters and, sealed, its secrets. The request then runs the
// task's steps at once and answers with the result when they end within
// answerDeadline; otherwise the task goes on in the background and the
// answer is 202 with the task. A server that dies half way finishes the
// task, or rolls it back by its own steps, when it starts again.

// answerDeadline is how long a request waits for its change to finish
// before it answers 202 with the task. Changes inside an instance usually
// take well under a second; a few seconds cover a loaded machine.
const answerDeadline = 8 * time.Second

// stepTimeout bounds one step of a change, so that an unanswering cluster
// fails the task instead of holding the instance for ever.
const stepTimeout = 2 * time.Minute

// Unfinished is the answer to a change whose task is still running when
// answerDeadline passes: the API answers 202 with the task.
type Unfinished struct {
	Task *streamplane.Task
}

func (u *Unfinished) Error() string {
	return fmt.Sprintf("task %s (%s) is still running", u.Task.ID, u.Task.Kind)
}

// changeRequest is a change inside an instance, as a request asks for it.
type changeRequest struct {
	instance string // id or name
	kind     string
	target   func(inst *streamplane.Instance) string // for people; the instance's name when nil
	params   any                                     // the task's inputs; never a secret
	secrets  map[string]string                       // sealed under the task, deleted when it ends
	// check, if not nil, checks the input against what the instance is
	// (its security, its broker count), with no Kafka call; it runs
	// before the instance is taken, so bad input is refused as such even
	// on a busy instance.
	check func(inst *streamplane.Instance) error
}

// change writes a change's task and runs it. It returns the finished task,
// or *Unfinished, or the error that refused the change; when a step
// failed, it returns the failed task too, for what its steps saved.
func (s *Service) change(ctx context.Context, req changeRequest) (*streamplane.Task, error) {
	wf, ok := s.ChangeWorkflows()[req.kind]
	if !ok {
		return nil, streamplane.Errorf(streamplane.EINTERNAL, "no workflow for %s", req.kind)
	}
	var t *streamplane.Task
	var inst *streamplane.Instance
	err := s.Store.Update(ctx, func(tx streamplane.Tx) (err error) {
		if inst, err = tx.Instance(req.instance); err != nil {
			inst = nil
			return err
		}
		if req.check != nil {
			if err := req.check(inst); err != nil {
				return err
			}
		}
		target := inst.Name
		if req.target != nil {
			target = req.target(inst)
		}
		if t, err = streamplane.NewTask(newID(), req.kind, inst.ID, target, req.params, wf.StepNames()...); err != nil {
			return err
		}
		// Taking the instance first: a busy instance answers with its
		// holder, whatever its status says.
		if err := audit.ForTask(ctx, tx, t, false); err != nil {
			return err
		}
		if err := tx.CreateTask(t); err != nil {
			return err
		}
		if err := brokersAvailable(inst); err != nil {
			return err
		}
		for name, value := range req.secrets {
			if err := s.Vault.Put(tx, t.ID, name, value); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if inst != nil {
			// The instance's task list shows refused changes too.
			s.record(context.WithoutCancel(ctx), inst, req.kind, "Check the request", req.params, "", err)
		}
		return nil, err
	}
	s.Log.Info("change requested", "kind", t.Kind, "instance", t.Target, "task", t.ID)
	outcome := s.Engine.Start(t.ID)
	timer := time.NewTimer(answerDeadline)
	defer timer.Stop()
	select {
	case err, ended := <-outcome:
		fresh, rerr := s.readTask(context.WithoutCancel(ctx), t.ID)
		switch {
		case ended && err != nil:
			return fresh, err
		case rerr != nil:
			return nil, rerr
		case !ended || !fresh.Status.Done():
			return nil, &Unfinished{Task: fresh}
		}
		return fresh, nil
	case <-timer.C:
	case <-ctx.Done():
		// The caller went away; the task goes on regardless.
	}
	fresh, err := s.readTask(context.WithoutCancel(ctx), t.ID)
	if err != nil {
		return nil, err
	}
	return nil, &Unfinished{Task: fresh}
}

// taskState decodes what a task's steps saved.
func taskState(t *streamplane.Task, v any) error {
	if len(t.State) == 0 {
		return nil
	}
	return json.Unmarshal(t.State, v)
}

func (s *Service) readTask(ctx context.Context, id string) (*streamplane.Task, error) {
	var t *streamplane.Task
	err := s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		t, err = tx.Task(id)
		return err
	})
	return t, err
}

// brokersAvailable refuses a change on an instance whose brokers do not run.
func brokersAvailable(inst *streamplane.Instance) error {
	switch inst.Status {
	case streamplane.InstanceRunning, streamplane.InstanceFaulty, streamplane.InstanceRestarting, streamplane.InstanceChanging:
		return nil
	}
	return streamplane.Errorf(streamplane.ESTATE, "instance %s is %s; its brokers are not available", inst.Name, inst.Status)
}

// changeState is what every change's steps save for the task's record:
// the result, set by the step that knows it.
type changeState struct {
	Result string `json:"result,omitempty"`
}

// changeWorkflow builds the workflow of a change kind. Each step gets a
// bounded context; when the task ends, its secrets are deleted and the
// result its steps saved is recorded.
func (s *Service) changeWorkflow(kind string, onFail func(ctx context.Context, r *task.Run, err error), steps ...task.Step) task.Workflow {
	return task.Workflow{
		Kind:   kind,
		Steps:  bounded(steps...),
		OnFail: onFail,
		Finish: func(tx streamplane.Tx, r *task.Run, runErr error) error {
			var st changeState
			if err := r.State(&st); err == nil && runErr == nil {
				r.Task.Result = st.Result
			}
			return tx.DeleteSecrets(r.Task.ID)
		},
	}
}

// bounded gives each step a context that ends after its Timeout, or
// stepTimeout when it has none.
func bounded(steps ...task.Step) []task.Step {
	for i := range steps {
		run, timeout := steps[i].Run, cmp.Or(steps[i].Timeout, stepTimeout)
		steps[i].Run = func(ctx context.Context, r *task.Run) error {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			return run(ctx, r)
		}
	}
	return steps
}

// ChangeWorkflows returns the workflow of every kind of change inside an
// instance, for the task engine.
func (s *Service) ChangeWorkflows() map[string]task.Workflow {
	out := map[string]task.Workflow{}
	for _, wf := range []task.Workflow{
		s.createTopicWorkflow(), s.updateTopicWorkflow(), s.deleteTopicsWorkflow(), s.electLeadersWorkflow(), s.reassignWorkflow(),
		s.createUserWorkflow(), s.resetPasswordWorkflow(streamplane.TaskResetUserPassword),
		s.resetPasswordWorkflow(streamplane.TaskResetKafkaPassword), s.deleteUserWorkflow(),
		s.grantWorkflow(), s.revokeWorkflow(),
		s.createQuotaWorkflow(), s.updateQuotaWorkflow(), s.deleteQuotaWorkflow(),
		s.setParametersWorkflow(), s.resetParametersWorkflow(), s.scaleWorkflow(),
		s.resetOffsetsWorkflow(), s.deleteGroupsWorkflow(),
		s.capacityWorkflow(),
	} {
		out[wf.Kind] = wf
	}
	return out
}

// taskInstance loads a change's instance.
func taskInstance(ctx context.Context, r *task.Run) (*streamplane.Instance, error) {
	var inst *streamplane.Instance
	err := r.View(ctx, func(tx streamplane.Tx) (err error) {
		inst, err = tx.Instance(r.Task.InstanceID)
		return err
	})
	return inst, err
}

// connect loads a change's instance and the admin client for it.
func (s *Service) connect(ctx context.Context, r *task.Run) (*streamplane.Instance, *kafkaadmin.Client, error) {
	inst, err := taskInstance(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	cl, err := s.Admin.Get(ctx, inst)
	return inst, cl, err
}

// changeInput decodes a change step's params into p and connects to the
// task's instance: what nearly every step of a change starts with.
func (s *Service) changeInput(ctx context.Context, r *task.Run, p any) (*streamplane.Instance, *kafkaadmin.Client, error) {
	if err := r.Params(p); err != nil {
		return nil, nil, err
	}
	return s.connect(ctx, r)
}

// secret opens a secret the request sealed under the task.
func (s *Service) secret(ctx context.Context, r *task.Run, name string) (string, error) {
	var v string
	err := r.View(ctx, func(tx streamplane.Tx) (err error) {
		v, err = s.Vault.Get(tx, r.Task.ID, name)
		return err
	})
	return v, err
}
