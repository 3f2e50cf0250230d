package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/twmb/franz-go/pkg/kerr"
)

// SASL users (DMS ch. 10, 7.7). A user is two credentials that must agree:
// a SCRAM-SHA-512 credential in Kafka, and, when the instance offers PLAIN,
// a salted hash in the store that Streamplane writes to the brokers' PLAIN
// users file. Changes write the store and the file first, which can be
// undone, and Kafka's SCRAM credential last, which cannot (Kafka does not
// give back a password): a failure at any step leaves the user as it was,
// never half made. Passwords pass through and are kept nowhere: not in the
// store, the task records or the logs.

// userParams is what a recorded user change keeps: never the password.
type userParams struct {
	User string `json:"user"`
}

// PlainHasher turns a PLAIN password into the salted hash Streamplane's
// PLAIN plugin checks logins against.
type PlainHasher interface {
	Hash(password string) ([]byte, error)
}

// newKafkaUser builds a user record; with PLAIN on, it carries the sealed
// hash of the password (never the password).
func (s *Service) newKafkaUser(inst *streamplane.Instance, name, password string, initial bool) (*streamplane.KafkaUser, error) {
	u := &streamplane.KafkaUser{InstanceID: inst.ID, Name: name, Initial: initial}
	if !inst.HasMechanism(streamplane.MechanismPlain) {
		return u, nil
	}
	if s.Plain == nil {
		return nil, streamplane.Errorf(streamplane.EPRECONDITION, "this server cannot serve PLAIN users")
	}
	hash, err := s.Plain.Hash(password)
	if err != nil {
		return nil, err
	}
	if u.PlainHash, err = s.Vault.SealPlainHash(inst.ID, name, hash); err != nil {
		return nil, err
	}
	return u, nil
}

// checkSASL refuses users and grants on an instance without SASL.
func checkSASL(inst *streamplane.Instance) error {
	if !inst.SASL() {
		return streamplane.Invalid("instance", "instance %s uses %s: SASL users and topic permissions need a %s instance",
			inst.Name, inst.SecurityProtocol, streamplane.ProtocolSASLSSL)
	}
	return nil
}

// saslInstance returns an instance that has SASL users and topic grants.
func (s *Service) saslInstance(ctx context.Context, idOrName string) (*streamplane.Instance, error) {
	inst, err := s.Instance(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	if err := checkSASL(inst); err != nil {
		return nil, err
	}
	return inst, nil
}

// KafkaUsers lists an instance's SASL users. It reads the store only, so
// it answers while brokers are down (DMS 1.8: users can be queried).
func (s *Service) KafkaUsers(ctx context.Context, idOrName string) (*streamplane.KafkaUserList, error) {
	inst, err := s.saslInstance(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	var users []streamplane.KafkaUser
	err = s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		users, err = tx.KafkaUsers(inst.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	list := &streamplane.KafkaUserList{Users: []streamplane.KafkaUserInfo{}, Limit: streamplane.MaxKafkaUsers}
	for _, u := range users {
		list.Users = append(list.Users, streamplane.NewKafkaUserInfo(u))
	}
	return list, nil
}

// KafkaUser returns one SASL user.
func (s *Service) KafkaUser(ctx context.Context, idOrName, name string) (*streamplane.KafkaUserInfo, error) {
	inst, err := s.saslInstance(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	u, err := s.kafkaUser(ctx, inst, name)
	if err != nil {
		return nil, err
	}
	info := streamplane.NewKafkaUserInfo(*u)
	return &info, nil
}

// kafkaUser reads a user, or NOT_FOUND naming the instance.
func (s *Service) kafkaUser(ctx context.Context, inst *streamplane.Instance, name string) (*streamplane.KafkaUser, error) {
	var u *streamplane.KafkaUser
	err := s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		u, err = tx.KafkaUser(inst.ID, name)
		return err
	})
	if streamplane.IsCode(err, streamplane.ENOTFOUND) {
		return nil, noSuchUser(inst, name)
	}
	return u, err
}

func noSuchUser(inst *streamplane.Instance, name string) error {
	return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "user", Message: fmt.Sprintf("instance %s has no user %q", inst.Name, name)}
}

// CreateKafkaUser creates a SASL user that can sign in with SCRAM-SHA-512
// and, if the instance offers it, PLAIN.
func (s *Service) CreateKafkaUser(ctx context.Context, idOrName, name, password string) (*streamplane.KafkaUserInfo, error) {
	var info streamplane.KafkaUserInfo
	err := s.change(ctx, idOrName, streamplane.TaskCreateUser, "Create user "+name, userParams{User: name}, checkSASL,
		func(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client) (string, error) {
			u, err := s.createKafkaUser(ctx, inst, cl, name, password)
			if err != nil {
				return "", err
			}
			info = streamplane.NewKafkaUserInfo(*u)
			s.Log.Info("kafka user created", "instance", inst.Name, "user", name)
			return fmt.Sprintf("created user %s (%s)", name, strings.Join(info.Mechanisms, ", ")), nil
		})
	if err != nil {
		return nil, err
	}
	return &info, nil
}

func (s *Service) createKafkaUser(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client, name, password string) (*streamplane.KafkaUser, error) {
	if err := streamplane.ValidateNewKafkaUserName("name", name); err != nil {
		return nil, err
	}
	if err := streamplane.ValidateKafkaPassword("password", name, password); err != nil {
		return nil, err
	}
	u, err := s.newKafkaUser(inst, name, password, false)
	if err != nil {
		return nil, err
	}
	err = s.setCredentials(ctx, inst, cl, name, password,
		func(tx streamplane.Tx) error {
			users, err := tx.KafkaUsers(inst.ID)
			if err != nil {
				return err
			}
			for _, other := range users {
				if other.Name == name {
					return &streamplane.Error{Code: streamplane.ECONFLICT, Field: "name", Message: fmt.Sprintf("instance %s already has a user named %s", inst.Name, name)}
				}
			}
			if err := streamplane.CheckKafkaUserLimit(inst.Name, len(users)); err != nil {
				return err
			}
			return tx.PutKafkaUser(u)
		},
		func(tx streamplane.Tx) error { return tx.DeleteKafkaUser(inst.ID, name) })
	if err != nil {
		return nil, err
	}
	if err := cl.WaitSCRAM(ctx, name, true); err != nil {
		s.Log.Warn("new user not yet known to every broker", "instance", inst.Name, "user", name, "err", err)
	}
	return u, nil
}

// writePlainUsers rewrites the brokers' PLAIN users file from the store;
// the brokers read it again at the next PLAIN login.
func (s *Service) writePlainUsers(ctx context.Context, inst *streamplane.Instance) error {
	if !inst.HasMechanism(streamplane.MechanismPlain) {
		return nil
	}
	return s.Files.WriteBrokerFiles(ctx, inst)
}

// ResetKafkaUserPassword gives a user a new password for every mechanism.
// New logins with the old one fail at once; connections it opened stay.
func (s *Service) ResetKafkaUserPassword(ctx context.Context, idOrName, name, password string) (*streamplane.KafkaUserInfo, error) {
	return s.resetPassword(ctx, idOrName, streamplane.TaskResetUserPassword, "Reset the password of user "+name, name, password)
}

// ResetKafkaPassword resets the password of the instance's initial user
// (DMS 7.7).
func (s *Service) ResetKafkaPassword(ctx context.Context, idOrName, password string) (*streamplane.KafkaUserInfo, error) {
	inst, err := s.Instance(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	return s.resetPassword(ctx, inst.ID, streamplane.TaskResetKafkaPassword, "Reset the Kafka password (initial user)", inst.KafkaUser, password)
}

func (s *Service) resetPassword(ctx context.Context, idOrName, kind, step, name, password string) (*streamplane.KafkaUserInfo, error) {
	var info streamplane.KafkaUserInfo
	err := s.change(ctx, idOrName, kind, step, userParams{User: name}, checkSASL,
		func(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client) (string, error) {
			u, err := s.resetKafkaUserPassword(ctx, inst, cl, name, password)
			if err != nil {
				return "", err
			}
			info = streamplane.NewKafkaUserInfo(*u)
			s.Log.Info("kafka user password reset", "instance", inst.Name, "user", name)
			return fmt.Sprintf("new password for user %s (%s)", name, strings.Join(info.Mechanisms, ", ")), nil
		})
	if err != nil {
		return nil, err
	}
	return &info, nil
}

func (s *Service) resetKafkaUserPassword(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client, name, password string) (*streamplane.KafkaUser, error) {
	old, err := s.kafkaUser(ctx, inst, name)
	if err != nil {
		return nil, err
	}
	if err := streamplane.ValidateKafkaPassword("password", name, password); err != nil {
		return nil, err
	}
	u, err := s.newKafkaUser(inst, name, password, old.Initial)
	if err != nil {
		return nil, err
	}
	u.CreatedAt = old.CreatedAt
	err = s.setCredentials(ctx, inst, cl, name, password,
		func(tx streamplane.Tx) error { return tx.PutKafkaUser(u) },
		func(tx streamplane.Tx) error { return tx.PutKafkaUser(old) })
	if err != nil {
		return nil, err
	}
	return u, nil
}

// setCredentials writes a user's record (write) with its PLAIN users file,
// then its SCRAM credential in Kafka: the record and the file can be
// undone, the credential cannot. If a step fails, undo puts the record
// back as it was and the file is rewritten to match.
func (s *Service) setCredentials(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client, name, password string,
	write, undo func(streamplane.Tx) error) error {
	if err := s.Store.Update(ctx, write); err != nil {
		return err
	}
	restore := func(cause error) error {
		err := s.Store.Update(ctx, undo)
		if err == nil {
			err = s.writePlainUsers(ctx, inst)
		}
		if err != nil {
			s.Log.Error("undo a failed user change", "instance", inst.Name, "user", name, "err", err)
		}
		return cause
	}
	if err := s.writePlainUsers(ctx, inst); err != nil {
		return restore(err)
	}
	if err := cl.UpsertSCRAM(ctx, name, password); err != nil {
		return restore(kafkaadmin.AppError(err, "", "set the SCRAM credential of user %s", name))
	}
	return nil
}

// DeleteKafkaUser deletes a user with its credentials and every grant it
// has; the initial user stays. A topic whose only grant was the user's is
// open to every user again, as a topic with no grant is.
func (s *Service) DeleteKafkaUser(ctx context.Context, idOrName, name string) error {
	return s.change(ctx, idOrName, streamplane.TaskDeleteUser, "Delete user "+name, userParams{User: name}, checkSASL,
		func(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client) (string, error) {
			if err := s.deleteKafkaUser(ctx, inst, cl, name); err != nil {
				return "", err
			}
			s.Log.Info("kafka user deleted", "instance", inst.Name, "user", name)
			return "deleted user " + name + " and its topic permissions", nil
		})
}

// deleteKafkaUser removes the grants first, then the SCRAM credential, then
// the record and PLAIN entry: each step can be retried, and a failure
// leaves a user that still exists, to be deleted again.
func (s *Service) deleteKafkaUser(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client, name string) error {
	u, err := s.kafkaUser(ctx, inst, name)
	if err != nil {
		return err
	}
	if u.Initial {
		return &streamplane.Error{Code: streamplane.ESTATE, Field: "user", Message: fmt.Sprintf(
			"user %s is the initial user of instance %s and cannot be deleted; reset its password instead", name, inst.Name)}
	}
	if err := cl.DeletePrincipalACLs(ctx, streamplane.UserPrincipal(name)); err != nil {
		return kafkaadmin.AppError(err, "", "delete the topic permissions of user %s", name)
	}
	// Quotas go too: a later user of the same name must not inherit them.
	if err := s.deleteUserQuotas(ctx, inst, cl, name); err != nil {
		return err
	}
	if err := cl.DeleteSCRAM(ctx, name); err != nil && !errors.Is(err, kerr.ResourceNotFound) {
		return kafkaadmin.AppError(err, "", "delete the SCRAM credential of user %s", name)
	}
	if err := s.Store.Update(ctx, func(tx streamplane.Tx) error { return tx.DeleteKafkaUser(inst.ID, name) }); err != nil {
		return err
	}
	if err := s.writePlainUsers(ctx, inst); err != nil {
		// The file may still hold the user: keep the record that says so.
		if perr := s.Store.Update(ctx, func(tx streamplane.Tx) error { return tx.PutKafkaUser(u) }); perr != nil {
			s.Log.Error("undo a failed user deletion", "instance", inst.Name, "user", name, "err", perr)
		}
		return err
	}
	if err := cl.WaitSCRAM(ctx, name, false); err != nil {
		s.Log.Warn("deleted user still known to a broker", "instance", inst.Name, "user", name, "err", err)
	}
	return nil
}
