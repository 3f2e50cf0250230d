package service

import (
	"context"
	"fmt"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/task"
)

// User changes are tasks (see change). A user's password waits sealed in
// the store, under the task, from the request until the task ends; it is
// never in the task's parameters, records or logs. The store record and
// the PLAIN users file are written first and Kafka's SCRAM credential last:
// a task that fails removes what it wrote (OnFail), so a user is made
// whole or not at all, and a server that dies half way finishes the task
// when it starts again.

// userParams are a user change's inputs: never the password.
type userParams struct {
	User string `json:"user"`
}

// passwordSecret names the password a user task keeps sealed while it runs.
const passwordSecret = "password"

// oldPlainHashSecret names the sealed PLAIN hash a password reset replaced,
// to put back if the reset fails.
const oldPlainHashSecret = "old-plain-hash"

// checkPlain refuses a user on an instance offering PLAIN when this server
// cannot hash PLAIN passwords.
func (s *Service) checkPlain(inst *streamplane.Instance) error {
	if inst.HasMechanism(streamplane.MechanismPlain) && s.Plain == nil {
		return streamplane.Errorf(streamplane.EPRECONDITION, "this server cannot serve PLAIN users")
	}
	return nil
}

// CreateKafkaUser creates a SASL user that can sign in with SCRAM-SHA-512
// and, if the instance offers it, PLAIN.
func (s *Service) CreateKafkaUser(ctx context.Context, idOrName, name, password string) (*streamplane.KafkaUserInfo, error) {
	_, err := s.change(ctx, changeRequest{instance: idOrName, kind: streamplane.TaskCreateUser, params: userParams{User: name},
		secrets: map[string]string{passwordSecret: password},
		check: func(inst *streamplane.Instance) error {
			if err := checkSASL(inst); err != nil {
				return err
			}
			if err := streamplane.ValidateNewKafkaUserName("name", name); err != nil {
				return err
			}
			if err := streamplane.ValidateKafkaPassword("password", name, password); err != nil {
				return err
			}
			return s.checkPlain(inst)
		}})
	if err != nil {
		return nil, err
	}
	return s.KafkaUser(ctx, idOrName, name)
}

// userCreateState says whether the task wrote the user's record, so that
// it removes only a record of its own.
type userCreateState struct {
	changeState
	Recorded bool `json:"recorded"`
}

func (s *Service) createUserWorkflow() task.Workflow {
	return s.changeWorkflow(streamplane.TaskCreateUser, s.undoCreateUser,
		task.Step{Name: "Record the user", Run: s.recordNewUser},
		task.Step{Name: "Write the PLAIN users file", Run: s.writeTaskPlainUsers},
		task.Step{Name: "Set the SCRAM credential", Run: s.setSCRAM},
		task.Step{Name: "Wait until every broker knows the user", Run: s.awaitUser(true, "created user %s")},
	)
}

// recordNewUser checks the name is free and the user limit, and writes the
// record, with the sealed PLAIN hash, in the transaction that notes it.
func (s *Service) recordNewUser(ctx context.Context, r *task.Run) error {
	var p userParams
	var st userCreateState
	if err := r.Params(&p); err != nil {
		return err
	}
	if err := r.State(&st); err != nil || st.Recorded {
		return err
	}
	inst, err := taskInstance(ctx, r)
	if err != nil {
		return err
	}
	password, err := s.secret(ctx, r, passwordSecret)
	if err != nil {
		return err
	}
	u, err := s.newKafkaUser(inst, p.User, password, false)
	if err != nil {
		return err
	}
	return r.SaveStateWith(ctx, userCreateState{Recorded: true}, func(tx streamplane.Tx) error {
		users, err := tx.KafkaUsers(inst.ID)
		if err != nil {
			return err
		}
		for _, other := range users {
			if other.Name == p.User {
				return &streamplane.Error{Code: streamplane.ECONFLICT, Field: "name", Message: fmt.Sprintf("instance %s already has a user named %s", inst.Name, p.User)}
			}
		}
		if err := streamplane.CheckKafkaUserLimit(inst.Name, len(users)); err != nil {
			return err
		}
		return tx.PutKafkaUser(u)
	})
}

func (s *Service) writeTaskPlainUsers(ctx context.Context, r *task.Run) error {
	inst, err := taskInstance(ctx, r)
	if err != nil {
		return err
	}
	return s.writePlainUsers(ctx, inst)
}

// setSCRAM sets the user's SCRAM credential; setting it again is harmless.
func (s *Service) setSCRAM(ctx context.Context, r *task.Run) error {
	var p userParams
	_, cl, err := s.changeInput(ctx, r, &p)
	if err != nil {
		return err
	}
	password, err := s.secret(ctx, r, passwordSecret)
	if err != nil {
		return err
	}
	if err := cl.UpsertSCRAM(ctx, p.User, password); err != nil {
		return kafkaadmin.AppError(err, "", "set the SCRAM credential of user %s", p.User)
	}
	return nil
}

// awaitUser waits until every broker knows (or no longer knows) the user,
// and records the result.
func (s *Service) awaitUser(present bool, result string) func(ctx context.Context, r *task.Run) error {
	return func(ctx context.Context, r *task.Run) error {
		var p userParams
		inst, cl, err := s.changeInput(ctx, r, &p)
		if err != nil {
			return err
		}
		if err := cl.WaitSCRAM(ctx, p.User, present); err != nil {
			s.Log.Warn("user change not yet on every broker", "instance", inst.Name, "user", p.User, "err", err)
		}
		s.Log.Info("kafka user changed", "instance", inst.Name, "user", p.User, "kind", r.Task.Kind)
		msg := fmt.Sprintf(result, p.User)
		if present {
			mechanisms := []string{streamplane.MechanismSCRAM}
			if inst.HasMechanism(streamplane.MechanismPlain) {
				mechanisms = append(mechanisms, streamplane.MechanismPlain)
			}
			msg += " (" + strings.Join(mechanisms, ", ") + ")"
		}
		return r.SaveState(ctx, changeState{Result: msg})
	}
}

// undoCreateUser removes what a failed creation made: the SCRAM
// credential, the record and the PLAIN entry. A record the task did not
// write (the name was taken) stays.
func (s *Service) undoCreateUser(ctx context.Context, r *task.Run, cause error) {
	var p userParams
	var st userCreateState
	if r.Params(&p) != nil || r.State(&st) != nil || !st.Recorded {
		return
	}
	ctx = context.WithoutCancel(ctx)
	inst, cl, err := s.connect(ctx, r)
	if err == nil {
		if err = cl.DeleteSCRAM(ctx, p.User); kafkaadmin.IsResourceNotFound(err) {
			err = nil
		}
	}
	if err == nil {
		err = r.Update(ctx, func(tx streamplane.Tx) error {
			if err := tx.DeleteKafkaUser(inst.ID, p.User); err != nil && !streamplane.IsCode(err, streamplane.ENOTFOUND) {
				return err
			}
			return nil
		})
	}
	if err == nil {
		err = s.writePlainUsers(ctx, inst)
	}
	if err != nil {
		s.Log.Error("remove a user whose creation failed", "task", r.Task.ID, "user", p.User, "cause", cause, "err", err)
	}
}

// ResetKafkaUserPassword gives a user a new password for every mechanism.
// New logins with the old one fail at once; connections it opened stay.
func (s *Service) ResetKafkaUserPassword(ctx context.Context, idOrName, name, password string) (*streamplane.KafkaUserInfo, error) {
	return s.resetPassword(ctx, idOrName, streamplane.TaskResetUserPassword, name, password)
}

// ResetKafkaPassword resets the password of the instance's initial user
// (DMS 7.7).
func (s *Service) ResetKafkaPassword(ctx context.Context, idOrName, password string) (*streamplane.KafkaUserInfo, error) {
	inst, err := s.Instance(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	return s.resetPassword(ctx, inst.ID, streamplane.TaskResetKafkaPassword, inst.KafkaUser, password)
}

func (s *Service) resetPassword(ctx context.Context, idOrName, kind, name, password string) (*streamplane.KafkaUserInfo, error) {
	_, err := s.change(ctx, changeRequest{instance: idOrName, kind: kind, params: userParams{User: name},
		secrets: map[string]string{passwordSecret: password},
		check: func(inst *streamplane.Instance) error {
			if err := checkSASL(inst); err != nil {
				return err
			}
			if err := streamplane.ValidateKafkaPassword("password", name, password); err != nil {
				return err
			}
			return s.checkPlain(inst)
		}})
	if err != nil {
		return nil, err
	}
	return s.KafkaUser(ctx, idOrName, name)
}

// passwordResetState says whether the task replaced the PLAIN hash (and
// kept the old one, to put back if the reset fails).
type passwordResetState struct {
	changeState
	Replaced bool `json:"replaced"`
}

func (s *Service) resetPasswordWorkflow(kind string) task.Workflow {
	return s.changeWorkflow(kind, s.undoResetPassword,
		task.Step{Name: "Record the new PLAIN hash", Run: s.recordNewPassword},
		task.Step{Name: "Write the PLAIN users file", Run: s.writeTaskPlainUsers},
		task.Step{Name: "Set the SCRAM credential", Run: s.setSCRAM},
		task.Step{Name: "Wait until every broker knows the password", Run: s.awaitUser(true, "new password for user %s")},
	)
}

func (s *Service) recordNewPassword(ctx context.Context, r *task.Run) error {
	var p userParams
	var st passwordResetState
	if err := r.Params(&p); err != nil {
		return err
	}
	if err := r.State(&st); err != nil || st.Replaced {
		return err
	}
	inst, err := taskInstance(ctx, r)
	if err != nil {
		return err
	}
	old, err := s.kafkaUser(ctx, inst, p.User)
	if err != nil {
		return err
	}
	if !inst.HasMechanism(streamplane.MechanismPlain) {
		return nil
	}
	password, err := s.secret(ctx, r, passwordSecret)
	if err != nil {
		return err
	}
	u, err := s.newKafkaUser(inst, p.User, password, old.Initial)
	if err != nil {
		return err
	}
	u.CreatedAt = old.CreatedAt
	return r.SaveStateWith(ctx, passwordResetState{Replaced: true}, func(tx streamplane.Tx) error {
		if err := tx.PutSecret(r.Task.ID, oldPlainHashSecret, old.PlainHash); err != nil { // sealed already
			return err
		}
		return tx.PutKafkaUser(u)
	})
}

// undoResetPassword puts the old PLAIN hash back after a failed reset.
func (s *Service) undoResetPassword(ctx context.Context, r *task.Run, cause error) {
	var p userParams
	var st passwordResetState
	if r.Params(&p) != nil || r.State(&st) != nil || !st.Replaced {
		return
	}
	ctx = context.WithoutCancel(ctx)
	inst, err := taskInstance(ctx, r)
	if err == nil {
		err = r.Update(ctx, func(tx streamplane.Tx) error {
			old, err := tx.Secret(r.Task.ID, oldPlainHashSecret)
			if err != nil {
				return err
			}
			u, err := tx.KafkaUser(inst.ID, p.User)
			if err != nil {
				return err
			}
			u.PlainHash = old
			return tx.PutKafkaUser(u)
		})
	}
	if err == nil {
		err = s.writePlainUsers(ctx, inst)
	}
	if err != nil {
		s.Log.Error("put back the PLAIN password of a failed reset", "task", r.Task.ID, "user", p.User, "cause", cause, "err", err)
	}
}

// DeleteKafkaUser deletes a user with its credentials and every grant it
// has; the initial user stays. A topic whose only grant was the user's is
// open to every user again, as a topic with no grant is.
func (s *Service) DeleteKafkaUser(ctx context.Context, idOrName, name string) error {
	_, err := s.change(ctx, changeRequest{instance: idOrName, kind: streamplane.TaskDeleteUser, params: userParams{User: name},
		check: func(inst *streamplane.Instance) error {
			if err := checkSASL(inst); err != nil {
				return err
			}
			return streamplane.ValidateKafkaUserName("user", name)
		}})
	return err
}

// The deletion removes the grants first, then the quotas, the SCRAM
// credential, and the record with its PLAIN entry last: until the task
// ends, the user still exists, and every step can run again.
func (s *Service) deleteUserWorkflow() task.Workflow {
	return s.changeWorkflow(streamplane.TaskDeleteUser, nil,
		task.Step{Name: "Check the user", Run: s.checkUserToDelete},
		task.Step{Name: "Remove its topic permissions", Run: s.deleteUserGrants},
		task.Step{Name: "Remove its quotas", Run: s.deleteUserQuotasStep},
		task.Step{Name: "Remove its SCRAM credential", Run: s.deleteSCRAM},
		task.Step{Name: "Remove its record and PLAIN entry", Run: s.deleteUserRecord},
		task.Step{Name: "Wait until no broker knows the user", Run: s.awaitUser(false, "deleted user %s and its topic permissions")},
	)
}

func (s *Service) checkUserToDelete(ctx context.Context, r *task.Run) error {
	var p userParams
	if err := r.Params(&p); err != nil {
		return err
	}
	inst, err := taskInstance(ctx, r)
	if err != nil {
		return err
	}
	u, err := s.kafkaUser(ctx, inst, p.User)
	if err != nil {
		return err
	}
	if u.Initial {
		return &streamplane.Error{Code: streamplane.ESTATE, Field: "user", Message: fmt.Sprintf(
			"user %s is the initial user of instance %s and cannot be deleted; reset its password instead", p.User, inst.Name)}
	}
	return nil
}

func (s *Service) deleteUserGrants(ctx context.Context, r *task.Run) error {
	var p userParams
	_, cl, err := s.changeInput(ctx, r, &p)
	if err != nil {
		return err
	}
	if err := cl.DeletePrincipalACLs(ctx, streamplane.UserPrincipal(p.User)); err != nil {
		return kafkaadmin.AppError(err, "", "delete the topic permissions of user %s", p.User)
	}
	return nil
}

// deleteUserQuotasStep removes the user's quotas: a later user of the same
// name must not inherit them.
func (s *Service) deleteUserQuotasStep(ctx context.Context, r *task.Run) error {
	var p userParams
	inst, cl, err := s.changeInput(ctx, r, &p)
	if err != nil {
		return err
	}
	return s.deleteUserQuotas(ctx, inst, cl, p.User)
}

func (s *Service) deleteSCRAM(ctx context.Context, r *task.Run) error {
	var p userParams
	_, cl, err := s.changeInput(ctx, r, &p)
	if err != nil {
		return err
	}
	if err := cl.DeleteSCRAM(ctx, p.User); err != nil && !kafkaadmin.IsResourceNotFound(err) {
		return kafkaadmin.AppError(err, "", "delete the SCRAM credential of user %s", p.User)
	}
	return nil
}

func (s *Service) deleteUserRecord(ctx context.Context, r *task.Run) error {
	var p userParams
	if err := r.Params(&p); err != nil {
		return err
	}
	inst, err := taskInstance(ctx, r)
	if err != nil {
		return err
	}
	err = r.Update(ctx, func(tx streamplane.Tx) error {
		if err := tx.DeleteKafkaUser(inst.ID, p.User); err != nil && !streamplane.IsCode(err, streamplane.ENOTFOUND) {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.writePlainUsers(ctx, inst)
}
