package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Migrations copy from a source cluster into an instance with
// MirrorMaker 2 (issue 12). The sources are instances of their own: a
// PLAINTEXT one on Kafka 3.9, and the shared SASL_SSL one (SCRAM, Kafka
// 4.x). The target is a SASL_SSL instance, so that MirrorMaker signs in as
// its own user with its own ACLs there.

// migrationRecord is what a test wrote to a source topic.
type migrationRecord struct {
	partition int32
	offset    int64
	key       string
	value     string
	headers   string
	timestamp time.Time
}

// produceRecords writes n records with keys, two headers and timestamps
// a millisecond apart, acks=all, and returns them as the source stored
// them (partition and offset included).
func produceRecords(t testing.TB, cl *kgo.Client, topic, prefix string, n int) []migrationRecord {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	out := make([]migrationRecord, n)
	results := make(chan error, n)
	for i := range n {
		v := fmt.Sprintf("%s-%06d", prefix, i)
		r := &kgo.Record{Topic: topic, Key: []byte("key-" + v), Value: []byte(v), Timestamp: base.Add(time.Duration(i) * time.Millisecond),
			Headers: []kgo.RecordHeader{{Key: "trace", Value: []byte("t-" + v)}, {Key: "source", Value: []byte(prefix)}}}
		cl.Produce(ctx, r, func(r *kgo.Record, err error) {
			if err == nil {
				out[i] = recordOf(r)
			}
			results <- err
		})
	}
	for range n {
		if err := <-results; err != nil {
			t.Fatalf("produce to %s: %v", topic, err)
		}
	}
	return out
}

func recordOf(r *kgo.Record) migrationRecord {
	var h []string
	for _, x := range r.Headers {
		h = append(h, x.Key+"="+string(x.Value))
	}
	return migrationRecord{partition: r.Partition, offset: r.Offset, key: string(r.Key), value: string(r.Value),
		headers: strings.Join(h, ","), timestamp: r.Timestamp.Truncate(time.Millisecond)}
}

// readTopic reads a topic from the start until it has want records or
// the timeout passes.
func readTopic(t testing.TB, cl *kgo.Client, topic string, want int, timeout time.Duration) []migrationRecord {
	t.Helper()
	cl.AddConsumeTopics(topic)
	defer cl.PurgeTopicsFromConsuming(topic)
	var out []migrationRecord
	deadline := time.Now().Add(timeout)
	for len(out) < want && time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		fetches := cl.PollFetches(ctx)
		cancel()
		fetches.EachRecord(func(r *kgo.Record) { out = append(out, recordOf(r)) })
	}
	return out
}

// endOffsets sums a topic's end offsets.
func endOffsets(t testing.TB, cl *kgo.Client, topic string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatalf("end offsets of %s: %v", topic, err)
	}
	var sum int64
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err == nil {
			sum += o.Offset
		}
	})
	return sum
}

// waitMigration waits until the migration is in state want.
func waitMigration(t testing.TB, s *Server, instance, name string, want streamplane.MigrationState, timeout time.Duration) *streamplane.MigrationStatus {
	t.Helper()
	var st *streamplane.MigrationStatus
	eventually(t, timeout, func() (bool, string) {
		var err error
		if st, err = s.Client.Migration(context.Background(), instance, name); err != nil {
			return false, err.Error()
		}
		return st.State == want, fmt.Sprintf("migration %s is %s (%s), want %s", name, st.State, st.StateReason, want)
	})
	return st
}

// waitCaughtUp waits until the migration's status shows every selected
// topic copied (0 records behind) and the instance holding as many
// records as the source.
func waitCaughtUp(t testing.TB, s *Server, instance, name string, topics []string, src, dst *kgo.Client, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, func() (bool, string) {
		st, err := s.Client.Migration(context.Background(), instance, name)
		if err != nil {
			return false, err.Error()
		}
		if len(st.Topics) < len(topics) {
			return false, fmt.Sprintf("status lists %d topics, want %d (errors %v)", len(st.Topics), len(topics), st.Errors)
		}
		for _, tp := range st.Topics {
			if tp.RecordsBehind != 0 {
				return false, fmt.Sprintf("topic %s: %d records behind", tp.Topic, tp.RecordsBehind)
			}
		}
		for _, topic := range topics {
			if a, b := endOffsets(t, src, topic), endOffsets(t, dst, topic); a != b {
				return false, fmt.Sprintf("topic %s: source ends at %d, instance at %d", topic, a, b)
			}
		}
		return true, ""
	})
}

// sameRecords checks that the instance holds each source record in the
// same partition at the same offset with the same key, value, headers
// and timestamp.
func sameRecords(t testing.TB, topic string, want, got []migrationRecord) {
	t.Helper()
	type at struct {
		p int32
		o int64
	}
	have := map[at]migrationRecord{}
	for _, r := range got {
		have[at{r.partition, r.offset}] = r
	}
	bad := 0
	for _, w := range want {
		g, ok := have[at{w.partition, w.offset}]
		if !ok || g != w {
			if bad < 3 {
				t.Errorf("topic %s partition %d offset %d: instance has %+v (found %v), source %+v", topic, w.partition, w.offset, g, ok, w)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Fatalf("topic %s: %d of %d records differ or are missing on the instance", topic, bad, len(want))
	}
}

// mirrorPID finds the live MirrorMaker of a migration under the server's
// data directory: a process whose command line names a mirrors directory.
func mirrorPIDs(dir string) []int {
	var out []int
	for _, pid := range brokerProcesses(dir) {
		raw, _ := os.ReadFile(filepath.Join("/proc", fmt.Sprint(pid), "cmdline"))
		if strings.Contains(string(raw), "org.apache.kafka.connect.mirror.MirrorMaker") {
			out = append(out, pid)
		}
	}
	return out
}

func TestMigration(t *testing.T) {
	s := NewServer(t, ServerOptions{})
	defer s.Close()
	ctx := context.Background()

	srcSpec := devSpec("mig-source", 1)
	srcSpec.Version = upgradeFrom // a Kafka 3.9 source
	src := createInstance(t, s, srcSpec)
	dst := createInstance(t, s, secureSpec("mig-target", 1, streamplane.MechanismSCRAM))
	pool, _ := caPool(t, s, dst.Name)
	dstOpts := saslOpts(pool, streamplane.MechanismSCRAM, secureUser, securePassword)
	dstClient := listenerClient(t, dst, streamplane.ListenerPrivateSASLSSL, append(dstOpts, kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))...)
	srcClient := kafkaClient(t, src, kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.ProducerBatchMaxBytes(1<<20))
	srcBootstrap := src.BootstrapServers[streamplane.ListenerPrivatePlaintext]

	t.Run("InventoryFlagsIdleTopics", func(t *testing.T) {
		createTopic(t, src, "inv-idle", 2, 1, nil)
		createTopic(t, src, "inv-busy", 2, 1, nil)
		produceRecords(t, srcClient, "inv-busy", "inv", 200)
		out, err := cli(t, s, "migration", "inventory", "--source-bootstrap", srcBootstrap, "--sample-seconds", "2", "-o", "json")
		if err != nil {
			t.Fatalf("inventory: %v\n%s", err, out)
		}
		var inv streamplane.Inventory
		if err := json.Unmarshal([]byte(out), &inv); err != nil {
			t.Fatalf("inventory -o json: %v\n%s", err, out)
		}
		byName := map[string]streamplane.InventoryTopic{}
		for _, tp := range inv.Topics {
			byName[tp.Name] = tp
		}
		if idle, ok := byName["inv-idle"]; !ok || !idle.Inactive {
			t.Errorf("inv-idle = %+v (listed %v), want it flagged inactive", idle, ok)
		}
		if busy, ok := byName["inv-busy"]; !ok || busy.Inactive || busy.Partitions != 2 {
			t.Errorf("inv-busy = %+v (listed %v), want 2 partitions and active", busy, ok)
		}
		if !inv.Recommendation.Fits || inv.Recommendation.Flavor == "" || inv.Recommendation.Brokers < 1 || inv.Recommendation.Reason == "" {
			t.Errorf("recommendation = %+v, want a flavor and broker count with a reason", inv.Recommendation)
		}
	})

	// 50,000 records on two topics; a group reads about half and commits.
	createTopic(t, src, "orders", 3, 1, nil)
	createTopic(t, src, "payments.eu", 2, 1, nil)
	want := map[string][]migrationRecord{
		"orders":      produceRecords(t, srcClient, "orders", "orders", 25000),
		"payments.eu": produceRecords(t, srcClient, "payments.eu", "payments", 25000),
	}
	committed := consumeHalf(t, src, "billing", []string{"orders", "payments.eu"}, 25000)

	_, err := s.Client.CreateMigration(ctx, dst.Name, streamplane.MigrationSpec{Name: "move-orders",
		Source: streamplane.MigrationSource{BootstrapServers: strings.Split(srcBootstrap, ",")},
		Topics: "orders,payments\\..*", Groups: "billing"})
	if err != nil {
		t.Fatalf("create migration: %v", err)
	}
	waitMigration(t, s, dst.Name, "move-orders", streamplane.MigrationRunning, 3*time.Minute)
	topics := []string{"orders", "payments.eu"}

	t.Run("CopiesEveryRecordAsItWas", func(t *testing.T) {
		waitCaughtUp(t, s, dst.Name, "move-orders", topics, srcClient, dstClient, 3*time.Minute)
		for _, topic := range topics {
			got := readTopic(t, dstClient, topic, len(want[topic]), 2*time.Minute)
			sameRecords(t, topic, want[topic], got)
		}
	})

	t.Run("RecordsWrittenDuringTheMigrationArrive", func(t *testing.T) {
		more := produceRecords(t, srcClient, "orders", "orders-live", 1000)
		want["orders"] = append(want["orders"], more...)
		waitCaughtUp(t, s, dst.Name, "move-orders", topics, srcClient, dstClient, 2*time.Minute)
	})

	t.Run("CutoverLosesNothing", func(t *testing.T) {
		var checks []streamplane.CutoverCheck
		eventually(t, 2*time.Minute, func() (bool, string) {
			var err error
			if checks, err = s.Client.CutoverCheck(ctx, dst.Name, "move-orders"); err != nil {
				return false, err.Error()
			}
			return len(checks) == 1 && checks[0].Ready, fmt.Sprintf("cutover check: %+v", checks)
		})
		out, err := cli(t, s, "migration", "cutover-check", dst.Name, "move-orders")
		if err != nil || !strings.Contains(out, "billing") || !strings.Contains(out, "READY") {
			t.Errorf("cutover-check CLI: %v\n%s", err, out)
		}
		// The group's consumers switch: they read the rest on the instance.
		rest := 0
		for _, topic := range topics {
			for _, r := range want[topic] {
				if r.offset >= committed[topic][r.partition] {
					rest++
				}
			}
		}
		translated, err := kadm.NewClient(dstClient).FetchOffsets(ctx, "billing")
		if err != nil {
			t.Fatal(err)
		}
		// The same consumer configuration as on the source: partitions the
		// group never committed on start at the beginning there and here.
		cl := listenerClient(t, dst, streamplane.ListenerPrivateSASLSSL, append(dstOpts, kgo.ConsumerGroup("billing"), kgo.ConsumeTopics(topics...),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))...)
		before := readBefore(want, committed)
		seen := map[string]int{}
		read, restSeen := 0, 0
		deadline := time.Now().Add(2 * time.Minute)
		for restSeen < rest && time.Now().Before(deadline) {
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			cl.PollFetches(pctx).EachRecord(func(r *kgo.Record) {
				v := string(r.Value)
				if seen[v] == 0 && !before[v] {
					restSeen++
				}
				seen[v]++
				read++
			})
			cancel()
		}
		lost := 0
		for _, topic := range topics {
			for _, r := range want[topic] {
				if r.offset >= committed[topic][r.partition] && seen[r.value] == 0 {
					lost++
				}
			}
		}
		dups := read - len(seen)
		for v := range seen {
			if before[v] {
				dups++
			}
		}
		t.Logf("cutover: %d records left for the group, %d read, %d lost, %d read again (the check estimated %d)", rest, read, lost, dups, checks[0].Duplicates)
		if lost != 0 {
			for _, topic := range topics {
				for p, c := range committed[topic] {
					tr, _ := translated.Lookup(topic, p)
					first, n := int64(-1), 0
					for _, r := range want[topic] {
						if r.partition == p && r.offset >= c && seen[r.value] == 0 {
							if first < 0 {
								first = r.offset
							}
							n++
						}
					}
					t.Logf("%s-%d: source commit %d, translated %d; %d lost from offset %d", topic, p, c, tr.At, n, first)
				}
			}
			t.Fatalf("%d records the group had not read on the source were never delivered on the instance", lost)
		}
		cl.CommitUncommittedOffsets(ctx)
	})

	t.Run("ConsoleShowsTheMigration", func(t *testing.T) {
		b := NewBrowser(t, s)
		b.SignInWithToken(s.Token)
		b.Open("/instances/" + dst.Name + "/migrations")
		b.waitFor(30*time.Second, "the migration listed", mainHas("move-orders")+" && "+mainHas("RUNNING"))
		b.Screenshot("migrations")
		b.Accessibility("migrations")
		b.Open("/instances/" + dst.Name + "/migrations/move-orders")
		b.waitFor(time.Minute, "each topic's progress and the group's offsets", mainHas("payments.eu")+" && "+mainHas("billing"))
		b.Screenshot("migration")
		b.Accessibility("migration page")
	})

	t.Run("UpdateCopiesOnlyWhatIsNew", func(t *testing.T) {
		createTopic(t, src, "refunds", 2, 1, nil)
		refunds := produceRecords(t, srcClient, "refunds", "refunds", 2000)
		ordersBefore := endOffsets(t, dstClient, "orders")
		topicsNow := "orders,payments\\..*,refunds"
		if _, err := s.Client.UpdateMigration(ctx, dst.Name, "move-orders", streamplane.MigrationUpdate{Topics: &topicsNow}, ""); err != nil {
			t.Fatal(err)
		}
		waitMigration(t, s, dst.Name, "move-orders", streamplane.MigrationRunning, 3*time.Minute)
		topics = append(topics, "refunds")
		waitCaughtUp(t, s, dst.Name, "move-orders", topics, srcClient, dstClient, 3*time.Minute)
		sameRecords(t, "refunds", refunds, readTopic(t, dstClient, "refunds", len(refunds), 2*time.Minute))
		if after := endOffsets(t, dstClient, "orders"); after != ordersBefore {
			t.Fatalf("orders on the instance went from %d to %d records: the update copied it again", ordersBefore, after)
		}
	})

	t.Run("PauseStopsCopyingAndResumeCatchesUp", func(t *testing.T) {
		m, err := s.Client.PauseMigration(ctx, dst.Name, "move-orders")
		if err != nil {
			t.Fatal(err)
		}
		if m.State != streamplane.MigrationPaused {
			waitMigration(t, s, dst.Name, "move-orders", streamplane.MigrationPaused, time.Minute)
		}
		if pids := mirrorPIDs(s.Dir); len(pids) != 0 {
			t.Fatalf("MirrorMaker still runs while paused: pids %v", pids)
		}
		before := endOffsets(t, dstClient, "orders")
		want["orders"] = append(want["orders"], produceRecords(t, srcClient, "orders", "orders-paused", 500)...)
		// Nothing arrives while paused. A running MirrorMaker copies
		// within a second or two; watch for well past that.
		watch := time.Now().Add(15 * time.Second)
		for time.Now().Before(watch) {
			if now := endOffsets(t, dstClient, "orders"); now != before {
				t.Fatalf("records arrived while paused: end offsets %d → %d", before, now)
			}
			time.Sleep(time.Second) // sampling an absence: there is no condition to wait for
		}
		if _, err := s.Client.ResumeMigration(ctx, dst.Name, "move-orders"); err != nil {
			t.Fatal(err)
		}
		waitMigration(t, s, dst.Name, "move-orders", streamplane.MigrationRunning, 3*time.Minute)
		waitCaughtUp(t, s, dst.Name, "move-orders", topics, srcClient, dstClient, 2*time.Minute)
	})

	t.Run("KilledMirrorMakerIsRestartedAndLosesNothing", func(t *testing.T) {
		st, err := s.Client.Migration(ctx, dst.Name, "move-orders")
		if err != nil {
			t.Fatal(err)
		}
		if st.PID == 0 || !slices.Contains(mirrorPIDs(s.Dir), st.PID) {
			t.Fatalf("migration reports pid %d; MirrorMaker processes: %v", st.PID, mirrorPIDs(s.Dir))
		}
		syscall.Kill(st.PID, syscall.SIGKILL)
		eventually(t, time.Minute, func() (bool, string) {
			cur, err := s.Client.Migration(ctx, dst.Name, "move-orders")
			if err != nil {
				return false, err.Error()
			}
			return cur.PID != 0 && cur.PID != st.PID && cur.State == streamplane.MigrationRunning && cur.Restarts == 1,
				fmt.Sprintf("migration %s pid %d restarts %d (%s)", cur.State, cur.PID, cur.Restarts, cur.StateReason)
		})
		want["orders"] = append(want["orders"], produceRecords(t, srcClient, "orders", "orders-after-kill", 500)...)
		allArrive(t, dstClient, "orders", want["orders"])
	})

	t.Run("ServerRestartAdoptsMirrorMaker", func(t *testing.T) {
		before, err := s.Client.Migration(ctx, dst.Name, "move-orders")
		if err != nil {
			t.Fatal(err)
		}
		s.Stop()
		if code := s.WaitExit(time.Minute); code != 0 {
			t.Fatalf("server exited with %d", code)
		}
		if !slices.Contains(mirrorPIDs(s.Dir), before.PID) {
			t.Fatalf("MirrorMaker (pid %d) did not outlive the server", before.PID)
		}
		s.Start()
		want["orders"] = append(want["orders"], produceRecords(t, srcClient, "orders", "orders-after-restart", 500)...)
		allArrive(t, dstClient, "orders", want["orders"])
		after, err := s.Client.Migration(ctx, dst.Name, "move-orders")
		if err != nil {
			t.Fatal(err)
		}
		if after.PID != before.PID || after.State != streamplane.MigrationRunning {
			t.Fatalf("after the restart: %s pid %d, want RUNNING with the adopted pid %d", after.State, after.PID, before.PID)
		}
		// The new server watches the adopted process: it restarts it when
		// it dies, and starts no second one.
		syscall.Kill(before.PID, syscall.SIGKILL)
		eventually(t, time.Minute, func() (bool, string) {
			cur, err := s.Client.Migration(ctx, dst.Name, "move-orders")
			if err != nil {
				return false, err.Error()
			}
			pids := mirrorPIDs(s.Dir)
			return cur.PID != before.PID && cur.State == streamplane.MigrationRunning && len(pids) == 1 && pids[0] == cur.PID,
				fmt.Sprintf("migration %s pid %d; MirrorMaker processes %v", cur.State, cur.PID, pids)
		})
		want["orders"] = append(want["orders"], produceRecords(t, srcClient, "orders", "orders-after-adopted-kill", 500)...)
		allArrive(t, dstClient, "orders", want["orders"])
	})

	t.Run("SASLSourceWithSCRAM", func(t *testing.T) {
		_, secure := sharedSecureInstance(t)
		spool, caPEM := caPool(t, shared.server, secure.Name)
		secOpts := saslOpts(spool, streamplane.MechanismSCRAM, secureUser, securePassword)
		secClient := listenerClient(t, secure, streamplane.ListenerPrivateSASLSSL, secOpts...)
		adm := kadm.NewClient(secClient)
		if _, err := adm.CreateTopic(ctx, 2, 3, nil, "mig-secure-events"); err != nil {
			t.Fatal(err)
		}
		records := produceRecords(t, secClient, "mig-secure-events", "secure", 5000)
		source := streamplane.MigrationSource{BootstrapServers: strings.Split(secure.BootstrapServers[streamplane.ListenerPrivateSASLSSL], ","),
			SecurityProtocol: streamplane.SourceSASLSSL, SASLMechanism: streamplane.SourceSCRAMSHA512, Username: secureUser, CA: string(caPEM)}

		bad := source
		bad.Password = securePassword + "-wrong"
		start := time.Now()
		if _, err := s.Client.CreateMigration(ctx, dst.Name, streamplane.MigrationSpec{Name: "wrong-password", Source: bad, Topics: "mig-secure-.*"}); err != nil {
			t.Fatal(err)
		}
		st := waitMigration(t, s, dst.Name, "wrong-password", streamplane.MigrationServiceException, 60*time.Second)
		if !strings.Contains(st.StateReason, "refused the credentials") || strings.Contains(st.StateReason, bad.Password) {
			t.Errorf("reason %q, want one saying the source refused the credentials, without the password", st.StateReason)
		}
		t.Logf("wrong password: SERVICE_EXCEPTION after %s: %s", time.Since(start).Round(time.Second), st.StateReason)
		if _, err := s.Client.DeleteMigration(ctx, dst.Name, "wrong-password"); err != nil {
			t.Fatal(err)
		}

		good := source
		good.Password = securePassword
		if _, err := s.Client.CreateMigration(ctx, dst.Name, streamplane.MigrationSpec{Name: "from-secure", Source: good, Topics: "mig-secure-.*"}); err != nil {
			t.Fatal(err)
		}
		waitMigration(t, s, dst.Name, "from-secure", streamplane.MigrationRunning, 3*time.Minute)
		waitCaughtUp(t, s, dst.Name, "from-secure", []string{"mig-secure-events"}, secClient, dstClient, 3*time.Minute)
		sameRecords(t, "mig-secure-events", records, readTopic(t, dstClient, "mig-secure-events", len(records), 2*time.Minute))

		logs, err := s.Client.MigrationLogs(ctx, dst.Name, "from-secure", 500)
		if err != nil || strings.Contains(logs, securePassword) {
			t.Errorf("MirrorMaker's log: err %v; holds the source password: %v", err, strings.Contains(logs, securePassword))
		}
		if _, err := s.Client.DeleteMigration(ctx, dst.Name, "from-secure"); err != nil {
			t.Fatal(err)
		}
		waitMigration(t, s, dst.Name, "from-secure", streamplane.MigrationDeleted, 2*time.Minute)
	})

	t.Run("Delete", func(t *testing.T) {
		if _, err := s.Client.DeleteMigration(ctx, dst.Name, "move-orders"); err != nil {
			t.Fatal(err)
		}
		waitMigration(t, s, dst.Name, "move-orders", streamplane.MigrationDeleted, 2*time.Minute)
		if pids := mirrorPIDs(s.Dir); len(pids) != 0 {
			t.Fatalf("MirrorMaker processes left after deletion: %v", pids)
		}
		// The copied data stays; MirrorMaker's own topics go.
		adm := kadm.NewClient(dstClient)
		listed, err := adm.ListTopics(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !listed.Has("orders") || listed.Has("mm2-offsets.move-orders.internal") {
			t.Fatalf("topics after deletion: %v; want orders kept and MirrorMaker's internal topics gone", listed.Names())
		}
	})
}

// consumeHalf reads the topics in a consumer group until it has about n
// records, commits exactly what it read and leaves; it returns the
// committed offsets.
func consumeHalf(t *testing.T, inst *streamplane.Instance, group string, topics []string, n int) map[string]map[int32]int64 {
	t.Helper()
	cl := kafkaClient(t, inst, kgo.ConsumerGroup(group), kgo.ConsumeTopics(topics...), kgo.DisableAutoCommit(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxPartitionBytes(64<<10))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	read := 0
	for read < n && ctx.Err() == nil {
		fetches := cl.PollRecords(ctx, 1000)
		recs := fetches.Records()
		if len(recs) == 0 {
			continue
		}
		if err := cl.CommitRecords(ctx, recs...); err != nil {
			t.Fatalf("commit: %v", err)
		}
		read += len(recs)
	}
	if read < n {
		t.Fatalf("the group read %d records, want %d", read, n)
	}
	cl.Close() // leaves the group: Empty, with its commits
	offsets, err := kadm.NewClient(kafkaClient(t, inst)).FetchOffsets(context.Background(), group)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[int32]int64{}
	offsets.Each(func(o kadm.OffsetResponse) {
		if out[o.Topic] == nil {
			out[o.Topic] = map[int32]int64{}
		}
		out[o.Topic][o.Partition] = o.At
	})
	return out
}

// readBefore is the set of values the group had read on the source
// before it switched.
func readBefore(want map[string][]migrationRecord, committed map[string]map[int32]int64) map[string]bool {
	out := map[string]bool{}
	for topic, recs := range want {
		for _, r := range recs {
			if r.offset < committed[topic][r.partition] {
				out[r.value] = true
			}
		}
	}
	return out
}

// allArrive waits until the instance's topic holds every value of want
// (duplicates allowed: a MirrorMaker killed between commits copies some
// records again).
func allArrive(t *testing.T, cl *kgo.Client, topic string, want []migrationRecord) {
	t.Helper()
	seen := map[string]bool{}
	cl.AddConsumeTopics(topic)
	defer cl.PurgeTopicsFromConsuming(topic)
	deadline := time.Now().Add(3 * time.Minute)
	missingCount := len(want)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { seen[string(r.Value)] = true })
		cancel()
		missingCount = 0
		for _, r := range want {
			if !seen[r.value] {
				missingCount++
			}
		}
		if missingCount == 0 {
			return
		}
	}
	t.Fatalf("%d of %d records never arrived on the instance's %s", missingCount, len(want), topic)
}
