package streamplane_test

import (
	"errors"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

func TestCheckFlavorChange(t *testing.T) {
	cluster := &streamplane.Instance{Name: "orders", Flavor: "kafka.2u4g.cluster", BrokerCount: 3, StorageGBPerBroker: 200}
	dev := &streamplane.Instance{Name: "demo", Flavor: streamplane.DevFlavor, BrokerCount: 3, StorageGBPerBroker: 10}
	for _, tc := range []struct {
		name       string
		inst       *streamplane.Instance
		to         string
		partitions int
		code, want string // code "" means allowed
	}{
		{"Up", cluster, "kafka.4u8g.cluster", 700, "", ""},
		{"Down", cluster, "kafka.2u4g.cluster", 0, streamplane.EINVALID, "already runs on"},
		{"DownWithinLimit", &streamplane.Instance{Name: "big", Flavor: "kafka.4u8g.cluster", BrokerCount: 3, StorageGBPerBroker: 100}, "kafka.2u4g.cluster", 750, "", ""},
		{"DownPastLimit", &streamplane.Instance{Name: "big", Flavor: "kafka.4u8g.cluster", BrokerCount: 3, StorageGBPerBroker: 100}, "kafka.2u4g.cluster", 751, streamplane.ELIMIT, "allows 750 partitions"},
		{"Unknown", cluster, "kafka.3u6g.cluster", 0, streamplane.EINVALID, "unknown flavor"},
		{"StorageTooSmall", dev, "kafka.2u4g.cluster", 0, streamplane.EINVALID, "100–100000 GB per broker"},
		{"TooManyBrokers", &streamplane.Instance{Name: "wide", Flavor: "kafka.2u4g.cluster", BrokerCount: 5, StorageGBPerBroker: 100}, streamplane.DevFlavor, 0, streamplane.EINVALID, "1–3 brokers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.inst.CheckFlavorChange(tc.to, tc.partitions)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var app *streamplane.Error
			if !errors.As(err, &app) || app.Code != tc.code || app.Field != "flavor" || !strings.Contains(app.Message, tc.want) {
				t.Fatalf("got %v, want %s on field flavor saying %q", err, tc.code, tc.want)
			}
		})
	}
}
