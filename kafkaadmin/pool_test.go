package kafkaadmin

import (
	"context"
	"errors"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kfake"
)

// The pool shares one client per instance and dials again when the
// instance's listeners or admin user change.
func TestPool(t *testing.T) {
	fake, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser("PLAIN", fakeAdmin, fakePassword),
		kfake.Superuser("PLAIN", "admin2", fakePassword))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	ctx := testContext(t)
	user := fakeAdmin
	unreachable := errors.New("no listeners yet")
	pool := NewPool(func(ctx context.Context, inst *streamplane.Instance) ([]string, streamplane.Credentials, error) {
		if inst.ID == "starting" {
			return nil, streamplane.Credentials{}, unreachable
		}
		return fake.ListenAddrs(), streamplane.Credentials{AdminUser: user, AdminPassword: fakePassword}, nil
	})
	defer pool.Close()
	inst := &streamplane.Instance{ID: "i1"}

	first, err := pool.Get(ctx, inst)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := pool.Get(ctx, inst); again != first {
		t.Error("a second Get dialed a new client")
	}
	if _, err := first.AliveBrokers(ctx); err != nil {
		t.Errorf("the pooled client does not work: %v", err)
	}
	user = "admin2"
	changed, err := pool.Get(ctx, inst)
	if err != nil || changed == first {
		t.Fatalf("after the admin user changed: %v, same client %v", err, changed == first)
	}
	if _, err := changed.AliveBrokers(ctx); err != nil {
		t.Errorf("the new client does not work: %v", err)
	}
	pool.Drop("i1")
	if fresh, err := pool.Get(ctx, inst); err != nil || fresh == changed {
		t.Errorf("after Drop: %v, same client %v", err, fresh == changed)
	}
	if _, err := pool.Get(ctx, &streamplane.Instance{ID: "starting"}); !errors.Is(err, unreachable) {
		t.Errorf("endpoints failing: %v", err)
	}
}
