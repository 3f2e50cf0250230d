package kafkaruntime

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Backend names the logging implementation behind Kafka's SLF4J calls.
type Backend string

const (
	// Reload4j is the log4j 1.2 fork Kafka 3.x ships, bound through
	// slf4j-reload4j and configured with a log4j.properties file.
	Reload4j Backend = "reload4j"
	// Log4j2 is what Kafka 4.x ships, bound through log4j-slf4j-impl (SLF4J
	// 1.x) or log4j-slf4j2-impl (SLF4J 2.x).
	Log4j2 Backend = "log4j2"
)

// Logging is the logging backend a release needs on its classpath.
type Logging struct {
	Backend Backend
	SLF4J   string // slf4j-api version the release is built against
	Version string // reload4j or log4j2 version
}

func reload4j(slf4j, version string) Logging {
	return Logging{Backend: Reload4j, SLF4J: slf4j, Version: version}
}

func log4j2(slf4j, version string) Logging {
	return Logging{Backend: Log4j2, SLF4J: slf4j, Version: version}
}

// Artifact is a Maven artifact (jar packaging).
type Artifact struct {
	Group, Name, Version string
}

func (a Artifact) String() string { return a.Group + ":" + a.Name + ":" + a.Version }

// Artifacts returns the jars that make the backend work. The SLF4J binding
// must match slf4j-api's major version: a 1.x API does not see a 2.x
// provider, and the reverse, and either way Kafka silently logs nothing.
func (l Logging) Artifacts() []Artifact {
	switch l.Backend {
	case Reload4j:
		return []Artifact{
			{Group: "org.slf4j", Name: "slf4j-reload4j", Version: l.SLF4J},
			{Group: "ch.qos.reload4j", Name: "reload4j", Version: l.Version},
		}
	case Log4j2:
		binding := "log4j-slf4j-impl"
		if strings.HasPrefix(l.SLF4J, "2.") {
			binding = "log4j-slf4j2-impl"
		}
		return []Artifact{
			{Group: "org.apache.logging.log4j", Name: binding, Version: l.Version},
			{Group: "org.apache.logging.log4j", Name: "log4j-api", Version: l.Version},
			// log4j-core is required, not optional: connect-runtime (MM2)
			// calls into it directly to change log levels at runtime.
			{Group: "org.apache.logging.log4j", Name: "log4j-core", Version: l.Version},
		}
	}
	return nil
}

// Log file rolling: size-based, so a chatty broker cannot fill the disk.
const (
	logFileName    = "server.log"
	logMaxFileSize = "50MB"
	logMaxBackups  = 5
	logPattern     = "[%d] %p %m (%c)%n" // Kafka's own pattern
)

// LogConfig returns the logging configuration for a broker or tool of this
// runtime whose logs go to logDir: its file name (to be written into
// configDir), its contents, and the JVM flag that points the JVM at it
// (one argv element; no shell quoting needed).
//
// The configuration writes a size-rolled server.log (50 MB x 5 backups) at
// INFO, kafka.request.logger at WARN, and nothing to stdout, so a broker's
// stdout stays free for what the supervisor wants to capture; logging's own
// errors go to stderr. The caller creates logDir (reload4j does not).
// Relative directories are made absolute against the current directory,
// because the JVM may run elsewhere.
func (r Runtime) LogConfig(logDir, configDir string) (fileName string, contents []byte, jvmFlag string) {
	logDir, configDir = absPath(logDir), absPath(configDir)
	logFile := filepath.Join(logDir, logFileName)
	logging := r.Release.Logging
	var b strings.Builder
	if logging.Backend == Reload4j {
		fileName = "log4j.properties"
		fmt.Fprintf(&b, "# Written by Streamplane for Kafka %s (reload4j).\n", r.Version)
		b.WriteString("log4j.rootLogger=INFO, server\n")
		b.WriteString("log4j.appender.server=org.apache.log4j.RollingFileAppender\n")
		fmt.Fprintf(&b, "log4j.appender.server.File=%s\n", propertyValue(logFile))
		fmt.Fprintf(&b, "log4j.appender.server.MaxFileSize=%s\n", logMaxFileSize)
		fmt.Fprintf(&b, "log4j.appender.server.MaxBackupIndex=%d\n", logMaxBackups)
		b.WriteString("log4j.appender.server.layout=org.apache.log4j.PatternLayout\n")
		fmt.Fprintf(&b, "log4j.appender.server.layout.ConversionPattern=%s\n", logPattern)
		b.WriteString("log4j.logger.kafka.request.logger=WARN\n")
		return fileName, []byte(b.String()), "-Dlog4j.configuration=file:" + filepath.Join(configDir, fileName)
	}

	// log4j2's properties format needs nothing beyond log4j-core (YAML would
	// need jackson-dataformat-yaml on the classpath too).
	fileName = "log4j2.properties"
	fmt.Fprintf(&b, "# Written by Streamplane for Kafka %s (log4j2).\n", r.Version)
	// log4j2's own warnings go to stderr, never stdout.
	b.WriteString("status = warn\ndest = err\nname = streamplane\n")
	b.WriteString("appender.server.type = RollingFile\n")
	b.WriteString("appender.server.name = server\n")
	fmt.Fprintf(&b, "appender.server.fileName = %s\n", log4j2Value(logFile))
	fmt.Fprintf(&b, "appender.server.filePattern = %s.%%i\n", log4j2Value(logFile))
	b.WriteString("appender.server.layout.type = PatternLayout\n")
	fmt.Fprintf(&b, "appender.server.layout.pattern = %s\n", logPattern)
	b.WriteString("appender.server.policies.type = Policies\n")
	b.WriteString("appender.server.policies.size.type = SizeBasedTriggeringPolicy\n")
	fmt.Fprintf(&b, "appender.server.policies.size.size = %s\n", logMaxFileSize)
	b.WriteString("appender.server.strategy.type = DefaultRolloverStrategy\n")
	fmt.Fprintf(&b, "appender.server.strategy.max = %d\n", logMaxBackups)
	b.WriteString("rootLogger.level = info\n")
	b.WriteString("rootLogger.appenderRef.server.ref = server\n")
	b.WriteString("logger.request.name = kafka.request.logger\n")
	b.WriteString("logger.request.level = warn\n")
	return fileName, []byte(b.String()), "-Dlog4j2.configurationFile=" + filepath.Join(configDir, fileName)
}

// propertyValue escapes s for a java.util.Properties value. log4j 1 would
// still expand a literal "${…}" in it; it has no escape for that.
func propertyValue(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`).Replace(s)
}

// log4j2Value escapes s for a log4j2 properties value, including its
// "${…}" lookups.
func log4j2Value(s string) string {
	return strings.ReplaceAll(propertyValue(s), "${", "$${")
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}
