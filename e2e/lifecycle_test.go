// Not in kfake: broker processes started, adopted after a server crash, rolled and deleted.

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

// The server is killed right after each step of an instance creation has
// done its work, before the step's completion is recorded; after a restart
// the task finishes and the instance runs, with one process per broker.
func TestCreationSurvivesServerCrashAtEveryStep(t *testing.T) {
	s := NewServer(t, ServerOptions{})
	defer s.Close()
	steps := 8 // the create_instance workflow's steps
	for n := 1; n <= steps; n++ {
		t.Run(fmt.Sprintf("after step %d", n), func(t *testing.T) {
			s.t = t
			s.Stop()
			s.Start(fmt.Sprintf("STREAMPLANE_FAULT_EXIT_AFTER_STEP=create_instance:%d", n))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			inst, task, err := s.Client.CreateInstance(ctx, devSpec(fmt.Sprintf("crash-%d", n), 3))
			if err != nil {
				t.Fatal(err)
			}
			if len(task.Steps) != steps {
				t.Fatalf("create task has %d steps, the test expects %d: update it", len(task.Steps), steps)
			}
			if code := s.WaitExit(2 * time.Minute); code != 86 {
				t.Fatalf("server exited with %d, want the fault hook's 86; log:\n%s", code, s.LogTail(30))
			}
			s.Start()
			done, err := s.Client.WaitTask(ctx, task.ID, nil)
			if err != nil {
				t.Fatalf("task after restart: %v\n%s", err, s.LogTail(40))
			}
			if done.Steps[n-1].Status != streamplane.StepDone {
				t.Fatalf("step %d is %s", n, done.Steps[n-1].Status)
			}
			inst = waitStatus(t, s, inst.ID, streamplane.InstanceRunning, time.Minute)
			if pids := brokerProcesses(filepath.Join(s.Dir, "instances", inst.ID)); len(pids) != 3 {
				t.Fatalf("instance runs %d broker processes, want 3: %v", len(pids), pids)
			}
			for _, b := range inst.Brokers {
				if b.State != streamplane.BrokerActive {
					t.Fatalf("broker %d is %s", b.ID, b.State)
				}
			}
			del, err := s.Client.DeleteInstance(ctx, inst.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Client.WaitTask(ctx, del.ID, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Restarting the server while two instances run restarts no broker: both
// instances are adopted with the same processes.
func TestServerRestartAdoptsBrokers(t *testing.T) {
	s, first := sharedInstance(t)
	second := ownInstance(t, s, devSpec("adopted", 3))
	type proc struct{ pid, restarts int }
	before := map[string]proc{}
	starts := map[int]string{}
	for _, inst := range []*streamplane.Instance{first, second} {
		inst = waitStatus(t, s, inst.ID, streamplane.InstanceRunning, time.Minute)
		for _, b := range inst.Brokers {
			before[fmt.Sprintf("%s/%d", inst.Name, b.ID)] = proc{b.PID, b.Restarts}
			starts[b.PID], _ = procStart(b.PID)
		}
	}
	s.Kill() // the harshest stop
	s.Start()
	for _, id := range []string{first.ID, second.ID} {
		inst := waitStatus(t, s, id, streamplane.InstanceRunning, time.Minute)
		for _, b := range inst.Brokers {
			was := before[fmt.Sprintf("%s/%d", inst.Name, b.ID)]
			if b.PID != was.pid || b.Restarts != was.restarts || b.State != streamplane.BrokerActive {
				t.Errorf("%s broker %d: pid %d restarts %d state %s; before the server restart pid %d restarts %d",
					inst.Name, b.ID, b.PID, b.Restarts, b.State, was.pid, was.restarts)
			}
			if now, ok := procStart(b.PID); !ok || now != starts[b.PID] {
				t.Errorf("%s broker %d: process %d was replaced", inst.Name, b.ID, b.PID)
			}
		}
	}
}

// A rolling restart while a producer writes with acks=all and retries: no
// record is refused and none is lost.
func TestRollingRestartLosesNothing(t *testing.T) {
	s, inst := sharedInstance(t)
	two := "2"
	createTopic(t, inst, "rolling", 6, 3, map[string]*string{"min.insync.replicas": &two})
	load := startLoad(t, inst, "rolling")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	task, err := s.Client.RestartInstance(ctx, inst.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	during := waitStatus(t, s, inst.ID, streamplane.InstanceRestarting, 10*time.Second)
	if during.TaskID != task.ID {
		t.Errorf("instance's task_id = %q, want %q", during.TaskID, task.ID)
	}
	detail, err := s.Client.WaitTask(ctx, task.ID, nil)
	if err != nil {
		t.Fatalf("restart: %v\n%s", err, s.LogTail(40))
	}
	t.Logf("rolling restart took %s", time.Since(start).Round(time.Millisecond))
	load.stop()

	restarts := 0
	for _, ev := range detail.Events {
		if strings.HasPrefix(ev.Message, "restarting node ") {
			restarts++
		}
	}
	if restarts != 3 {
		t.Errorf("task log records %d broker restarts with a reason, want 3: %v", restarts, detail.Events)
	}
	after := waitStatus(t, s, inst.ID, streamplane.InstanceRunning, time.Minute)
	for _, b := range after.Brokers {
		if b.PID == 0 || b.State != streamplane.BrokerActive {
			t.Errorf("broker %d after restart: %+v", b.ID, b)
		}
	}
	load.check(t, "the rolling restart")
}

// Delete stops every process, removes the data directory and keeps a
// DELETED record; the ports are free for the next instance.
func TestDeleteReleasesEverything(t *testing.T) {
	// A range of exactly one 3-broker instance's ports (5 per broker).
	s := NewServer(t, ServerOptions{Ports: 15})
	defer s.Close()
	ctx := context.Background()
	first := createInstance(t, s, devSpec("doomed", 3))
	dir := filepath.Join(s.Dir, "instances", first.ID)
	if len(brokerProcesses(dir)) != 3 {
		t.Fatalf("expected 3 broker processes under %s", dir)
	}
	// The range is full: a second instance cannot be placed.
	_, blocked, err := s.Client.CreateInstance(ctx, devSpec("nospace", 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.WaitTask(ctx, blocked.ID, nil); err == nil {
		t.Fatal("an instance was placed in a full port range")
	}
	if cleared, err := s.Client.ClearFailed(ctx); err != nil || len(cleared) != 1 || cleared[0] != "nospace" {
		t.Fatalf("clear-failed = %v, %v; want [nospace]", cleared, err)
	}

	task, err := s.Client.DeleteInstance(ctx, "doomed")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.WaitTask(ctx, task.ID, nil); err != nil {
		t.Fatal(err)
	}
	if pids := brokerProcesses(dir); len(pids) != 0 {
		t.Fatalf("processes left after delete: %v", pids)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("data directory %s still exists (%v)", dir, err)
	}
	list, err := s.Client.Instances(ctx, client.ListOptions{Status: []string{"DELETED"}})
	if err != nil || list.Total != 1 || list.Instances[0].ID != first.ID || list.Instances[0].DeletedAt == nil {
		t.Fatalf("DELETED record: %+v, %v", list, err)
	}
	for _, b := range list.Instances[0].Brokers {
		if b.State != streamplane.BrokerDeleted {
			t.Errorf("broker %d is %s, want DELETED", b.ID, b.State)
		}
	}
	// Same name, same ports: both were released.
	second := createInstance(t, s, devSpec("doomed", 3))
	if second.ID == first.ID {
		t.Fatal("a new instance reused the old id")
	}
	for i, b := range second.Brokers {
		if b.Port != first.Brokers[i].Port {
			t.Errorf("broker %d got port %d, the deleted instance had %d", i, b.Port, first.Brokers[i].Port)
		}
	}
}
