package service

import (
	streamplane "github.com/streamplane/streamplane"
)

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
