package kafkaruntime

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCatalog(t *testing.T) {
	cat := Catalog()
	if len(cat) == 0 {
		t.Fatal("empty catalog")
	}

	t.Run("OneRecommended", func(t *testing.T) {
		var rec []string
		for _, r := range cat {
			if r.Recommended {
				rec = append(rec, r.Version)
			}
		}
		if len(rec) != 1 {
			t.Fatalf("recommended releases = %v, want exactly one", rec)
		}
		if got := Recommended().Version; got != rec[0] {
			t.Errorf("Recommended() = %s, want %s", got, rec[0])
		}
	})

	t.Run("SortedOldestFirst", func(t *testing.T) {
		vs := Versions()
		if !slices.IsSortedFunc(vs, compareVersions) {
			t.Errorf("Versions() = %v, not oldest first", vs)
		}
		for i := 1; i < len(vs); i++ {
			if vs[i] == vs[i-1] {
				t.Errorf("version %s listed twice", vs[i])
			}
		}
	})

	// The newest patch of each release line that must stay installable.
	for _, want := range []string{"3.9.1", "3.9.2", "4.1.1", "4.1.2", "4.3.1"} {
		t.Run("Has"+want, func(t *testing.T) {
			if _, ok := Lookup(want); !ok {
				t.Errorf("Lookup(%s) = false", want)
			}
		})
	}
	t.Run("NewestOfEachLine", func(t *testing.T) {
		newest := map[string]string{} // "3" -> newest 3.x
		for _, v := range Versions() {
			major, _, _ := strings.Cut(v, ".")
			if compareVersions(v, newest[major]) > 0 {
				newest[major] = v
			}
		}
		if newest["3"] != "3.9.2" || newest["4"] != "4.3.1" {
			t.Errorf("newest 3.x, 4.x = %s, %s; want 3.9.2, 4.3.1", newest["3"], newest["4"])
		}
	})

	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	for _, r := range cat {
		t.Run(r.Version, func(t *testing.T) {
			released, err := time.Parse(DateLayout, r.Released)
			if err != nil {
				t.Errorf("Released: %v", err)
			}
			start, err := time.Parse(DateLayout, r.SupportStart)
			if err != nil {
				t.Errorf("SupportStart: %v", err)
			}
			end, err := time.Parse(DateLayout, r.SupportEnd)
			if err != nil {
				t.Errorf("SupportEnd: %v", err)
			}
			if !end.After(start) {
				t.Errorf("SupportEnd %s is not after SupportStart %s", r.SupportEnd, r.SupportStart)
			}
			if start.Before(released) {
				t.Errorf("SupportStart %s is before Released %s", r.SupportStart, r.Released)
			}

			wantJars := []string{
				"connect-mirror-" + r.Version + ".jar",
				"jmx_prometheus_javaagent-1.0.1.jar",
				"kafka-clients-" + r.Version + ".jar",
				"kafka-tools-" + r.Version + ".jar",
				"kafka_2.13-" + r.Version + ".jar",
			}
			gotJars := slices.Sorted(maps.Keys(r.Checksums))
			if !slices.Equal(gotJars, wantJars) {
				t.Errorf("checksummed jars = %v, want %v", gotJars, wantJars)
			}
			seen := map[string]string{}
			for name, sum := range r.Checksums {
				if !hex64.MatchString(sum) {
					t.Errorf("checksum of %s = %q, want 64 lower-case hex digits", name, sum)
				}
				if other, dup := seen[sum]; dup {
					t.Errorf("%s and %s have the same checksum", name, other)
				}
				seen[sum] = name
			}

			major := strings.SplitN(r.Version, ".", 2)[0]
			wantBackend := map[string]Backend{"3": Reload4j, "4": Log4j2}[major]
			if r.Logging.Backend != wantBackend {
				t.Errorf("Logging.Backend = %q, want %q", r.Logging.Backend, wantBackend)
			}
			if r.Logging.SLF4J == "" || r.Logging.Version == "" {
				t.Errorf("Logging = %+v, want versions", r.Logging)
			}
		})
	}
}

func TestLookupUnknown(t *testing.T) {
	for _, v := range []string{"", "4.1", "9.9.9", "4.1.1 "} {
		if _, ok := Lookup(v); ok {
			t.Errorf("Lookup(%q) = true", v)
		}
	}
}

func TestCatalogIsACopy(t *testing.T) {
	a := Catalog()
	a[0].Version = "changed"
	a[0].Checksums["x"] = "y"
	if b := Catalog(); b[0].Version == "changed" || b[0].Checksums["x"] == "y" {
		t.Error("changing a Catalog() result changed the catalog")
	}
}

func TestSupportedAt(t *testing.T) {
	r := Release{SupportStart: "2025-11-12", SupportEnd: "2026-11-12"}
	for _, tt := range []struct {
		at   string
		want bool
	}{
		{"2025-11-11T23:59:59Z", false},
		{"2025-11-12T00:00:00Z", true},
		{"2026-05-01T12:00:00Z", true},
		{"2026-11-12T23:59:59Z", true},
		{"2026-11-13T00:00:00Z", false},
	} {
		at, _ := time.Parse(time.RFC3339, tt.at)
		if got := r.SupportedAt(at); got != tt.want {
			t.Errorf("SupportedAt(%s) = %v, want %v", tt.at, got, tt.want)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"3.9.2", "4.0.2", -1},
		{"4.1.10", "4.1.2", 1},
		{"4.1.1", "4.1.1", 0},
		{"4.1", "4.1.0", -1},
		{"3.8.7", "3.6.3", 1},
	} {
		if got := compareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("compareVersions(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// The metadata.version levels are those the jars give as LATEST_PRODUCTION
// (checked with MetadataVersion in each release's jars), and a finalize
// never names kraft.version: it would make the static quorum dynamic.
func TestReleaseMetadataLevels(t *testing.T) {
	want := map[string]int{"3.9.1": 21, "3.9.2": 21, "4.0.2": 25, "4.1.1": 27, "4.1.2": 27, "4.2.0": 29, "4.3.1": 30}
	for _, r := range Catalog() {
		if r.MetadataLevel != want[r.Version] {
			t.Errorf("%s: metadata level %d, want %d", r.Version, r.MetadataLevel, want[r.Version])
		}
		if _, ok := r.Features["kraft.version"]; ok {
			t.Errorf("%s finalizes kraft.version", r.Version)
		}
	}
	if f := mustLookup(t, "3.9.2").Features; len(f) != 0 {
		t.Errorf("3.9.2 finalizes features besides metadata.version: %v", f)
	}
	if f := mustLookup(t, "4.1.2").Features; len(f) != 3 || f["transaction.version"] != 2 || f["group.version"] != 1 || f["eligible.leader.replicas.version"] != 1 {
		t.Errorf("4.1.2 finalizes %v, want transaction.version=2 group.version=1 eligible.leader.replicas.version=1", f)
	}
	if f := mustLookup(t, "4.3.1").Features; len(f) != 5 || f["share.version"] != 1 || f["streams.version"] != 1 {
		t.Errorf("4.3.1 finalizes %v, want share.version and streams.version too", f)
	}
}

func mustLookup(t *testing.T, version string) Release {
	t.Helper()
	r, ok := Lookup(version)
	if !ok {
		t.Fatalf("%s is not in the catalog", version)
	}
	return r
}
