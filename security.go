package streamplane

import "slices"

// Security protocols of an instance's client listeners (SPEC §5). It is
// fixed at creation, as in DMS.
const (
	ProtocolPlaintext = "PLAINTEXT"
	ProtocolSASLSSL   = "SASL_SSL"
)

// SASL mechanisms of a SASL_SSL instance: SCRAM-SHA-512 always, PLAIN if
// chosen at creation.
const (
	MechanismSCRAM = "SCRAM-SHA-512"
	MechanismPlain = "PLAIN"
)

// Client listener names, as keys of bootstrap_servers and endpoints.
const (
	ListenerPrivateSASLSSL  = "private_sasl_ssl"
	ListenerPublicPlaintext = "public_plaintext"
	ListenerPublicSASLSSL   = "public_sasl_ssl"
)

// defaultInitialMechanisms are a SASL_SSL instance's mechanisms unless its
// spec names them.
const defaultInitialMechanisms = MechanismSCRAM

// SASL reports whether the instance's clients authenticate with SASL over TLS.
func (inst *Instance) SASL() bool { return inst.SecurityProtocol == ProtocolSASLSSL }

// PrivateListener is the bootstrap_servers key of the private listener.
func (inst *Instance) PrivateListener() string {
	if inst.SASL() {
		return ListenerPrivateSASLSSL
	}
	return ListenerPrivatePlaintext
}

// PublicListener is the bootstrap_servers key of the public listener.
func (inst *Instance) PublicListener() string {
	if inst.SASL() {
		return ListenerPublicSASLSSL
	}
	return ListenerPublicPlaintext
}

// HasMechanism reports whether clients may use a SASL mechanism.
func (inst *Instance) HasMechanism(m string) bool { return slices.Contains(inst.SASLMechanisms, m) }

// normalizeSecurity fills and checks the security part of a spec.
func (s *InstanceSpec) normalizeSecurity() error {
	if s.SecurityProtocol == "" {
		s.SecurityProtocol = ProtocolPlaintext
	}
	switch s.SecurityProtocol {
	case ProtocolPlaintext:
		if len(s.SASLMechanisms) > 0 || s.KafkaUser != "" || s.KafkaPassword != "" {
			return Invalid("security_protocol", "sasl_mechanisms, kafka_user and kafka_password need security_protocol %s", ProtocolSASLSSL)
		}
		return nil
	case ProtocolSASLSSL:
	default:
		return Invalid("security_protocol", "security_protocol must be %s or %s, got %q", ProtocolPlaintext, ProtocolSASLSSL, s.SecurityProtocol)
	}
	if len(s.SASLMechanisms) == 0 {
		s.SASLMechanisms = []string{defaultInitialMechanisms}
	}
	seen := map[string]bool{}
	for _, m := range s.SASLMechanisms {
		if m != MechanismSCRAM && m != MechanismPlain {
			return Invalid("sasl_mechanisms", "unknown SASL mechanism %q; choose %s and optionally %s", m, MechanismSCRAM, MechanismPlain)
		}
		if seen[m] {
			return Invalid("sasl_mechanisms", "SASL mechanism %s is listed twice", m)
		}
		seen[m] = true
	}
	if !seen[MechanismSCRAM] {
		return Invalid("sasl_mechanisms", "SASL_SSL instances always offer %s; add it", MechanismSCRAM)
	}
	s.SASLMechanisms = []string{MechanismSCRAM}
	if seen[MechanismPlain] {
		s.SASLMechanisms = append(s.SASLMechanisms, MechanismPlain)
	}
	if err := ValidateNewKafkaUserName("kafka_user", s.KafkaUser); err != nil {
		return err
	}
	if s.KafkaPassword == "" {
		return Invalid("kafka_password", "a SASL_SSL instance needs the initial user's password")
	}
	return ValidateKafkaPassword("kafka_password", s.KafkaUser, s.KafkaPassword)
}

// CertificateUpload is a user's broker certificate, to install in place of
// the one the instance CA issued.
type CertificateUpload struct {
	Certificate string `json:"certificate"`  // PEM chain, leaf first
	Key         string `json:"key"`          // PEM private key, unencrypted
	CA          string `json:"ca,omitempty"` // PEM: the CA clients trust, if the chain does not end in it
}
