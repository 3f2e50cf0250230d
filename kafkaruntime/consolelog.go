package kafkaruntime

import (
	"fmt"
	"path"
	"strings"
)

// ConsoleLogConfig is LogConfig for a container: everything at INFO (the
// request logger at WARN) to stdout, where the container runtime keeps and
// rotates it and `kubectl logs` reads it. configDir is a path inside the
// container, so it is taken as it is.
func (r Runtime) ConsoleLogConfig(configDir string) (fileName string, contents []byte, jvmFlag string) {
	var b strings.Builder
	if r.Release.Logging.Backend == Reload4j {
		fileName = "log4j.properties"
		fmt.Fprintf(&b, "# Written by Streamplane for Kafka %s (reload4j, console).\n", r.Version)
		b.WriteString("log4j.rootLogger=INFO, stdout\n")
		b.WriteString("log4j.appender.stdout=org.apache.log4j.ConsoleAppender\n")
		b.WriteString("log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n")
		fmt.Fprintf(&b, "log4j.appender.stdout.layout.ConversionPattern=%s\n", logPattern)
		b.WriteString("log4j.logger.kafka.request.logger=WARN\n")
		return fileName, []byte(b.String()), "-Dlog4j.configuration=file:" + path.Join(configDir, fileName)
	}
	fileName = "log4j2.properties"
	fmt.Fprintf(&b, "# Written by Streamplane for Kafka %s (log4j2, console).\n", r.Version)
	b.WriteString("status = warn\ndest = err\nname = streamplane\n")
	b.WriteString("appender.stdout.type = Console\n")
	b.WriteString("appender.stdout.name = stdout\n")
	b.WriteString("appender.stdout.layout.type = PatternLayout\n")
	fmt.Fprintf(&b, "appender.stdout.layout.pattern = %s\n", logPattern)
	b.WriteString("rootLogger.level = info\n")
	b.WriteString("rootLogger.appenderRef.stdout.ref = stdout\n")
	b.WriteString("logger.request.name = kafka.request.logger\n")
	b.WriteString("logger.request.level = warn\n")
	return fileName, []byte(b.String()), "-Dlog4j2.configurationFile=" + path.Join(configDir, fileName)
}
