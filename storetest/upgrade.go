package storetest

import (
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

// An upgrade's record survives the store: each broker's version (a broker
// saved without one runs the instance's), the version the upgrade came
// from and the finalized metadata.version level.
func testInstanceVersionUpgrade(t *testing.T, s streamplane.Store) {
	inst := newInstance("i-up", "upgrading")
	inst.Brokers[0].Version = "3.9.2"
	inst.UpgradeFrom, inst.MetadataLevel = "3.9.2", 21
	mustCreate(t, s, inst)
	got, err := get(t, s, "i-up")
	if err != nil {
		t.Fatal(err)
	}
	if got.Brokers[0].Version != "3.9.2" || got.Brokers[1].Version != "4.1.1" {
		t.Fatalf("broker versions %q, %q; want 3.9.2 and the instance's 4.1.1", got.Brokers[0].Version, got.Brokers[1].Version)
	}
	if got.UpgradeFrom != "3.9.2" || got.MetadataLevel != 21 || got.MetadataVersion != "3.9-IV0 (21)" {
		t.Fatalf("upgrade from %q at %d (%q); want 3.9.2 at 21", got.UpgradeFrom, got.MetadataLevel, got.MetadataVersion)
	}
	got.UpgradeFrom, got.MetadataLevel = "", 27
	mustUpdateInstance(t, s, got)
	if err := s.Update(ctx, func(tx streamplane.Tx) error {
		cur, err := tx.Instance("i-up")
		if err != nil {
			return err
		}
		cur.Brokers[0].Version = "4.1.1"
		return tx.SaveObserved(cur)
	}); err != nil {
		t.Fatal(err)
	}
	got, _ = get(t, s, "i-up")
	if got.Brokers[0].Version != "4.1.1" || got.UpgradeFrom != "" || got.MetadataLevel != 27 {
		t.Fatalf("after finalizing: broker 0 on %q, upgrade from %q at %d", got.Brokers[0].Version, got.UpgradeFrom, got.MetadataLevel)
	}
}
