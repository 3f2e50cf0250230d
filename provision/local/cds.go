package local

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/streamplane/streamplane/kafkaconfig"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/streamplane/streamplane/maven"
	"github.com/streamplane/streamplane/poll"
)

// A broker JVM spends most of its start loading and verifying classes: on
// this project's 2-core reference machine ~3 s of a ~3.5 s start, 9.5 s
// when three start together. A class-data-sharing archive (JDK AppCDS) of
// the classes a broker loads, mapped at start, roughly halves that. One
// archive serves every broker of a runtime: it is dumped by a training run
// of a throwaway broker on the runtime's jars alone (a classpath prefix of
// the brokers', which append the plugin jar) and without the metrics agent
// (Java agents cannot run while the JVM dumps). It belongs to one JDK build,
// so it is named by a hash of `java -version`; with the JVM's default
// -Xshare:auto, an archive that does not match (another JDK, changed jars)
// is ignored with a warning on stdout, never fatal.

// Prepare readies an installed runtime for fast broker starts: its
// bootstrap template (format.go) and its class-data-sharing archive. It is
// idempotent and safe to run from several servers at once; what it cannot
// build it reports, and brokers then start the slow way.
func (p *Provisioner) Prepare(ctx context.Context, version string, progress func(string)) error {
	if progress == nil {
		progress = func(string) {}
	}
	rt, err := p.runtime(version)
	if err != nil {
		return err
	}
	if _, err := p.bootstrapTemplate(ctx, rt); err != nil {
		return fmt.Errorf("local: bootstrap template of Kafka %s: %w", version, err)
	}
	if p.classArchive(ctx, rt) != "" {
		return nil
	}
	path, err := p.archivePath(ctx, rt)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("local: %w", err)
	}
	unlock, err := maven.LockFile(ctx, strings.TrimSuffix(path, ".jsa")+".lock", func() {
		progress("waiting for another server building the class archive of Kafka " + version)
	})
	if err != nil {
		return fmt.Errorf("local: %w", err)
	}
	defer unlock()
	if p.classArchive(ctx, rt) != "" {
		return nil // built while we waited
	}
	progress("building the class-data-sharing archive of Kafka " + version + " (a training run of one broker)")
	start := time.Now()
	tmp := path + ".tmp"
	os.Remove(tmp) // a killed run's leftover; the lock says no one writes it
	if err := p.trainArchive(ctx, rt, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("local: class archive of Kafka %s: %w", version, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("local: %w", err)
	}
	progress(fmt.Sprintf("class archive of Kafka %s built in %s", version, time.Since(start).Round(100*time.Millisecond)))
	return nil
}

// classArchive returns the runtime's archive for this server's Java, or ""
// if there is none yet.
func (p *Provisioner) classArchive(ctx context.Context, rt kafkaruntime.Runtime) string {
	path, err := p.archivePath(ctx, rt)
	if err != nil {
		return ""
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		return ""
	}
	return path
}

// archivePath is <runtime>/cds/<hash of `java -version`>.jsa.
func (p *Provisioner) archivePath(ctx context.Context, rt kafkaruntime.Runtime) (string, error) {
	key, err := p.javaBuild(ctx)
	if err != nil {
		return "", err
	}
	return filepath.Join(rt.Dir, "cds", key+".jsa"), nil
}

// javaBuild names the JDK build brokers run on, once per server.
func (p *Provisioner) javaBuild(ctx context.Context) (string, error) {
	p.javaMu.Lock()
	defer p.javaMu.Unlock()
	if p.javaKey != "" {
		return p.javaKey, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, p.cfg.Java, "-version").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("local: %s -version: %w", p.cfg.Java, err)
	}
	sum := sha256.Sum256(out)
	p.javaKey = "java-" + hex.EncodeToString(sum[:8])
	return p.javaKey, nil
}

// trainArchive runs a lone broker (controller too) on the runtime's jars in
// a scratch directory until it has started, then stops it; its JVM dumps the
// classes it loaded into archive on the way out.
func (p *Provisioner) trainArchive(ctx context.Context, rt kafkaruntime.Runtime, archive string) error {
	bootstrap, err := p.bootstrapTemplate(ctx, rt)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "streamplane-cds-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	data, logs := filepath.Join(dir, "data"), filepath.Join(dir, "logs")
	if err := os.MkdirAll(logs, 0o700); err != nil {
		return err
	}
	if err := writeStorage(data, "c3RyZWFtcGxhbmUtY2RzMA", 0, bootstrap); err != nil {
		return err
	}
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	config := filepath.Join(dir, "server.properties")
	if err := os.WriteFile(config, []byte(trainingConfig(data, ports[0], ports[1])), 0o600); err != nil {
		return err
	}
	name, body, logFlag := rt.LogConfig(logs, dir)
	if err := os.WriteFile(filepath.Join(dir, name), body, 0o600); err != nil {
		return err
	}
	args := append(kafkaconfig.JVMFlags(256), "-Dkafka.logs.dir="+logs, logFlag,
		"-XX:ArchiveClassesAtExit="+archive, "-cp", rt.Classpath(), "kafka.Kafka", config)
	cmd := exec.Command(p.cfg.Java, args...)
	cmd.Dir = dir
	cmd.Env = childEnv()
	stdout, err := os.Create(filepath.Join(logs, "stdout.log"))
	if err != nil {
		return err
	}
	defer stdout.Close()
	cmd.Stdout, cmd.Stderr = stdout, stdout
	// The training broker must not outlive a server killed meanwhile.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	fail := func(err error) error {
		cmd.Process.Kill()
		<-exited
		tail, _ := tailFile(filepath.Join(logs, "server.log"), 10)
		return fmt.Errorf("%w; training broker's log:\n%s", err, tail)
	}

	// Started: Kafka logs this line (3.9 and 4.x alike) once the broker is
	// registered and serving; it only ends the training, nothing relies on it.
	err = poll.Until(ctx, 100*time.Millisecond, 2*time.Minute, func(context.Context) error {
		select {
		case err := <-exited:
			exited <- err
			return poll.Stop(fmt.Errorf("the training broker exited: %v", err))
		default:
		}
		raw, _ := os.ReadFile(filepath.Join(logs, "server.log"))
		if !strings.Contains(string(raw), "Kafka Server started") {
			return errors.New("the training broker has not started")
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fail(err)
	}
	select {
	case <-exited:
	case <-time.After(2 * time.Minute):
		return fail(errors.New("the training broker did not stop"))
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	if fi, err := os.Stat(archive); err != nil || fi.Size() == 0 {
		out, _ := os.ReadFile(stdout.Name())
		return fmt.Errorf("the JVM dumped no archive: %s", lastLines(string(out), 5))
	}
	return nil
}

// trainingConfig is a one-node cluster that loads what Streamplane's
// brokers load at start: SASL/PLAIN on the controller listener, the
// standard authorizer, KRaft on both roles.
func trainingConfig(data string, clientPort, controllerPort int) string {
	secret := make([]byte, 18)
	rand.Read(secret)
	password := base64.RawURLEncoding.EncodeToString(secret)
	jaas := `org.apache.kafka.common.security.plain.PlainLoginModule required username="train" password="` + password +
		`" user_train="` + password + `";`
	return strings.Join([]string{
		"process.roles=broker,controller",
		"node.id=0",
		"controller.quorum.voters=0@127.0.0.1:" + strconv.Itoa(controllerPort),
		"listeners=PLAINTEXT://127.0.0.1:" + strconv.Itoa(clientPort) + ",CONTROLLER://127.0.0.1:" + strconv.Itoa(controllerPort),
		"listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
		"inter.broker.listener.name=PLAINTEXT",
		"controller.listener.names=CONTROLLER",
		"sasl.enabled.mechanisms=PLAIN",
		"sasl.mechanism.controller.protocol=PLAIN",
		"listener.name.controller.plain.sasl.jaas.config=" + jaas,
		"authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
		"super.users=User:train;User:ANONYMOUS",
		"log.dirs=" + data,
		"offsets.topic.replication.factor=1",
		"transaction.state.log.replication.factor=1",
		"transaction.state.log.min.isr=1",
		"broker.session.timeout.ms=3000",
		"broker.heartbeat.interval.ms=500",
		"",
	}, "\n")
}

// freePorts returns n ports nothing listens on right now.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
