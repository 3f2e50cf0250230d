package streamplane

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Client quotas (DMS ch. 12) are Kafka's byte-rate quotas: a produce and
// a consume limit for a user, a client id, both, or their defaults.
//
// Like Kafka's, and like DMS's ("rate limits for users and clients work on
// the entire broker"), a limit holds on each broker separately: a user
// with a 5 MB/s produce quota may write 5 MB/s to every broker that leads
// partitions it writes to. Brokers enforce it by delaying their answers,
// never by refusing requests.
//
// Rates are in MB/s of decimal megabytes (1 MB = 10^6 bytes), as
// Streamplane counts storage in decimal gigabytes; Kafka keeps them in
// bytes per second, rounded to whole bytes.

// BytesPerMB is the size of the megabyte quota rates count in.
const BytesPerMB = 1_000_000

// The range of a quota rate, in MB/s per broker.
const (
	MinQuotaMBps = 0.1
	MaxQuotaMBps = 10_000.0
)

// Kafka's quota configuration keys for the two directions.
const (
	QuotaKeyProduce = "producer_byte_rate"
	QuotaKeyConsume = "consumer_byte_rate"
)

// maxClientIDLen bounds a quota's client id; Kafka sets no limit, but a
// client id is a name, not a payload.
const maxClientIDLen = 255

// defaultEntityName is how Kafka's tools write a default entity; a client
// id of that name could not be told from the default.
const defaultEntityName = "<default>"

// QuotaDirection is the traffic a limit applies to.
type QuotaDirection string

const (
	QuotaProduce QuotaDirection = "produce"
	QuotaConsume QuotaDirection = "consume"
)

// QuotaEntity names the clients a quota applies to, as Kafka's quota
// entities do: a user, a client id or both, where either part may be the
// default, which applies to every user (or client id) without a quota of
// its own. User parts need a SASL_SSL instance.
type QuotaEntity struct {
	User          string `json:"user"`
	DefaultUser   bool   `json:"default_user"`
	ClientID      string `json:"client_id"`
	DefaultClient bool   `json:"default_client"`
}

// HasUser reports whether the entity has a user part (a user or the default user).
func (e QuotaEntity) HasUser() bool { return e.User != "" || e.DefaultUser }

// HasClient reports whether the entity has a client-id part.
func (e QuotaEntity) HasClient() bool { return e.ClientID != "" || e.DefaultClient }

// String names the entity as Kafka's tools do: "user bob, client-id c1",
// "user <default>", "client-id <default>".
func (e QuotaEntity) String() string {
	var parts []string
	switch {
	case e.DefaultUser:
		parts = append(parts, "user "+defaultEntityName)
	case e.User != "":
		parts = append(parts, "user "+e.User)
	}
	switch {
	case e.DefaultClient:
		parts = append(parts, "client-id "+defaultEntityName)
	case e.ClientID != "":
		parts = append(parts, "client-id "+e.ClientID)
	}
	return strings.Join(parts, ", ")
}

// Validate checks the entity's form: which parts it has and their names.
// On a PLAINTEXT instance (sasl false) every client is User:ANONYMOUS, so
// user parts would tell no client from another and are refused.
func (e QuotaEntity) Validate(sasl bool) error {
	switch {
	case e.User != "" && e.DefaultUser:
		return Invalid("default_user", "give a user or default_user, not both")
	case e.ClientID != "" && e.DefaultClient:
		return Invalid("default_client", "give a client id or default_client, not both")
	case !e.HasUser() && !e.HasClient():
		return Invalid("user", "name the clients the quota applies to: a user, a client id, both, or a default (default_user, default_client)")
	case e.HasUser() && !sasl:
		field := "user"
		if e.DefaultUser {
			field = "default_user"
		}
		return Invalid(field, "the instance is PLAINTEXT: every client is User:ANONYMOUS, so a user quota cannot tell clients apart; set a client-id quota instead (user quotas need a SASL_SSL instance)")
	}
	if e.User != "" {
		if err := ValidateKafkaUserName("user", e.User); err != nil {
			return err
		}
	}
	if e.ClientID != "" {
		if err := validateClientID(e.ClientID); err != nil {
			return err
		}
	}
	return nil
}

func validateClientID(id string) error {
	switch {
	case !utf8.ValidString(id):
		return Invalid("client_id", "the client id must be valid UTF-8")
	case utf8.RuneCountInString(id) > maxClientIDLen:
		return Invalid("client_id", "the client id must be at most %d characters, got %d", maxClientIDLen, utf8.RuneCountInString(id))
	case id == defaultEntityName:
		return Invalid("client_id", "%s is how Kafka names the default client; use default_client for a quota on every client id", defaultEntityName)
	case strings.TrimSpace(id) != id:
		return Invalid("client_id", "the client id %q must not start or end with a space", id)
	}
	for _, r := range id {
		if unicode.IsControl(r) {
			return Invalid("client_id", "the client id %q contains a control character", id)
		}
	}
	return nil
}

// Quota is the byte-rate limits of one entity, in MB/s per broker. A nil
// rate is no limit in that direction; a quota has at least one.
type Quota struct {
	QuotaEntity
	Entity      string   `json:"entity"` // the entity for people, as String names it
	ProduceMBps *float64 `json:"produce_mbps"`
	ConsumeMBps *float64 `json:"consume_mbps"`
}

// NewQuota returns a quota with its entity named.
func NewQuota(e QuotaEntity, produce, consume *float64) Quota {
	return Quota{QuotaEntity: e, Entity: e.String(), ProduceMBps: produce, ConsumeMBps: consume}
}

// Rate returns the limit in one direction, or nil.
func (q Quota) Rate(dir QuotaDirection) *float64 {
	if dir == QuotaConsume {
		return q.ConsumeMBps
	}
	return q.ProduceMBps
}

// QuotaList is an instance's client quotas, in SortQuotas order.
type QuotaList struct {
	Quotas []Quota `json:"quotas"`
}

// QuotaDeletion reports a deleted quota as it was.
type QuotaDeletion struct {
	Deleted Quota `json:"deleted"`
}

// QuotaSpec is a quota to create.
type QuotaSpec struct {
	QuotaEntity
	ProduceMBps *float64 `json:"produce_mbps,omitempty"`
	ConsumeMBps *float64 `json:"consume_mbps,omitempty"`
}

// Validate checks a new quota: its entity and at least one rate in range.
func (s QuotaSpec) Validate(sasl bool) error {
	if err := s.QuotaEntity.Validate(sasl); err != nil {
		return err
	}
	return checkRates(s.ProduceMBps, s.ConsumeMBps)
}

// Quota returns the quota the spec creates, with rates rounded to whole
// bytes per second as Kafka keeps them.
func (s QuotaSpec) Quota() Quota {
	return NewQuota(s.QuotaEntity, roundRate(s.ProduceMBps), roundRate(s.ConsumeMBps))
}

// QuotaUpdate changes an existing quota's rates: set one or both, or remove
// one, so long as one remains (DMS 12.2: the limits cannot both be empty).
type QuotaUpdate struct {
	QuotaEntity
	ProduceMBps   *float64 `json:"produce_mbps,omitempty"`
	ConsumeMBps   *float64 `json:"consume_mbps,omitempty"`
	RemoveProduce bool     `json:"remove_produce,omitempty"`
	RemoveConsume bool     `json:"remove_consume,omitempty"`
}

// Apply returns cur changed by the update, or why the update is wrong.
func (u QuotaUpdate) Apply(cur Quota) (Quota, error) {
	switch {
	case u.ProduceMBps == nil && u.ConsumeMBps == nil && !u.RemoveProduce && !u.RemoveConsume:
		return Quota{}, Invalid("produce_mbps", "nothing to change: give produce_mbps or consume_mbps (or remove_produce, remove_consume)")
	case u.ProduceMBps != nil && u.RemoveProduce:
		return Quota{}, Invalid("remove_produce", "give produce_mbps or remove_produce, not both")
	case u.ConsumeMBps != nil && u.RemoveConsume:
		return Quota{}, Invalid("remove_consume", "give consume_mbps or remove_consume, not both")
	}
	for _, r := range []struct {
		field string
		v     *float64
	}{{"produce_mbps", u.ProduceMBps}, {"consume_mbps", u.ConsumeMBps}} {
		if r.v != nil {
			if err := checkRate(r.field, *r.v); err != nil {
				return Quota{}, err
			}
		}
	}
	produce, consume := cur.ProduceMBps, cur.ConsumeMBps
	if u.ProduceMBps != nil {
		produce = roundRate(u.ProduceMBps)
	} else if u.RemoveProduce {
		produce = nil
	}
	if u.ConsumeMBps != nil {
		consume = roundRate(u.ConsumeMBps)
	} else if u.RemoveConsume {
		consume = nil
	}
	if produce == nil && consume == nil {
		field := "remove_produce"
		if u.RemoveConsume {
			field = "remove_consume"
		}
		return Quota{}, Invalid(field, "a quota keeps at least one limit; to lift both, delete the quota of %s", cur.Entity)
	}
	return NewQuota(cur.QuotaEntity, produce, consume), nil
}

func checkRates(produce, consume *float64) error {
	if produce == nil && consume == nil {
		return Invalid("produce_mbps", "give a produce limit, a consume limit or both (produce_mbps, consume_mbps)")
	}
	if produce != nil {
		if err := checkRate("produce_mbps", *produce); err != nil {
			return err
		}
	}
	if consume != nil {
		return checkRate("consume_mbps", *consume)
	}
	return nil
}

func checkRate(field string, v float64) error {
	if math.IsNaN(v) || v < MinQuotaMBps || v > MaxQuotaMBps {
		return Invalid(field, "%s must be from %g to %g MB/s per broker (1 MB = 10^6 bytes), got %g", field, MinQuotaMBps, MaxQuotaMBps, v)
	}
	return nil
}

// QuotaBytes converts a rate in MB/s to Kafka's whole bytes per second.
func QuotaBytes(mbps float64) int64 { return int64(math.Round(mbps * BytesPerMB)) }

// QuotaMBps converts Kafka's bytes per second to MB/s.
func QuotaMBps(bytes float64) float64 { return bytes / BytesPerMB }

func roundRate(v *float64) *float64 {
	if v == nil {
		return nil
	}
	r := QuotaMBps(float64(QuotaBytes(*v)))
	return &r
}

// SortQuotas orders quotas as a list shows them: users, then user defaults,
// then client ids alone, then the client default; by name within each.
func SortQuotas(qs []Quota) {
	rank := func(e QuotaEntity) int {
		switch {
		case e.User != "":
			return 0
		case e.DefaultUser:
			return 1
		case e.ClientID != "":
			return 2
		}
		return 3
	}
	sort.Slice(qs, func(i, j int) bool {
		a, b := qs[i].QuotaEntity, qs[j].QuotaEntity
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		if a.User != b.User {
			return a.User < b.User
		}
		if a.DefaultClient != b.DefaultClient {
			return !a.DefaultClient // a named client id before the default
		}
		return a.ClientID < b.ClientID
	})
}

// AppliedQuota returns the quota Kafka applies, in one direction, to the
// clients behind a quota sensor, and nil if none does. user and clientID
// are the sensor's tags: Kafka tags a sensor with the parts of the entity
// whose quota it enforces, leaving the other part empty. The order is
// Kafka's precedence (ClientQuotaManager): for a user and client id,
// <user, client-id>, <user, default client>, <default user, client-id>,
// <default user, default client>; for a user alone, <user>, <default user>;
// for a client id alone, <client-id>, <default client>. Each direction
// resolves on its own.
func AppliedQuota(quotas []Quota, user, clientID string, dir QuotaDirection) *Quota {
	var order []QuotaEntity
	switch {
	case user != "" && clientID != "":
		order = []QuotaEntity{{User: user, ClientID: clientID}, {User: user, DefaultClient: true},
			{DefaultUser: true, ClientID: clientID}, {DefaultUser: true, DefaultClient: true}}
	case user != "":
		order = []QuotaEntity{{User: user}, {DefaultUser: true}}
	case clientID != "":
		order = []QuotaEntity{{ClientID: clientID}, {DefaultClient: true}}
	}
	for _, want := range order {
		for i := range quotas {
			if quotas[i].QuotaEntity == want && quotas[i].Rate(dir) != nil {
				return &quotas[i]
			}
		}
	}
	return nil
}

// ClientRate is what one broker measured for one quota sensor: the bytes
// per second its clients moved in one direction, over Kafka's quota window
// (about the last 10 seconds), and the average time it held their answers
// back.
type ClientRate struct {
	Broker      int
	Direction   QuotaDirection
	User        string // the sensor's user tag; "" if its quota level does not tell users apart
	ClientID    string // the sensor's client-id tag; "" likewise
	BytesPerSec float64
	ThrottleMs  float64
}

// QuotaUsageFilter selects the rows of a quota usage report (DMS 12.4):
// the Top highest rates in one direction, of clients at or above MinMBps,
// or using at least MinPercent of their quota.
type QuotaUsageFilter struct {
	By         QuotaDirection
	Top        int     // 1–1000; 0 means 10
	MinMBps    float64 // only rates at or above this, summed over brokers
	MinPercent float64 // only clients using at least this share of their quota on some broker
}

// Normalize fills in the default and checks the ranges.
func (f *QuotaUsageFilter) Normalize() error {
	if f.Top == 0 {
		f.Top = 10
	}
	switch {
	case f.By != QuotaProduce && f.By != QuotaConsume:
		return Invalid("by", "by must be produce or consume, got %q", f.By)
	case f.Top < 1 || f.Top > 1000:
		return Invalid("top", "top must be from 1 to 1000, got %d", f.Top)
	case math.IsNaN(f.MinMBps) || f.MinMBps < 0:
		return Invalid("min_mbps", "min_mbps must not be negative, got %g", f.MinMBps)
	case math.IsNaN(f.MinPercent) || f.MinPercent < 0:
		return Invalid("min_percent", "min_percent must not be negative, got %g", f.MinPercent)
	}
	return nil
}

// QuotaUsage is who moves the most bytes in one direction, against their
// quotas (DMS 12.4 quota monitoring).
type QuotaUsage struct {
	By      QuotaDirection     `json:"by"`
	Entries []QuotaUsageEntry  `json:"entries"`
	Matched int                `json:"matched"` // entries that pass the filter, before the top-N cut
	Brokers []QuotaUsageBroker `json:"brokers"`
}

// QuotaUsageBroker says whether a broker's measurements are in the report.
type QuotaUsageBroker struct {
	Broker int    `json:"broker"`
	Error  string `json:"error,omitempty"` // why its metrics could not be read
}

// QuotaUsageEntry is the traffic of the clients behind one quota sensor.
type QuotaUsageEntry struct {
	User     string `json:"user"`      // "" when the quota level does not tell users apart
	ClientID string `json:"client_id"` // "" likewise for client ids
	Entity   string `json:"entity"`    // user and client id for people
	// RateMBps is the rate summed over every broker.
	RateMBps float64 `json:"rate_mbps"`
	// QuotaMBps is the per-broker limit that applies, null if none does;
	// QuotaEntity names the quota it comes from (it may be a default).
	QuotaMBps   *float64 `json:"quota_mbps"`
	QuotaEntity string   `json:"quota_entity,omitempty"`
	// Percent is the busiest broker's rate as a share of the per-broker
	// limit: how close the clients are to being throttled. Null without a limit.
	Percent *float64 `json:"percent"`
	// ThrottleMs is the average time the most throttling broker held the
	// clients' answers back.
	ThrottleMs float64           `json:"throttle_ms"`
	Brokers    []QuotaBrokerRate `json:"brokers"`
}

// QuotaBrokerRate is one broker's share of an entry.
type QuotaBrokerRate struct {
	Broker     int     `json:"broker"`
	RateMBps   float64 `json:"rate_mbps"`
	ThrottleMs float64 `json:"throttle_ms"`
}

// BuildQuotaUsage sums brokers' measurements per sensor, matches each with
// the quota that applies to it, filters and keeps the top rates. Idle
// sensors and those of Streamplane's own principals are left out.
func BuildQuotaUsage(rates []ClientRate, quotas []Quota, f QuotaUsageFilter) QuotaUsage {
	type key struct{ user, client string }
	byKey := map[key]*QuotaUsageEntry{}
	var keys []key
	for _, r := range rates {
		if r.Direction != f.By || IsReservedUser(r.User) || r.User == "" && r.ClientID == "" {
			continue
		}
		k := key{r.User, r.ClientID}
		e, ok := byKey[k]
		if !ok {
			e = &QuotaUsageEntry{User: r.User, ClientID: r.ClientID, Entity: QuotaEntity{User: r.User, ClientID: r.ClientID}.String(), Brokers: []QuotaBrokerRate{}}
			byKey[k] = e
			keys = append(keys, k)
		}
		e.RateMBps += QuotaMBps(r.BytesPerSec)
		e.ThrottleMs = max(e.ThrottleMs, r.ThrottleMs)
		e.Brokers = append(e.Brokers, QuotaBrokerRate{Broker: r.Broker, RateMBps: round3(QuotaMBps(r.BytesPerSec)), ThrottleMs: round3(r.ThrottleMs)})
	}
	u := QuotaUsage{By: f.By, Entries: []QuotaUsageEntry{}, Brokers: []QuotaUsageBroker{}}
	for _, k := range keys {
		e := byKey[k]
		sort.Slice(e.Brokers, func(i, j int) bool { return e.Brokers[i].Broker < e.Brokers[j].Broker })
		if q := AppliedQuota(quotas, k.user, k.client, f.By); q != nil {
			limit := *q.Rate(f.By)
			peak := 0.0
			for _, b := range e.Brokers {
				peak = max(peak, b.RateMBps)
			}
			pct := math.Round(peak/limit*1000) / 10
			e.QuotaMBps, e.QuotaEntity, e.Percent = &limit, q.Entity, &pct
		}
		if e.RateMBps == 0 {
			continue // idle: Kafka keeps a sensor an hour after its last byte
		}
		e.RateMBps, e.ThrottleMs = round3(e.RateMBps), round3(e.ThrottleMs)
		if e.RateMBps < f.MinMBps || f.MinPercent > 0 && (e.Percent == nil || *e.Percent < f.MinPercent) {
			continue
		}
		u.Entries = append(u.Entries, *e)
	}
	sort.Slice(u.Entries, func(i, j int) bool {
		a, b := u.Entries[i], u.Entries[j]
		if a.RateMBps != b.RateMBps {
			return a.RateMBps > b.RateMBps
		}
		return a.Entity < b.Entity
	})
	u.Matched = len(u.Entries)
	u.Entries = u.Entries[:min(len(u.Entries), f.Top)]
	return u
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// FormatMBps renders a rate for people: 5 MB/s, 0.25 MB/s.
func FormatMBps(v float64) string { return fmt.Sprintf("%s MB/s", trimFloat(v)) }

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.6f", v)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
