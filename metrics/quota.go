package metrics

import (
	"net/url"
	"strings"

	streamplane "github.com/streamplane/streamplane"
)

// The client quota sensors as the brokers' exporter names them
// (provision/local/metrics.go): per quota_type (Produce, Fetch), user and
// client_id, an empty label meaning the quota level does not use it.
const (
	ClientByteRate     = "kafka_client_byte_rate"
	ClientThrottleTime = "kafka_client_throttle_time"
)

// IsClientQuotaMetric keeps the samples ClientRates reads.
func IsClientQuotaMetric(name string) bool {
	return name == ClientByteRate || name == ClientThrottleTime
}

// ClientRates turns one broker's quota sensors into rates per direction,
// user and client id.
//
// Kafka keeps these sensors only while some quota of that direction is
// set on the broker (or was, since it started), and then for every client:
// a client without a quota of its own is measured under the quota level
// in use (by user, by client id, or both), with no limit. Sensors expire
// after an hour without traffic.
func ClientRates(broker int, samples []Sample) []streamplane.ClientRate {
	type key struct {
		dir          streamplane.QuotaDirection
		user, client string
	}
	byKey := map[key]*streamplane.ClientRate{}
	var order []key
	for _, s := range samples {
		var dir streamplane.QuotaDirection
		switch s.Labels["quota_type"] {
		case "Produce":
			dir = streamplane.QuotaProduce
		case "Fetch":
			dir = streamplane.QuotaConsume
		default:
			continue
		}
		k := key{dir, desanitizeUser(unquoteJMX(s.Labels["user"])), unquoteJMX(s.Labels["client_id"])}
		r, ok := byKey[k]
		if !ok {
			r = &streamplane.ClientRate{Broker: broker, Direction: dir, User: k.user, ClientID: k.client}
			byKey[k] = r
			order = append(order, k)
		}
		v := s.Value
		if v != v || v < 0 { // NaN before the first window closes
			v = 0
		}
		switch s.Name {
		case ClientByteRate:
			r.BytesPerSec = v
		case ClientThrottleTime:
			r.ThrottleMs = v
		}
	}
	out := make([]streamplane.ClientRate, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	return out
}

// unquoteJMX undoes the quoting JMX applies to an ObjectName value that
// holds characters such as ',', '=' or ':' (Kafka quotes such client ids).
func unquoteJMX(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	var b strings.Builder
	in := v[1 : len(v)-1]
	for i := 0; i < len(in); i++ {
		if in[i] == '\\' && i+1 < len(in) {
			i++
			if in[i] == 'n' {
				b.WriteByte('\n')
				continue
			}
		}
		b.WriteByte(in[i])
	}
	return b.String()
}

// desanitizeUser undoes Kafka's Sanitizer, which URL-encodes the user
// names in quota metric tags.
func desanitizeUser(v string) string {
	if !strings.Contains(v, "%") {
		return v
	}
	if d, err := url.QueryUnescape(v); err == nil {
		return d
	}
	return v
}
