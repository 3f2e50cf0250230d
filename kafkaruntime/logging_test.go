package kafkaruntime

import (
	"slices"
	"strings"
	"testing"
)

func TestLoggingArtifacts(t *testing.T) {
	for _, tt := range []struct {
		name    string
		logging Logging
		want    []string
	}{
		{"Reload4j", reload4j("1.7.36", "1.2.25"), []string{
			"org.slf4j:slf4j-reload4j:1.7.36",
			"ch.qos.reload4j:reload4j:1.2.25",
		}},
		{"Log4j2WithSLF4J1", log4j2("1.7.36", "2.25.3"), []string{
			"org.apache.logging.log4j:log4j-slf4j-impl:2.25.3",
			"org.apache.logging.log4j:log4j-api:2.25.3",
			"org.apache.logging.log4j:log4j-core:2.25.3",
		}},
		{"Log4j2WithSLF4J2", log4j2("2.0.17", "2.25.5"), []string{
			"org.apache.logging.log4j:log4j-slf4j2-impl:2.25.5",
			"org.apache.logging.log4j:log4j-api:2.25.5",
			"org.apache.logging.log4j:log4j-core:2.25.5",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, a := range tt.logging.Artifacts() {
				got = append(got, a.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Artifacts() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLogConfig(t *testing.T) {
	for _, tt := range []struct {
		version  string
		file     string
		flag     string
		contains []string
	}{
		{"3.9.2", "log4j.properties", "-Dlog4j.configuration=file:/etc/b1/log4j.properties", []string{
			"log4j.rootLogger=INFO, server\n",
			"log4j.appender.server=org.apache.log4j.RollingFileAppender\n",
			"log4j.appender.server.File=/var/log/b1/server.log\n",
			"log4j.appender.server.MaxFileSize=50MB\n",
			"log4j.appender.server.MaxBackupIndex=5\n",
			"log4j.logger.kafka.request.logger=WARN\n",
		}},
		{"4.1.2", "log4j2.properties", "-Dlog4j2.configurationFile=/etc/b1/log4j2.properties", []string{
			"dest = err\n",
			"appender.server.type = RollingFile\n",
			"appender.server.fileName = /var/log/b1/server.log\n",
			"appender.server.filePattern = /var/log/b1/server.log.%i\n",
			"appender.server.policies.size.size = 50MB\n",
			"appender.server.strategy.max = 5\n",
			"rootLogger.level = info\n",
			"logger.request.name = kafka.request.logger\n",
			"logger.request.level = warn\n",
		}},
	} {
		t.Run(tt.version, func(t *testing.T) {
			r, _ := Lookup(tt.version)
			rt := Runtime{Version: tt.version, Release: r}
			file, contents, flag := rt.LogConfig("/var/log/b1", "/etc/b1")
			if file != tt.file {
				t.Errorf("file = %q, want %q", file, tt.file)
			}
			if flag != tt.flag {
				t.Errorf("flag = %q, want %q", flag, tt.flag)
			}
			for _, want := range tt.contains {
				if !strings.Contains(string(contents), want) {
					t.Errorf("config lacks %q:\n%s", want, contents)
				}
			}
			if strings.Contains(strings.ToLower(string(contents)), "console") {
				t.Errorf("config has a console appender:\n%s", contents)
			}
		})
	}
}

func TestLogConfigEscapesPaths(t *testing.T) {
	r, _ := Lookup("4.1.2")
	_, contents, _ := Runtime{Version: "4.1.2", Release: r}.LogConfig(`/logs/a\b/${x}`, "/etc")
	if want := `appender.server.fileName = /logs/a\\b/$${x}/server.log`; !strings.Contains(string(contents), want) {
		t.Errorf("config lacks %q:\n%s", want, contents)
	}
}
