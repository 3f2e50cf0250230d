// Not in kfake: SCRAM logins with our iteration count (kfake offers 4096) and the PLAIN plugin.

package e2e

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// mechanisms are the SASL mechanisms of the shared SASL_SSL instance.
var mechanisms = []string{streamplane.MechanismSCRAM, streamplane.MechanismPlain}

// loginErrors signs in to each of the instance's brokers in turn, through
// its bootstrap servers, as a new client would, and returns each broker's
// answer to a request that needs the login: nil where it succeeded.
func loginErrors(t *testing.T, inst *streamplane.Instance, pool *x509.CertPool, mechanism, user, password string) []error {
	t.Helper()
	cl := saslClient(t, inst, pool, mechanism, kafkaUser{user, password}, kgo.RetryTimeout(time.Second))
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var errs []error
	for _, b := range cl.SeedBrokers() {
		req := kmsg.NewPtrMetadataRequest()
		req.Topics = []kmsg.MetadataRequestTopic{}
		_, err := b.Request(ctx, req)
		errs = append(errs, err)
	}
	return errs
}

// loginState says whether every broker accepts the login (nil) or what
// the first one that does not answered.
func loginState(t *testing.T, inst *streamplane.Instance, pool *x509.CertPool, mechanism, user, password string) (accepted, refused bool, why string) {
	accepted, refused = true, true
	for i, err := range loginErrors(t, inst, pool, mechanism, user, password) {
		if err != nil {
			accepted = false
			if why == "" {
				why = fmt.Sprintf("broker %d: %v", i, err)
			}
		}
		if err == nil || !strings.Contains(err.Error(), "SASL_AUTHENTICATION_FAILED") {
			refused = false
		}
	}
	return accepted, refused, why
}

// wantLogin checks, at once, that every broker accepts (ok) or refuses a
// login of a new client.
func wantLogin(t *testing.T, inst *streamplane.Instance, pool *x509.CertPool, mechanism, user, password string, ok bool) {
	t.Helper()
	accepted, refused, why := loginState(t, inst, pool, mechanism, user, password)
	if ok && !accepted {
		t.Errorf("%s login of %s with the right password failed: %s", mechanism, user, why)
	}
	if !ok && !refused {
		t.Errorf("%s login of %s with a wrong or old password was not refused with SASL_AUTHENTICATION_FAILED on every broker (%s)", mechanism, user, why)
	}
}

// waitLogin waits until every broker accepts (ok) or refuses a login.
// SCRAM password changes reach the brokers a moment after the controller
// takes them; Kafka gives no way to see that a broker has the new one.
func waitLogin(t *testing.T, inst *streamplane.Instance, pool *x509.CertPool, mechanism, user, password string, ok bool) {
	t.Helper()
	eventually(t, 20*time.Second, func() (bool, string) {
		accepted, refused, why := loginState(t, inst, pool, mechanism, user, password)
		if ok {
			return accepted, fmt.Sprintf("%s login of %s to succeed: %s", mechanism, user, why)
		}
		return refused, fmt.Sprintf("%s login of %s to be refused on every broker", mechanism, user)
	})
}

// cleanupUsers deletes users at the end of the test, even a failed one.
func cleanupUsers(t *testing.T, s *Server, inst *streamplane.Instance, names ...string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		for _, n := range names {
			if err := s.Client.DeleteKafkaUser(ctx, inst.ID, n); err != nil && !client.IsNotFound(err) {
				t.Errorf("clean up user %s: %v", n, err)
			}
		}
	})
}

// taskParam returns a string parameter of a recorded task.
func taskParam(t *testing.T, tk *streamplane.Task, name string) string {
	t.Helper()
	var params map[string]any
	if err := json.Unmarshal(tk.Params, &params); err != nil {
		t.Fatalf("task %s params: %v", tk.ID, err)
	}
	v, _ := params[name].(string)
	return v
}

// serverText is what a user of the server could see or an operator read:
// the API's answers about the instance and the server's log.
func serverText(t *testing.T, s *Server, inst *streamplane.Instance) []byte {
	t.Helper()
	log, _ := os.ReadFile(filepath.Join(s.Dir, "server.log"))
	return append(apiAnswers(t, s, "/api/v1/tasks?limit=1000", "/api/v1/instances/"+inst.ID, "/api/v1/instances/"+inst.ID+"/users"), log...)
}

// A user signs in with SCRAM and PLAIN with its password and not with
// another; a new password stops new logins with the old one; a deleted user
// cannot sign in. No password appears in answers, task records or logs.
func TestUserLifecycle(t *testing.T) {
	s, inst := sharedSecureInstance(t)
	c := s.Client
	ctx := context.Background()
	pool, _ := caPool(t, s, inst.Name)
	const name, first, second = "u-alice", "Alice-Pass1", "Alice-Pass2!"
	cleanupUsers(t, s, inst, name)

	u, err := c.CreateKafkaUser(ctx, inst.Name, name, first)
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != name || u.Initial || u.CreatedAt.IsZero() || strings.Join(u.Mechanisms, ",") != "SCRAM-SHA-512,PLAIN" {
		t.Fatalf("created user: %+v", u)
	}
	for _, m := range mechanisms {
		wantLogin(t, inst, pool, m, name, first, true)
		wantLogin(t, inst, pool, m, name, "Wrong-Pass1", false)
	}

	list, err := c.KafkaUsers(ctx, inst.Name)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]streamplane.KafkaUserInfo{}
	for _, u := range list.Users {
		found[u.Name] = u
	}
	if !found[secureUser].Initial || found[name].Initial || found[name].Name == "" || list.Limit != 20 {
		t.Fatalf("user list: %+v", list)
	}
	if got, err := c.KafkaUser(ctx, inst.Name, name); err != nil || got.Name != name {
		t.Fatalf("get user: %+v %v", got, err)
	}

	// A new password: new logins need it, for both mechanisms.
	reset, err := c.ResetKafkaUserPassword(ctx, inst.Name, name, second)
	if err != nil {
		t.Fatal(err)
	}
	if !reset.CreatedAt.Equal(u.CreatedAt) || !reset.UpdatedAt.After(u.UpdatedAt) {
		t.Errorf("reset user: created %v → %v, updated %v → %v", u.CreatedAt, reset.CreatedAt, u.UpdatedAt, reset.UpdatedAt)
	}
	// PLAIN reads the brokers' file at each login: the change is there at once.
	wantLogin(t, inst, pool, streamplane.MechanismPlain, name, first, false)
	wantLogin(t, inst, pool, streamplane.MechanismPlain, name, second, true)
	waitLogin(t, inst, pool, streamplane.MechanismSCRAM, name, first, false)
	waitLogin(t, inst, pool, streamplane.MechanismSCRAM, name, second, true)

	// Deleted: no login at all.
	if err := c.DeleteKafkaUser(ctx, inst.Name, name); err != nil {
		t.Fatal(err)
	}
	for _, m := range mechanisms {
		wantLogin(t, inst, pool, m, name, second, false)
	}
	_, err = c.KafkaUser(ctx, inst.Name, name)
	wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "user")

	// Each change is a finished task that names the user, not its password.
	tasks, err := c.Tasks(ctx, client.TaskOptions{Instance: inst.ID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	done := map[string]bool{}
	for _, tk := range tasks.Tasks {
		if taskParam(t, tk, "user") == name && tk.Status == streamplane.TaskSucceeded {
			done[tk.Kind] = true
		}
	}
	for _, k := range []string{streamplane.TaskCreateUser, streamplane.TaskResetUserPassword, streamplane.TaskDeleteUser} {
		if !done[k] {
			t.Errorf("no successful %s task for %s", k, name)
		}
	}
	text := serverText(t, s, inst)
	for _, pw := range []string{first, second} {
		if bytes.Contains(text, []byte(pw)) {
			t.Errorf("a user's password appears in the API's answers or the server's log")
		}
	}
}

// The rules of users, each refused with a code and the field at fault.
func TestUserRules(t *testing.T) {
	s, inst := sharedSecureInstance(t)
	c := s.Client
	_, plain := sharedInstance(t)
	ctx := context.Background()
	const pw = "Rules-Pass1"

	_, err := c.CreateKafkaUser(ctx, plain.Name, "u-plain", pw)
	if e := wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "instance"); !strings.Contains(e.App.Message, plain.Name) {
		t.Errorf("the refusal should name the instance: %s", e.App.Message)
	}
	_, err = c.KafkaUsers(ctx, plain.Name)
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "instance")
	_, err = c.ResetKafkaPassword(ctx, plain.Name, pw)
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "instance")

	for _, tc := range []struct{ name, password, field, mention string }{
		{"ab", pw, "name", "4–64"},
		{"9lives", pw, "name", "start with a letter"},
		{"u-bad name", pw, "name", "letters, digits"},
		{"streamplane-admin", pw, "name", "reserved"},
		{"ANONYMOUS", pw, "name", "reserved"},
		{"u-rules", "short1A", "password", "8–32"},
		{"u-rules", "alllowercase", "password", "three of"},
		{"u-rules", "-Rules-Pass1", "password", "start with '-'"},
		{"u-Rules-Pass1", "u-Rules-Pass1", "password", "differ from the user name"},
	} {
		_, err := c.CreateKafkaUser(ctx, inst.Name, tc.name, tc.password)
		if e := wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, tc.field); !strings.Contains(e.App.Message, tc.mention) {
			t.Errorf("%s/%s: %q should mention %q", tc.name, tc.password, e.App.Message, tc.mention)
		}
	}
	_, err = c.CreateKafkaUser(ctx, inst.Name, secureUser, pw)
	wantErrorCode(t, err, http.StatusConflict, streamplane.ECONFLICT, "name")
	err = c.DeleteKafkaUser(ctx, inst.Name, secureUser)
	if e := wantErrorCode(t, err, http.StatusConflict, streamplane.ESTATE, "user"); !strings.Contains(e.App.Message, "initial user") {
		t.Errorf("deleting the initial user: %s", e.App.Message)
	}
	_, err = c.ResetKafkaUserPassword(ctx, inst.Name, "u-nobody", pw)
	wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "user")
	err = c.DeleteKafkaUser(ctx, inst.Name, "u-nobody")
	wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "user")
	_, err = c.ResetKafkaUserPassword(ctx, inst.Name, secureUser, "weak")
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "password")
	_, err = c.KafkaUsers(ctx, "no-such-instance")
	wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "")

	// The initial user still signs in: no refused change touched it.
	pool, _ := caPool(t, s, inst.Name)
	wantLogin(t, inst, pool, streamplane.MechanismSCRAM, secureUser, securePassword, true)

	// Refused changes are recorded too.
	tasks, err := c.Tasks(ctx, client.TaskOptions{Instance: inst.ID, Kind: streamplane.TaskDeleteUser, Status: []string{"FAILED"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks.Tasks) == 0 {
		t.Error("the refused deletion of the initial user is not recorded")
	}
}

// At most 20 users, the initial one included.
func TestUserLimit(t *testing.T) {
	s, inst := sharedSecureInstance(t)
	c := s.Client
	ctx := context.Background()
	list, err := c.KafkaUsers(ctx, inst.Name)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := len(list.Users); i < streamplane.MaxKafkaUsers; i++ {
		names = append(names, fmt.Sprintf("u-limit-%02d", i))
	}
	cleanupUsers(t, s, inst, names...)
	for _, n := range names {
		if _, err := c.CreateKafkaUser(ctx, inst.Name, n, "Limit-Pass1"); err != nil {
			t.Fatalf("user %s of %d: %v", n, streamplane.MaxKafkaUsers, err)
		}
	}
	_, err = c.CreateKafkaUser(ctx, inst.Name, "u-limit-extra", "Limit-Pass1")
	if e := wantErrorCode(t, err, http.StatusUnprocessableEntity, streamplane.ELIMIT, ""); !strings.Contains(e.App.Message, "20") {
		t.Errorf("the refusal should name the limit: %s", e.App.Message)
	}
	list, err = c.KafkaUsers(ctx, inst.Name)
	if err != nil || len(list.Users) != streamplane.MaxKafkaUsers {
		t.Fatalf("%d users after the refusal, want %d: %v", len(list.Users), streamplane.MaxKafkaUsers, err)
	}
	// Deleting one makes room again.
	if err := c.DeleteKafkaUser(ctx, inst.Name, names[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateKafkaUser(ctx, inst.Name, names[0], "Limit-Pass1"); err != nil {
		t.Fatalf("create after a deletion: %v", err)
	}
}

// Resetting the Kafka password resets the initial user's, for both
// mechanisms (DMS 7.7).
func TestKafkaPassword(t *testing.T) {
	s, inst := sharedSecureInstance(t)
	c := s.Client
	ctx := context.Background()
	pool, _ := caPool(t, s, inst.Name)
	const newPassword = "Reset-Kafka2"
	t.Cleanup(func() {
		if _, err := s.Client.ResetKafkaPassword(context.Background(), inst.Name, securePassword); err != nil {
			t.Errorf("restore the initial user's password: %v", err)
			return
		}
		for _, m := range mechanisms {
			waitLogin(t, inst, pool, m, secureUser, securePassword, true)
		}
	})

	u, err := c.ResetKafkaPassword(ctx, inst.Name, newPassword)
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != secureUser || !u.Initial {
		t.Fatalf("reset user: %+v", u)
	}
	for _, m := range mechanisms {
		waitLogin(t, inst, pool, m, secureUser, securePassword, false)
		waitLogin(t, inst, pool, m, secureUser, newPassword, true)
	}
	_, err = c.ResetKafkaPassword(ctx, inst.Name, "secret")
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "password")

	tasks, err := c.Tasks(ctx, client.TaskOptions{Instance: inst.ID, Kind: streamplane.TaskResetKafkaPassword, Status: []string{"SUCCEEDED"}})
	if err != nil || len(tasks.Tasks) == 0 {
		t.Fatalf("no recorded reset of the Kafka password: %v", err)
	}
	if bytes.Contains(serverText(t, s, inst), []byte(newPassword)) {
		t.Error("the new Kafka password appears in the API's answers or the server's log")
	}
}

// cliEnv runs the CLI with extra environment variables.
func cliEnv(t *testing.T, s *Server, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(append(cmd.Environ(), s.CLIEnv()...), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("streamplane %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Every user command through the real binary.
func TestUserCLI(t *testing.T) {
	s, inst := sharedSecureInstance(t)
	_, plain := sharedInstance(t)
	pool, _ := caPool(t, s, inst.Name)
	const name, envName = "u-cli", "u-cli-env"
	const first, second, envPassword = "Cli-Pass1", "Cli-Pass2", "Env-Pass1"
	cleanupUsers(t, s, inst, name, envName)

	out := mustCLI(t, s, "user", "create", inst.Name, name, "--password", first)
	if !strings.Contains(out, "Created user "+name) || strings.Contains(out, first) {
		t.Errorf("user create said: %s", out)
	}
	out = cliEnv(t, s, []string{"STREAMPLANE_KAFKA_PASSWORD=" + envPassword}, "user", "create", inst.Name, envName, "-o", "json")
	var created streamplane.KafkaUserInfo
	mustJSON(t, out, &created)
	if created.Name != envName || strings.Contains(out, envPassword) {
		t.Errorf("user create -o json: %s", out)
	}
	wantLogin(t, inst, pool, streamplane.MechanismPlain, envName, envPassword, true)

	out = mustCLI(t, s, "user", "list", inst.Name)
	if !strings.Contains(out, "NAME") || !strings.Contains(out, name) || !strings.Contains(out, secureUser) || !strings.Contains(out, "SCRAM-SHA-512 PLAIN") {
		t.Errorf("user list:\n%s", out)
	}
	var list streamplane.KafkaUserList
	mustJSON(t, mustCLI(t, s, "user", "list", inst.Name, "-o", "json"), &list)
	if list.Limit != 20 || len(list.Users) < 3 {
		t.Errorf("user list -o json: %+v", list)
	}
	out = mustCLI(t, s, "user", "list", inst.Name, "-o", "csv")
	if !strings.HasPrefix(out, "name,initial,mechanisms,created\n") || !strings.Contains(out, "\n"+secureUser+",yes,") {
		t.Errorf("user list -o csv:\n%s", out)
	}

	out = mustCLI(t, s, "user", "reset-password", inst.Name, name, "--password", second)
	if !strings.Contains(out, "new password") || strings.Contains(out, second) {
		t.Errorf("user reset-password said: %s", out)
	}
	wantLogin(t, inst, pool, streamplane.MechanismPlain, name, second, true)
	waitLogin(t, inst, pool, streamplane.MechanismSCRAM, name, second, true)

	if out, err := cli(t, s, "user", "reset-password", inst.Name, name); err == nil || !strings.Contains(out, "STREAMPLANE_KAFKA_PASSWORD") {
		t.Errorf("reset-password without a password: %v\n%s", err, out)
	}
	if out, err := cli(t, s, "user", "delete", inst.Name, name); err == nil || !strings.Contains(out, "--yes") {
		t.Errorf("delete without --yes: %v\n%s", err, out)
	}
	out = mustCLI(t, s, "user", "delete", inst.Name, name, "--yes")
	if !strings.Contains(out, "Deleted user "+name) {
		t.Errorf("user delete said: %s", out)
	}
	wantLogin(t, inst, pool, streamplane.MechanismPlain, name, second, false)
	if out, err := cli(t, s, "user", "delete", inst.Name, secureUser, "--yes"); err == nil || !strings.Contains(out, "INVALID_STATE") {
		t.Errorf("deleting the initial user: %v\n%s", err, out)
	}
	if out, err := cli(t, s, "user", "create", plain.Name, "u-plain", "--password", first); err == nil ||
		!strings.Contains(out, "INVALID_ARGUMENT") || !strings.Contains(out, "(field instance)") {
		t.Errorf("a user on a plaintext instance: %v\n%s", err, out)
	}

	// The initial user's password, and back.
	t.Cleanup(func() {
		if _, err := s.Client.ResetKafkaPassword(context.Background(), inst.Name, securePassword); err != nil {
			t.Errorf("restore the initial user's password: %v", err)
		}
		waitLogin(t, inst, pool, streamplane.MechanismSCRAM, secureUser, securePassword, true)
	})
	var reset streamplane.KafkaUserInfo
	mustJSON(t, mustCLI(t, s, "instance", "reset-kafka-password", inst.Name, "--password", "Cli-Kafka1", "-o", "json"), &reset)
	if reset.Name != secureUser || !reset.Initial {
		t.Errorf("instance reset-kafka-password -o json: %+v", reset)
	}
	wantLogin(t, inst, pool, streamplane.MechanismPlain, secureUser, "Cli-Kafka1", true)
	out = mustCLI(t, s, "instance", "reset-kafka-password", inst.Name, "--password", securePassword)
	if !strings.Contains(out, secureUser) || strings.Contains(out, securePassword) {
		t.Errorf("instance reset-kafka-password said: %s", out)
	}
}
