package service_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/task"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
)

// plainHasher stands in for the PLAIN plugin's hash.
type plainHasher struct{}

func (plainHasher) Hash(password string) ([]byte, error) {
	sum := sha256.Sum256([]byte(password))
	return sum[:], nil
}

// plainFiles stands in for the brokers' PLAIN users file: it keeps the
// users each write would have put there, read from the store as the real
// writer does.
type plainFiles struct {
	store streamplane.Store
	mu    sync.Mutex
	last  []string
}

func (f *plainFiles) WriteBrokerFiles(ctx context.Context, inst *streamplane.Instance) error {
	var users []streamplane.KafkaUser
	err := f.store.View(ctx, func(tx streamplane.Tx) (err error) {
		users, err = tx.KafkaUsers(inst.ID)
		return err
	})
	if err != nil {
		return err
	}
	var names []string
	for _, u := range users {
		if len(u.PlainHash) > 0 {
			names = append(names, u.Name)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last = names
	return nil
}

// plainUsers returns the users the PLAIN file holds now.
func (f *plainFiles) plainUsers() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.last)
}

// scramCredential reports whether Kafka has a SCRAM-SHA-512 credential for
// the user. (kfake cannot sign in with the 8192 iterations Streamplane
// uses, so logins with the password are checked by the e2e tests.)
func (f *fixture) scramCredential(t *testing.T, user string) bool {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(f.fake.ListenAddrs()...), kgo.SASL(plain.Auth{User: fakeAdmin, Pass: fakePassword}.AsMechanism()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	described, err := kadm.NewClient(cl).DescribeUserSCRAMs(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := described[user]
	return ok && d.Err == nil && len(d.CredInfos) == 1 && d.CredInfos[0].Mechanism == kadm.ScramSha512
}

// user returns a user's record, nil if there is none.
func (f *fixture) user(t *testing.T, name string) *streamplane.KafkaUser {
	t.Helper()
	var u *streamplane.KafkaUser
	err := f.store.View(context.Background(), func(tx streamplane.Tx) (err error) {
		u, err = tx.KafkaUser(f.inst.ID, name)
		return err
	})
	if streamplane.IsCode(err, streamplane.ENOTFOUND) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// wantWhole checks a user exists in full: record with a PLAIN hash, in the
// PLAIN file, and a SCRAM credential.
func (f *fixture) wantWhole(t *testing.T, name string) {
	t.Helper()
	if u := f.user(t, name); u == nil || len(u.PlainHash) == 0 {
		t.Errorf("user %s: record %+v, want one with a PLAIN hash", name, u)
	}
	if !slices.Contains(f.files.plainUsers(), name) {
		t.Errorf("the PLAIN file holds %v, not %s", f.files.plainUsers(), name)
	}
	if !f.scramCredential(t, name) {
		t.Errorf("Kafka has no SCRAM credential for %s", name)
	}
}

// wantGone checks nothing of a user is left.
func (f *fixture) wantGone(t *testing.T, name string) {
	t.Helper()
	if u := f.user(t, name); u != nil {
		t.Errorf("user %s still has a record", name)
	}
	if slices.Contains(f.files.plainUsers(), name) {
		t.Errorf("the PLAIN file still holds %s", name)
	}
	if f.scramCredential(t, name) {
		t.Errorf("Kafka still has a SCRAM credential for %s", name)
	}
}

// waitTask waits until the newest task of kind has ended and returns it.
func (f *fixture) waitTask(t *testing.T, kind string) *streamplane.Task {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		tk := f.tasks(t, kind)[0]
		if tk.Status.Done() {
			return tk
		}
		if time.Now().After(deadline) {
			t.Fatalf("the %s task did not end: %+v", kind, tk)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestUserChanges(t *testing.T) {
	f := newSASLFixture(t)
	ctx := context.Background()
	const password = "Alice-Pass-1"
	info, err := f.svc.CreateKafkaUser(ctx, "demo", "alice", password)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(info.Mechanisms, []string{streamplane.MechanismSCRAM, streamplane.MechanismPlain}) {
		t.Errorf("mechanisms %v", info.Mechanisms)
	}
	f.wantWhole(t, "alice")

	// The password is in no task record, and its sealed copy went with the task.
	tk := f.tasks(t, streamplane.TaskCreateUser)[0]
	raw, _ := json.Marshal(tk)
	if strings.Contains(string(raw)+string(tk.State), password) || tk.Status != streamplane.TaskSucceeded || !strings.Contains(tk.Result, "created user alice") {
		t.Errorf("task record: %s (state %s)", raw, tk.State)
	}
	err = f.store.View(ctx, func(tx streamplane.Tx) error { _, err := tx.Secret(tk.ID, "password"); return err })
	if !streamplane.IsCode(err, streamplane.ENOTFOUND) {
		t.Errorf("the task's sealed password after the task: %v; want it deleted", err)
	}

	// A taken name is refused by the task, which leaves the other user be.
	_, err = f.svc.CreateKafkaUser(ctx, "demo", "alice", "Other-Pass-2")
	wantCode(t, err, streamplane.ECONFLICT, "name")
	f.wantWhole(t, "alice")
	_, err = f.svc.CreateKafkaUser(ctx, "demo", "bobby", "short")
	wantCode(t, err, streamplane.EINVALID, "password")

	const newPassword = "Alice-Pass-2"
	hashBefore := f.user(t, "alice").PlainHash
	if _, err := f.svc.ResetKafkaUserPassword(ctx, "demo", "alice", newPassword); err != nil {
		t.Fatal(err)
	}
	f.wantWhole(t, "alice")
	if u := f.user(t, "alice"); u == nil || string(u.PlainHash) == string(hashBefore) {
		t.Error("the reset kept the old PLAIN hash")
	}

	if err := f.svc.DeleteKafkaUser(ctx, "demo", "alice"); err != nil {
		t.Fatal(err)
	}
	f.wantGone(t, "alice")
	wantCode(t, f.svc.DeleteKafkaUser(ctx, "demo", "alice"), streamplane.ENOTFOUND, "user")
}

// failAt returns workflows whose step n (1-based) of kind fails with err
// instead of doing its work.
func failAt(workflows map[string]task.Workflow, kind string, n int, err error) map[string]task.Workflow {
	out := map[string]task.Workflow{}
	for k, wf := range workflows {
		if k == kind {
			wf.Steps = slices.Clone(wf.Steps)
			wf.Steps[n-1].Run = func(context.Context, *task.Run) error { return err }
		}
		out[k] = wf
	}
	return out
}

// A creation that Kafka refuses at the SCRAM step removes what it wrote:
// the record and the PLAIN entry. The refusal reaches the caller as such.
func TestFailedUserCreationRollsBack(t *testing.T) {
	f := newSASLFixture(t)
	refused := &streamplane.Error{Code: streamplane.EINVALID, Field: "password", Message: "Kafka refused the credential"}
	f.svc.Engine = newEngine(f.store, failAt(f.svc.ChangeWorkflows(), streamplane.TaskCreateUser, 3, refused))
	_, err := f.svc.CreateKafkaUser(context.Background(), "demo", "carol", "Carol-Pass-1")
	if !errors.Is(err, refused) {
		t.Fatalf("create = %v, want Kafka's refusal", err)
	}
	f.wantGone(t, "carol")
	if tk := f.tasks(t, streamplane.TaskCreateUser)[0]; tk.Status != streamplane.TaskFailed || !strings.Contains(tk.Error, "Kafka refused") {
		t.Errorf("task %s %q", tk.Status, tk.Error)
	}
}

// A server that stops after any step of a user's creation or deletion
// finishes it when it starts again: the user is whole, or gone.
func TestUserChangesResumeAfterCrash(t *testing.T) {
	for _, tc := range []struct {
		kind  string
		steps int
	}{{streamplane.TaskCreateUser, 4}, {streamplane.TaskDeleteUser, 6}} {
		for n := 1; n <= tc.steps; n++ {
			t.Run(fmt.Sprintf("%s/after step %d", tc.kind, n), func(t *testing.T) {
				f := newSASLFixture(t)
				ctx := context.Background()
				const password = "Dave-Pass-1"
				if tc.kind == streamplane.TaskDeleteUser {
					if _, err := f.svc.CreateKafkaUser(ctx, "demo", "dave", password); err != nil {
						t.Fatal(err)
					}
				}
				var stop func()
				crashing := newEngine(f.store, crashAfter(f.svc.ChangeWorkflows(), tc.kind, n, func() { go stop() }))
				stop = run(t, crashing)
				f.svc.Engine = crashing
				var err error
				if tc.kind == streamplane.TaskCreateUser {
					_, err = f.svc.CreateKafkaUser(ctx, "demo", "dave", password)
				} else {
					err = f.svc.DeleteKafkaUser(ctx, "demo", "dave")
				}
				if tk := f.tasks(t, tc.kind)[0]; err == nil || tk.Status != streamplane.TaskRunning || len(tk.Steps) != tc.steps {
					t.Fatalf("after the crash: %v; task %s with %d steps", err, tk.Status, len(tk.Steps))
				}
				run(t, newEngine(f.store, f.svc.ChangeWorkflows()))
				if tk := f.waitTask(t, tc.kind); tk.Status != streamplane.TaskSucceeded {
					t.Fatalf("resumed task %s: %s", tk.Status, tk.Error)
				}
				if tc.kind == streamplane.TaskCreateUser {
					f.wantWhole(t, "dave")
				} else {
					f.wantGone(t, "dave")
				}
			})
		}
	}
}

func TestQuotaChanges(t *testing.T) {
	f := newSASLFixture(t)
	ctx := context.Background()
	e := streamplane.QuotaEntity{User: "appuser"}
	if _, err := f.svc.CreateKafkaUser(ctx, "demo", "appuser", "App-Pass-1"); err != nil {
		t.Fatal(err)
	}
	two, three := 2.0, 3.0
	if _, err := f.svc.CreateQuota(ctx, "demo", streamplane.QuotaSpec{QuotaEntity: e, ProduceMBps: &two}); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.CreateQuota(ctx, "demo", streamplane.QuotaSpec{QuotaEntity: e, ProduceMBps: &two})
	wantCode(t, err, streamplane.ECONFLICT, "")
	q, err := f.svc.UpdateQuota(ctx, "demo", streamplane.QuotaUpdate{QuotaEntity: e, ConsumeMBps: &three})
	if err != nil || q.ProduceMBps == nil || *q.ProduceMBps != 2 || q.ConsumeMBps == nil || *q.ConsumeMBps != 3 {
		t.Fatalf("update = %+v, %v", q, err)
	}
	list, err := f.svc.Quotas(ctx, "demo")
	if err != nil || len(list.Quotas) != 1 || *list.Quotas[0].ConsumeMBps != 3 {
		t.Fatalf("quotas as Kafka has them: %+v, %v", list, err)
	}
	del, err := f.svc.DeleteQuota(ctx, "demo", e)
	if err != nil || del.Deleted.Entity != q.Entity {
		t.Fatalf("delete = %+v, %v", del, err)
	}
	if list, err := f.svc.Quotas(ctx, "demo"); err != nil || len(list.Quotas) != 0 {
		t.Fatalf("quotas after the delete: %+v, %v", list, err)
	}
	_, err = f.svc.DeleteQuota(ctx, "demo", e)
	wantCode(t, err, streamplane.ENOTFOUND, "")
}
