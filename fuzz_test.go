package streamplane_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	streamplane "github.com/streamplane/streamplane"
)

// nameOK is SPEC §1's name rule, written out independently of the regexp in
// validate.go: 4–64 characters, an ASCII letter first, then ASCII letters,
// digits, '-' and '_', and not shaped like an instance id (a UUID).
func nameOK(name string) bool {
	if len(name) < 4 || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		digit := c >= '0' && c <= '9'
		if i == 0 && !letter || !letter && !digit && c != '-' && c != '_' {
			return false
		}
	}
	return !uuidShaped(name)
}

func uuidShaped(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", rune(c)) {
				return false
			}
		}
	}
	return true
}

// tagOK is DMS 7.9's tag rule, written out independently.
func tagOK(key, value string) bool {
	ok := func(s string, maxLen int) bool {
		n := utf8.RuneCountInString(s)
		return n >= 1 && n <= maxLen && !strings.ContainsAny(s, `=*<>\,|/`) && strings.TrimSpace(s) == s
	}
	return ok(key, 36) && ok(value, 43)
}

// FuzzNormalize feeds random names, descriptions and one tag into an
// otherwise valid spec. Normalize must never panic, must return only
// EINVALID errors, and must accept exactly the specs the rules allow.
func FuzzNormalize(f *testing.F) {
	f.Add("orders", "", "env", "prod")
	f.Add("abc", "x", "k", "v")
	f.Add("a"+strings.Repeat("b", 63), strings.Repeat("é", 1024), strings.Repeat("k", 36), strings.Repeat("v", 43))
	f.Add("a"+strings.Repeat("b", 64), strings.Repeat("d", 1025), strings.Repeat("k", 37), strings.Repeat("v", 44))
	f.Add("abcdef01-2345-6789-abcd-ef0123456789", "", "a=b", "c")
	f.Add("Orders_1", "\x00\xff", " env", "prod ")
	f.Add("ordersé", "description", "", "")
	f.Add("orders\n", "", "k\\", "v|")
	f.Add("ORDERS", "日本語", "日本", "語")
	f.Fuzz(func(t *testing.T, name, description, key, value string) {
		spec := validSpec()
		spec.Name, spec.Description = name, description
		spec.Tags = map[string]string{key: value}
		err := spec.Normalize(placement)

		want := nameOK(name) && utf8.RuneCountInString(description) <= 1024 && tagOK(key, value)
		if err != nil {
			if got := streamplane.ErrorCode(err); got != streamplane.EINVALID {
				t.Fatalf("ErrorCode = %q, want %q (%v)", got, streamplane.EINVALID, err)
			}
			if want {
				t.Fatalf("Normalize(name %q, description %q, tag %q=%q) = %v, want nil", name, description, key, value, err)
			}
			return
		}
		if !want {
			t.Fatalf("Normalize(name %q, description %q, tag %q=%q) = nil, want an error", name, description, key, value)
		}
		if !nameOK(spec.Name) {
			t.Fatalf("accepted name %q breaks the name rule", spec.Name)
		}
	})
}

// invalidOn fails t unless err is EINVALID naming one of fields.
func invalidOn(t *testing.T, err error, fields ...string) {
	t.Helper()
	var e *streamplane.Error
	if !errors.As(err, &e) || e.Code != streamplane.EINVALID {
		t.Fatalf("err = %v, want %s", err, streamplane.EINVALID)
	}
	if !slices.Contains(fields, e.Field) {
		t.Fatalf("err = %v names field %q, want one of %q", err, e.Field, fields)
	}
}

// FuzzParamCheck feeds values to each parameter's check, as `param set`
// passes them on. A refused value is EINVALID on the parameter's name; an
// accepted one comes back canonical: checking it again changes nothing,
// and an integer lies within the instance's bounds.
func FuzzParamCheck(f *testing.F) {
	defs := streamplane.ParamDefs()
	for i, v := range []string{"2", " 3 ", "+1", "007", "true", "TRUE", "t", "zstd", "ZSTD", "", "9223372036854775808", "1e3", "-0"} {
		f.Add(uint8(i), v, uint8(3))
	}
	f.Fuzz(func(t *testing.T, which uint8, value string, brokers uint8) {
		d := defs[int(which)%len(defs)]
		inst := &streamplane.Instance{BrokerCount: int(brokers%5) + 1}
		got, err := d.Check(inst, value)
		if err != nil {
			invalidOn(t, err, d.Name)
			return
		}
		if again, err := d.Check(inst, got); err != nil || again != got {
			t.Fatalf("%s: %q is canonical %q, but that checks as %q, %v", d.Name, value, got, again, err)
		}
		if d.Type == "int" {
			n, err := strconv.ParseInt(got, 10, 64)
			lo, hi := d.Bounds(inst)
			if err != nil || n < lo || n > hi {
				t.Fatalf("%s accepted %q as %q, outside %d–%d", d.Name, value, got, lo, hi)
			}
		}
	})
}

// FuzzValidateParams feeds the JSON body of a parameter change. A refused
// change is EINVALID on a field the request names; an accepted one names
// only known parameters, each with the value its own check gives.
func FuzzValidateParams(f *testing.F) {
	f.Add(`{"min.insync.replicas":"2","compression.type":"lz4"}`)
	f.Add(`{"group.min.session.timeout.ms":"300000","group.max.session.timeout.ms":"6000"}`)
	f.Add(`{"no.such.param":"1"}`)
	f.Add(`{}`)
	f.Add(`{"num.partitions":" 100 "}`)
	f.Fuzz(func(t *testing.T, body string) {
		var values map[string]string
		if json.Unmarshal([]byte(body), &values) != nil {
			return
		}
		inst := &streamplane.Instance{BrokerCount: 3}
		out, err := streamplane.ValidateParams(inst, values)
		if err != nil {
			fields := []string{"values"}
			for k := range values {
				fields = append(fields, k)
			}
			invalidOn(t, err, fields...)
			return
		}
		if len(out) != len(values) {
			t.Fatalf("ValidateParams(%v) = %v: a different set of parameters", values, out)
		}
		for k, v := range out {
			d, ok := streamplane.LookupParam(k)
			if !ok {
				t.Fatalf("accepted unknown parameter %q", k)
			}
			if want, err := d.Check(inst, values[k]); err != nil || want != v {
				t.Fatalf("%s = %q, but its check gives %q, %v", k, v, want, err)
			}
		}
	})
}

// FuzzMessageQuery feeds the parameters of a message search. A refused
// query is EINVALID on one of its own fields; an accepted one has a limit
// and scan budget in range, and the offsets it reads in a partition lie
// within the partition's log whatever the log and the cursor are.
func FuzzMessageQuery(f *testing.F) {
	f.Add("orders", int64(0), int64(5), int64(10), int64(0), int64(0), 0, 0, "", uint8(0b0111), false, int64(3), int64(40))
	f.Add("orders", int64(-1), int64(10), int64(5), int64(1700000000000), int64(1600000000000), 1001, -1, "0:12,1:7", uint8(0b1111), true, int64(0), int64(0))
	f.Add("", int64(2), int64(0), int64(0), int64(1), int64(2), 50, 10, "x", uint8(0b11000), false, int64(5), int64(1))
	f.Add("t", int64(1), int64(9223372036854775807), int64(-9223372036854775808), int64(0), int64(9223372036854775807), 1, 1, "1:2", uint8(0b00111), true, int64(0), int64(9))
	f.Fuzz(func(t *testing.T, topic string, partition, fromOffset, toOffset, fromMs, toMs int64, limit, maxScan int, cursor string,
		set uint8, newestFirst bool, logStart, logLen int64) {
		q := streamplane.MessageQuery{Topic: topic, Limit: limit, MaxScan: maxScan, Cursor: cursor, NewestFirst: newestFirst}
		if set&1 != 0 {
			p := int32(partition)
			q.Partition = &p
		}
		if set&2 != 0 {
			q.FromOffset = &fromOffset
		}
		if set&4 != 0 {
			q.ToOffset = &toOffset
		}
		if set&8 != 0 {
			from := time.UnixMilli(fromMs)
			q.From = &from
		}
		if set&16 != 0 {
			to := time.UnixMilli(toMs)
			q.To = &to
		}
		if err := q.Normalize(); err != nil {
			invalidOn(t, err, "topic", "partition", "limit", "max_scan", "from_offset", "to_offset", "from", "cursor")
			return
		}
		if q.Limit < 1 || q.Limit > streamplane.MaxMessageLimit || q.MaxScan < 1 || q.MaxScan > streamplane.MaxScanRecords {
			t.Fatalf("accepted limit %d, max_scan %d", q.Limit, q.MaxScan)
		}
		if logStart < 0 || logLen < 0 || logStart > math.MaxInt64-logLen {
			return
		}
		o := streamplane.PartitionOffsets{LogStart: logStart, LogEnd: logStart + logLen, AtFrom: logStart + logLen/3, PastTo: logStart + logLen/2}
		if q.Partition != nil {
			o.Partition = *q.Partition
		}
		next, _ := streamplane.ParseMessageCursor(q.Cursor)
		start, end, _ := q.Range(o, next)
		if start < o.LogStart || end > o.LogEnd || start > end {
			t.Fatalf("Range(%+v) = [%d, %d), outside the log", o, start, end)
		}
	})
}

// FuzzMessageSend feeds the JSON body of a message to send. A refused one is
// EINVALID on a field the body has; an accepted one carries exactly the key
// and value the body gave, as text or decoded from base64.
func FuzzMessageSend(f *testing.F) {
	f.Add(`{"key":"k","value":"v","headers":[{"key":"a","value":"b"}]}`)
	f.Add(`{"key_base64":"/w==","value_base64":"AAE=","partition":2,"timestamp":"2026-01-02T03:04:05.123456Z"}`)
	f.Add(`{"key":"k","key_base64":"aw=="}`)
	f.Add(`{"value_base64":"not base64"}`)
	f.Add(`{"headers":[{"value":"v"},{"key":"k","value_base64":"%%"}]}`)
	f.Add(`{"partition":-1,"timestamp":"1969-12-31T23:59:59Z"}`)
	f.Fuzz(func(t *testing.T, body string) {
		var m streamplane.MessageSend
		if json.Unmarshal([]byte(body), &m) != nil {
			return
		}
		r, err := m.Record(time.Unix(1700000000, 0))
		if err != nil {
			fields := []string{"partition", "timestamp", "key", "key_base64", "value", "value_base64"}
			for i := range m.Headers {
				h := fmt.Sprintf("headers[%d]", i)
				fields = append(fields, h+".key", h+".value", h+".value_base64")
			}
			invalidOn(t, err, fields...)
			return
		}
		check := func(field string, got []byte, text, b64 *string) {
			var want []byte
			switch {
			case text != nil:
				want = []byte(*text)
			case b64 != nil:
				want, _ = base64.StdEncoding.DecodeString(*b64)
			}
			if (want == nil) != (got == nil) && !(b64 != nil && len(got) == 0) || !bytes.Equal(got, want) {
				t.Fatalf("%s = %q, want %q", field, got, want)
			}
		}
		check("key", r.Key, m.Key, m.KeyBase64)
		check("value", r.Value, m.Value, m.ValueBase64)
		if len(r.Headers) != len(m.Headers) {
			t.Fatalf("%d headers, want %d", len(r.Headers), len(m.Headers))
		}
		if r.Timestamp.UnixMilli() < 0 || r.Timestamp.Nanosecond()%int(time.Millisecond) != 0 {
			t.Fatalf("timestamp %s is not whole milliseconds since 1970", r.Timestamp)
		}
	})
}

// FuzzTopicSpec feeds the JSON body of a topic creation, configs and all. A
// refused spec is EINVALID on one of its fields (a config by its name); an
// accepted one has counts and retention in range, and the configs it gives
// Kafka keep Streamplane's rules.
func FuzzTopicSpec(f *testing.F) {
	f.Add(`{"name":"orders","partitions":6,"replicas":3,"retention_hours":24,"sync_replication":true}`, uint8(3))
	f.Add(`{"name":"orders","configs":{"cleanup.policy":"compact","retention.ms":"3600000","min.insync.replicas":"2"}}`, uint8(3))
	f.Add(`{"name":"orders","retention_hours":1,"configs":{"retention.ms":"1"}}`, uint8(1))
	f.Add(`{"name":"__consumer_offsets","configs":{"bad key":"x","":"y"}}`, uint8(2))
	f.Add(`{"name":"o","sync_replication":true,"sync_flush":true,"configs":{"flush.messages":"1"}}`, uint8(1))
	f.Fuzz(func(t *testing.T, body string, brokers uint8) {
		var spec streamplane.TopicSpec
		if json.Unmarshal([]byte(body), &spec) != nil {
			return
		}
		given := spec.Configs
		err := spec.Normalize(int(brokers%6) + 1)
		if err != nil {
			fields := []string{"name", "partitions", "replicas", "retention_hours", "sync_replication", "configs"}
			for k := range given {
				fields = append(fields, "configs."+k)
			}
			invalidOn(t, err, fields...)
			return
		}
		if spec.Partitions < 1 || spec.Partitions > streamplane.MaxTopicPartitions || spec.Replicas < 1 || spec.Replicas > min(3, int(brokers%6)+1) {
			t.Fatalf("accepted %d partitions, %d replicas on %d brokers", spec.Partitions, spec.Replicas, brokers%6+1)
		}
		cfg := spec.KafkaConfigs()
		ms, err := strconv.ParseInt(cfg[streamplane.ConfigRetentionMs], 10, 64)
		if err != nil || ms < streamplane.MinRetentionHours*streamplane.HourMs || ms > streamplane.MaxRetentionHours*streamplane.HourMs {
			t.Fatalf("retention.ms %q given to Kafka", cfg[streamplane.ConfigRetentionMs])
		}
		if v, ok := cfg[streamplane.ConfigMinInsyncReplicas]; ok {
			if n, err := strconv.Atoi(v); err != nil || n < 1 || n > spec.Replicas {
				t.Fatalf("min.insync.replicas %q given to Kafka for %d replicas", v, spec.Replicas)
			}
		}
	})
}

// FuzzTopicUpdatePlan feeds the JSON body of a topic update against a topic
// of some size. A refused update is EINVALID on one of its fields; an
// accepted one only adds partitions, never sets and deletes one config, and
// lists each config to delete once.
func FuzzTopicUpdatePlan(f *testing.F) {
	f.Add(`{"partitions":12}`, 6, 3)
	f.Add(`{"partitions":3}`, 6, 3)
	f.Add(`{"sync_replication":true,"delete_configs":["flush.messages","flush.messages"]}`, 1, 1)
	f.Add(`{"sync_flush":false,"configs":{"flush.messages":"1"}}`, 3, 3)
	f.Add(`{"retention_hours":48,"configs":{"cleanup.policy":"delete"},"delete_configs":["cleanup.policy"]}`, 3, 2)
	f.Add(`{}`, 1, 1)
	f.Fuzz(func(t *testing.T, body string, partitions, replicas int) {
		var u streamplane.TopicUpdate
		if json.Unmarshal([]byte(body), &u) != nil {
			return
		}
		ch, err := u.Plan("orders", partitions, replicas)
		if err != nil {
			fields := []string{"", "partitions", "retention_hours", "sync_replication", "configs", "delete_configs"}
			for k := range u.Configs {
				fields = append(fields, "configs."+k)
			}
			for _, k := range u.DeleteConfigs {
				fields = append(fields, "configs."+k)
			}
			invalidOn(t, err, fields...)
			return
		}
		if ch.Partitions != 0 && ch.Partitions <= partitions {
			t.Fatalf("plan sets %d partitions on a topic of %d", ch.Partitions, partitions)
		}
		if !slices.IsSorted(ch.Delete) || len(slices.Compact(slices.Clone(ch.Delete))) != len(ch.Delete) {
			t.Fatalf("configs to delete %q are not sorted and unique", ch.Delete)
		}
		for _, k := range ch.Delete {
			if _, ok := ch.Set[k]; ok {
				t.Fatalf("plan both sets and deletes %s", k)
			}
		}
	})
}

// FuzzQuotaSpec feeds the JSON body of a quota. A refused one is EINVALID
// on one of its fields; an accepted one has its rates in range once rounded
// to whole bytes as Kafka keeps them.
func FuzzQuotaSpec(f *testing.F) {
	f.Add(`{"user":"appuser","client_id":"c1","produce_mbps":2.5}`, true)
	f.Add(`{"default_client":true,"consume_mbps":0.1}`, false)
	f.Add(`{"user":"appuser","produce_mbps":1}`, false)
	f.Add(`{"client_id":"<default>","produce_mbps":1e308}`, true)
	f.Add(`{"user":"a","default_user":true}`, true)
	f.Fuzz(func(t *testing.T, body string, sasl bool) {
		var s streamplane.QuotaSpec
		if json.Unmarshal([]byte(body), &s) != nil {
			return
		}
		if err := s.Validate(sasl); err != nil {
			invalidOn(t, err, "user", "default_user", "client_id", "default_client", "produce_mbps", "consume_mbps")
			return
		}
		q := s.Quota()
		for _, r := range []*float64{q.ProduceMBps, q.ConsumeMBps} {
			if r != nil && (*r < 0 || streamplane.QuotaBytes(*r) < 0 || math.IsNaN(*r)) {
				t.Fatalf("quota %+v has a rate out of range", q)
			}
		}
		if q.ProduceMBps == nil && q.ConsumeMBps == nil || q.Entity == "" {
			t.Fatalf("accepted quota %+v has no limit or no entity", q)
		}
	})
}
