package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

// Group changes on an instance held by a task get 409 INSTANCE_BUSY naming
// the task, and are recorded as failed tasks all the same. Reads get 409
// INVALID_STATE: the brokers of a CREATING instance do not run yet. A
// malformed request is refused as such, busy instance or not.
func TestGroupsOnBusyInstance(t *testing.T) {
	c, _ := newAPI(t)
	ctx := context.Background()
	inst, create, err := c.CreateInstance(ctx, validSpec("groups-busy"))
	if err != nil {
		t.Fatal(err)
	}

	_, err = c.ResetOffsets(ctx, inst.Name, "g-app", streamplane.OffsetResetRequest{Topic: "orders", To: streamplane.ResetEarliest})
	wantAPIError(t, err, http.StatusConflict, streamplane.EBUSY, "")
	if e := err.(*client.Error); e.App.TaskID != create.ID {
		t.Errorf("409 names task %q, want %s", e.App.TaskID, create.ID)
	}
	_, err = c.DeleteGroups(ctx, inst.Name, "g-app", "g-other")
	wantAPIError(t, err, http.StatusConflict, streamplane.EBUSY, "")
	err = c.DeleteGroup(ctx, inst.Name, "g-app")
	wantAPIError(t, err, http.StatusConflict, streamplane.EBUSY, "")

	_, err = c.ResetOffsets(ctx, inst.Name, "g-app", streamplane.OffsetResetRequest{Topic: "orders", To: "yesterday"})
	wantAPIError(t, err, http.StatusBadRequest, streamplane.EINVALID, "to")
	_, err = c.DeleteGroups(ctx, inst.Name)
	wantAPIError(t, err, http.StatusBadRequest, streamplane.EINVALID, "groups")

	_, err = c.Groups(ctx, inst.Name, client.GroupOptions{})
	wantAPIError(t, err, http.StatusConflict, streamplane.ESTATE, "")
	_, err = c.Group(ctx, inst.Name, "g-app")
	wantAPIError(t, err, http.StatusConflict, streamplane.ESTATE, "")
	_, err = c.Groups(ctx, inst.Name, client.GroupOptions{States: []string{"ASLEEP"}})
	wantAPIError(t, err, http.StatusBadRequest, streamplane.EINVALID, "state")
	_, err = c.Groups(ctx, "no-such-instance", client.GroupOptions{})
	wantAPIError(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "")

	// Every refused change is on the instance's task list, failed, with
	// what was asked.
	for kind, want := range map[string]int{streamplane.TaskResetOffsets: 2, streamplane.TaskDeleteGroups: 3} {
		list, err := c.Tasks(ctx, client.TaskOptions{Instance: inst.Name, Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		if list.Total != want {
			t.Errorf("%d %s tasks recorded, want %d", list.Total, kind, want)
		}
		for _, tk := range list.Tasks {
			if tk.Status != streamplane.TaskFailed || tk.Error == "" {
				t.Errorf("recorded %s task: %s %q", kind, tk.Status, tk.Error)
			}
			if kind == streamplane.TaskResetOffsets && !strings.Contains(string(tk.Params), `"g-app"`) {
				t.Errorf("recorded %s task lacks the group: %s", kind, tk.Params)
			}
		}
	}
}
