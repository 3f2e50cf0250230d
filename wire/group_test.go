package wire_test

import (
	"encoding/json"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// A refused group in a batch deletion reads back as the application error
// a single deletion would have returned.
func TestGroupDeletionErr(t *testing.T) {
	var res wire.GroupDeleteResults
	body := `{"results": [{"group": "g1", "deleted": true},
		{"group": "g2", "deleted": false, "error": {"code": "INVALID_STATE", "message": "group g2 has members", "request_id": "r1"}}]}`
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	if err := res.Results[0].Err(); err != nil {
		t.Errorf("deleted group: Err() = %v, want nil", err)
	}
	err := res.Results[1].Err()
	if streamplane.ErrorCode(err) != streamplane.ESTATE || streamplane.ErrorMessage(err) != "group g2 has members" {
		t.Errorf("refused group: Err() = %v (code %s), want INVALID_STATE: group g2 has members", err, streamplane.ErrorCode(err))
	}
}
