// Package storetest is the conformance suite every streamplane.Store must
// pass: the sqlite and the postgres stores run the same cases.
package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// Run runs the suite. open returns a new, empty store for each subtest.
func Run(t *testing.T, open func(t *testing.T) streamplane.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s streamplane.Store)
	}{
		{"InstanceRoundTrip", testInstanceRoundTrip},
		{"InstanceNameUnique", testInstanceNameUnique},
		{"InstanceStaleVersion", testInstanceStaleVersion},
		{"InstanceObservedKeepsVersion", testInstanceObservedKeepsVersion},
		{"InstanceFilters", testInstanceFilters},
		{"PurgeInstance", testPurgeInstance},
		{"OneActiveTaskPerInstance", testOneActiveTask},
		{"TaskLifecycle", testTaskLifecycle},
		{"RunnableTasksRespectLeases", testRunnableTasks},
		{"TaskLeaseFencing", testTaskLeaseFencing},
		{"NamedLeases", testNamedLeases},
		{"Servers", testServers},
		{"TaskFilters", testTaskFilters},
		{"Ports", testPorts},
		{"Secrets", testSecrets},
		{"KafkaUsers", testKafkaUsers},
		{"RollbackOnError", testRollback},
		{"AccountRoundTrip", testAccountRoundTrip},
		{"AccountNameUnique", testAccountNameUnique},
		{"AccountStaleVersion", testAccountStaleVersion},
		{"DeleteAccountCascades", testDeleteAccountCascades},
		{"Tokens", testTokens},
		{"Policies", testPolicies},
		{"Projects", testProjects},
		{"InstanceProjects", testInstanceProjects},
		{"InstanceVersionUpgrade", testInstanceVersionUpgrade},
		{"AuditChain", testAuditChain},
		{"AuditFilters", testAuditFilters},
		{"AuditPrune", testAuditPrune},
		{"DeleteAlarmRuleResolvesItsAlarms", testDeleteAlarmRule},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

var ctx = context.Background()

func newInstance(id, name string) *streamplane.Instance {
	return &streamplane.Instance{
		ID: id, Name: name, Version: "4.1.1", Flavor: streamplane.DevFlavor, BrokerCount: 3, StorageGBPerBroker: 10,
		DiskType: "ultrahigh", Zones: []string{"az1", "az2", "az3"}, Tags: map[string]string{"env": "dev"},
		Status:     streamplane.InstanceCreating,
		Parameters: map[string]string{"num.partitions": "5"}, AppliedParameters: map[string]string{"num.partitions": "3"},
		SecurityProtocol: streamplane.ProtocolSASLSSL, SASLMechanisms: []string{"SCRAM-SHA-512", "PLAIN"}, KafkaUser: "admin1",
		PublicAccess: true, MutualTLS: true, DeletionProtection: true,
		Brokers: []streamplane.Broker{
			{ID: 0, Roles: []string{"broker", "controller"}, State: streamplane.BrokerStarting, Rack: "az1", Host: "127.0.0.1", Port: 20002,
				Ports: map[string]int{"internal": 20000, "private": 20002}, Endpoints: map[string]string{"private_plaintext": "127.0.0.1:20002"},
				Advertised: map[string]string{"private": "nat.example.com:19092"}},
			{ID: 1, Roles: []string{"broker", "controller"}, State: streamplane.BrokerStarting, Rack: "az2", Host: "127.0.0.1", Port: 20012,
				Endpoints: map[string]string{"private_plaintext": "127.0.0.1:20012"}},
		},
	}
}

func mustCreate(t *testing.T, s streamplane.Store, inst *streamplane.Instance) {
	t.Helper()
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.CreateInstance(inst) }); err != nil {
		t.Fatalf("create instance %s: %v", inst.Name, err)
	}
}

func get(t *testing.T, s streamplane.Store, idOrName string) (*streamplane.Instance, error) {
	t.Helper()
	var inst *streamplane.Instance
	err := s.View(ctx, func(tx streamplane.Tx) (err error) {
		inst, err = tx.Instance(idOrName)
		return err
	})
	return inst, err
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := streamplane.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func testInstanceRoundTrip(t *testing.T, s streamplane.Store) {
	mustCreate(t, s, newInstance("i-1", "demo"))
	for _, key := range []string{"i-1", "demo"} {
		got, err := get(t, s, key)
		if err != nil {
			t.Fatalf("get %s: %v", key, err)
		}
		if got.ID != "i-1" || got.Name != "demo" || got.ResourceVersion != 1 || len(got.Brokers) != 2 {
			t.Fatalf("got %+v", got)
		}
		if got.Brokers[0].Ports["internal"] != 20000 || got.Brokers[1].Rack != "az2" || got.Tags["env"] != "dev" {
			t.Fatalf("brokers/tags not kept: %+v", got.Brokers)
		}
		if want := "127.0.0.1:20002,127.0.0.1:20012"; got.BootstrapServers["private_plaintext"] != want {
			t.Fatalf("bootstrap = %q, want %q", got.BootstrapServers["private_plaintext"], want)
		}
		if !got.SASL() || !got.HasMechanism("PLAIN") || got.KafkaUser != "admin1" || !got.PublicAccess || !got.MutualTLS || got.CustomCertificate {
			t.Fatalf("security settings not kept: %+v", got)
		}
		if !got.DeletionProtection {
			t.Fatalf("deletion protection lost")
		}
		if got.Brokers[0].Advertised["private"] != "nat.example.com:19092" || len(got.Brokers[1].Advertised) != 0 {
			t.Fatalf("advertised addresses not kept: %v, %v", got.Brokers[0].Advertised, got.Brokers[1].Advertised)
		}
		if got.Parameters["num.partitions"] != "5" || got.AppliedParameters["num.partitions"] != "3" {
			t.Fatalf("parameters not kept: %v %v", got.Parameters, got.AppliedParameters)
		}
		if got.CreatedAt.IsZero() || len(got.Zones) != 3 {
			t.Fatalf("created_at/zones lost: %+v", got)
		}
	}
	got, _ := get(t, s, "demo")
	got.DeletionProtection = false
	mustUpdateInstance(t, s, got)
	if got, _ := get(t, s, "demo"); got.DeletionProtection {
		t.Fatalf("deletion protection still set after an update cleared it")
	}
	testCapacityFields(t, s)
	_, err := get(t, s, "nope")
	wantCode(t, err, streamplane.ENOTFOUND)
}

func mustUpdateInstance(t *testing.T, s streamplane.Store, inst *streamplane.Instance) {
	t.Helper()
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.UpdateInstance(inst) }); err != nil {
		t.Fatalf("update instance %s: %v", inst.Name, err)
	}
}

func testInstanceNameUnique(t *testing.T, s streamplane.Store) {
	mustCreate(t, s, newInstance("i-1", "demo"))
	err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.CreateInstance(newInstance("i-2", "demo")) })
	wantCode(t, err, streamplane.ECONFLICT)
	// A deleted instance frees its name.
	err = s.Update(ctx, func(tx streamplane.Tx) error {
		inst, err := tx.Instance("i-1")
		if err != nil {
			return err
		}
		inst.Status = streamplane.InstanceDeleted
		return tx.UpdateInstance(inst)
	})
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, newInstance("i-2", "demo"))
	got, err := get(t, s, "demo")
	if err != nil || got.ID != "i-2" {
		t.Fatalf("name lookup after delete = %v, %v; want i-2", got, err)
	}
}

func testInstanceStaleVersion(t *testing.T, s streamplane.Store) {
	mustCreate(t, s, newInstance("i-1", "demo"))
	a, _ := get(t, s, "i-1")
	b, _ := get(t, s, "i-1")
	a.Description = "first"
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.UpdateInstance(a) }); err != nil {
		t.Fatal(err)
	}
	if a.ResourceVersion != 2 {
		t.Fatalf("version after update = %d, want 2", a.ResourceVersion)
	}
	b.Description = "second"
	err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.UpdateInstance(b) })
	wantCode(t, err, streamplane.ESTALE)
	got, _ := get(t, s, "i-1")
	if got.Description != "first" {
		t.Fatalf("stale write landed: %q", got.Description)
	}
}

func testInstanceObservedKeepsVersion(t *testing.T, s streamplane.Store) {
	mustCreate(t, s, newInstance("i-1", "demo"))
	inst, _ := get(t, s, "i-1")
	inst.Status = streamplane.InstanceFaulty
	inst.Brokers[1].State = streamplane.BrokerError
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.SaveObserved(inst) }); err != nil {
		t.Fatal(err)
	}
	got, _ := get(t, s, "i-1")
	if got.ResourceVersion != 1 || got.Status != streamplane.InstanceFaulty || got.Brokers[1].State != streamplane.BrokerError {
		t.Fatalf("got version %d status %s broker %s", got.ResourceVersion, got.Status, got.Brokers[1].State)
	}
}

func testInstanceFilters(t *testing.T, s streamplane.Store) {
	for i := 0; i < 5; i++ {
		inst := newInstance(fmt.Sprintf("i-%d", i), fmt.Sprintf("inst-%d", i))
		if i%2 == 0 {
			inst.Status = streamplane.InstanceRunning
			inst.Tags = map[string]string{"env": "prod"}
		}
		mustCreate(t, s, inst)
	}
	// i-5 is deleted: only the others are listed by id.
	deleted := newInstance("i-5", "inst-5")
	deleted.Status = streamplane.InstanceDeleted
	mustCreate(t, s, deleted)
	var ids []string
	s.View(ctx, func(tx streamplane.Tx) (err error) { ids, err = tx.InstanceIDs(); return })
	if fmt.Sprint(ids) != "[i-0 i-1 i-2 i-3 i-4]" {
		t.Errorf("InstanceIDs = %v, want i-0 … i-4 (not the deleted i-5)", ids)
	}
	cases := []struct {
		name   string
		filter streamplane.InstanceFilter
		want   int
	}{
		{"all", streamplane.InstanceFilter{}, 5},
		{"status", streamplane.InstanceFilter{Status: []streamplane.InstanceStatus{streamplane.InstanceRunning}}, 3},
		{"name", streamplane.InstanceFilter{Name: "INST-3"}, 1},
		{"tag", streamplane.InstanceFilter{Tags: map[string]string{"env": "prod"}}, 3},
		{"tag any value", streamplane.InstanceFilter{Tags: map[string]string{"env": ""}}, 5},
		{"address", streamplane.InstanceFilter{Address: "127.0.0.1:20012"}, 5},
		{"id", streamplane.InstanceFilter{ID: "i-4"}, 1},
	}
	for _, c := range cases {
		var list []*streamplane.Instance
		var total int
		err := s.View(ctx, func(tx streamplane.Tx) (err error) {
			list, total, err = tx.Instances(c.filter)
			return err
		})
		if err != nil || total != c.want || len(list) != c.want {
			t.Errorf("%s: got %d/%d (%v), want %d", c.name, len(list), total, err, c.want)
		}
	}
	var list []*streamplane.Instance
	var total int
	s.View(ctx, func(tx streamplane.Tx) (err error) {
		list, total, err = tx.Instances(streamplane.InstanceFilter{Offset: 1, Limit: 2})
		return err
	})
	if total != 5 || len(list) != 2 || len(list[0].Brokers) != 2 {
		t.Fatalf("paging: got %d of %d", len(list), total)
	}
}

func testPurgeInstance(t *testing.T, s streamplane.Store) {
	mustCreate(t, s, newInstance("i-1", "demo"))
	task, _ := streamplane.NewTask("t-1", streamplane.TaskCreateInstance, "i-1", "demo", nil, "a")
	err := s.Update(ctx, func(tx streamplane.Tx) error {
		if err := tx.CreateTask(task); err != nil {
			return err
		}
		if _, err := tx.ReservePorts("i-1", 2, 30000, 30010, nil); err != nil {
			return err
		}
		if err := tx.PutSecret("i-1", "x", []byte{1}); err != nil {
			return err
		}
		return tx.PurgeInstance("i-1")
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = get(t, s, "i-1")
	wantCode(t, err, streamplane.ENOTFOUND)
	s.View(ctx, func(tx streamplane.Tx) error {
		_, err := tx.Task("t-1")
		wantCode(t, err, streamplane.ENOTFOUND)
		_, err = tx.Secret("i-1", "x")
		wantCode(t, err, streamplane.ENOTFOUND)
		return nil
	})
}

func testOneActiveTask(t *testing.T, s streamplane.Store) {
	mustCreate(t, s, newInstance("i-1", "demo"))
	t1, _ := streamplane.NewTask("t-1", streamplane.TaskCreateInstance, "i-1", "demo", nil, "a", "b")
	t2, _ := streamplane.NewTask("t-2", streamplane.TaskRestartInstance, "i-1", "demo", nil, "a")
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.CreateTask(t1) }); err != nil {
		t.Fatal(err)
	}
	err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.CreateTask(t2) })
	wantCode(t, err, streamplane.EBUSY)
	if e, ok := err.(*streamplane.Error); !ok || e.TaskID != "t-1" {
		t.Fatalf("busy error should name the holder t-1: %#v", err)
	}
	// Tasks without an instance never conflict.
	for _, id := range []string{"r-1", "r-2"} {
		r, _ := streamplane.NewTask(id, streamplane.TaskInstallRuntime, "", "4.1.1", nil, "install")
		if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.CreateTask(r) }); err != nil {
			t.Fatal(err)
		}
	}
	t1.Status = streamplane.TaskSucceeded
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.UpdateTask(t1) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.CreateTask(t2) }); err != nil {
		t.Fatalf("after the holder finished: %v", err)
	}
	var holder *streamplane.Task
	s.View(ctx, func(tx streamplane.Tx) (err error) { holder, err = tx.ActiveTask("i-1"); return })
	if holder == nil || holder.ID != "t-2" {
		t.Fatalf("active task = %v, want t-2", holder)
	}
}

func testTaskLifecycle(t *testing.T, s streamplane.Store) {
	task, _ := streamplane.NewTask("t-1", streamplane.TaskInstallRuntime, "", "4.1.1", map[string]string{"version": "4.1.1"}, "a", "b")
	s.Update(ctx, func(tx streamplane.Tx) error { return tx.CreateTask(task) })
	err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.DeleteTask("t-1") })
	wantCode(t, err, streamplane.ESTATE)

	now := time.Now().UTC()
	task.Status, task.StartedAt = streamplane.TaskRunning, &now
	task.Steps[0].Status, task.Current = streamplane.StepDone, 1
	task.State = []byte(`{"k":"v"}`)
	if err := s.Update(ctx, func(tx streamplane.Tx) error {
		if err := tx.UpdateTask(task); err != nil {
			return err
		}
		return tx.AddTaskEvent(streamplane.TaskEvent{TaskID: "t-1", Message: "did a"})
	}); err != nil {
		t.Fatal(err)
	}
	var got *streamplane.Task
	var events []streamplane.TaskEvent
	s.View(ctx, func(tx streamplane.Tx) (err error) {
		if got, err = tx.Task("t-1"); err != nil {
			return err
		}
		events, err = tx.TaskEvents("t-1")
		return err
	})
	if got.Status != streamplane.TaskRunning || got.Current != 1 || got.Progress != 50 || string(got.State) != `{"k":"v"}` || string(got.Params) != `{"version":"4.1.1"}` {
		t.Fatalf("task = %+v", got)
	}
	if len(events) != 1 || events[0].Message != "did a" {
		t.Fatalf("events = %v", events)
	}
	task.Status = streamplane.TaskFailed
	s.Update(ctx, func(tx streamplane.Tx) error { return tx.UpdateTask(task) })
	if err := s.Update(ctx, func(tx streamplane.Tx) error { return tx.DeleteTask("t-1") }); err != nil {
		t.Fatal(err)
	}
}

func testRunnableTasks(t *testing.T, s streamplane.Store) {
	task, _ := streamplane.NewTask("t-1", streamplane.TaskInstallRuntime, "", "4.1.1", nil, "a")
	future := time.Now().Add(time.Hour)
	task.LeaseOwner, task.LeaseUntil = "server-a", &future
	s.Update(ctx, func(tx streamplane.Tx) error { return tx.CreateTask(task) })
	count := func(owner string) int {
		var list []*streamplane.Task
		s.View(ctx, func(tx streamplane.Tx) (err error) { list, err = tx.RunnableTasks(owner, 10); return })
		return len(list)
	}
	if count("server-a") != 1 || count("server-b") != 0 {
		t.Fatal("a live lease must keep other servers off the task")
	}
	past := time.Now().Add(-time.Second)
	task.LeaseUntil = &past
	s.Update(ctx, func(tx streamplane.Tx) error { return tx.UpdateTask(task) })
	if count("server-b") != 1 {
		t.Fatal("an expired lease must free the task")
	}
}

func testTaskFilters(t *testing.T, s streamplane.Store) {
	mustCreate(t, s, newInstance("i-1", "demo"))
	for i := 0; i < 3; i++ {
		task, _ := streamplane.NewTask(fmt.Sprintf("t-%d", i), streamplane.TaskRestartInstance, "i-1", "demo", nil, "a")
		task.Status = streamplane.TaskSucceeded
		s.Update(ctx, func(tx streamplane.Tx) error { return tx.CreateTask(task) })
	}
	var list []*streamplane.Task
	var total int
	s.View(ctx, func(tx streamplane.Tx) (err error) {
		list, total, err = tx.Tasks(streamplane.TaskFilter{InstanceID: "i-1", Limit: 2})
		return err
	})
	if total != 3 || len(list) != 2 {
		t.Fatalf("got %d of %d", len(list), total)
	}
	past := time.Now().Add(-time.Hour)
	s.View(ctx, func(tx streamplane.Tx) (err error) {
		list, total, err = tx.Tasks(streamplane.TaskFilter{To: &past})
		return err
	})
	if total != 0 {
		t.Fatalf("time filter: got %d", total)
	}
}

func testPorts(t *testing.T, s streamplane.Store) {
	var a, a2, b []int
	err := s.Update(ctx, func(tx streamplane.Tx) (err error) {
		if a, err = tx.ReservePorts("a", 3, 30000, 30010, func(p int) bool { return p != 30001 }); err != nil {
			return err
		}
		if a2, err = tx.ReservePorts("a", 3, 30000, 30010, nil); err != nil {
			return err
		}
		b, err = tx.ReservePorts("b", 3, 30000, 30010, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(a) != "[30000 30002 30003]" || fmt.Sprint(a2) != fmt.Sprint(a) || fmt.Sprint(b) != "[30001 30004 30005]" {
		t.Fatalf("a=%v a2=%v b=%v", a, a2, b)
	}
	err = s.Update(ctx, func(tx streamplane.Tx) error { _, err := tx.ReservePorts("c", 6, 30000, 30010, nil); return err })
	wantCode(t, err, streamplane.ELIMIT)
	s.Update(ctx, func(tx streamplane.Tx) error { return tx.ReleasePorts("a") })
	var c []int
	s.Update(ctx, func(tx streamplane.Tx) (err error) { c, err = tx.ReservePorts("c", 3, 30000, 30010, nil); return })
	if fmt.Sprint(c) != "[30000 30002 30003]" {
		t.Fatalf("released ports not reused: %v", c)
	}
}

func testSecrets(t *testing.T, s streamplane.Store) {
	s.Update(ctx, func(tx streamplane.Tx) error { return tx.PutSecret("i-1", "admin", []byte("v1")) })
	s.Update(ctx, func(tx streamplane.Tx) error { return tx.PutSecret("i-1", "admin", []byte("v2")) })
	var got []byte
	s.View(ctx, func(tx streamplane.Tx) (err error) { got, err = tx.Secret("i-1", "admin"); return })
	if string(got) != "v2" {
		t.Fatalf("secret = %q", got)
	}
	s.Update(ctx, func(tx streamplane.Tx) error { return tx.DeleteSecrets("i-1") })
	err := s.View(ctx, func(tx streamplane.Tx) error { _, err := tx.Secret("i-1", "admin"); return err })
	wantCode(t, err, streamplane.ENOTFOUND)
}

func testRollback(t *testing.T, s streamplane.Store) {
	boom := fmt.Errorf("boom")
	err := s.Update(ctx, func(tx streamplane.Tx) error {
		if err := tx.CreateInstance(newInstance("i-1", "demo")); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("err = %v", err)
	}
	_, err = get(t, s, "i-1")
	wantCode(t, err, streamplane.ENOTFOUND)
}

func testKafkaUsers(t *testing.T, s streamplane.Store) {
	mustCreate(t, s, newInstance("i-1", "demo"))
	err := s.Update(ctx, func(tx streamplane.Tx) error {
		if err := tx.PutKafkaUser(&streamplane.KafkaUser{InstanceID: "i-1", Name: "bob", PlainHash: []byte{1, 2}}); err != nil {
			return err
		}
		return tx.PutKafkaUser(&streamplane.KafkaUser{InstanceID: "i-1", Name: "alice", Initial: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	var users []streamplane.KafkaUser
	s.View(ctx, func(tx streamplane.Tx) (err error) { users, err = tx.KafkaUsers("i-1"); return })
	if len(users) != 2 || users[0].Name != "alice" || !users[0].Initial || string(users[1].PlainHash) != "\x01\x02" || users[1].CreatedAt.IsZero() {
		t.Fatalf("users = %+v", users)
	}
	err = s.Update(ctx, func(tx streamplane.Tx) error {
		u, err := tx.KafkaUser("i-1", "bob")
		if err != nil {
			return err
		}
		u.PlainHash = []byte{3}
		return tx.PutKafkaUser(u)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(ctx, func(tx streamplane.Tx) error {
		u, err := tx.KafkaUser("i-1", "bob")
		if err != nil || string(u.PlainHash) != "\x03" {
			t.Fatalf("after update: %+v %v", u, err)
		}
		_, err = tx.KafkaUser("i-1", "carol")
		wantCode(t, err, streamplane.ENOTFOUND)
		return nil
	})
	err = s.Update(ctx, func(tx streamplane.Tx) error { return tx.DeleteKafkaUser("i-1", "bob") })
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx streamplane.Tx) error { return tx.DeleteKafkaUser("i-1", "bob") })
	wantCode(t, err, streamplane.ENOTFOUND)
}

// testCapacityFields checks the storage and capacity policy fields: the
// default policy of an instance that names none, and each field kept.
func testCapacityFields(t *testing.T, s streamplane.Store) {
	got, _ := get(t, s, "demo")
	if got.CapacityPolicy != streamplane.CapacityAutoDelete || got.ProductionStopped || got.StorageExpansions != 0 {
		t.Fatalf("new instance: policy %q, stopped %v, expansions %d; want auto_delete, false, 0",
			got.CapacityPolicy, got.ProductionStopped, got.StorageExpansions)
	}
	got.CapacityPolicy, got.ProductionStopped, got.CapacityEvent, got.StorageExpansions =
		streamplane.CapacityStopProduction, true, "writes stopped", 3
	mustUpdateInstance(t, s, got)
	got, _ = get(t, s, "demo")
	if got.CapacityPolicy != streamplane.CapacityStopProduction || !got.ProductionStopped || got.CapacityEvent != "writes stopped" || got.StorageExpansions != 3 {
		t.Fatalf("capacity fields not kept: %q %v %q %d", got.CapacityPolicy, got.ProductionStopped, got.CapacityEvent, got.StorageExpansions)
	}
}
