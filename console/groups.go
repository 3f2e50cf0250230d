package console

import (
	"net/http"
	"net/url"
	"strconv"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/wire"
)

// groupPages: an instance's consumer groups, one group's members and
// offsets, resetting its offsets (dry run first) and deleting it.
var groupPages = []page{
	{"GET", "/instances/{instance}/groups", (*Server).handleGroupList},
	{"GET", "/instances/{instance}/groups.csv", (*Server).handleGroupCSV},
	{"GET", "/instances/{instance}/groups/{group}", (*Server).handleGroup},
	{"POST", "/instances/{instance}/groups/{group}/reset", (*Server).handleGroupReset},
	{"POST", "/instances/{instance}/groups/{group}/delete", (*Server).handleGroupDelete},
}

// groupFilter is the group list's filter form, as the API's list takes it.
type groupFilter struct {
	Name, State   string
	Offset, Limit int
}

func groupFilterOf(q url.Values) groupFilter {
	f := groupFilter{Name: q.Get("name"), State: q.Get("state"), Limit: 50}
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		f.Limit = n
	}
	return f
}

func (f groupFilter) options() client.GroupOptions {
	o := client.GroupOptions{Name: f.Name, Offset: f.Offset, Limit: f.Limit}
	if f.State != "" {
		o.States = []string{f.State}
	}
	return o
}

// query is the filter as a query string prefix for links (pages, CSV).
func (f groupFilter) query() string {
	q := url.Values{}
	if f.Name != "" {
		q.Set("name", f.Name)
	}
	if f.State != "" {
		q.Set("state", f.State)
	}
	if len(q) == 0 {
		return ""
	}
	return q.Encode() + "&"
}

type groupListView struct {
	Instance string
	List     *wire.GroupList
	Filter   groupFilter
	Pager    pager
	Query    string
	States   []streamplane.GroupState
	Deleted  string // the group just deleted, for the notice
}

func (s *Server) handleGroupList(c *call) error {
	inst := c.r.PathValue("instance")
	f := groupFilterOf(c.r.URL.Query())
	list, err := c.api.Groups(c.r.Context(), inst, f.options())
	if err != nil {
		return err
	}
	base := "/instances/" + url.PathEscape(inst) + "/groups?" + f.query()
	v := groupListView{Instance: inst, List: list, Filter: f, Query: f.query(), States: streamplane.GroupStates,
		Pager: newPager(base, list.Offset, list.Limit, len(list.Groups), list.Total), Deleted: c.r.URL.Query().Get("deleted")}
	return s.render(c, http.StatusOK, "group-list", &view{Title: "Consumer groups · " + inst, Section: "instances", Instance: inst, Tab: "groups", Data: v})
}

// handleGroupCSV is the API's CSV export of the filtered list, as a
// download.
func (s *Server) handleGroupCSV(c *call) error {
	inst := c.r.PathValue("instance")
	f := groupFilterOf(c.r.URL.Query())
	f.Offset, f.Limit = 0, 0
	text, err := c.api.GroupsCSV(c.r.Context(), inst, f.options())
	if err != nil {
		return err
	}
	return download(c, "groups-"+inst+".csv", "text/csv; charset=utf-8", []byte(text))
}

type groupView struct {
	Instance string
	Group    *streamplane.GroupDetail
	Can      map[string]bool
	Targets  []string
	// Preview is a dry run's outcome, with the request that gave it, to
	// apply as it is; Applied a reset just committed.
	Preview *streamplane.OffsetReset
	Request streamplane.OffsetResetRequest
	Applied string
	// LagChart and TopicLagChart are chart.json URLs of the group's lag.
	LagChart, TopicLagChart string
}

// groupPage gathers what the group page shows.
func (s *Server) groupPage(c *call) (*groupView, *view, error) {
	inst, name := c.r.PathValue("instance"), c.r.PathValue("group")
	g, err := c.api.Group(c.r.Context(), inst, name)
	if err != nil {
		return nil, nil, err
	}
	can, err := c.can(inst, "", "group:resetOffsets", "group:delete")
	if err != nil {
		return nil, nil, err
	}
	charts := "/instances/" + url.PathEscape(inst) + "/metrics/"
	q := "/chart.json?" + url.Values{"group": {name}, "range": {"6h"}}.Encode()
	gv := &groupView{Instance: inst, Group: g, Can: can, Targets: streamplane.ResetTargets, Applied: c.r.URL.Query().Get("reset"),
		LagChart: charts + "consumer_messages_remaining" + q, TopicLagChart: charts + "messages_remained" + q}
	v := &view{Title: "Group " + name + " · " + inst, Section: "instances", Instance: inst, Tab: "groups", Data: gv}
	// The reset form starts on the group's first topic, to the earliest
	// offset.
	v.Form = url.Values{"to": {streamplane.ResetEarliest}}
	if len(g.Topics) > 0 {
		v.Form.Set("topic", g.Topics[0].Topic)
	}
	return gv, v, nil
}

func (s *Server) handleGroup(c *call) error {
	_, v, err := s.groupPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "group", v)
}

// resetRequest reads the reset form: the API's fields by their names.
func resetRequest(form url.Values) (streamplane.OffsetResetRequest, error) {
	req := streamplane.OffsetResetRequest{Topic: form.Get("topic"), To: form.Get("to"), DryRun: form.Get("dry_run") == "true"}
	p, err := optionalInt(form, "partition")
	if err != nil {
		return req, err
	}
	if p != nil {
		n := int32(*p)
		req.Partition = &n
	}
	// Only the target's own value is sent: the form keeps both inputs.
	switch req.To {
	case streamplane.ResetTimestamp:
		if req.Timestamp, err = formTime(form, "timestamp"); err != nil {
			return req, err
		}
	case streamplane.ResetOffset:
		if req.Offset, err = formInt64(form, "offset"); err != nil {
			return req, err
		}
	}
	return req, nil
}

// handleGroupReset previews a reset (dry_run=true: the new offsets,
// nothing committed) or applies it, after the preview's confirmation.
func (s *Server) handleGroupReset(c *call) error {
	gv, v, err := s.groupPage(c)
	if err != nil {
		return err
	}
	req, err := resetRequest(postForm(c))
	if err == nil {
		gv.Request = req
		var out *streamplane.OffsetReset
		out, err = c.api.ResetOffsets(c.r.Context(), gv.Instance, gv.Group.Name, req)
		if err == nil && req.DryRun {
			gv.Preview = out
			v.Form = postForm(c)
			return s.render(c, http.StatusOK, "group", v)
		}
	}
	if err != nil {
		return s.renderForm(c, "group", v, err)
	}
	return redirect(c, "/instances/"+url.PathEscape(gv.Instance)+"/groups/"+url.PathEscape(gv.Group.Name)+"?"+url.Values{"reset": {req.Topic}}.Encode())
}

// handleGroupDelete deletes an EMPTY group; a refusal (members still in
// it) shows on the group's page.
func (s *Server) handleGroupDelete(c *call) error {
	inst, name := c.r.PathValue("instance"), c.r.PathValue("group")
	if err := c.api.DeleteGroup(c.r.Context(), inst, name); err != nil {
		_, v, gerr := s.groupPage(c)
		if gerr != nil {
			return err
		}
		return s.renderForm(c, "group", v, err)
	}
	return redirect(c, "/instances/"+url.PathEscape(inst)+"/groups?"+url.Values{"deleted": {name}}.Encode())
}
