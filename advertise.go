package streamplane

import (
	"fmt"
	"net"
	"regexp"
)

// Client listeners a broker can advertise another address on.
const (
	AdvertisePrivate = "private"
	AdvertisePublic  = "public"
)

// AdvertiseRequest sets the address one broker gives clients on one client
// listener, for clients that reach it through NAT or a name of their own
// (DMS 6.4–6.5, cross-network access); an empty Address goes back to the
// broker's own. The broker still listens where it did.
type AdvertiseRequest struct {
	Broker   int    `json:"broker"`
	Listener string `json:"listener"`
	Address  string `json:"address"`
}

// advertisedAddressRE is host:port with a DNS name (or a dotted IPv4
// address) and a port from 1 to 65535; api/openapi.json states the same.
var advertisedAddressRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*:` +
	`(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})$`)

// maxAdvertisedAddress bounds an address: a 253-character name, a colon
// and a port.
const maxAdvertisedAddress = 259

// Validate checks the request's form.
func (r AdvertiseRequest) Validate() error {
	if r.Broker < 0 {
		return Invalid("broker", "broker ids are 0 or more, got %d", r.Broker)
	}
	if r.Listener != AdvertisePrivate && r.Listener != AdvertisePublic {
		return Invalid("listener", "listener is %q or %q, got %q", AdvertisePrivate, AdvertisePublic, r.Listener)
	}
	if r.Address == "" {
		return nil
	}
	if len(r.Address) > maxAdvertisedAddress || !advertisedAddressRE.MatchString(r.Address) {
		return Invalid("address", "address is host:port, a DNS name or IPv4 address and a port from 1 to 65535; got %q", r.Address)
	}
	return nil
}

// Advertise records the request in inst's desired state; a rolling
// restart applies it. The public listener takes an address only while
// public access is on.
func (inst *Instance) Advertise(req AdvertiseRequest) error {
	b, ok := inst.Broker(req.Broker)
	if !ok || b.State == BrokerDeleted || b.State == BrokerDeleting {
		return &Error{Code: ENOTFOUND, Field: "broker", Message: fmt.Sprintf("instance %s has no broker %d", inst.Name, req.Broker)}
	}
	if req.Listener == AdvertisePublic && !inst.PublicAccess && req.Address != "" {
		return Invalid("listener", "instance %s has no public listener; turn public access on first", inst.Name)
	}
	if b.Advertised[req.Listener] == req.Address {
		return Invalid("address", "broker %d already advertises %s on its %s listener", b.ID, orOwn(req.Address), req.Listener)
	}
	if req.Address == "" {
		delete(b.Advertised, req.Listener)
		return nil
	}
	if b.Advertised == nil {
		b.Advertised = map[string]string{}
	}
	b.Advertised[req.Listener] = req.Address
	return nil
}

func orOwn(addr string) string {
	if addr == "" {
		return "its own address"
	}
	return addr
}

// AdvertisedHosts are the hosts of the addresses the broker advertises
// instead of its own: its certificate must name them.
func (b *Broker) AdvertisedHosts() []string {
	var out []string
	for _, addr := range b.Advertised {
		if host, _, err := net.SplitHostPort(addr); err == nil {
			out = append(out, host)
		}
	}
	return out
}
