package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/sqlite"
	"github.com/streamplane/streamplane/task"
)

// finishUpgrade records where a version change ended: CHANGE_FAILED only
// while brokers run mixed versions, the finalized level and the way back
// as the task leaves them.
func TestFinishUpgrade(t *testing.T) {
	for _, tc := range []struct {
		name      string
		brokers   []string // each broker's version; the instance goes to 4.1.2
		params    UpgradeParams
		finalized int
		runErr    error
		status    streamplane.InstanceStatus
		from      string // UpgradeFrom after
		level     int
		reason    string
	}{
		{"finalized", []string{"4.1.2", "4.1.2"}, UpgradeParams{Kind: streamplane.UpgradeForward, From: "3.9.2", To: "4.1.2"}, 27, nil,
			streamplane.InstanceRunning, "", 27, ""},
		{"left for finalize", []string{"4.1.2", "4.1.2"}, UpgradeParams{Kind: streamplane.UpgradeForward, From: "3.9.2", To: "4.1.2", NoFinalize: true}, 0, nil,
			streamplane.InstanceRunning, "3.9.2", 21, ""},
		{"broker failed", []string{"4.1.2", "3.9.2"}, UpgradeParams{Kind: streamplane.UpgradeForward, From: "3.9.2", To: "4.1.2"}, 0, errors.New("node 1 did not rejoin"),
			streamplane.InstanceChangeFailed, "3.9.2", 21, "mixed versions: node 1 did not rejoin; upgrade again to carry on, or roll back to 3.9.2"},
		{"finalize failed", []string{"4.1.2", "4.1.2"}, UpgradeParams{Kind: streamplane.UpgradeForward, From: "3.9.2", To: "4.1.2"}, 0, errors.New("FEATURE_UPDATE_FAILED"),
			streamplane.InstanceRunning, "3.9.2", 21, "run finalize-upgrade"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "store.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			inst := &streamplane.Instance{ID: "i-1", Name: "demo", Version: "4.1.2", Flavor: streamplane.DevFlavor, BrokerCount: len(tc.brokers),
				Status: streamplane.InstanceChanging, UpgradeFrom: "3.9.2", MetadataLevel: 21}
			for i, v := range tc.brokers {
				inst.Brokers = append(inst.Brokers, streamplane.Broker{ID: i, Version: v, State: streamplane.BrokerRebooting, Roles: []string{"broker"}})
			}
			tk, err := streamplane.NewTask("t-1", streamplane.TaskUpgradeInstance, inst.ID, inst.Name, tc.params)
			if err != nil {
				t.Fatal(err)
			}
			tk.State, _ = json.Marshal(upgradeState{Finalized: tc.finalized})
			r := &task.Run{Task: tk}
			err = db.Update(context.Background(), func(tx streamplane.Tx) error {
				if err := tx.CreateInstance(inst); err != nil {
					return err
				}
				return finishUpgrade(tx, r, tc.runErr)
			})
			if err != nil {
				t.Fatal(err)
			}
			var got *streamplane.Instance
			db.View(context.Background(), func(tx streamplane.Tx) (err error) { got, err = tx.Instance("i-1"); return err })
			if got.Status != tc.status || got.UpgradeFrom != tc.from || got.MetadataLevel != tc.level || !strings.Contains(got.StatusReason, tc.reason) {
				t.Fatalf("got %s from %q at %d (%q); want %s from %q at %d mentioning %q",
					got.Status, got.UpgradeFrom, got.MetadataLevel, got.StatusReason, tc.status, tc.from, tc.level, tc.reason)
			}
		})
	}
}
