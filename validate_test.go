package streamplane_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

// placement is what a test server offers: two catalog versions and three zones.
var placement = streamplane.Placement{
	Versions: []string{"3.9.1", "4.1.0"},
	Zones:    []string{"zone-a", "zone-b", "zone-c"},
}

// validSpec returns a spec that passes every rule; cases change one field.
func validSpec() streamplane.InstanceSpec {
	return streamplane.InstanceSpec{
		Name:               "orders-1",
		Description:        "order events",
		Version:            "4.1.0",
		Flavor:             "kafka.2u4g.cluster",
		BrokerCount:        3,
		StorageGBPerBroker: 300,
	}
}

// checkInvalid fails unless err is an EINVALID *streamplane.Error naming field.
func checkInvalid(t *testing.T, err error, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %s on field %q", streamplane.EINVALID, field)
	}
	var e *streamplane.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %#v (%v), want a *streamplane.Error", err, err)
	}
	if got, want := e.Code, streamplane.EINVALID; got != want {
		t.Errorf("Code = %q, want %q (%v)", got, want, err)
	}
	if got, want := e.Field, field; got != want {
		t.Errorf("Field = %q, want %q (%v)", got, want, err)
	}
	if e.Message == "" {
		t.Errorf("Message is empty")
	}
}

// tagsN returns n valid, distinct tags.
func tagsN(n int) map[string]string {
	tags := map[string]string{}
	for i := range n {
		tags[fmt.Sprintf("key%02d", i)] = fmt.Sprintf("value%02d", i)
	}
	return tags
}

func TestInstanceSpec_Normalize(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		spec := validSpec()
		if err := spec.Normalize(placement); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("DefaultsFilled", func(t *testing.T) {
		spec := validSpec()
		if err := spec.Normalize(placement); err != nil {
			t.Fatal(err)
		}
		if got, want := spec.DiskType, streamplane.DiskTypes[0]; got != want {
			t.Errorf("DiskType = %q, want %q", got, want)
		}
		if got, want := spec.Zones, []string{"zone-a"}; !slices.Equal(got, want) {
			t.Errorf("Zones = %q, want %q", got, want)
		}
	})

	t.Run("GivenValuesKept", func(t *testing.T) {
		spec := validSpec()
		spec.DiskType = "high"
		spec.Zones = []string{"zone-c", "zone-a", "zone-b"}
		if err := spec.Normalize(placement); err != nil {
			t.Fatal(err)
		}
		if got, want := spec.DiskType, "high"; got != want {
			t.Errorf("DiskType = %q, want %q", got, want)
		}
		if got, want := spec.Zones, []string{"zone-c", "zone-a", "zone-b"}; !slices.Equal(got, want) {
			t.Errorf("Zones = %q, want %q", got, want)
		}
	})

	// Each case changes a valid spec; field is "" when the spec must pass.
	for _, tt := range []struct {
		name  string
		edit  func(s *streamplane.InstanceSpec)
		field string
	}{
		// Name: 4–64 characters, letter first, letters, digits, '-' and '_'.
		{"OKName4", func(s *streamplane.InstanceSpec) { s.Name = "abcd" }, ""},
		{"OKName64", func(s *streamplane.InstanceSpec) { s.Name = "a" + strings.Repeat("b", 63) }, ""},
		{"OKNameAllCharClasses", func(s *streamplane.InstanceSpec) { s.Name = "Kafka_prod-01" }, ""},
		{"ErrNameRequired", func(s *streamplane.InstanceSpec) { s.Name = "" }, "name"},
		{"ErrName3", func(s *streamplane.InstanceSpec) { s.Name = "abc" }, "name"},
		{"ErrName65", func(s *streamplane.InstanceSpec) { s.Name = "a" + strings.Repeat("b", 64) }, "name"},
		{"ErrNameDigitFirst", func(s *streamplane.InstanceSpec) { s.Name = "1abc" }, "name"},
		{"ErrNameDashFirst", func(s *streamplane.InstanceSpec) { s.Name = "-abc" }, "name"},
		{"ErrNameUnderscoreFirst", func(s *streamplane.InstanceSpec) { s.Name = "_abc" }, "name"},
		{"ErrNameDot", func(s *streamplane.InstanceSpec) { s.Name = "abc.def" }, "name"},
		{"ErrNameSpace", func(s *streamplane.InstanceSpec) { s.Name = "abc def" }, "name"},
		{"ErrNameTrailingNewline", func(s *streamplane.InstanceSpec) { s.Name = "abcdef\n" }, "name"},
		{"ErrNameNonASCIILetter", func(s *streamplane.InstanceSpec) { s.Name = "abcdé" }, "name"},
		{"ErrNameUUID", func(s *streamplane.InstanceSpec) { s.Name = "abcdef01-2345-6789-abcd-ef0123456789" }, "name"},
		{"ErrNameUUIDUpper", func(s *streamplane.InstanceSpec) { s.Name = "ABCDEF01-2345-6789-ABCD-EF0123456789" }, "name"},
		{"OKNameAlmostUUID", func(s *streamplane.InstanceSpec) { s.Name = "abcdef01-2345-6789-abcd-ef012345678" }, ""},

		// Description: at most 1024 characters, counted as characters, not bytes.
		{"OKDescriptionEmpty", func(s *streamplane.InstanceSpec) { s.Description = "" }, ""},
		{"OKDescription1024", func(s *streamplane.InstanceSpec) { s.Description = strings.Repeat("x", 1024) }, ""},
		{"OKDescription1024Runes", func(s *streamplane.InstanceSpec) { s.Description = strings.Repeat("é", 1024) }, ""},
		{"ErrDescription1025", func(s *streamplane.InstanceSpec) { s.Description = strings.Repeat("x", 1025) }, "description"},

		// Version: from the catalog.
		{"ErrVersionRequired", func(s *streamplane.InstanceSpec) { s.Version = "" }, "version"},
		{"ErrVersionUnknown", func(s *streamplane.InstanceSpec) { s.Version = "2.8.0" }, "version"},
		{"OKVersionOther", func(s *streamplane.InstanceSpec) { s.Version = "3.9.1" }, ""},

		// Flavor.
		{"ErrFlavorRequired", func(s *streamplane.InstanceSpec) { s.Flavor = "" }, "flavor"},
		{"ErrFlavorUnknown", func(s *streamplane.InstanceSpec) { s.Flavor = "kafka.64u128g.cluster" }, "flavor"},

		// Broker count: the flavor's range.
		{"ErrBrokerCountZero", func(s *streamplane.InstanceSpec) { s.BrokerCount = 0 }, "broker_count"},
		{"ErrBrokerCountNegative", func(s *streamplane.InstanceSpec) { s.BrokerCount = -3 }, "broker_count"},

		// Storage: the flavor's range, its step and its total.
		{"ErrStorageNotStep", func(s *streamplane.InstanceSpec) { s.StorageGBPerBroker = 150 }, "storage_gb_per_broker"},
		{"ErrStorageZero", func(s *streamplane.InstanceSpec) { s.StorageGBPerBroker = 0 }, "storage_gb_per_broker"},
		{"ErrStorageTotal", func(s *streamplane.InstanceSpec) {
			s.BrokerCount, s.StorageGBPerBroker = 4, 100000 // 400,000 GB > 300,000 GB
		}, "storage_gb_per_broker"},
		{"OKStorageTotalExact", func(s *streamplane.InstanceSpec) {
			s.BrokerCount, s.StorageGBPerBroker = 6, 50000 // 300,000 GB
		}, ""},

		// Disk type.
		{"ErrDiskTypeUnknown", func(s *streamplane.InstanceSpec) { s.DiskType = "ssd" }, "disk_type"},
		{"ErrDiskTypeCase", func(s *streamplane.InstanceSpec) { s.DiskType = "High" }, "disk_type"},

		// Zones: 1 or at least 3, never 2; known, distinct, no more than brokers.
		{"OKZones1", func(s *streamplane.InstanceSpec) { s.Zones = []string{"zone-b"} }, ""},
		{"OKZones3", func(s *streamplane.InstanceSpec) { s.Zones = []string{"zone-a", "zone-b", "zone-c"} }, ""},
		{"ErrZones2", func(s *streamplane.InstanceSpec) { s.Zones = []string{"zone-a", "zone-b"} }, "zones"},
		{"ErrZonesUnknown", func(s *streamplane.InstanceSpec) { s.Zones = []string{"zone-x"} }, "zones"},
		{"ErrZonesDuplicate", func(s *streamplane.InstanceSpec) { s.Zones = []string{"zone-a", "zone-a", "zone-b"} }, "zones"},
		{"ErrZonesBadName", func(s *streamplane.InstanceSpec) { s.Zones = []string{"Zone A"} }, "zones"},
		{"ErrZonesEmptyName", func(s *streamplane.InstanceSpec) { s.Zones = []string{""} }, "zones"},
		{"ErrZonesMoreThanBrokers", func(s *streamplane.InstanceSpec) {
			s.Flavor, s.BrokerCount, s.StorageGBPerBroker = streamplane.DevFlavor, 1, 10
			s.Zones = []string{"zone-a", "zone-b", "zone-c"}
		}, "zones"},

		// Tags (DMS 7.9).
		{"OKTags20", func(s *streamplane.InstanceSpec) { s.Tags = tagsN(20) }, ""},
		{"ErrTags21", func(s *streamplane.InstanceSpec) { s.Tags = tagsN(21) }, "tags"},
		{"OKTagKey36", func(s *streamplane.InstanceSpec) { s.Tags = map[string]string{strings.Repeat("k", 36): "v"} }, ""},
		{"ErrTagKey37", func(s *streamplane.InstanceSpec) {
			s.Tags = map[string]string{strings.Repeat("k", 37): "v"}
		}, "tags." + strings.Repeat("k", 37)},
		{"OKTagValue43", func(s *streamplane.InstanceSpec) { s.Tags = map[string]string{"env": strings.Repeat("v", 43)} }, ""},
		{"ErrTagValue44", func(s *streamplane.InstanceSpec) { s.Tags = map[string]string{"env": strings.Repeat("v", 44)} }, "tags.env"},
		{"OKTagKeyRunes36", func(s *streamplane.InstanceSpec) { s.Tags = map[string]string{strings.Repeat("ü", 36): "v"} }, ""},
		{"OKTagInnerSpace", func(s *streamplane.InstanceSpec) { s.Tags = map[string]string{"cost center": "big team"} }, ""},
		{"ErrTagKeyEmpty", func(s *streamplane.InstanceSpec) { s.Tags = map[string]string{"": "v"} }, "tags"},
		{"ErrTagValueEmpty", func(s *streamplane.InstanceSpec) { s.Tags = map[string]string{"env": ""} }, "tags.env"},
		{"ErrTagKeyLeadingSpace", func(s *streamplane.InstanceSpec) { s.Tags = map[string]string{" env": "v"} }, "tags. env"},
		{"ErrTagKeyTrailingSpace", func(s *streamplane.InstanceSpec) { s.Tags = map[string]string{"env ": "v"} }, "tags.env "},
		{"ErrTagValueLeadingSpace", func(s *streamplane.InstanceSpec) { s.Tags = map[string]string{"env": " prod"} }, "tags.env"},
		{"ErrTagValueTrailingSpace", func(s *streamplane.InstanceSpec) { s.Tags = map[string]string{"env": "prod "} }, "tags.env"},
		{"ErrTagsFirstErrorStable", func(s *streamplane.InstanceSpec) {
			s.Tags = map[string]string{"b": "", "a": "", "c": ""}
		}, "tags.a"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			spec := validSpec()
			tt.edit(&spec)
			err := spec.Normalize(placement)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				return
			}
			checkInvalid(t, err, tt.field)
		})
	}

	// Every forbidden character, in a key and in a value.
	for _, c := range `=*<>\,|/` {
		t.Run(fmt.Sprintf("ErrTagKeyContains%U", c), func(t *testing.T) {
			spec := validSpec()
			key := "a" + string(c) + "b"
			spec.Tags = map[string]string{key: "v"}
			checkInvalid(t, spec.Normalize(placement), "tags."+key)
		})
		t.Run(fmt.Sprintf("ErrTagValueContains%U", c), func(t *testing.T) {
			spec := validSpec()
			spec.Tags = map[string]string{"env": "a" + string(c) + "b"}
			checkInvalid(t, spec.Normalize(placement), "tags.env")
		})
	}

	t.Run("ErrNoZonesAnywhere", func(t *testing.T) {
		spec := validSpec()
		err := spec.Normalize(streamplane.Placement{Versions: placement.Versions})
		checkInvalid(t, err, "zones")
	})

	t.Run("OKAnyZoneWhenServerListsNone", func(t *testing.T) {
		spec := validSpec()
		spec.Zones = []string{"rack-1", "rack-2", "rack-3"}
		if err := spec.Normalize(streamplane.Placement{Versions: placement.Versions}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestInstanceSpec_NormalizeFlavorBounds checks every flavor's broker count
// and storage bounds, just inside and just outside.
func TestInstanceSpec_NormalizeFlavorBounds(t *testing.T) {
	for _, f := range streamplane.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			// base is valid for the flavor: the smallest legal instance.
			base := func() streamplane.InstanceSpec {
				s := validSpec()
				s.Flavor, s.BrokerCount, s.StorageGBPerBroker = f.Name, f.MinBrokers, f.MinStorageGBPerBroker
				return s
			}
			for _, tt := range []struct {
				name    string
				brokers int
				gb      int
				field   string
			}{
				{"OKMinBrokers", f.MinBrokers, f.MinStorageGBPerBroker, ""},
				{"OKMaxBrokers", f.MaxBrokers, f.MinStorageGBPerBroker, ""},
				{"ErrBelowMinBrokers", f.MinBrokers - 1, f.MinStorageGBPerBroker, "broker_count"},
				{"ErrAboveMaxBrokers", f.MaxBrokers + 1, f.MinStorageGBPerBroker, "broker_count"},
				{"OKMinStorage", f.MinBrokers, f.MinStorageGBPerBroker, ""},
				{"OKMaxStorage", f.MinBrokers, f.MaxStorageGBPerBroker, ""},
				{"OKStorageOneStepUp", f.MinBrokers, f.MinStorageGBPerBroker + f.StorageStepGB, ""},
				{"ErrStorageBelowMin", f.MinBrokers, f.MinStorageGBPerBroker - f.StorageStepGB, "storage_gb_per_broker"},
				{"ErrStorageAboveMax", f.MinBrokers, f.MaxStorageGBPerBroker + f.StorageStepGB, "storage_gb_per_broker"},
			} {
				t.Run(tt.name, func(t *testing.T) {
					s := base()
					s.BrokerCount, s.StorageGBPerBroker = tt.brokers, tt.gb
					err := s.Normalize(placement)
					if tt.field == "" {
						if err != nil {
							t.Fatalf("err = %v, want nil", err)
						}
						return
					}
					checkInvalid(t, err, tt.field)
				})
			}
			if f.MaxBrokers*f.MaxStorageGBPerBroker > f.MaxStorageGBTotal {
				t.Run("ErrStorageOverTotal", func(t *testing.T) {
					s := base()
					s.BrokerCount, s.StorageGBPerBroker = f.MaxBrokers, f.MaxStorageGBPerBroker
					checkInvalid(t, s.Normalize(placement), "storage_gb_per_broker")
				})
				t.Run("OKStorageAtTotal", func(t *testing.T) {
					s := base()
					// The most brokers that fit at the per-broker maximum.
					s.BrokerCount, s.StorageGBPerBroker = f.MaxStorageGBTotal/f.MaxStorageGBPerBroker, f.MaxStorageGBPerBroker
					if err := s.Normalize(placement); err != nil {
						t.Fatal(err)
					}
				})
			}
			if f.StorageStepGB > 1 {
				t.Run("ErrStorageOffStep", func(t *testing.T) {
					s := base()
					s.StorageGBPerBroker = f.MinStorageGBPerBroker + f.StorageStepGB/2
					checkInvalid(t, s.Normalize(placement), "storage_gb_per_broker")
				})
			}
		})
	}

	// The dev flavor is spelled out: 1–3 brokers and 1–100 GB in steps of 1.
	t.Run("Dev", func(t *testing.T) {
		for _, tt := range []struct {
			name    string
			brokers int
			gb      int
			field   string
		}{
			{"OK1Broker1GB", 1, 1, ""},
			{"OK3Brokers100GB", 3, 100, ""},
			{"OK7GB", 1, 7, ""},
			{"Err0GB", 1, 0, "storage_gb_per_broker"},
			{"Err101GB", 1, 101, "storage_gb_per_broker"},
			{"Err4Brokers", 4, 1, "broker_count"},
			{"Err0Brokers", 0, 1, "broker_count"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				s := validSpec()
				s.Flavor, s.BrokerCount, s.StorageGBPerBroker = streamplane.DevFlavor, tt.brokers, tt.gb
				err := s.Normalize(placement)
				if tt.field == "" {
					if err != nil {
						t.Fatalf("err = %v, want nil", err)
					}
					return
				}
				checkInvalid(t, err, tt.field)
			})
		}
	})
}

// TestFlavors checks the cluster flavors against DMS table 1-14 (SPEC §1.1).
func TestFlavors(t *testing.T) {
	for _, tt := range []struct {
		name                 string
		minBrokers           int
		maxBrokers           int
		partitionsPerBroker  int
		groupsPerBroker      int
		connectionsPerBroker int
		tpsPerBroker         int
		throughputMB         int
		maxStorageTotalGB    int
	}{
		{"kafka.2u4g.cluster", 3, 30, 250, 20, 2000, 30000, 100, 300000},
		{"kafka.4u8g.cluster", 3, 30, 500, 100, 4000, 100000, 200, 600000},
		{"kafka.8u16g.cluster", 3, 50, 1000, 150, 4000, 150000, 250, 1500000},
		{"kafka.12u24g.cluster", 3, 50, 1500, 200, 4000, 200000, 375, 1500000},
		{"kafka.16u32g.cluster", 3, 50, 2000, 200, 4000, 250000, 500, 1500000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := streamplane.LookupFlavor(tt.name)
			if !ok {
				t.Fatalf("flavor %s not found", tt.name)
			}
			for _, c := range []struct {
				what      string
				got, want int
			}{
				{"MinBrokers", f.MinBrokers, tt.minBrokers},
				{"MaxBrokers", f.MaxBrokers, tt.maxBrokers},
				{"MaxPartitionsPerBroker", f.MaxPartitionsPerBroker, tt.partitionsPerBroker},
				{"RecommendedGroupsPerBroker", f.RecommendedGroupsPerBroker, tt.groupsPerBroker},
				{"MaxConnectionsPerBroker", f.MaxConnectionsPerBroker, tt.connectionsPerBroker},
				{"TPSPerBroker", f.TPSPerBroker, tt.tpsPerBroker},
				{"ThroughputMBPerBroker", f.ThroughputMBPerBroker, tt.throughputMB},
				{"MaxStorageGBTotal", f.MaxStorageGBTotal, tt.maxStorageTotalGB},
				// DMS: 300 GB at least for the 3-broker minimum, in steps of 100 GB.
				{"MinStorageGBPerBroker*MinBrokers", f.MinStorageGBPerBroker * f.MinBrokers, 300},
				{"StorageStepGB", f.StorageStepGB, 100},
			} {
				if c.got != c.want {
					t.Errorf("%s = %d, want %d", c.what, c.got, c.want)
				}
			}
			if got, want := f.MaxPartitions(3), 3*tt.partitionsPerBroker; got != want {
				t.Errorf("MaxPartitions(3) = %d, want %d", got, want)
			}
			if f.MaxStorageGBPerBroker > f.MaxStorageGBTotal || f.MaxStorageGBPerBroker < f.MinStorageGBPerBroker {
				t.Errorf("per-broker storage %d–%d GB does not fit the total %d GB", f.MinStorageGBPerBroker, f.MaxStorageGBPerBroker, f.MaxStorageGBTotal)
			}
			if f.HeapMB <= 0 || f.NetworkThreads <= 0 || f.IOThreads <= 0 {
				t.Errorf("local resources unset: heap %d MB, %d network threads, %d io threads", f.HeapMB, f.NetworkThreads, f.IOThreads)
			}
		})
	}

	t.Run("DMSExample", func(t *testing.T) {
		// DMS 1.4: kafka.2u4g.cluster with 3 brokers allows 750 partitions.
		f, _ := streamplane.LookupFlavor("kafka.2u4g.cluster")
		if got, want := f.MaxPartitions(3), 750; got != want {
			t.Errorf("MaxPartitions(3) = %d, want %d", got, want)
		}
	})

	t.Run("Dev", func(t *testing.T) {
		f, ok := streamplane.LookupFlavor(streamplane.DevFlavor)
		if !ok {
			t.Fatalf("flavor %s not found", streamplane.DevFlavor)
		}
		if f.MinBrokers != 1 || f.MinStorageGBPerBroker != 1 || f.MaxStorageGBPerBroker != 100 {
			t.Errorf("dev flavor: brokers from %d, storage %d–%d GB; want 1 and 1–100", f.MinBrokers, f.MinStorageGBPerBroker, f.MaxStorageGBPerBroker)
		}
	})

	t.Run("SortedSmallestFirst", func(t *testing.T) {
		var got []string
		for _, f := range streamplane.Flavors() {
			got = append(got, f.Name)
		}
		want := []string{streamplane.DevFlavor, "kafka.2u4g.cluster", "kafka.4u8g.cluster", "kafka.8u16g.cluster", "kafka.12u24g.cluster", "kafka.16u32g.cluster"}
		if !slices.Equal(got, want) {
			t.Errorf("Flavors() = %q, want %q", got, want)
		}
	})

	t.Run("ErrUnknown", func(t *testing.T) {
		if _, ok := streamplane.LookupFlavor("kafka.2u4g"); ok {
			t.Error("LookupFlavor(kafka.2u4g) found a flavor")
		}
	})
}

func ptr[T any](v T) *T { return &v }

// testInstance returns an instance with two tags.
func testInstance() *streamplane.Instance {
	return &streamplane.Instance{
		ID:          "inst-1",
		Name:        "orders",
		Description: "order events",
		Tags:        map[string]string{"env": "prod", "team": "payments"},
	}
}

func TestInstanceUpdate_Apply(t *testing.T) {
	for _, tt := range []struct {
		name     string
		upd      streamplane.InstanceUpdate
		wantName string
		wantDesc string
		wantTags map[string]string
	}{
		{"OKEmpty", streamplane.InstanceUpdate{}, "orders", "order events", map[string]string{"env": "prod", "team": "payments"}},
		{"OKName", streamplane.InstanceUpdate{Name: ptr("orders-v2")}, "orders-v2", "order events", map[string]string{"env": "prod", "team": "payments"}},
		{"OKDescription", streamplane.InstanceUpdate{Description: ptr("")}, "orders", "", map[string]string{"env": "prod", "team": "payments"}},
		{"OKSetTagNew", streamplane.InstanceUpdate{SetTags: map[string]string{"owner": "ann"}}, "orders", "order events",
			map[string]string{"env": "prod", "team": "payments", "owner": "ann"}},
		{"OKSetTagReplace", streamplane.InstanceUpdate{SetTags: map[string]string{"env": "staging"}}, "orders", "order events",
			map[string]string{"env": "staging", "team": "payments"}},
		{"OKRemoveTag", streamplane.InstanceUpdate{RemoveTags: []string{"team"}}, "orders", "order events",
			map[string]string{"env": "prod"}},
		{"OKRemoveAllTags", streamplane.InstanceUpdate{RemoveTags: []string{"team", "env"}}, "orders", "order events",
			map[string]string{}},
		{"OKRemoveThenSet", streamplane.InstanceUpdate{RemoveTags: []string{"env"}, SetTags: map[string]string{"env": "dev"}}, "orders", "order events",
			map[string]string{"env": "dev", "team": "payments"}},
		{"OKTwentyTagsAfterRemove", streamplane.InstanceUpdate{RemoveTags: []string{"env", "team"}, SetTags: tagsN(20)}, "orders", "order events",
			tagsN(20)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inst := testInstance()
			if err := tt.upd.Apply(inst); err != nil {
				t.Fatal(err)
			}
			if got, want := inst.Name, tt.wantName; got != want {
				t.Errorf("Name = %q, want %q", got, want)
			}
			if got, want := inst.Description, tt.wantDesc; got != want {
				t.Errorf("Description = %q, want %q", got, want)
			}
			if got, want := inst.Tags, tt.wantTags; !maps.Equal(got, want) {
				t.Errorf("Tags = %v, want %v", got, want)
			}
		})
	}

	for _, tt := range []struct {
		name  string
		upd   streamplane.InstanceUpdate
		field string
	}{
		{"ErrNameRequired", streamplane.InstanceUpdate{Name: ptr("")}, "name"},
		{"ErrNameInvalid", streamplane.InstanceUpdate{Name: ptr("9lives")}, "name"},
		{"ErrNameUUID", streamplane.InstanceUpdate{Name: ptr("abcdef01-2345-6789-abcd-ef0123456789")}, "name"},
		{"ErrDescription", streamplane.InstanceUpdate{Description: ptr(strings.Repeat("d", 1025))}, "description"},
		{"ErrRemoveMissingTag", streamplane.InstanceUpdate{RemoveTags: []string{"nope"}}, "remove_tags"},
		{"ErrSetInvalidTag", streamplane.InstanceUpdate{SetTags: map[string]string{"a/b": "v"}}, "tags.a/b"},
		{"ErrTooManyTags", streamplane.InstanceUpdate{SetTags: tagsN(19)}, "tags"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inst := testInstance()
			err := tt.upd.Apply(inst)
			checkInvalid(t, err, tt.field)
			if got, want := inst.Tags, testInstance().Tags; !maps.Equal(got, want) {
				t.Errorf("Tags after a refused update = %v, want %v", got, want)
			}
		})
	}

	t.Run("ErrLeavesInstanceUnchanged", func(t *testing.T) {
		inst := testInstance()
		upd := streamplane.InstanceUpdate{Name: ptr("renamed"), Description: ptr("new"), SetTags: map[string]string{"bad=key": "v"}}
		checkInvalid(t, upd.Apply(inst), "tags.bad=key")
		if got, want := inst.Name, "orders"; got != want {
			t.Errorf("Name after a refused update = %q, want %q", got, want)
		}
		if got, want := inst.Description, "order events"; got != want {
			t.Errorf("Description after a refused update = %q, want %q", got, want)
		}
	})

	t.Run("OKDoesNotAliasUpdateTags", func(t *testing.T) {
		inst := testInstance()
		set := map[string]string{"owner": "ann"}
		if err := (streamplane.InstanceUpdate{SetTags: set}).Apply(inst); err != nil {
			t.Fatal(err)
		}
		set["owner"] = "bob"
		if got, want := inst.Tags["owner"], "ann"; got != want {
			t.Errorf("Tags[owner] = %q after changing the update's map, want %q", got, want)
		}
	})
}

func TestInstanceFilter_Matches(t *testing.T) {
	inst := &streamplane.Instance{
		ID:     "3f2c",
		Name:   "Orders-Prod",
		Status: streamplane.InstanceRunning,
		Tags:   map[string]string{"env": "prod", "team": "payments"},
		BootstrapServers: map[string]string{
			streamplane.ListenerPrivatePlaintext: "10.0.0.1:9092,10.0.0.2:9092",
		},
	}
	deleted := &streamplane.Instance{ID: "9a9a", Name: "old", Status: streamplane.InstanceDeleted}

	for _, tt := range []struct {
		name   string
		filter streamplane.InstanceFilter
		inst   *streamplane.Instance
		want   bool
	}{
		{"OKEmpty", streamplane.InstanceFilter{}, inst, true},
		{"OKID", streamplane.InstanceFilter{ID: "3f2c"}, inst, true},
		{"NoID", streamplane.InstanceFilter{ID: "3f2"}, inst, false},
		{"OKNameSubstringFold", streamplane.InstanceFilter{Name: "ders-p"}, inst, true},
		{"OKNameUpper", streamplane.InstanceFilter{Name: "ORDERS"}, inst, true},
		{"NoName", streamplane.InstanceFilter{Name: "billing"}, inst, false},
		{"OKStatus", streamplane.InstanceFilter{Status: []streamplane.InstanceStatus{streamplane.InstanceFaulty, streamplane.InstanceRunning}}, inst, true},
		{"NoStatus", streamplane.InstanceFilter{Status: []streamplane.InstanceStatus{streamplane.InstanceFaulty}}, inst, false},
		{"OKTagValue", streamplane.InstanceFilter{Tags: map[string]string{"env": "prod"}}, inst, true},
		{"OKTagAnyValue", streamplane.InstanceFilter{Tags: map[string]string{"team": ""}}, inst, true},
		{"OKTagsAll", streamplane.InstanceFilter{Tags: map[string]string{"env": "prod", "team": "payments"}}, inst, true},
		{"NoTagValue", streamplane.InstanceFilter{Tags: map[string]string{"env": "dev"}}, inst, false},
		{"NoTagKey", streamplane.InstanceFilter{Tags: map[string]string{"owner": ""}}, inst, false},
		{"NoOneTagOfTwo", streamplane.InstanceFilter{Tags: map[string]string{"env": "prod", "owner": ""}}, inst, false},
		{"OKAddress", streamplane.InstanceFilter{Address: "10.0.0.2"}, inst, true},
		{"NoAddress", streamplane.InstanceFilter{Address: "10.0.0.3"}, inst, false},
		{"NoAddressWithoutServers", streamplane.InstanceFilter{Address: "10.0.0.1"}, deleted, false},
		{"OKAllConditions", streamplane.InstanceFilter{ID: "3f2c", Name: "orders", Status: []streamplane.InstanceStatus{streamplane.InstanceRunning},
			Tags: map[string]string{"env": "prod"}, Address: ":9092"}, inst, true},
		{"NoDeletedByDefault", streamplane.InstanceFilter{}, deleted, false},
		{"OKDeletedIncluded", streamplane.InstanceFilter{IncludeDeleted: true}, deleted, true},
		{"OKDeletedByStatus", streamplane.InstanceFilter{Status: []streamplane.InstanceStatus{streamplane.InstanceDeleted}}, deleted, true},
		{"NoDeletedByOtherStatus", streamplane.InstanceFilter{Status: []streamplane.InstanceStatus{streamplane.InstanceRunning}, IncludeDeleted: true}, deleted, false},
		{"OKPagingIgnored", streamplane.InstanceFilter{Offset: 10, Limit: 1}, inst, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := tt.filter.Matches(tt.inst), tt.want; got != want {
				t.Errorf("Matches = %v, want %v", got, want)
			}
		})
	}
}

func TestErrorHelpers(t *testing.T) {
	err := streamplane.Invalid("name", "name %q is bad", "x")
	wrapped := fmt.Errorf("create: %w", err)
	for _, tt := range []struct {
		name        string
		err         error
		wantCode    string
		wantMessage string
	}{
		{"OKNil", nil, "", ""},
		{"OKInvalid", err, streamplane.EINVALID, `name "x" is bad`},
		{"OKWrapped", wrapped, streamplane.EINVALID, `name "x" is bad`},
		{"OKOther", errors.New("disk on fire"), streamplane.EINTERNAL, "internal error"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := streamplane.ErrorCode(tt.err), tt.wantCode; got != want {
				t.Errorf("ErrorCode = %q, want %q", got, want)
			}
			if got, want := streamplane.ErrorMessage(tt.err), tt.wantMessage; got != want {
				t.Errorf("ErrorMessage = %q, want %q", got, want)
			}
		})
	}
	if got, want := err.Error(), `INVALID_ARGUMENT: name "x" is bad (field name)`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !streamplane.IsCode(wrapped, streamplane.EINVALID) || streamplane.IsCode(nil, "") {
		t.Error("IsCode is wrong for a wrapped error or nil")
	}
}
