package storetest

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// AlarmChannelTests are the cases for alarm channels and their deliveries.
var AlarmChannelTests = []struct {
	Name string
	Fn   func(t *testing.T, s streamplane.Store)
}{
	{"AlarmChannelRoundTrip", testAlarmChannelRoundTrip},
	{"AlarmChannelNameUnique", testAlarmChannelNameUnique},
	{"AlarmChannelStaleVersion", testAlarmChannelStaleVersion},
	{"AlarmChannelDelete", testAlarmChannelDelete},
	{"DeliveryQueue", testDeliveryQueue},
	{"DeliveryLog", testDeliveryLog},
	{"DeliveryCommitsWithItsTransaction", testDeliveryRollback},
}

// RunAlarmChannels runs AlarmChannelTests, each on a new store.
func RunAlarmChannels(t *testing.T, open func(t *testing.T) streamplane.Store) {
	for _, tt := range AlarmChannelTests {
		t.Run(tt.Name, func(t *testing.T) { tt.Fn(t, open(t)) })
	}
}

// alarms is tx's channel store.
func alarms(tx streamplane.Tx) streamplane.AlarmChannelStore {
	a, ok := tx.(streamplane.AlarmChannelStore)
	if !ok {
		panic("storetest: the store's Tx does not keep alarm channels")
	}
	return a
}

func webhookChannel(id, name string) *streamplane.AlarmChannel {
	return &streamplane.AlarmChannel{ID: id, Name: name, Kind: streamplane.ChannelWebhook, URL: "https://hooks.example.com/" + name, HasSecret: true}
}

func emailChannel(id, name string, to ...string) *streamplane.AlarmChannel {
	return &streamplane.AlarmChannel{ID: id, Name: name, Kind: streamplane.ChannelEmail, To: to}
}

func mustCreateChannel(t *testing.T, s streamplane.Store, c *streamplane.AlarmChannel) {
	t.Helper()
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return alarms(tx).CreateAlarmChannel(c) }); err != nil {
		t.Fatalf("create channel %s: %v", c.Name, err)
	}
}

func getChannel(s streamplane.Store, idOrName string) (*streamplane.AlarmChannel, error) {
	var c *streamplane.AlarmChannel
	err := s.View(ctx, func(tx streamplane.Tx) (err error) {
		c, err = alarms(tx).AlarmChannel(idOrName)
		return err
	})
	return c, err
}

func testAlarmChannelRoundTrip(t *testing.T, s streamplane.Store) {
	mustCreateChannel(t, s, webhookChannel("c-1", "ops"))
	mustCreateChannel(t, s, emailChannel("c-2", "dba", "a@example.com", "b@example.com"))
	for _, key := range []string{"c-1", "ops"} {
		c, err := getChannel(s, key)
		if err != nil {
			t.Fatalf("channel %s: %v", key, err)
		}
		if c.ID != "c-1" || c.Name != "ops" || c.Kind != streamplane.ChannelWebhook || c.URL != "https://hooks.example.com/ops" ||
			!c.HasSecret || len(c.To) != 0 || c.ResourceVersion != 1 || c.CreatedAt.IsZero() {
			t.Fatalf("channel %s = %+v", key, c)
		}
	}
	c, err := getChannel(s, "dba")
	if err != nil || len(c.To) != 2 || c.To[0] != "a@example.com" || c.To[1] != "b@example.com" || c.HasSecret || c.URL != "" {
		t.Fatalf("e-mail channel = %+v, %v", c, err)
	}
	var list []*streamplane.AlarmChannel
	if err := s.View(ctx, func(tx streamplane.Tx) (err error) { list, err = alarms(tx).AlarmChannels(); return err }); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "dba" || list[1].Name != "ops" {
		t.Fatalf("channels = %v, want dba and ops by name", names(list))
	}
	_, err = getChannel(s, "nope")
	wantField(t, err, streamplane.ENOTFOUND, "channel")
}

func names(list []*streamplane.AlarmChannel) []string {
	var out []string
	for _, c := range list {
		out = append(out, c.Name)
	}
	return out
}

func testAlarmChannelNameUnique(t *testing.T, s streamplane.Store) {
	mustCreateChannel(t, s, webhookChannel("c-1", "ops"))
	mustCreateChannel(t, s, webhookChannel("c-2", "dev"))
	err := s.Update(ctx, func(tx streamplane.Tx) error {
		return alarms(tx).CreateAlarmChannel(emailChannel("c-3", "ops", "a@example.com"))
	})
	wantField(t, err, streamplane.ECONFLICT, "name")
	c, _ := getChannel(s, "dev")
	c.Name = "ops"
	err = s.Update(ctx, func(tx streamplane.Tx) error { return alarms(tx).UpdateAlarmChannel(c) })
	wantField(t, err, streamplane.ECONFLICT, "name")
}

func testAlarmChannelStaleVersion(t *testing.T, s streamplane.Store) {
	mustCreateChannel(t, s, webhookChannel("c-1", "ops"))
	a, _ := getChannel(s, "c-1")
	b, _ := getChannel(s, "c-1")
	a.Name, a.URL, a.HasSecret = "ops-renamed", "http://127.0.0.1:9000/x", false
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return alarms(tx).UpdateAlarmChannel(a) }); err != nil {
		t.Fatal(err)
	}
	if a.ResourceVersion != 2 {
		t.Fatalf("version after update = %d, want 2", a.ResourceVersion)
	}
	got, err := getChannel(s, "ops-renamed")
	if err != nil || got.URL != "http://127.0.0.1:9000/x" || got.HasSecret || got.ResourceVersion != 2 {
		t.Fatalf("after update: %+v, %v", got, err)
	}
	b.URL = "https://elsewhere.example.com/"
	err = s.Update(ctx, func(tx streamplane.Tx) error { return alarms(tx).UpdateAlarmChannel(b) })
	wantCode(t, err, streamplane.ESTALE)
	err = s.Update(ctx, func(tx streamplane.Tx) error { return alarms(tx).UpdateAlarmChannel(webhookChannel("c-9", "ghost")) })
	wantField(t, err, streamplane.ENOTFOUND, "channel")

	e := emailChannel("c-2", "dba", "a@example.com")
	mustCreateChannel(t, s, e)
	e.To = []string{"b@example.com", "c@example.com"}
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return alarms(tx).UpdateAlarmChannel(e) }); err != nil {
		t.Fatal(err)
	}
	if got, _ := getChannel(s, "dba"); len(got.To) != 2 || got.To[0] != "b@example.com" {
		t.Fatalf("recipients after update = %v", got.To)
	}
}

func delivery(id, channelID, alarmID string) *streamplane.AlarmDelivery {
	return &streamplane.AlarmDelivery{ID: id, ChannelID: channelID, AlarmID: alarmID,
		Payload: json.RawMessage(`{"alarm_id":"` + alarmID + `","state":"firing"}`)}
}

func mustEnqueue(t *testing.T, s streamplane.Store, ds ...*streamplane.AlarmDelivery) {
	t.Helper()
	err := s.Update(ctx, func(tx streamplane.Tx) error {
		for _, d := range ds {
			if err := alarms(tx).EnqueueDelivery(d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
}

func getDelivery(s streamplane.Store, id string) (*streamplane.AlarmDelivery, error) {
	var d *streamplane.AlarmDelivery
	err := s.View(ctx, func(tx streamplane.Tx) (err error) { d, err = alarms(tx).Delivery(id); return err })
	return d, err
}

func mustUpdateDelivery(t *testing.T, s streamplane.Store, d *streamplane.AlarmDelivery) {
	t.Helper()
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return alarms(tx).UpdateDelivery(d) }); err != nil {
		t.Fatalf("update delivery %s: %v", d.ID, err)
	}
}

func testAlarmChannelDelete(t *testing.T, s streamplane.Store) {
	mustCreateChannel(t, s, webhookChannel("c-1", "ops"))
	mustCreateChannel(t, s, webhookChannel("c-2", "dev"))
	s.Update(ctx, func(tx streamplane.Tx) error {
		return tx.PutSecret("c-1", streamplane.ChannelSecretName, []byte("sealed"))
	})
	mustEnqueue(t, s, delivery("d-1", "c-1", "a-1"), delivery("d-2", "c-1", "a-2"), delivery("d-3", "c-2", "a-1"))
	done, _ := getDelivery(s, "d-1")
	done.Status = streamplane.DeliveryDelivered
	mustUpdateDelivery(t, s, done)

	if err := s.Update(ctx, func(tx streamplane.Tx) error { return alarms(tx).DeleteAlarmChannel("c-1") }); err != nil {
		t.Fatal(err)
	}
	_, err := getChannel(s, "ops")
	wantField(t, err, streamplane.ENOTFOUND, "channel")
	if _, err := getDelivery(s, "d-1"); err != nil {
		t.Fatalf("a delivered notification left the log with its channel: %v", err)
	}
	_, err = getDelivery(s, "d-2")
	wantField(t, err, streamplane.ENOTFOUND, "delivery")
	if _, err := getDelivery(s, "d-3"); err != nil {
		t.Fatalf("another channel's delivery went: %v", err)
	}
	err = s.View(ctx, func(tx streamplane.Tx) error { _, err := tx.Secret("c-1", streamplane.ChannelSecretName); return err })
	wantCode(t, err, streamplane.ENOTFOUND)
	err = s.Update(ctx, func(tx streamplane.Tx) error { return alarms(tx).DeleteAlarmChannel("c-1") })
	wantField(t, err, streamplane.ENOTFOUND, "channel")
}

func testDeliveryQueue(t *testing.T, s streamplane.Store) {
	mustCreateChannel(t, s, webhookChannel("c-1", "ops"))
	var now time.Time
	s.View(ctx, func(tx streamplane.Tx) error { now = tx.Now(); return nil })
	later := delivery("d-later", "c-1", "a-1")
	later.NextAttemptAt = now.Add(time.Hour)
	mustEnqueue(t, s, delivery("d-1", "c-1", "a-1"), delivery("d-2", "c-1", "a-2"), later)

	d, err := getDelivery(s, "d-1")
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != streamplane.DeliveryPending || d.Attempts != 0 || d.ChannelID != "c-1" || d.AlarmID != "a-1" ||
		d.CreatedAt.IsZero() || d.NextAttemptAt.Before(d.CreatedAt) || d.DeliveredAt != nil || d.LastError != "" {
		t.Fatalf("enqueued delivery = %+v", d)
	}
	var p map[string]string
	if err := json.Unmarshal(d.Payload, &p); err != nil || p["alarm_id"] != "a-1" {
		t.Fatalf("payload = %s (%v)", d.Payload, err)
	}

	due := func(at time.Time, limit int) []string {
		t.Helper()
		var list []*streamplane.AlarmDelivery
		if err := s.View(ctx, func(tx streamplane.Tx) (err error) { list, err = alarms(tx).DueDeliveries(at, limit); return err }); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, d := range list {
			ids = append(ids, d.ID)
		}
		return ids
	}
	if got := due(now.Add(-time.Second), 10); len(got) != 0 {
		t.Fatalf("due before enqueue time: %v", got)
	}
	if got := due(d.NextAttemptAt, 10); len(got) != 2 || got[0] != "d-1" || got[1] != "d-2" {
		t.Fatalf("due now = %v, want d-1, d-2", got)
	}
	if got := due(d.NextAttemptAt, 1); len(got) != 1 || got[0] != "d-1" {
		t.Fatalf("due now, limit 1 = %v, want d-1", got)
	}
	if got := due(now.Add(time.Hour), 10); len(got) != 3 || got[2] != "d-later" {
		t.Fatalf("due in an hour = %v, want all three, d-later last", got)
	}

	// A failed attempt moves d-1 behind d-2; a delivered one leaves the queue.
	d.Attempts, d.LastError, d.NextAttemptAt = 1, "webhook answered 500", now.Add(30*time.Second)
	mustUpdateDelivery(t, s, d)
	d2, _ := getDelivery(s, "d-2")
	at := now.Add(time.Second)
	d2.Attempts, d2.Status, d2.DeliveredAt = 1, streamplane.DeliveryDelivered, &at
	mustUpdateDelivery(t, s, d2)
	if got := due(now.Add(time.Minute), 10); len(got) != 1 || got[0] != "d-1" {
		t.Fatalf("due after a retry and a delivery = %v, want d-1", got)
	}
	got, _ := getDelivery(s, "d-1")
	if got.Attempts != 1 || got.LastError != "webhook answered 500" || !got.NextAttemptAt.Equal(now.Add(30*time.Second)) {
		t.Fatalf("after a failed attempt: %+v", got)
	}
	got, _ = getDelivery(s, "d-2")
	if got.Status != streamplane.DeliveryDelivered || got.DeliveredAt == nil || !got.DeliveredAt.Equal(at) {
		t.Fatalf("after delivery: %+v", got)
	}

	err = s.Update(ctx, func(tx streamplane.Tx) error { return alarms(tx).EnqueueDelivery(delivery("d-x", "c-9", "a-1")) })
	wantField(t, err, streamplane.ENOTFOUND, "channel")
	bad := delivery("d-y", "c-1", "a-1")
	bad.Payload = json.RawMessage(`{not json`)
	err = s.Update(ctx, func(tx streamplane.Tx) error { return alarms(tx).EnqueueDelivery(bad) })
	wantField(t, err, streamplane.EINVALID, "payload")
	err = s.Update(ctx, func(tx streamplane.Tx) error { return alarms(tx).EnqueueDelivery(delivery("d-1", "c-1", "a-1")) })
	wantCode(t, err, streamplane.ECONFLICT)
	err = s.Update(ctx, func(tx streamplane.Tx) error { return alarms(tx).UpdateDelivery(delivery("d-9", "c-1", "a-1")) })
	wantField(t, err, streamplane.ENOTFOUND, "delivery")
}

func testDeliveryLog(t *testing.T, s streamplane.Store) {
	mustCreateChannel(t, s, webhookChannel("c-1", "ops"))
	mustCreateChannel(t, s, emailChannel("c-2", "dba", "a@example.com"))
	mustEnqueue(t, s, delivery("d-1", "c-1", "a-1"), delivery("d-2", "c-2", "a-1"))
	mustEnqueue(t, s, delivery("d-3", "c-1", "a-2"))
	d, _ := getDelivery(s, "d-1")
	d.Status, d.Attempts, d.LastError = streamplane.DeliveryFailed, 1, "webhook answered 400"
	mustUpdateDelivery(t, s, d)

	list := func(f streamplane.AlarmDeliveryFilter) []string {
		t.Helper()
		var ds []*streamplane.AlarmDelivery
		if err := s.View(ctx, func(tx streamplane.Tx) (err error) { ds, err = alarms(tx).Deliveries(f); return err }); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, d := range ds {
			ids = append(ids, d.ID)
		}
		return ids
	}
	for _, tt := range []struct {
		f    streamplane.AlarmDeliveryFilter
		want []string
	}{
		{streamplane.AlarmDeliveryFilter{}, []string{"d-3", "d-2", "d-1"}},
		{streamplane.AlarmDeliveryFilter{Limit: 2}, []string{"d-3", "d-2"}},
		{streamplane.AlarmDeliveryFilter{ChannelID: "c-1"}, []string{"d-3", "d-1"}},
		{streamplane.AlarmDeliveryFilter{AlarmID: "a-1"}, []string{"d-2", "d-1"}},
		{streamplane.AlarmDeliveryFilter{Status: streamplane.DeliveryFailed}, []string{"d-1"}},
		{streamplane.AlarmDeliveryFilter{ChannelID: "c-1", Status: streamplane.DeliveryPending}, []string{"d-3"}},
		{streamplane.AlarmDeliveryFilter{ChannelID: "c-2", AlarmID: "a-2"}, nil},
	} {
		if got := list(tt.f); !slices.Equal(got, tt.want) {
			t.Errorf("deliveries %+v = %v, want %v", tt.f, got, tt.want)
		}
	}

	// Pruning removes finished deliveries only.
	var n int
	err := s.Update(ctx, func(tx streamplane.Tx) (err error) {
		n, err = alarms(tx).PruneDeliveries(tx.Now().Add(time.Hour))
		return err
	})
	if err != nil || n != 1 {
		t.Fatalf("prune = %d, %v; want 1 (the failed d-1)", n, err)
	}
	if got := list(streamplane.AlarmDeliveryFilter{}); !slices.Equal(got, []string{"d-3", "d-2"}) {
		t.Fatalf("after prune: %v", got)
	}
}

// An alarm record and its deliveries share a transaction: when it rolls
// back, no delivery is left without its alarm.
func testDeliveryRollback(t *testing.T, s streamplane.Store) {
	mustCreateChannel(t, s, webhookChannel("c-1", "ops"))
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx streamplane.Tx) error {
		if err := alarms(tx).EnqueueDelivery(delivery("d-1", "c-1", "a-1")); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("err = %v", err)
	}
	_, err = getDelivery(s, "d-1")
	wantField(t, err, streamplane.ENOTFOUND, "delivery")
}
