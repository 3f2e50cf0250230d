package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/streamplane/streamplane/kafkaruntime"
)

// storageTool is Kafka's formatter: the fallback for a runtime whose
// bootstrap template cannot be captured, and what captures it.
const storageTool = "kafka.tools.StorageTool"

// bootstrapTemplate returns the runtime's bootstrap.checkpoint: from
// memory, from <runtime>/bootstrap.checkpoint, or captured by running
// StorageTool once on a throwaway configuration. The bytes depend only on
// the Kafka version (Streamplane passes no --feature, --release-version or
// --add-scram), so every broker of every instance of the version can share
// them.
func (p *Provisioner) bootstrapTemplate(ctx context.Context, rt kafkaruntime.Runtime) ([]byte, error) {
	p.templateMu.Lock() // one capture at a time: it runs a JVM
	defer p.templateMu.Unlock()
	if b, ok := p.templates[rt.Dir]; ok {
		return b, nil
	}
	saved := filepath.Join(rt.Dir, bootstrapCheckpointFile)
	if b, err := os.ReadFile(saved); err == nil && checkBootstrapCheckpoint(b) == nil {
		p.templates[rt.Dir] = b
		return b, nil
	}
	if err, ok := p.templateErrs[rt.Dir]; ok {
		return nil, err
	}
	b, err := p.captureBootstrap(ctx, rt)
	if err != nil {
		if ctx.Err() == nil { // a verdict on the runtime: don't run a JVM per broker to hear it again
			p.templateErrs[rt.Dir] = err
		}
		return nil, err
	}
	// Saved for the next server; without it, only this one is faster.
	if err := writeFileSynced(saved, b); err != nil {
		p.log.Warn("cannot keep the bootstrap template with the runtime", "kafka_version", rt.Version, "err", err)
	}
	p.templates[rt.Dir] = b
	return b, nil
}

// captureBootstrap formats a scratch directory with StorageTool (a lone
// controller, a static quorum like every instance's) and returns its
// bootstrap.checkpoint, if the result is what writeStorage reproduces.
func (p *Provisioner) captureBootstrap(ctx context.Context, rt kafkaruntime.Runtime) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "streamplane-format-")
	if err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	defer os.RemoveAll(tmp)
	data := filepath.Join(tmp, "data")
	config := filepath.Join(tmp, "server.properties")
	props := "process.roles=controller\nnode.id=0\ncontroller.quorum.voters=0@127.0.0.1:1\n" +
		"controller.listener.names=CONTROLLER\nlisteners=CONTROLLER://127.0.0.1:1\nlog.dirs=" + data + "\n"
	if err := os.WriteFile(config, []byte(props), 0o600); err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	// The cluster id only goes into the scratch meta.properties.
	err = runJava(ctx, p.cfg.Java, tmp, storageTool,
		[]string{"-Xmx128m", "-Xshare:auto", "-cp", rt.Classpath(), storageTool, "format", "-t", "c3RyZWFtcGxhbmUtZm10MA", "-c", config})
	if err != nil {
		return nil, err
	}
	if err := checkFormattedDir(data); err != nil {
		return nil, fmt.Errorf("local: Kafka %s formats storage differently: %w", rt.Version, err)
	}
	b, err := os.ReadFile(filepath.Join(data, bootstrapCheckpointFile))
	if err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	if err := checkBootstrapCheckpoint(b); err != nil {
		return nil, fmt.Errorf("local: Kafka %s wrote a bootstrap.checkpoint Streamplane cannot read: %w", rt.Version, err)
	}
	return b, nil
}

// formatWithStorageTool formats a broker's storage the slow way: a JVM
// running StorageTool on the broker's own configuration (which names the
// plugin's classes, hence its jar on the classpath).
func (p *Provisioner) formatWithStorageTool(ctx context.Context, rt kafkaruntime.Runtime, instanceID string, node int, clusterID string) error {
	classpath, err := p.classpath(ctx, rt)
	if err != nil {
		return err
	}
	logDir, dir := p.layout.logDir(instanceID, node), p.layout.brokerDir(instanceID, node)
	_, _, logFlag := rt.LogConfig(logDir, dir)
	return runJava(ctx, p.cfg.Java, dir, storageTool,
		[]string{"-Xmx256m", logFlag, "-Dkafka.logs.dir=" + logDir, "-cp", classpath,
			storageTool, "format", "-t", clusterID, "-c", p.layout.configFile(instanceID, node)})
}
