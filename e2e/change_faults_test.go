// Not in kfake: SCRAM and PLAIN logins, served certificates and per-broker configs after a server crash mid-task.

package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/twmb/franz-go/pkg/kadm"
)

// Changes inside an instance are durable tasks: the server is killed right
// after each step of a change has done its work, before the step's end is
// recorded; after a restart the task finishes and the instance is exactly
// as asked. One server and one small SASL_SSL instance (1 broker, SCRAM
// and PLAIN) serve every case; the server restarts between cases.
func TestChangesSurviveServerCrashAtEveryStep(t *testing.T) {
	s := NewServer(t, ServerOptions{})
	defer s.Close()
	inst := createInstance(t, s, secureSpec("faults", 1, streamplane.MechanismSCRAM, streamplane.MechanismPlain))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()

	// crash runs a change on a server that exits right after step n of
	// kind, restarts the server, and returns the task once it has ended
	// well. start makes the request; the server may die before it answers.
	crash := func(t *testing.T, kind string, n, steps int, start func() error) *streamplane.TaskDetail {
		t.Helper()
		s.t = t
		s.Stop()
		s.Start(fmt.Sprintf("STREAMPLANE_FAULT_EXIT_AFTER_STEP=%s:%d", kind, n))
		err := start()
		if code := s.WaitExit(2 * time.Minute); code != 86 {
			t.Fatalf("server exited with %d, want the fault hook's 86 (request: %v); log:\n%s", code, err, s.LogTail(30))
		}
		s.Start()
		list, err := s.Client.Tasks(ctx, client.TaskOptions{Instance: inst.ID, Kind: kind, Limit: 1})
		if err != nil || len(list.Tasks) != 1 {
			t.Fatalf("the %s task: %+v %v", kind, list, err)
		}
		task := list.Tasks[0]
		if len(task.Steps) != steps {
			t.Fatalf("%s has %d steps, the test expects %d: update it", kind, len(task.Steps), steps)
		}
		done, err := s.Client.WaitTask(ctx, task.ID, nil)
		if err != nil {
			t.Fatalf("task after restart: %v\n%s", err, s.LogTail(40))
		}
		if done.Steps[n-1].Status != streamplane.StepDone {
			t.Fatalf("step %d is %s", n, done.Steps[n-1].Status)
		}
		return done
	}
	pool, _ := caPool(t, s, inst.Name)

	const userCreateSteps, userDeleteSteps = 4, 6
	for n := 1; n <= userCreateSteps; n++ {
		t.Run(fmt.Sprintf("user create/after step %d", n), func(t *testing.T) {
			name, password := fmt.Sprintf("made-%d", n), fmt.Sprintf("Made-Pass-%d", n)
			crash(t, streamplane.TaskCreateUser, n, userCreateSteps, func() error {
				_, err := s.Client.CreateKafkaUser(ctx, inst.Name, name, password)
				return err
			})
			waitLogin(t, inst, pool, streamplane.MechanismSCRAM, name, password, true)
			waitLogin(t, inst, pool, streamplane.MechanismPlain, name, password, true)
			if err := s.Client.DeleteKafkaUser(ctx, inst.Name, name); err != nil {
				t.Fatal(err)
			}
		})
	}
	for n := 1; n <= userDeleteSteps; n++ {
		t.Run(fmt.Sprintf("user delete/after step %d", n), func(t *testing.T) {
			name, password := fmt.Sprintf("gone-%d", n), fmt.Sprintf("Gone-Pass-%d", n)
			s.t = t
			if _, err := s.Client.CreateKafkaUser(ctx, inst.Name, name, password); err != nil {
				t.Fatal(err)
			}
			crash(t, streamplane.TaskDeleteUser, n, userDeleteSteps, func() error {
				return s.Client.DeleteKafkaUser(ctx, inst.Name, name)
			})
			if _, err := s.Client.KafkaUser(ctx, inst.Name, name); !client.IsNotFound(err) {
				t.Errorf("user %s after its deletion: %v", name, err)
			}
			waitLogin(t, inst, pool, streamplane.MechanismSCRAM, name, password, false)
			waitLogin(t, inst, pool, streamplane.MechanismPlain, name, password, false)
		})
	}

	const topicCreateSteps, topicUpdateSteps = 3, 3
	for n := 1; n <= topicCreateSteps; n++ {
		t.Run(fmt.Sprintf("topic create/after step %d", n), func(t *testing.T) {
			name := fmt.Sprintf("f-made-%d", n)
			crash(t, streamplane.TaskCreateTopic, n, topicCreateSteps, func() error {
				_, err := s.Client.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: name, Partitions: 3})
				return err
			})
			wantPartitions(t, inst, pool, name, 3)
		})
	}
	for n := 1; n <= topicUpdateSteps; n++ {
		t.Run(fmt.Sprintf("topic update/after step %d", n), func(t *testing.T) {
			name := fmt.Sprintf("f-grown-%d", n)
			s.t = t
			if _, err := s.Client.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: name, Partitions: 1}); err != nil {
				t.Fatal(err)
			}
			four := 4
			crash(t, streamplane.TaskUpdateTopic, n, topicUpdateSteps, func() error {
				_, err := s.Client.UpdateTopic(ctx, inst.Name, name, streamplane.TopicUpdate{Partitions: &four})
				return err
			})
			wantPartitions(t, inst, pool, name, 4)
		})
	}

	const quotaCreateSteps = 2
	for n := 1; n <= quotaCreateSteps; n++ {
		t.Run(fmt.Sprintf("quota create/after step %d", n), func(t *testing.T) {
			e := streamplane.QuotaEntity{User: secureUser, ClientID: fmt.Sprintf("fault-%d", n)}
			crash(t, streamplane.TaskCreateQuota, n, quotaCreateSteps, func() error {
				_, err := s.Client.CreateQuota(ctx, inst.Name, streamplane.QuotaSpec{QuotaEntity: e, ProduceMBps: mb(float64(n))})
				return err
			})
			adm := kadm.NewClient(listenerClient(t, inst, streamplane.ListenerPrivateSASLSSL, saslOpts(pool, streamplane.MechanismSCRAM, secureUser, securePassword)...))
			quotas, err := adm.DescribeClientQuotas(ctx, true, []kadm.DescribeClientQuotaComponent{
				{Type: "user", MatchName: &e.User}, {Type: "client-id", MatchName: &e.ClientID}})
			if err != nil {
				t.Fatal(err)
			}
			want := float64(streamplane.QuotaBytes(float64(n)))
			if len(quotas) != 1 || len(quotas[0].Values) != 1 || quotas[0].Values[0].Key != "producer_byte_rate" || quotas[0].Values[0].Value != want {
				t.Errorf("Kafka's quota for %s: %+v, want producer_byte_rate=%v", e, quotas, want)
			}
		})
	}

	const paramSetSteps = 2
	for n := 1; n <= paramSetSteps; n++ {
		t.Run(fmt.Sprintf("param set/after step %d", n), func(t *testing.T) {
			value := strconv.Itoa(2000000 + n)
			crash(t, streamplane.TaskSetParameters, n, paramSetSteps, func() error {
				_, err := s.Client.SetParameters(ctx, inst.Name, map[string]string{"message.max.bytes": value})
				return err
			})
			adm := kadm.NewClient(listenerClient(t, inst, streamplane.ListenerPrivateSASLSSL, saslOpts(pool, streamplane.MechanismSCRAM, secureUser, securePassword)...))
			for _, b := range inst.Brokers {
				rcs, err := adm.DescribeBrokerConfigs(ctx, int32(b.ID))
				if err != nil {
					t.Fatal(err)
				}
				got := "<none>"
				for _, rc := range rcs {
					for _, c := range rc.Configs {
						if c.Key == "message.max.bytes" && c.Value != nil {
							got = *c.Value
						}
					}
				}
				if got != value {
					t.Errorf("broker %d runs with message.max.bytes=%s, want %s", b.ID, got, value)
				}
			}
			list, err := s.Client.Parameters(ctx, inst.Name)
			if err != nil {
				t.Fatal(err)
			}
			if p, _ := list.Parameter("message.max.bytes"); p.Value != value {
				t.Errorf("the parameter list says %s, want %s", p.Value, value)
			}
		})
	}

	// Two creations that together pass the partition limit (250 for one
	// dev broker): exactly one succeeds, the other is refused as busy or
	// over the limit, and Kafka has only the one.
	t.Run("concurrent topic creates", func(t *testing.T) {
		s.t = t
		list, err := s.Client.Topics(ctx, inst.Name, client.TopicListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// A topic has at most 100 partitions: fill the room down to 150,
		// then each creation asks for just over half of it.
		room := list.PartitionLimit - list.PartitionsUsed
		if fill := room - 150; fill > 0 {
			if _, err := s.Client.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: "f-filler", Partitions: fill}); err != nil {
				t.Fatal(err)
			}
			room = 150
		}
		each := room/2 + 1
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = s.Client.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: fmt.Sprintf("f-race-%d", i), Partitions: each})
			})
		}
		wg.Wait()
		made := 0
		for i, err := range errs {
			switch code := streamplane.ErrorCode(err); {
			case err == nil:
				made++
			case code != streamplane.EBUSY && code != streamplane.ELIMIT:
				t.Errorf("creation %d: %v; want BUSY or LIMIT", i, err)
			}
		}
		after, err := s.Client.Topics(ctx, inst.Name, client.TopicListOptions{Name: "f-race-"})
		if err != nil {
			t.Fatal(err)
		}
		if made != 1 || after.Total != 1 {
			t.Fatalf("%d creations succeeded (%v) and Kafka has %d of the topics; want exactly 1", made, errs, after.Total)
		}
	})

	// Last: the instance's certificate is the user's from here on.
	const certSteps = 2
	for n := 1; n <= certSteps; n++ {
		t.Run(fmt.Sprintf("cert replace/after step %d", n), func(t *testing.T) {
			caCert, chainPEM, keyPEM := userCertificate(t, []string{"127.0.0.1", "127.0.0.2", "localhost"})
			crash(t, streamplane.TaskReplaceCertificate, n, certSteps, func() error {
				_, err := s.Client.ReplaceCertificate(ctx, inst.Name, streamplane.CertificateUpload{Certificate: string(chainPEM), Key: string(keyPEM)})
				return err
			})
			only := x509.NewCertPool()
			only.AddCert(caCert)
			for _, b := range inst.Brokers {
				addr := b.Endpoints[streamplane.ListenerPrivateSASLSSL]
				host, _, _ := strings.Cut(addr, ":")
				conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: only, ServerName: host, MinVersion: tls.VersionTLS12})
				if err != nil {
					t.Errorf("broker %d does not serve the new certificate: %v", b.ID, err)
					continue
				}
				conn.Close()
			}
		})
	}
}

// wantPartitions checks a topic's partition count as a stock client sees it.
func wantPartitions(t *testing.T, inst *streamplane.Instance, pool *x509.CertPool, topic string, want int) {
	t.Helper()
	adm := kadm.NewClient(listenerClient(t, inst, streamplane.ListenerPrivateSASLSSL, saslOpts(pool, streamplane.MechanismSCRAM, secureUser, securePassword)...))
	eventually(t, 20*time.Second, func() (bool, string) {
		td, err := adm.ListTopics(context.Background(), topic)
		if err != nil {
			return false, err.Error()
		}
		got := len(td[topic].Partitions)
		return got == want, fmt.Sprintf("topic %s to have %d partitions (has %d)", topic, want, got)
	})
}
