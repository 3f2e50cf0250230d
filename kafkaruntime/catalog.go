package kafkaruntime

import (
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Release is one Apache Kafka version in the catalog.
type Release struct {
	Version      string  `json:"version"`       // "4.1.1"
	Released     string  `json:"released"`      // YYYY-MM-DD
	SupportStart string  `json:"support_start"` // YYYY-MM-DD
	SupportEnd   string  `json:"support_end"`   // YYYY-MM-DD
	Recommended  bool    `json:"recommended"`
	Logging      Logging `json:"-"` // logging backend and artifact versions this release needs
	// Checksums maps the file names of the key jars (kafka_2.13, kafka-clients,
	// kafka-tools, connect-mirror) to their sha256 in hex, as published on
	// Maven Central. An install checks them on top of Maven's own
	// --strict-checksums, which only proves the jar matches its .sha1 next to
	// it in the same (possibly tampered) repository or mirror.
	Checksums map[string]string `json:"-"`
	// MetadataLevel is the metadata.version feature level the release
	// formats a new cluster at and an upgrade finalizes to (Kafka's
	// MetadataVersion.LATEST_PRODUCTION); Features the other finalized
	// features a fresh cluster of the release has, by name, except
	// kraft.version (see finalizeFeatures).
	MetadataLevel int              `json:"-"`
	Features      map[string]int16 `json:"-"`
}

// DateLayout is the layout of the catalog's dates.
const DateLayout = time.DateOnly

// SupportedAt reports whether t falls within the release's community support
// window, both ends included.
func (r Release) SupportedAt(t time.Time) bool {
	_, err1 := time.Parse(DateLayout, r.SupportStart)
	_, err2 := time.Parse(DateLayout, r.SupportEnd)
	if err1 != nil || err2 != nil {
		return false
	}
	day := t.UTC().Format(DateLayout) // the layout sorts like the dates
	return r.SupportStart <= day && day <= r.SupportEnd
}

// Artifacts returns the Maven artifacts that make up the release: the broker
// and StorageTool (kafka_2.13), the CLI tools, MirrorMaker 2 and the logging
// backend. Maven resolves everything else transitively.
func (r Release) Artifacts() []Artifact {
	arts := []Artifact{
		{Group: "org.apache.kafka", Name: "kafka_2.13", Version: r.Version},
		{Group: "org.apache.kafka", Name: "kafka-tools", Version: r.Version},
		{Group: "org.apache.kafka", Name: "connect-mirror", Version: r.Version},
	}
	arts = append(arts, MetricsAgent)
	return append(arts, r.Logging.Artifacts()...)
}

// MetricsAgent is Prometheus's JMX exporter, run in every broker JVM as a
// java agent to serve the broker's metrics over HTTP. 1.0.1 is the newest
// the project publishes to Maven Central (later ones are GitHub assets).
var MetricsAgent = Artifact{Group: "io.prometheus.jmx", Name: "jmx_prometheus_javaagent", Version: "1.0.1"}

// metricsAgentSHA256 is the sha256 of MetricsAgent's jar on Maven Central.
const metricsAgentSHA256 = "7d61f737fd661610ccc14aea79764faa1ea94a340cbc8f0029b3d2edea3d80c1"

// MetricsAgentJar is the agent jar's path in an installed runtime.
func (r Runtime) MetricsAgentJar() string {
	return filepath.Join(r.LibDir, MetricsAgent.Name+"-"+MetricsAgent.Version+".jar")
}

// Catalog returns every release Streamplane can install, oldest first. The
// slice is new on every call; callers may keep or change it.
//
// Release dates are the dates of the Apache Kafka release announcements
// (apache/kafka-site, content/en/blog/releases/ak-<version>.md). The support
// window follows Apache Kafka's policy of bug-fix releases for about a year
// after a release: it starts on the release date and ends twelve months later.
//
// Logging versions come from the release's own POMs on Maven Central:
// slf4j-api is 1.7.36 in every release listed (kafka-clients, kafka_2.13), so
// every 4.x release takes log4j-slf4j-impl, not log4j-slf4j2-impl. The
// log4j2 version is the one kafka-server's POM depends on (4.1 and later);
// reload4j's is the one connect-runtime 3.9.x depends on. 4.0.x POMs name no
// log4j2 at all; see the 4.0.2 entry.
//
// Every release listed must resolve completely from Maven Central; the
// STREAMPLANE_TEST_ALL_VERSIONS test installs and runs each. Two newer ones
// do not yet (checked 2026-11-22) and are left out until they do:
//   - 4.4.0 (log4j2 2.25.5): kafka_2.13 is there, but kafka-tools,
//     kafka-tools-api, connect-runtime and connect-mirror are not.
//   - 4.2.1 (announced 2026-05-30, log4j2 2.25.4): its connect-mirror
//     depends on connect-mirror-client 4.2.1, which is not there.
func Catalog() []Release {
	return []Release{
		release("3.9.1", "2025-05-20", false, reload4j("1.7.36", "1.2.25"),
			"5631c61356d55611c158291a69ad028f3c4fed5d0a610c62a0853c65c89d10f6",
			"7568b998572d256f0b7bc0afdc1b7a2588b8b08415c62ce314c864a6851ae9d9",
			"aae08609f1259e59db9746570c53d939820e9efa7a4c0fd7bf7d1b3508f34f11",
			"1d7d3d954cbf980d72fb4660afb7f198ed56e214414eae1faaa2d0b5847074c8"),
		release("3.9.2", "2026-02-21", false, reload4j("1.7.36", "1.2.25"),
			"dddf49b18c931301fece0048a76d6b0956c36c8b1d1fc721bfed318aa6ee3e4f",
			"014b4ef36884478a932641818b080c36a8f8e2e92dc771e800c9d2694f4f83d8",
			"3e6844711c3f5c9148f76ac96dfbf1de0aeeba11249e142e084b6de68e0ed05e",
			"9cca79e5db6adf934d7e3b99353dd6f3e8683ad4a66ffd09dd10c35dc8fd2905"),
		// No 4.0.x POM names a log4j2 version (it is compileOnly there). 4.0.0
		// was built with 2.24.3; 4.0.2 took a sweep of CVE upgrades (jackson
		// 2.18.6, jetty 12.0.25, lz4-java 1.10.1 in its POMs), which in the
		// 4.1 line brought log4j2 2.25.3 (CVE-2025-68161). 2.25.3 is binary
		// compatible with what 4.0 was compiled against either way.
		release("4.0.2", "2026-03-16", false, log4j2("1.7.36", "2.25.3"),
			"566bcb0fdf38c646125262f851cca8322091de9b89c1ae39974a46daf2b97c8f",
			"902bf4749ad601b7f272a0f3385a781f44750121a54abe52b7495be4de8f977f",
			"b29fa502a76ebe37860a642720c883e8fbefec02880030642ad5363ca72743c4",
			"d8d9bec3997a22da1e1a63675e611ef7d6e7813769026f7feb21fff67af8f167"),
		release("4.1.1", "2025-11-12", false, log4j2("1.7.36", "2.24.3"),
			"e89428126cc7630a802123ba27aac4442816840b66d60670226feaff65f24fd1",
			"00247122a572c3d3ae4eb60a50192a5811bc0181f51923d13018600f892e821d",
			"8a6939f310a61119cedaffc144119e9b2a374e32a7ec18f78e49ce5aeb71d6b0",
			"4dbd8a37c65e7ecccaf72b4452255d9ef70b7de2dc0c235aa5eca9fcac7d6f1e"),
		release("4.1.2", "2026-03-17", true, log4j2("1.7.36", "2.25.3"),
			"965af2d9c19be0c169110eb18468a0bee24e24d14071a57c7f8a57bc4d3f990e",
			"afe861c05067f4018a3148d73c1ed1e5fc90808757c15b043527d7e535a5d431",
			"cb7aedcd2e418b86079c4b35257c8e37800eea84723c78c8b90f535bd589888e",
			"666bceb754169f370917407fde3bfce6722ae92aa040e7cfcd08aeb09ae591c3"),
		release("4.2.0", "2026-02-17", false, log4j2("1.7.36", "2.25.3"),
			"0490bc0a8675f9217c52b788c8a586f692ad5ae34a50a3ed370d2533b01bdbcb",
			"bcf39f152c5553c2501a491fc4a73c5b0330741e8eed96a481323b8ee89738af",
			"6b88f3f0799c585b5121d9f710e448cd365d4cfd55ff3ab5d2d81f52ae59030d",
			"64cae983c87338db93ba965fd96bc1623ac5bbe531163a49a913bf51a91cdd13"),
		release("4.3.1", "2026-06-25", false, log4j2("1.7.36", "2.25.4"),
			"b098abef5ff878e76f60cd6c559b9baa5663ccb1b55f2837558b22c329d32423",
			"52501b7b47510c66f898871adaf6d2968ab7246561d44ced43643a8a587f0b36",
			"62f3c5dd7aa3442d4c5bc6a95f86e2502178ea09de8e27f74d9563bf955e253c",
			"0d091c7ba172827dc42ed09fdf4390876a90ab627fd8d2bb002016f9785617e1"),
	}
}

// release builds a catalog entry. The checksums are those of kafka_2.13,
// kafka-clients, kafka-tools and connect-mirror, in that order; the metrics
// agent's is the same for every release.
func release(version, released string, recommended bool, logging Logging, kafka, clients, tools, mirror string) Release {
	end := ""
	if t, err := time.Parse(DateLayout, released); err == nil {
		end = t.AddDate(1, 0, 0).Format(DateLayout)
	}
	level := metadataLevels[version[:strings.LastIndex(version, ".")]]
	return Release{
		MetadataLevel: level,
		Features:      finalizeFeatures(level),
		Version:       version,
		Released:      released,
		SupportStart:  released,
		SupportEnd:    end,
		Recommended:   recommended,
		Logging:       logging,
		Checksums: map[string]string{
			"kafka_2.13-" + version + ".jar":                        kafka,
			"kafka-clients-" + version + ".jar":                     clients,
			"kafka-tools-" + version + ".jar":                       tools,
			"connect-mirror-" + version + ".jar":                    mirror,
			MetricsAgent.Name + "-" + MetricsAgent.Version + ".jar": metricsAgentSHA256,
		},
	}
}

// Lookup returns the catalog entry for version.
func Lookup(version string) (Release, bool) {
	for _, r := range Catalog() {
		if r.Version == version {
			return r, true
		}
	}
	return Release{}, false
}

// Recommended returns the release new instances should use.
func Recommended() Release {
	for _, r := range Catalog() {
		if r.Recommended {
			return r
		}
	}
	return Release{}
}

// Versions returns the catalog's versions, oldest first.
func Versions() []string {
	cat := Catalog()
	vs := make([]string, len(cat))
	for i, r := range cat {
		vs[i] = r.Version
	}
	return vs
}

// compareVersions orders dotted numeric versions ("3.9.2" < "4.0.2" <
// "4.10.0"). Non-numeric parts compare as strings.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		var x, y string
		if i < len(as) {
			x = as[i]
		}
		if i < len(bs) {
			y = bs[i]
		}
		xn, errx := strconv.Atoi(x)
		yn, erry := strconv.Atoi(y)
		switch {
		case errx == nil && erry == nil && xn != yn:
			if xn < yn {
				return -1
			}
			return 1
		case (errx != nil || erry != nil) && x != y:
			return strings.Compare(x, y)
		}
	}
	return 0
}
