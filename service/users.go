package service

import (
	"context"
	"fmt"

	streamplane "github.com/streamplane/streamplane"
)

// SASL users (DMS ch. 10, 7.7). A user is two credentials that must agree:
// a SCRAM-SHA-512 credential in Kafka, and, when the instance offers PLAIN,
// a salted hash in the store that Streamplane writes to the brokers' PLAIN
// users file. Changes are tasks (userchanges.go).

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

// writePlainUsers rewrites the brokers' PLAIN users file from the store;
// the brokers read it again at the next PLAIN login.
func (s *Service) writePlainUsers(ctx context.Context, inst *streamplane.Instance) error {
	if !inst.HasMechanism(streamplane.MechanismPlain) {
		return nil
	}
	return s.Files.WriteBrokerFiles(ctx, inst)
}
