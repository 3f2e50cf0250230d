package streamplane_test

import (
	"math"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

func mbps(v float64) *float64 { return &v }

// wantInvalid checks that err is INVALID_ARGUMENT on field, mentioning text.
func wantInvalid(t *testing.T, what string, err error, field, text string) {
	t.Helper()
	e, ok := err.(*streamplane.Error)
	if !ok || e.Code != streamplane.EINVALID || e.Field != field || !strings.Contains(e.Message, text) {
		t.Errorf("%s: got %v, want INVALID_ARGUMENT on field %q mentioning %q", what, err, field, text)
	}
}

func TestQuotaEntityValidate(t *testing.T) {
	ok := []struct {
		e    streamplane.QuotaEntity
		sasl bool
		name string
	}{
		{streamplane.QuotaEntity{User: "bob1"}, true, "user bob1"},
		{streamplane.QuotaEntity{ClientID: "c1"}, true, "client-id c1"},
		{streamplane.QuotaEntity{ClientID: "c1"}, false, "client-id c1"},
		{streamplane.QuotaEntity{User: "bob1", ClientID: "c1"}, true, "user bob1, client-id c1"},
		{streamplane.QuotaEntity{DefaultUser: true}, true, "user <default>"},
		{streamplane.QuotaEntity{DefaultClient: true}, false, "client-id <default>"},
		{streamplane.QuotaEntity{DefaultUser: true, ClientID: "c1"}, true, "user <default>, client-id c1"},
		{streamplane.QuotaEntity{User: "bob1", DefaultClient: true}, true, "user bob1, client-id <default>"},
		{streamplane.QuotaEntity{DefaultUser: true, DefaultClient: true}, true, "user <default>, client-id <default>"},
		{streamplane.QuotaEntity{ClientID: "app.v2 (eu)"}, false, "client-id app.v2 (eu)"},
	}
	for _, tc := range ok {
		if err := tc.e.Validate(tc.sasl); err != nil {
			t.Errorf("%+v: %v", tc.e, err)
		}
		if got := tc.e.String(); got != tc.name {
			t.Errorf("%+v names itself %q, want %q", tc.e, got, tc.name)
		}
	}
	for _, tc := range []struct {
		e           streamplane.QuotaEntity
		sasl        bool
		field, text string
	}{
		{streamplane.QuotaEntity{}, true, "user", "name the clients"},
		{streamplane.QuotaEntity{User: "bob1", DefaultUser: true}, true, "default_user", "not both"},
		{streamplane.QuotaEntity{ClientID: "c1", DefaultClient: true}, true, "default_client", "not both"},
		{streamplane.QuotaEntity{User: "bob1"}, false, "user", "PLAINTEXT"},
		{streamplane.QuotaEntity{DefaultUser: true}, false, "default_user", "ANONYMOUS"},
		{streamplane.QuotaEntity{User: "bob1", ClientID: "c1"}, false, "user", "client-id quota"},
		{streamplane.QuotaEntity{User: "b"}, true, "user", "4–64"},
		{streamplane.QuotaEntity{User: "streamplane-admin"}, true, "user", "reserved"},
		{streamplane.QuotaEntity{ClientID: strings.Repeat("c", 256)}, true, "client_id", "at most 255"},
		{streamplane.QuotaEntity{ClientID: "<default>"}, true, "client_id", "default_client"},
		{streamplane.QuotaEntity{ClientID: "tab\there"}, true, "client_id", "control character"},
		{streamplane.QuotaEntity{ClientID: " padded"}, true, "client_id", "space"},
		{streamplane.QuotaEntity{ClientID: "\xff"}, true, "client_id", "UTF-8"},
	} {
		wantInvalid(t, tc.e.String(), tc.e.Validate(tc.sasl), tc.field, tc.text)
	}
}

func TestQuotaSpecValidate(t *testing.T) {
	user := streamplane.QuotaEntity{User: "bob1"}
	for _, s := range []streamplane.QuotaSpec{
		{QuotaEntity: user, ProduceMBps: mbps(5), ConsumeMBps: mbps(10)},
		{QuotaEntity: user, ProduceMBps: mbps(0.1)},
		{QuotaEntity: user, ConsumeMBps: mbps(10000)},
		{QuotaEntity: user, ProduceMBps: mbps(2.5)},
	} {
		if err := s.Validate(true); err != nil {
			t.Errorf("%+v: %v", s, err)
		}
	}
	for _, tc := range []struct {
		s           streamplane.QuotaSpec
		field, text string
	}{
		{streamplane.QuotaSpec{QuotaEntity: user}, "produce_mbps", "a produce limit, a consume limit or both"},
		{streamplane.QuotaSpec{QuotaEntity: user, ProduceMBps: mbps(0.09)}, "produce_mbps", "from 0.1 to 10000 MB/s"},
		{streamplane.QuotaSpec{QuotaEntity: user, ProduceMBps: mbps(0)}, "produce_mbps", "10^6 bytes"},
		{streamplane.QuotaSpec{QuotaEntity: user, ProduceMBps: mbps(-1)}, "produce_mbps", "got -1"},
		{streamplane.QuotaSpec{QuotaEntity: user, ConsumeMBps: mbps(10000.5)}, "consume_mbps", "per broker"},
		{streamplane.QuotaSpec{QuotaEntity: user, ConsumeMBps: mbps(math.NaN())}, "consume_mbps", "from 0.1"},
		{streamplane.QuotaSpec{QuotaEntity: user, ProduceMBps: mbps(1), ConsumeMBps: mbps(math.Inf(1))}, "consume_mbps", "from 0.1"},
		{streamplane.QuotaSpec{ProduceMBps: mbps(1)}, "user", "name the clients"},
	} {
		wantInvalid(t, tc.field, tc.s.Validate(true), tc.field, tc.text)
	}
}

func TestQuotaRatesRoundToBytes(t *testing.T) {
	q := streamplane.QuotaSpec{QuotaEntity: streamplane.QuotaEntity{ClientID: "c"}, ProduceMBps: mbps(1.2345678), ConsumeMBps: mbps(5)}.Quota()
	if *q.ProduceMBps != 1.234568 || *q.ConsumeMBps != 5 || q.Entity != "client-id c" {
		t.Errorf("got %v %v %q", *q.ProduceMBps, *q.ConsumeMBps, q.Entity)
	}
	if got := streamplane.QuotaBytes(1); got != 1_000_000 {
		t.Errorf("1 MB/s = %d bytes/s, want decimal 1000000", got)
	}
	if got := streamplane.QuotaBytes(0.1); got != 100_000 {
		t.Errorf("0.1 MB/s = %d bytes/s", got)
	}
	if got := streamplane.FormatMBps(2.5); got != "2.5 MB/s" {
		t.Errorf("FormatMBps(2.5) = %q", got)
	}
}

func TestQuotaUpdateApply(t *testing.T) {
	cur := streamplane.NewQuota(streamplane.QuotaEntity{User: "bob1"}, mbps(5), mbps(10))
	for _, tc := range []struct {
		name             string
		u                streamplane.QuotaUpdate
		produce, consume *float64
	}{
		{"Produce", streamplane.QuotaUpdate{ProduceMBps: mbps(2)}, mbps(2), mbps(10)},
		{"Both", streamplane.QuotaUpdate{ProduceMBps: mbps(1), ConsumeMBps: mbps(3)}, mbps(1), mbps(3)},
		{"RemoveConsume", streamplane.QuotaUpdate{RemoveConsume: true}, mbps(5), nil},
		{"SwapDirections", streamplane.QuotaUpdate{RemoveProduce: true, ConsumeMBps: mbps(7)}, nil, mbps(7)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.u.Apply(cur)
			if err != nil {
				t.Fatal(err)
			}
			if !sameRate(got.ProduceMBps, tc.produce) || !sameRate(got.ConsumeMBps, tc.consume) || got.Entity != "user bob1" {
				t.Errorf("got %+v", got)
			}
		})
	}
	onlyProduce := streamplane.NewQuota(streamplane.QuotaEntity{ClientID: "c1"}, mbps(5), nil)
	for _, tc := range []struct {
		name        string
		cur         streamplane.Quota
		u           streamplane.QuotaUpdate
		field, text string
	}{
		{"Nothing", cur, streamplane.QuotaUpdate{}, "produce_mbps", "nothing to change"},
		{"SetAndRemove", cur, streamplane.QuotaUpdate{ProduceMBps: mbps(1), RemoveProduce: true}, "remove_produce", "not both"},
		{"SetAndRemoveConsume", cur, streamplane.QuotaUpdate{ConsumeMBps: mbps(1), RemoveConsume: true}, "remove_consume", "not both"},
		{"OutOfRange", cur, streamplane.QuotaUpdate{ConsumeMBps: mbps(20000)}, "consume_mbps", "10000"},
		{"RemoveBoth", cur, streamplane.QuotaUpdate{RemoveProduce: true, RemoveConsume: true}, "remove_consume", "delete the quota"},
		{"RemoveLast", onlyProduce, streamplane.QuotaUpdate{RemoveProduce: true}, "remove_produce", "at least one limit"},
	} {
		t.Run("Err"+tc.name, func(t *testing.T) {
			_, err := tc.u.Apply(tc.cur)
			wantInvalid(t, tc.name, err, tc.field, tc.text)
		})
	}
}

func sameRate(a, b *float64) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// Kafka's precedence, per direction: the most specific entity with a limit
// in that direction wins.
func TestAppliedQuota(t *testing.T) {
	q := func(e streamplane.QuotaEntity, produce, consume *float64) streamplane.Quota {
		return streamplane.NewQuota(e, produce, consume)
	}
	quotas := []streamplane.Quota{
		q(streamplane.QuotaEntity{User: "bob1", ClientID: "c1"}, mbps(1), nil),
		q(streamplane.QuotaEntity{User: "bob1", DefaultClient: true}, mbps(2), nil),
		q(streamplane.QuotaEntity{DefaultUser: true, ClientID: "c2"}, mbps(3), nil),
		q(streamplane.QuotaEntity{DefaultUser: true, DefaultClient: true}, mbps(4), mbps(40)),
		q(streamplane.QuotaEntity{User: "alice"}, mbps(5), nil),
		q(streamplane.QuotaEntity{DefaultUser: true}, mbps(6), mbps(60)),
		q(streamplane.QuotaEntity{ClientID: "c1"}, nil, mbps(7)),
		q(streamplane.QuotaEntity{DefaultClient: true}, mbps(8), nil),
	}
	for _, tc := range []struct {
		user, client string
		dir          streamplane.QuotaDirection
		want         string // the applied quota's entity, "" for none
	}{
		{"bob1", "c1", streamplane.QuotaProduce, "user bob1, client-id c1"},
		{"bob1", "c1", streamplane.QuotaConsume, "user <default>, client-id <default>"}, // no consume limit at the first three levels
		{"bob1", "c9", streamplane.QuotaProduce, "user bob1, client-id <default>"},
		{"carol", "c2", streamplane.QuotaProduce, "user <default>, client-id c2"},
		{"carol", "c9", streamplane.QuotaProduce, "user <default>, client-id <default>"},
		{"alice", "", streamplane.QuotaProduce, "user alice"},
		{"alice", "", streamplane.QuotaConsume, "user <default>"},
		{"carol", "", streamplane.QuotaProduce, "user <default>"},
		{"", "c1", streamplane.QuotaConsume, "client-id c1"},
		{"", "c1", streamplane.QuotaProduce, "client-id <default>"},
		{"", "c9", streamplane.QuotaConsume, ""},
		{"", "", streamplane.QuotaProduce, ""},
	} {
		got := ""
		if a := streamplane.AppliedQuota(quotas, tc.user, tc.client, tc.dir); a != nil {
			got = a.Entity
		}
		if got != tc.want {
			t.Errorf("user %q client %q %s: applied %q, want %q", tc.user, tc.client, tc.dir, got, tc.want)
		}
	}
}

func TestQuotaUsageFilterNormalize(t *testing.T) {
	f := streamplane.QuotaUsageFilter{By: streamplane.QuotaConsume}
	if err := f.Normalize(); err != nil || f.Top != 10 {
		t.Fatalf("defaults: %+v %v", f, err)
	}
	for _, tc := range []struct {
		f     streamplane.QuotaUsageFilter
		field string
	}{
		{streamplane.QuotaUsageFilter{}, "by"},
		{streamplane.QuotaUsageFilter{By: "fetch"}, "by"},
		{streamplane.QuotaUsageFilter{By: streamplane.QuotaProduce, Top: 1001}, "top"},
		{streamplane.QuotaUsageFilter{By: streamplane.QuotaProduce, Top: -1}, "top"},
		{streamplane.QuotaUsageFilter{By: streamplane.QuotaProduce, MinMBps: -0.5}, "min_mbps"},
		{streamplane.QuotaUsageFilter{By: streamplane.QuotaProduce, MinPercent: math.NaN()}, "min_percent"},
	} {
		wantInvalid(t, tc.field, tc.f.Normalize(), tc.field, tc.field)
	}
}

func TestBuildQuotaUsage(t *testing.T) {
	quotas := []streamplane.Quota{
		streamplane.NewQuota(streamplane.QuotaEntity{User: "bob1"}, mbps(1), nil),
		streamplane.NewQuota(streamplane.QuotaEntity{DefaultUser: true}, mbps(10), mbps(10)),
	}
	P, C := streamplane.QuotaProduce, streamplane.QuotaConsume
	rates := []streamplane.ClientRate{
		// bob1 writes to two brokers: 0.9 + 0.5 MB/s; the busiest uses 90% of its 1 MB/s.
		{Broker: 1, Direction: P, User: "bob1", BytesPerSec: 900_000, ThrottleMs: 120},
		{Broker: 0, Direction: P, User: "bob1", BytesPerSec: 500_000, ThrottleMs: 5},
		{Broker: 0, Direction: P, User: "carol", BytesPerSec: 2_000_000},
		{Broker: 2, Direction: P, User: "dave", BytesPerSec: 100},
		{Broker: 0, Direction: C, User: "bob1", BytesPerSec: 7_000_000},
		{Broker: 0, Direction: P, User: "streamplane-admin", BytesPerSec: 9_000_000}, // Streamplane's own: never shown
		{Broker: 0, Direction: P, ClientID: "loose", BytesPerSec: 3_000_000},         // no quota applies
		{Broker: 1, Direction: P, ClientID: "idle"},                                  // a sensor with no traffic left
	}
	u := streamplane.BuildQuotaUsage(rates, quotas, streamplane.QuotaUsageFilter{By: P, Top: 10})
	var got []string
	for _, e := range u.Entries {
		got = append(got, e.Entity)
	}
	if strings.Join(got, ";") != "client-id loose;user carol;user bob1;user dave" || u.Matched != 4 {
		t.Fatalf("entries %q (matched %d)", got, u.Matched)
	}
	bob := u.Entries[2]
	if bob.RateMBps != 1.4 || *bob.QuotaMBps != 1 || bob.QuotaEntity != "user bob1" || *bob.Percent != 90 || bob.ThrottleMs != 120 ||
		len(bob.Brokers) != 2 || bob.Brokers[0].Broker != 0 || bob.Brokers[1].RateMBps != 0.9 {
		t.Errorf("bob1: %+v", bob)
	}
	carol := u.Entries[1]
	if carol.QuotaEntity != "user <default>" || *carol.Percent != 20 {
		t.Errorf("carol: %+v", carol)
	}
	if loose := u.Entries[0]; loose.QuotaMBps != nil || loose.Percent != nil || loose.User != "" || loose.ClientID != "loose" {
		t.Errorf("loose: %+v", loose)
	}

	for _, tc := range []struct {
		name string
		f    streamplane.QuotaUsageFilter
		want string
	}{
		{"Top", streamplane.QuotaUsageFilter{By: P, Top: 2}, "client-id loose;user carol"},
		{"MinMBps", streamplane.QuotaUsageFilter{By: P, Top: 10, MinMBps: 1.5}, "client-id loose;user carol"},
		{"MinPercent", streamplane.QuotaUsageFilter{By: P, Top: 10, MinPercent: 50}, "user bob1"},
		{"Consume", streamplane.QuotaUsageFilter{By: C, Top: 10}, "user bob1"},
	} {
		u := streamplane.BuildQuotaUsage(rates, quotas, tc.f)
		var got []string
		for _, e := range u.Entries {
			got = append(got, e.Entity)
		}
		if strings.Join(got, ";") != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	if u := streamplane.BuildQuotaUsage(nil, nil, streamplane.QuotaUsageFilter{By: P, Top: 10}); u.Entries == nil || len(u.Entries) != 0 {
		t.Errorf("no rates: %+v", u)
	}
}

func TestSortQuotas(t *testing.T) {
	qs := []streamplane.Quota{
		streamplane.NewQuota(streamplane.QuotaEntity{DefaultClient: true}, mbps(1), nil),
		streamplane.NewQuota(streamplane.QuotaEntity{ClientID: "b"}, mbps(1), nil),
		streamplane.NewQuota(streamplane.QuotaEntity{DefaultUser: true}, mbps(1), nil),
		streamplane.NewQuota(streamplane.QuotaEntity{User: "zed1", DefaultClient: true}, mbps(1), nil),
		streamplane.NewQuota(streamplane.QuotaEntity{User: "zed1", ClientID: "a"}, mbps(1), nil),
		streamplane.NewQuota(streamplane.QuotaEntity{User: "zed1"}, mbps(1), nil),
		streamplane.NewQuota(streamplane.QuotaEntity{User: "amy1"}, mbps(1), nil),
	}
	streamplane.SortQuotas(qs)
	var got []string
	for _, q := range qs {
		got = append(got, q.Entity)
	}
	want := "user amy1;user zed1;user zed1, client-id a;user zed1, client-id <default>;user <default>;client-id b;client-id <default>"
	if strings.Join(got, ";") != want {
		t.Errorf("order:\n%s\nwant\n%s", strings.Join(got, ";"), want)
	}
}
