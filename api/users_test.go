package api_test

import (
	"context"
	"crypto/rand"
	"net/http"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/secrets"
	"github.com/streamplane/streamplane/service"
)

// These tests need no brokers: every request is answered from the store or
// refused before the server talks to Kafka. The e2e tests cover the rest.

const userTestPassword = "Sekrit-Pass1"

// saslSpec is a SASL_SSL instance offering SCRAM only, so the server needs
// no PLAIN hasher.
func saslSpec(name string) streamplane.InstanceSpec {
	spec := validSpec(name)
	spec.SecurityProtocol, spec.KafkaUser, spec.KafkaPassword = streamplane.ProtocolSASLSSL, "appuser", userTestPassword
	return spec
}

// withVault gives the service a vault, which SASL_SSL instances need for
// their initial password.
func withVault(t *testing.T, svc *service.Service) {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	box, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	svc.Vault = &secrets.Vault{Store: svc.Store, Box: box}
}

// Users and grants are for SASL_SSL instances only; on one that a task
// holds, every change gets 409 naming the task and is recorded, without
// the password, while the user list answers from the store.
func TestUserRequests(t *testing.T) {
	router := loadRouter(t)
	c, svc := newAPI(t)
	withVault(t, svc)
	ctx := context.Background()
	if _, _, err := c.CreateInstance(ctx, validSpec("plain-users")); err != nil {
		t.Fatal(err)
	}
	inst, create, err := c.CreateInstance(ctx, saslSpec("sasl-users"))
	if err != nil {
		t.Fatal(err)
	}
	plain, sasl := "/api/v1/instances/plain-users", "/api/v1/instances/sasl-users"
	pw := `"password":"` + userTestPassword + `"`
	for _, tc := range []errorCase{
		{"GET", plain + "/users", "", 400, streamplane.EINVALID, "instance"},
		{"POST", plain + "/users", `{"name":"alice",` + pw + `}`, 400, streamplane.EINVALID, "instance"},
		{"POST", plain + "/reset-kafka-password", `{` + pw + `}`, 400, streamplane.EINVALID, "instance"},
		{"GET", plain + "/topics/t-x/grants", "", 400, streamplane.EINVALID, "instance"},
		{"PUT", plain + "/topics/t-x/grants/default", `{"permission":"subscribe"}`, 400, streamplane.EINVALID, "instance"},
		{"POST", sasl + "/users", `{"name":"alice","pasword":"x"}`, 400, streamplane.EINVALID, "pasword"},
		{"PUT", sasl + "/topics/t-x/grants/users/alice", `{"permission":7}`, 400, streamplane.EINVALID, "permission"},
		{"GET", "/api/v1/instances/no-such-instance/users", "", 404, streamplane.ENOTFOUND, ""},
		{"DELETE", "/api/v1/instances/no-such-instance/users/alice", "", 404, streamplane.ENOTFOUND, ""},
		{"GET", sasl + "/users/nobody", "", 404, streamplane.ENOTFOUND, "user"},
		// CREATING: a task holds the instance and its brokers do not run yet.
		{"POST", sasl + "/users", `{"name":"alice",` + pw + `}`, 409, streamplane.EBUSY, ""},
		{"POST", sasl + "/users/appuser/reset-password", `{` + pw + `}`, 409, streamplane.EBUSY, ""},
		{"POST", sasl + "/reset-kafka-password", `{` + pw + `}`, 409, streamplane.EBUSY, ""},
		{"DELETE", sasl + "/users/appuser", "", 409, streamplane.EBUSY, ""},
		{"PUT", sasl + "/topics/t-x/grants/users/appuser", `{"permission":"publish"}`, 409, streamplane.EBUSY, ""},
		{"PUT", sasl + "/topics/t-x/grants/default", `{"permission":"subscribe"}`, 409, streamplane.EBUSY, ""},
		{"DELETE", sasl + "/topics/t-x/grants/users/appuser", "", 409, streamplane.EBUSY, ""},
		{"DELETE", sasl + "/topics/t-x/grants/default", "", 409, streamplane.EBUSY, ""},
		{"GET", sasl + "/topics/t-x/grants", "", 409, streamplane.ESTATE, ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			if body := tc.check(t, c.BaseURL, router); strings.Contains(body, userTestPassword) {
				t.Fatalf("the answer holds the password: %s", body)
			}
		})
	}

	// The list needs no brokers: the initial user shows, with SCRAM.
	list, err := c.KafkaUsers(ctx, inst.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Users) != 1 || list.Limit != streamplane.MaxKafkaUsers {
		t.Fatalf("users: %+v", list)
	}
	u := list.Users[0]
	if u.Name != "appuser" || !u.Initial || u.CreatedAt.IsZero() || strings.Join(u.Mechanisms, ",") != streamplane.MechanismSCRAM {
		t.Fatalf("initial user: %+v", u)
	}
	status, header, body := do(t, c.BaseURL, "GET", sasl+"/users", "")
	checkResponse(t, router, "GET", sasl+"/users", "", status, header, body)

	// Each refused change is a failed task naming the holder, and no task
	// keeps a password.
	tasks, err := c.Tasks(ctx, client.TaskOptions{Instance: inst.ID, Status: []string{"FAILED"}})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, tk := range tasks.Tasks {
		kinds[tk.Kind]++
		if !strings.Contains(tk.Error, create.ID) {
			t.Errorf("recorded refusal %s: error %q", tk.Kind, tk.Error)
		}
		if strings.Contains(string(tk.Params), userTestPassword) {
			t.Errorf("task %s keeps the password: %s", tk.Kind, tk.Params)
		}
	}
	want := map[string]int{streamplane.TaskCreateUser: 1, streamplane.TaskResetUserPassword: 1, streamplane.TaskResetKafkaPassword: 1,
		streamplane.TaskDeleteUser: 1, streamplane.TaskGrantTopic: 2, streamplane.TaskRevokeTopic: 2}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("recorded %d %s refusals, want %d (all: %v)", kinds[k], k, n, kinds)
		}
	}

	// Once the creation failed, changes are refused for the state.
	finishTask(t, svc, create.ID, inst.ID, streamplane.InstanceCreateFailed)
	_, err = c.CreateKafkaUser(ctx, inst.Name, "alice", userTestPassword)
	wantAPIError(t, err, http.StatusConflict, streamplane.ESTATE, "")
}
