// Not in kfake: listener rights and secrets in broker files, logs and the store.

package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaconfig"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	_ "modernc.org/sqlite"
)

// brokerProperties reads a broker's server.properties from the data
// directory (the test plays the operator here; users never see this file).
func brokerProperties(t *testing.T, s *Server, inst *streamplane.Instance, node int) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(s.Dir, "instances", inst.ID, "brokers", strconv.Itoa(node), "server.properties"))
	if err != nil {
		t.Fatal(err)
	}
	props, err := kafkaconfig.Decode(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	return props
}

// listenerPort finds a listener's port in a broker's listeners setting.
func listenerPort(t *testing.T, props map[string]string, name string) string {
	t.Helper()
	for _, l := range strings.Split(props["listeners"], ",") {
		if strings.HasPrefix(l, name+"://") {
			return l[strings.LastIndex(l, ":")+1:]
		}
	}
	t.Fatalf("no %s listener in %q", name, props["listeners"])
	return ""
}

// apiAnswers is what the server answers to GETs of paths, one after another.
func apiAnswers(t *testing.T, s *Server, paths ...string) []byte {
	t.Helper()
	var out bytes.Buffer
	for _, path := range paths {
		req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := s.Client.HTTP.Do(s.Authorize(req))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(&out, resp.Body)
		resp.Body.Close()
	}
	return out.Bytes()
}

// serverFiles is what an operator could read of the server's own files:
// its log, and the store with its write-ahead log.
func serverFiles(s *Server) map[string][]byte {
	read := func(name string) []byte {
		raw, _ := os.ReadFile(filepath.Join(s.Dir, name))
		return raw
	}
	return map[string][]byte{"server log": read("server.log"), "store": read("streamplane.db"), "store WAL": read("streamplane.db-wal")}
}

func jaasPassword(jaas string) string {
	_, rest, _ := strings.Cut(jaas, `password="`)
	pw, _, _ := strings.Cut(rest, `"`)
	return pw
}

// No client-facing listener has super-user rights; the internal and
// controller listeners authenticate; control-plane secrets appear in no API
// answer, log or store record.
func TestListenersAndSecrets(t *testing.T) {
	s, inst := sharedInstance(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// A client of the private plaintext listener (User:ANONYMOUS) can use
	// topics but cannot administer the cluster.
	adm := kadm.NewClient(kafkaClient(t, inst))
	v := "500"
	resp, err := adm.AlterBrokerConfigs(ctx, []kadm.AlterConfig{{Name: "max.connections.per.ip", Value: &v}})
	if err == nil {
		err = resp[0].Err
	}
	if !errors.Is(err, kerr.ClusterAuthorizationFailed) {
		t.Errorf("a plaintext client altered broker configs: %v", err)
	}
	acl := kadm.NewACLs().Allow("User:ANONYMOUS").Topics("x").Operations(kadm.OpAll).ResourcePatternType(kadm.ACLPatternLiteral)
	created, err := adm.CreateACLs(ctx, acl)
	if err == nil && len(created) > 0 {
		err = created[0].Err
	}
	if !errors.Is(err, kerr.ClusterAuthorizationFailed) {
		t.Errorf("a plaintext client created an ACL: %v", err)
	}
	_, err = adm.AlterUserSCRAMs(ctx, nil, []kadm.UpsertSCRAM{{User: "evil", Mechanism: kadm.ScramSha512, Iterations: 8192, Password: "evil-password"}})
	if !errors.Is(err, kerr.ClusterAuthorizationFailed) {
		t.Errorf("a plaintext client created a SCRAM user: %v", err)
	}

	// The internal and controller listeners refuse unauthenticated and
	// wrongly authenticated clients.
	props := brokerProperties(t, s, inst, 0)
	adminPassword := jaasPassword(props["listener.name.internal.plain.sasl.jaas.config"])
	controllerPassword := jaasPassword(props["listener.name.controller.plain.sasl.jaas.config"])
	if len(adminPassword) < 24 || len(controllerPassword) < 24 || adminPassword == controllerPassword {
		t.Fatalf("control-plane passwords look weak or shared")
	}
	for _, listener := range []string{kafkaconfig.ListenerInternal, kafkaconfig.ListenerController} {
		addr := "127.0.0.1:" + listenerPort(t, props, listener)
		for _, tc := range []struct {
			name string
			opts []kgo.Opt
		}{
			{"no credentials", nil},
			{"wrong password", []kgo.Opt{kgo.SASL(plain.Auth{User: "streamplane-admin", Pass: "guess"}.AsMechanism())}},
		} {
			cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr), kgo.RetryTimeout(2 * time.Second)}, tc.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			_, err = kadm.NewClient(cl).BrokerMetadata(ctx)
			cl.Close()
			if err == nil {
				t.Errorf("%s listener answered a client with %s", listener, tc.name)
			}
		}
	}

	// Secrets stay secret: not in API answers, the server's log, the task
	// records or the store file; the key file is private.
	answers := apiAnswers(t, s, "/api/v1/instances", "/api/v1/instances/"+inst.ID, "/api/v1/tasks?limit=1000",
		"/api/v1/instances/"+inst.ID+"/parameters")
	texts := serverFiles(s) // read after the requests: what they logged is in
	texts["API answers"] = answers
	texts["broker log"], _ = os.ReadFile(filepath.Join(s.Dir, "instances", inst.ID, "brokers", "0", "logs", "server.log"))
	for name, text := range texts {
		for _, secret := range []string{adminPassword, controllerPassword} {
			if bytes.Contains(text, []byte(secret)) {
				t.Errorf("a control-plane password appears in the %s", name)
			}
		}
	}
	for _, f := range []string{"secret.key", filepath.Join("instances", inst.ID, "brokers", "0", "server.properties")} {
		st, err := os.Stat(filepath.Join(s.Dir, f))
		if err != nil || st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is readable by others: %v %v", f, st.Mode(), err)
		}
	}
}

// A SASL_SSL instance's user password and private keys are never shown and
// never stored in the clear: not in API answers, task records, the server's
// log, the store, or the brokers' logs; the initial password is forgotten
// once Kafka has the credential.
func TestSecureInstanceSecrets(t *testing.T) {
	s, inst := sharedSecureInstance(t)
	answers := apiAnswers(t, s, "/api/v1/instances", "/api/v1/instances/"+inst.ID, "/api/v1/tasks?limit=1000",
		"/api/v1/instances/"+inst.ID+"/tasks?limit=1000")
	texts := serverFiles(s) // read after the requests: what they logged is in
	texts["API answers"] = answers
	for _, b := range inst.Brokers {
		dir := filepath.Join(s.Dir, "instances", inst.ID, "brokers", fmt.Sprint(b.ID))
		texts[fmt.Sprintf("broker %d log", b.ID)], _ = os.ReadFile(filepath.Join(dir, "logs", "server.log"))
		texts[fmt.Sprintf("broker %d configuration", b.ID)], _ = os.ReadFile(filepath.Join(dir, "server.properties"))
		texts[fmt.Sprintf("broker %d PLAIN users", b.ID)], _ = os.ReadFile(filepath.Join(dir, "plain-users"))
	}
	for name, text := range texts {
		if bytes.Contains(text, []byte(securePassword)) {
			t.Errorf("the initial user's password appears in the %s", name)
		}
	}
	for _, name := range []string{"store", "store WAL"} {
		if bytes.Contains(texts[name], []byte("PRIVATE KEY")) {
			t.Errorf("a private key is stored in the clear in the %s", name)
		}
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.Dir, "streamplane.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var left int
	if err := db.QueryRow(`SELECT COUNT(*) FROM secrets WHERE owner = ? AND name = 'initial-password'`, inst.ID).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Error("the initial password is still kept after the instance was created")
	}
	var plain []byte
	if err := db.QueryRow(`SELECT plain_hash FROM kafka_users WHERE instance_id = ? AND name = ?`, inst.ID, secureUser).Scan(&plain); err != nil {
		t.Fatal(err)
	}
	if len(plain) == 0 || bytes.Contains(plain, []byte("iterations")) {
		t.Error("the PLAIN credential is not sealed in the store")
	}
}
