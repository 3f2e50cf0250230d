// Not in kfake: quotas enforced by throttling real producers and consumers per broker.

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Quota tests name their topics and client ids q-…, and delete every quota
// and topic they create. Quotas are Kafka's: per broker, enforced by the
// brokers holding answers back. Kafka averages a client's rate over its
// quota window (11 one-second samples), so a client idle for a while may
// move about 10 s worth of its quota at once before it is held back; the
// rate over a 10 s run from idle comes out near 1.4 times the quota.

// quotaRun is how long a flat-out producer or consumer runs against a quota.
const quotaRun = 10 * time.Second

// quotaValue is the record size flat-out clients move.
const quotaValue = 10_000

func mb(v float64) *float64 { return &v }

// deleteQuotaAtEnd deletes a quota when the test ends, whatever happened.
func deleteQuotaAtEnd(t *testing.T, s *Server, instance string, e streamplane.QuotaEntity) {
	t.Cleanup(func() {
		if _, err := s.Client.DeleteQuota(context.Background(), instance, e); err != nil && !client.IsNotFound(err) {
			t.Errorf("cleanup: delete the quota of %s: %v", e, err)
		}
	})
}

// quotaFlood is what a flat-out client moved: bytes per partition within
// the run, and for how long.
type quotaFlood struct {
	bytes   map[int32]int64
	total   int64
	elapsed time.Duration
	errs    int64
}

func (f quotaFlood) mbps() float64 { return float64(f.total) / f.elapsed.Seconds() / 1e6 }

// floodProduce writes 10 kB records as fast as cl takes them, with
// acks=all, for d or until capBytes are sent, and counts the bytes the
// brokers acknowledged within d.
func floodProduce(t *testing.T, cl *kgo.Client, topic string, d time.Duration, capBytes int64) quotaFlood {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var (
		mu     sync.Mutex
		out    = quotaFlood{bytes: map[int32]int64{}}
		errs   atomic.Int64
		sent   int64
		value  = make([]byte, quotaValue)
		start  = time.Now()
		inTime = func() bool { return time.Since(start) <= d }
	)
	for sent < capBytes && ctx.Err() == nil {
		sent += quotaValue
		cl.Produce(ctx, &kgo.Record{Topic: topic, Value: value}, func(r *kgo.Record, err error) {
			if err != nil {
				if ctx.Err() == nil {
					errs.Add(1)
				}
				return
			}
			if inTime() {
				mu.Lock()
				out.bytes[r.Partition] += int64(len(r.Value))
				out.total += int64(len(r.Value))
				mu.Unlock()
			}
		})
	}
	out.elapsed = min(time.Since(start), d)
	flushCtx, cancelFlush := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelFlush()
	cl.Flush(flushCtx) // what is still in flight ends or fails; it no longer counts
	mu.Lock()
	defer mu.Unlock()
	out.errs = errs.Load()
	return out
}

// floodClient is a producer for floods: no compression (the bytes on the
// wire are the bytes counted), acks=all, a small buffer so that little is
// left in flight when the run ends.
func floodOpts(clientID string) []kgo.Opt {
	return []kgo.Opt{kgo.ClientID(clientID), kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.MaxBufferedRecords(100), kgo.RecordDeliveryTimeout(time.Minute)}
}

// partitionLeaders returns each partition's leader, as a client sees it.
func partitionLeaders(t *testing.T, cl *kgo.Client, topic string) map[int32]int32 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	md, err := kadm.NewClient(cl).Metadata(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int32{}
	for _, p := range md.Topics[topic].Partitions {
		out[p.Partition] = p.Leader
	}
	return out
}

// usageEntry returns the usage entry of a user and client id, if listed.
func usageEntry(u *streamplane.QuotaUsage, user, clientID string) (streamplane.QuotaUsageEntry, bool) {
	for _, e := range u.Entries {
		if e.User == user && e.ClientID == clientID {
			return e, true
		}
	}
	return streamplane.QuotaUsageEntry{}, false
}

// watchUsage polls the usage report while a flood runs, until it lists the
// entry and enough holds for it (nil: a rate above half the quota of one
// broker) or the deadline passes, and returns the last entry seen.
func watchUsage(t *testing.T, c *client.Client, instance string, by streamplane.QuotaDirection, user, clientID string, deadline time.Time,
	enough func(streamplane.QuotaUsageEntry) bool) (streamplane.QuotaUsageEntry, bool) {
	if enough == nil {
		enough = func(e streamplane.QuotaUsageEntry) bool { return e.RateMBps > 0.5 }
	}
	t.Helper()
	var last streamplane.QuotaUsageEntry
	found := false
	for time.Now().Before(deadline) {
		u, err := c.QuotaUsage(context.Background(), instance, streamplane.QuotaUsageFilter{By: by, Top: 50})
		if err != nil {
			t.Errorf("quota usage: %v", err)
			return last, false
		}
		for _, b := range u.Brokers {
			if b.Error != "" {
				t.Errorf("broker %d metrics: %s", b.Broker, b.Error)
			}
		}
		if e, ok := usageEntry(u, user, clientID); ok {
			last, found = e, true
			if enough(e) {
				return e, true
			}
		}
		time.Sleep(500 * time.Millisecond) // paces the polling, bounded by the deadline
	}
	return last, found
}

// The rules of DMS 12 over the API: every refusal with its HTTP status,
// code and field; every change, done or refused, recorded as a task.
func TestQuotaRulesAPI(t *testing.T) {
	s, plain := sharedInstance(t)
	_, secure := sharedSecureInstance(t)
	c := s.Client
	ctx := context.Background()

	// PLAINTEXT: every client is User:ANONYMOUS; client-id quotas only.
	_, err := c.CreateQuota(ctx, plain.Name, streamplane.QuotaSpec{QuotaEntity: streamplane.QuotaEntity{User: secureUser}, ProduceMBps: mb(1)})
	if e := wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "user"); !strings.Contains(e.App.Message, "ANONYMOUS") {
		t.Errorf("the refusal should say why: %s", e.App.Message)
	}
	_, err = c.CreateQuota(ctx, plain.Name, streamplane.QuotaSpec{QuotaEntity: streamplane.QuotaEntity{DefaultUser: true, ClientID: "q-x"}, ProduceMBps: mb(1)})
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "default_user")
	wantTask(t, s, plain.Name, streamplane.TaskCreateQuota, streamplane.TaskFailed, "ANONYMOUS")

	// SASL_SSL: the user must be one of the instance's SASL users.
	_, err = c.CreateQuota(ctx, secure.Name, streamplane.QuotaSpec{QuotaEntity: streamplane.QuotaEntity{User: "q-nobody"}, ProduceMBps: mb(1)})
	wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "user")

	for _, tc := range []struct {
		name  string
		spec  streamplane.QuotaSpec
		field string
	}{
		{"NoEntity", streamplane.QuotaSpec{ProduceMBps: mb(1)}, "user"},
		{"UserAndDefault", streamplane.QuotaSpec{QuotaEntity: streamplane.QuotaEntity{User: secureUser, DefaultUser: true}, ProduceMBps: mb(1)}, "default_user"},
		{"ClientAndDefault", streamplane.QuotaSpec{QuotaEntity: streamplane.QuotaEntity{ClientID: "q-x", DefaultClient: true}, ProduceMBps: mb(1)}, "default_client"},
		{"NoRate", streamplane.QuotaSpec{QuotaEntity: streamplane.QuotaEntity{ClientID: "q-x"}}, "produce_mbps"},
		{"TooLow", streamplane.QuotaSpec{QuotaEntity: streamplane.QuotaEntity{ClientID: "q-x"}, ProduceMBps: mb(0.05)}, "produce_mbps"},
		{"TooHigh", streamplane.QuotaSpec{QuotaEntity: streamplane.QuotaEntity{ClientID: "q-x"}, ConsumeMBps: mb(10001)}, "consume_mbps"},
		{"ReservedUser", streamplane.QuotaSpec{QuotaEntity: streamplane.QuotaEntity{User: "streamplane-admin"}, ProduceMBps: mb(1)}, "user"},
	} {
		_, err := s.Client.CreateQuota(ctx, secure.Name, tc.spec)
		wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, tc.field)
	}

	// Create, then the same entity again: CONFLICT.
	e := streamplane.QuotaEntity{User: secureUser, ClientID: "q-rules"}
	deleteQuotaAtEnd(t, s, secure.Name, e)
	q, err := c.CreateQuota(ctx, secure.Name, streamplane.QuotaSpec{QuotaEntity: e, ProduceMBps: mb(5), ConsumeMBps: mb(10.5)})
	if err != nil {
		t.Fatal(err)
	}
	if q.Entity != "user appuser, client-id q-rules" || *q.ProduceMBps != 5 || *q.ConsumeMBps != 10.5 {
		t.Fatalf("created %+v", q)
	}
	_, err = c.CreateQuota(ctx, secure.Name, streamplane.QuotaSpec{QuotaEntity: e, ProduceMBps: mb(1)})
	wantErrorCode(t, err, http.StatusConflict, streamplane.ECONFLICT, "")
	wantTask(t, s, secure.Name, streamplane.TaskCreateQuota, streamplane.TaskSucceeded, "user appuser, client-id q-rules: produce 5 MB/s, consume 10.5 MB/s")
	wantTask(t, s, secure.Name, streamplane.TaskCreateQuota, streamplane.TaskFailed, "already has a quota")

	// Update and delete need the quota to exist.
	missing := streamplane.QuotaEntity{ClientID: "q-missing"}
	_, err = c.UpdateQuota(ctx, secure.Name, streamplane.QuotaUpdate{QuotaEntity: missing, ProduceMBps: mb(1)})
	wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "")
	_, err = c.DeleteQuota(ctx, secure.Name, missing)
	wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "")
	wantTask(t, s, secure.Name, streamplane.TaskDeleteQuota, streamplane.TaskFailed, "no quota for client-id q-missing")

	// An update changes what it names, keeps one limit at least.
	q, err = c.UpdateQuota(ctx, secure.Name, streamplane.QuotaUpdate{QuotaEntity: e, ProduceMBps: mb(2), RemoveConsume: true})
	if err != nil || *q.ProduceMBps != 2 || q.ConsumeMBps != nil {
		t.Fatalf("update: %+v %v", q, err)
	}
	_, err = c.UpdateQuota(ctx, secure.Name, streamplane.QuotaUpdate{QuotaEntity: e, RemoveProduce: true})
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "remove_produce")
	_, err = c.UpdateQuota(ctx, secure.Name, streamplane.QuotaUpdate{QuotaEntity: e, ConsumeMBps: mb(0)})
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "consume_mbps")
	wantTask(t, s, secure.Name, streamplane.TaskUpdateQuota, streamplane.TaskSucceeded, "produce 2 MB/s per broker")
	list, err := c.Quotas(ctx, secure.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Quotas) != 1 || list.Quotas[0].Entity != q.Entity || *list.Quotas[0].ProduceMBps != 2 {
		t.Fatalf("list: %+v", list.Quotas)
	}

	// What the JSON decoder and the query parsers refuse.
	for _, tc := range []struct {
		method, path, body string
		field              string
	}{
		{"POST", "/quotas", `{"client_id":"q-x","produce_mbps":1,"topic":"t"}`, "topic"},
		{"POST", "/quotas", `{"client_id":"q-x","produce_mbps":"fast"}`, "produce_mbps"},
		{"PATCH", "/quotas", `{"client_id":"q-x","remove_produce":"yes"}`, "remove_produce"},
		{"DELETE", "/quotas?client_id=q-x&default_user=maybe", "", "default_user"},
		{"GET", "/quotas/usage?by=fetch", "", "by"},
		{"GET", "/quotas/usage?by=produce&top=0", "", "top"},
		{"GET", "/quotas/usage?by=produce&top=1001", "", "top"},
		{"GET", "/quotas/usage?by=consume&min_mbps=-1", "", "min_mbps"},
		{"GET", "/quotas/usage?by=consume&min_percent=lots", "", "min_percent"},
	} {
		req, _ := http.NewRequest(tc.method, s.URL+"/api/v1/instances/"+secure.Name+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.Client.HTTP.Do(s.Authorize(req))
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Error struct{ Code, Field string } `json:"error"`
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		json.Unmarshal(raw, &env)
		if resp.StatusCode != http.StatusBadRequest || env.Error.Code != streamplane.EINVALID || env.Error.Field != tc.field {
			t.Errorf("%s %s %s: HTTP %d %s", tc.method, tc.path, tc.body, resp.StatusCode, raw)
		}
	}

	del, err := c.DeleteQuota(ctx, secure.Name, e)
	if err != nil || del.Entity != q.Entity {
		t.Fatalf("delete: %+v %v", del, err)
	}
	wantTask(t, s, secure.Name, streamplane.TaskDeleteQuota, streamplane.TaskSucceeded, "user appuser, client-id q-rules")
	if list, _ := c.Quotas(ctx, secure.Name); len(list.Quotas) != 0 {
		t.Errorf("after the delete: %+v", list.Quotas)
	}
}

// While an instance-level task holds an instance, quota changes get 409
// naming the task, and the refusal is recorded (a 1-broker instance of its
// own: shared instances are never restarted).
func TestQuotaRefusedWhileBusy(t *testing.T) {
	s, _ := sharedInstance(t)
	ctx := context.Background()
	inst := ownInstance(t, s, devSpec("q-busy", 1))
	spec := streamplane.QuotaSpec{QuotaEntity: streamplane.QuotaEntity{ClientID: "q-busy"}, ProduceMBps: mb(1)}
	restart, err := s.Client.RestartInstance(ctx, inst.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Client.CreateQuota(ctx, inst.Name, spec)
	if e := wantErrorCode(t, err, http.StatusConflict, streamplane.EBUSY, ""); e.App.TaskID != restart.ID {
		t.Errorf("the 409 should name the restart task %s: %+v", restart.ID, e.App)
	}
	_, err = s.Client.DeleteQuota(ctx, inst.Name, spec.QuotaEntity)
	wantErrorCode(t, err, http.StatusConflict, streamplane.EBUSY, "")
	if _, err := s.Client.WaitTask(ctx, restart.ID, nil); err != nil {
		t.Fatal(err)
	}
	wantTask(t, s, inst.Name, streamplane.TaskCreateQuota, streamplane.TaskFailed, restart.ID)
	wantTask(t, s, inst.Name, streamplane.TaskDeleteQuota, streamplane.TaskFailed, restart.ID)
	if _, err := s.Client.CreateQuota(ctx, inst.Name, spec); err != nil {
		t.Fatalf("after the restart: %v", err)
	}
}

// Every quota command through the real binary.
func TestQuotaCLI(t *testing.T) {
	s, inst := sharedSecureInstance(t)
	name := inst.Name
	for _, e := range []streamplane.QuotaEntity{
		{User: secureUser}, {User: secureUser, ClientID: "q-c1"}, {ClientID: "q-c1"}, {DefaultUser: true, DefaultClient: true},
	} {
		deleteQuotaAtEnd(t, s, name, e)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--user", secureUser, "--produce-mbps", "5", "--consume-mbps", "10"}, "Created the quota of user appuser: produce 5 MB/s per broker, consume 10 MB/s per broker."},
		{[]string{"--user", secureUser, "--client-id", "q-c1", "--produce-mbps", "2.5"}, "user appuser, client-id q-c1: produce 2.5 MB/s per broker, consume unlimited"},
		{[]string{"--client-id", "q-c1", "--produce-mbps", "5"}, "client-id q-c1: produce 5 MB/s"},
		{[]string{"--default-user", "--default-client", "--consume-mbps", "50"}, "user <default>, client-id <default>: produce unlimited, consume 50 MB/s"},
	} {
		out := mustCLI(t, s, append([]string{"quota", "create", name}, tc.args...)...)
		if !strings.Contains(out, tc.want) {
			t.Errorf("quota create %v:\n%s\nwant %q", tc.args, out, tc.want)
		}
	}
	if out, err := cli(t, s, "quota", "create", name, "--user", secureUser, "--produce-mbps", "1"); err == nil || !strings.Contains(out, "CONFLICT") {
		t.Errorf("a second quota for the same user: %v\n%s", err, out)
	}
	if out, err := cli(t, s, "quota", "create", name, "--user", secureUser); err == nil || !strings.Contains(out, "--produce-mbps") {
		t.Errorf("create without a rate: %v\n%s", err, out)
	}
	if out, err := cli(t, s, "quota", "create", name, "--client-id", "q-c9", "--produce-mbps", "0"); err == nil || !strings.Contains(out, "INVALID_ARGUMENT") || !strings.Contains(out, "field produce_mbps") {
		t.Errorf("create with rate 0: %v\n%s", err, out)
	}

	table := mustCLI(t, s, "quota", "list", name)
	lines := strings.Split(strings.TrimSpace(table), "\n")
	want := []string{
		"USER CLIENT-ID PRODUCE-MB/S CONSUME-MB/S",
		"appuser - 5 10",
		"appuser q-c1 2.5 -",
		"<default> <default> - 50",
		"- q-c1 5 -",
	}
	if len(lines) != len(want) {
		t.Fatalf("quota list:\n%s", table)
	}
	for i, l := range lines {
		if strings.Join(strings.Fields(l), " ") != want[i] {
			t.Errorf("quota list line %d: %q, want %q", i, l, want[i])
		}
	}
	var list streamplane.QuotaList
	mustJSON(t, mustCLI(t, s, "quota", "list", name, "-o", "json"), &list)
	if len(list.Quotas) != 4 || !list.Quotas[2].DefaultUser || !list.Quotas[2].DefaultClient || list.Quotas[2].ProduceMBps != nil {
		t.Errorf("quota list -o json: %+v", list.Quotas)
	}
	csv := mustCLI(t, s, "quota", "list", name, "-o", "csv")
	if !strings.HasPrefix(csv, "user,client_id,produce_mb_per_s,consume_mb_per_s\n") || !strings.Contains(csv, "\nappuser,q-c1,2.5,\n") {
		t.Errorf("quota list -o csv:\n%s", csv)
	}

	out := mustCLI(t, s, "quota", "update", name, "--user", secureUser, "--produce-mbps", "2")
	if !strings.Contains(out, "Changed the quota of user appuser: produce 2 MB/s per broker, consume 10 MB/s per broker.") {
		t.Errorf("quota update:\n%s", out)
	}
	var q streamplane.Quota
	mustJSON(t, mustCLI(t, s, "quota", "update", name, "--user", secureUser, "--client-id", "q-c1", "--consume-mbps", "1", "--remove-produce", "-o", "json"), &q)
	if q.ProduceMBps != nil || q.ConsumeMBps == nil || *q.ConsumeMBps != 1 {
		t.Errorf("quota update -o json: %+v", q)
	}
	if out, err := cli(t, s, "quota", "update", name, "--client-id", "q-nothere", "--produce-mbps", "2"); err == nil || !strings.Contains(out, "NOT_FOUND") {
		t.Errorf("update of a missing quota: %v\n%s", err, out)
	}

	for _, args := range [][]string{{"--user", secureUser, "--client-id", "q-c1"}, {"--default-user", "--default-client"}} {
		out := mustCLI(t, s, append([]string{"quota", "delete", name}, args...)...)
		if !strings.Contains(out, "Deleted the quota of") {
			t.Errorf("quota delete %v:\n%s", args, out)
		}
	}
	if out, err := cli(t, s, "quota", "delete", name, "--default-user"); err == nil || !strings.Contains(out, "NOT_FOUND") {
		t.Errorf("delete of a missing quota: %v\n%s", err, out)
	}
	if out, err := cli(t, s, "quota", "delete", name); err == nil || !strings.Contains(out, "--user") {
		t.Errorf("delete without an entity: %v\n%s", err, out)
	}

	var u streamplane.QuotaUsage
	mustJSON(t, mustCLI(t, s, "quota", "usage", name, "--by", "consume", "--top", "5", "-o", "json"), &u)
	if u.By != streamplane.QuotaConsume || len(u.Brokers) != 3 || u.Entries == nil {
		t.Errorf("quota usage -o json: %+v", u)
	}
	usage := mustCLI(t, s, "quota", "usage", name, "--by", "produce", "--min-mbps", "0.5", "--min-percent", "10")
	if !strings.HasPrefix(usage, "USER") || !strings.Contains(usage, "QUOTA-MB/S") {
		t.Errorf("quota usage:\n%s", usage)
	}
	mustCLI(t, s, "quota", "usage", name, "--by", "produce", "-o", "csv")
	if out, err := cli(t, s, "quota", "usage", name); err == nil || !strings.Contains(out, "--by") {
		t.Errorf("usage without --by: %v\n%s", err, out)
	}
	if out, err := cli(t, s, "quota", "usage", name, "--by", "sideways"); err == nil || !strings.Contains(out, "field by") {
		t.Errorf("usage --by sideways: %v\n%s", err, out)
	}
}

// A user's quota of 1 MB/s holds a stock producer (SCRAM over TLS, acks=all)
// writing flat out to a one-partition topic near 1 MB/s, and the usage
// report lists the user near that rate while it writes.
func TestQuotaUserEnforced(t *testing.T) {
	s, inst := sharedSecureInstance(t)
	ctx := context.Background()
	topic := "q-user-1p"
	apiTopic(t, s, inst.Name, streamplane.TopicSpec{Name: topic, Partitions: 1, Replicas: 3})
	const user, password = "q-producer", "Quota-Pass1"
	createUsers(t, s, inst, kafkaUser{user, password})
	pool, _ := caPool(t, s, inst.Name)
	scram := saslOpts(pool, streamplane.MechanismSCRAM, user, password)

	e := streamplane.QuotaEntity{User: user}
	deleteQuotaAtEnd(t, s, inst.Name, e)
	if _, err := s.Client.CreateQuota(ctx, inst.Name, streamplane.QuotaSpec{QuotaEntity: e, ProduceMBps: mb(1)}); err != nil {
		t.Fatal(err)
	}
	cl := listenerClient(t, inst, streamplane.ListenerPrivateSASLSSL, append(scram, floodOpts("q-user-producer")...)...)
	done := make(chan quotaFlood, 1)
	start := time.Now()
	go func() { done <- floodProduce(t, cl, topic, quotaRun, 200e6) }()
	entry, listed := watchUsage(t, s.Client, inst.Name, streamplane.QuotaProduce, user, "", start.Add(quotaRun-time.Second), nil)
	f := <-done
	t.Logf("user %s, produce quota 1 MB/s, one partition: %.3f MB/s acknowledged over %s (%d bytes); usage listed %.3f MB/s, %v%% of the quota, throttle %.0f ms",
		user, f.mbps(), f.elapsed.Round(time.Millisecond), f.total, entry.RateMBps, ptrValue(entry.Percent), entry.ThrottleMs)
	if f.errs > 0 {
		t.Errorf("%d records failed", f.errs)
	}
	if r := f.mbps(); r < 0.6 || r > 1.6 {
		t.Errorf("a 1 MB/s quota let %.3f MB/s through; want 0.6-1.6", r)
	}
	if !listed {
		t.Fatalf("the usage report never listed user %s while it produced", user)
	}
	if entry.RateMBps < 0.5 || entry.RateMBps > 2.5 || entry.QuotaMBps == nil || *entry.QuotaMBps != 1 || entry.QuotaEntity != "user "+user ||
		entry.Percent == nil || *entry.Percent < 50 || len(entry.Brokers) != 1 {
		t.Errorf("usage entry: %+v", entry)
	}
}

func ptrValue(p *float64) float64 {
	if p == nil {
		return -1
	}
	return *p
}

// A quota holds on each broker separately, as Kafka's and DMS's do: the same
// 1 MB/s <user, client-id> quota lets a producer writing to partitions led
// by three brokers move about three times as much, each broker holding its
// share near 1 MB/s.
func TestQuotaPerBroker(t *testing.T) {
	s, inst := sharedSecureInstance(t)
	ctx := context.Background()
	topic := "q-spread"
	apiTopic(t, s, inst.Name, streamplane.TopicSpec{Name: topic, Partitions: 3, Replicas: 3})
	pool, _ := caPool(t, s, inst.Name)
	e := streamplane.QuotaEntity{User: secureUser, ClientID: "q-spread"}
	deleteQuotaAtEnd(t, s, inst.Name, e)
	if _, err := s.Client.CreateQuota(ctx, inst.Name, streamplane.QuotaSpec{QuotaEntity: e, ProduceMBps: mb(1)}); err != nil {
		t.Fatal(err)
	}
	cl := listenerClient(t, inst, streamplane.ListenerPrivateSASLSSL,
		append(append(saslOpts(pool, streamplane.MechanismSCRAM, secureUser, securePassword), floodOpts("q-spread")...),
			kgo.MaxBufferedRecords(300))...) // room for all three partitions while one broker holds its answers back
	leaders := partitionLeaders(t, cl, topic)
	byLeader := map[int32]bool{}
	for _, l := range leaders {
		byLeader[l] = true
	}
	done := make(chan quotaFlood, 1)
	start := time.Now()
	go func() { done <- floodProduce(t, cl, topic, quotaRun, 600e6) }()
	entry, listed := watchUsage(t, s.Client, inst.Name, streamplane.QuotaProduce, secureUser, "q-spread", start.Add(quotaRun-time.Second),
		func(e streamplane.QuotaUsageEntry) bool { return len(e.Brokers) == len(byLeader) && e.RateMBps > 1.6 })
	f := <-done
	perBroker := map[int32]float64{}
	for p, b := range f.bytes {
		perBroker[leaders[p]] += float64(b) / f.elapsed.Seconds() / 1e6
	}
	n := float64(len(byLeader))
	t.Logf("<user %s, client-id q-spread>, produce quota 1 MB/s, partitions led by %d brokers: %.3f MB/s in all, by leader %v; usage %.3f MB/s, %v%%, by broker %+v",
		secureUser, len(byLeader), f.mbps(), perBroker, entry.RateMBps, ptrValue(entry.Percent), entry.Brokers)
	if f.errs > 0 {
		t.Errorf("%d records failed", f.errs)
	}
	if len(byLeader) < 2 {
		t.Fatalf("the topic's partitions all have one leader (%v); the check needs two or more", leaders)
	}
	if r := f.mbps(); r < 0.6*n || r > 1.6*n || r < 1.6 {
		t.Errorf("%.0f brokers at 1 MB/s each let %.3f MB/s through; want %.1f-%.1f, above one broker's quota", n, r, 0.6*n, 1.6*n)
	}
	for b, r := range perBroker {
		if r > 1.6 {
			t.Errorf("broker %d let %.3f MB/s through a 1 MB/s quota", b, r)
		}
	}
	// The report sums the brokers and rates the busiest against its quota.
	if !listed || entry.QuotaEntity != "user appuser, client-id q-spread" || len(entry.Brokers) != len(byLeader) || entry.RateMBps < 1.6 ||
		entry.Percent == nil || *entry.Percent < 50 {
		t.Errorf("usage entry (listed %v): %+v", listed, entry)
	}
}

// On a PLAINTEXT instance client-id quotas hold producers and consumers;
// a default client-id quota holds every other client, but never the control
// plane's own reads and writes.
func TestQuotaClientIDPlaintext(t *testing.T) {
	s, inst := sharedInstance(t)
	c := s.Client
	ctx := context.Background()
	topic := "q-plain"
	apiTopic(t, s, inst.Name, streamplane.TopicSpec{Name: topic, Partitions: 1, Replicas: 3})
	e := streamplane.QuotaEntity{ClientID: "q-plain-client"}
	deleteQuotaAtEnd(t, s, inst.Name, e)
	if _, err := c.CreateQuota(ctx, inst.Name, streamplane.QuotaSpec{QuotaEntity: e, ProduceMBps: mb(1), ConsumeMBps: mb(1)}); err != nil {
		t.Fatal(err)
	}

	t.Run("Produce", func(t *testing.T) {
		f := floodProduce(t, kafkaClient(t, inst, floodOpts("q-plain-client")...), topic, quotaRun, 200e6)
		t.Logf("client-id q-plain-client, produce quota 1 MB/s: %.3f MB/s over %s", f.mbps(), f.elapsed.Round(time.Millisecond))
		if r := f.mbps(); r < 0.6 || r > 1.6 || f.errs > 0 {
			t.Errorf("a 1 MB/s quota let %.3f MB/s through (%d errors); want 0.6-1.6", r, f.errs)
		}
	})

	t.Run("Consume", func(t *testing.T) {
		// 25 MB to read, written by a client without a quota: at full speed.
		filler := floodProduce(t, kafkaClient(t, inst, floodOpts("q-plain-filler")...), topic, time.Minute, 25e6)
		if filler.total < 25e6 || filler.mbps() < 3 {
			t.Fatalf("an unlimited client wrote %d bytes at %.1f MB/s", filler.total, filler.mbps())
		}
		t.Logf("client-id q-plain-filler, no quota: %.1f MB/s", filler.mbps())
		// Once any quota exists, Kafka measures every client; one without a
		// quota shows with no limit.
		u, err := c.QuotaUsage(ctx, inst.Name, streamplane.QuotaUsageFilter{By: streamplane.QuotaProduce})
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := usageEntry(u, "", "q-plain-filler"); !ok || e.QuotaMBps != nil || e.Percent != nil || e.QuotaEntity != "" || e.RateMBps < 1 {
			t.Errorf("usage of a client without a quota (listed %v): %+v", ok, e)
		}
		consumer := kafkaClient(t, inst, kgo.ClientID("q-plain-client"), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		start := time.Now()
		consumed := make(chan int64, 1)
		go func() {
			runCtx, cancel := context.WithTimeout(ctx, quotaRun)
			defer cancel()
			var got int64
			for runCtx.Err() == nil {
				consumer.PollFetches(runCtx).EachRecord(func(r *kgo.Record) {
					if time.Since(start) <= quotaRun {
						got += int64(len(r.Value))
					}
				})
			}
			consumed <- got
		}()
		entry, listed := watchUsage(t, c, inst.Name, streamplane.QuotaConsume, "", "q-plain-client", start.Add(quotaRun-time.Second), nil)
		got := <-consumed
		r := float64(got) / quotaRun.Seconds() / 1e6
		t.Logf("client-id q-plain-client, consume quota 1 MB/s: %.3f MB/s over %s; usage listed %.3f MB/s, %v%%", r, quotaRun, entry.RateMBps, ptrValue(entry.Percent))
		if r < 0.6 || r > 1.6 {
			t.Errorf("a 1 MB/s consume quota let %.3f MB/s through; want 0.6-1.6", r)
		}
		if !listed || entry.QuotaEntity != "client-id q-plain-client" || entry.RateMBps < 0.3 {
			t.Errorf("usage by consume (listed %v): %+v", listed, entry)
		}
	})

	t.Run("DefaultSparesControlPlane", func(t *testing.T) {
		d := streamplane.QuotaEntity{DefaultClient: true}
		deleteQuotaAtEnd(t, s, inst.Name, d)
		if _, err := c.CreateQuota(ctx, inst.Name, streamplane.QuotaSpec{QuotaEntity: d, ProduceMBps: mb(0.1)}); err != nil {
			t.Fatal(err)
		}
		// Any other client id is held to 0.1 MB/s: after about a window's
		// worth (1 MB), 3 MB take far longer than 5 s.
		f := floodProduce(t, kafkaClient(t, inst, floodOpts(fmt.Sprintf("q-any-%d", time.Now().UnixNano()))...), topic, 5*time.Second, 3e6)
		if f.total >= 3e6 {
			t.Errorf("the default client quota of 0.1 MB/s let 3 MB through in %s", f.elapsed)
		}
		// Streamplane's own writes (test messages through the API) are not.
		start := time.Now()
		value := strings.Repeat("q", 500_000)
		for range 6 {
			if _, err := c.SendMessage(ctx, inst.Name, topic, streamplane.MessageSend{Value: &value}); err != nil {
				t.Fatal(err)
			}
		}
		if el := time.Since(start); el > 8*time.Second {
			t.Errorf("the control plane took %s to send 3 MB under a 0.1 MB/s default quota; it should be exempt", el)
		}
		t.Logf("default client quota 0.1 MB/s: a stock client moved %.2f MB in %s; the API sent 3 MB in %s", float64(f.total)/1e6, f.elapsed.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	})
}
