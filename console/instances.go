package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	streamplane "github.com/streamplane/streamplane"

	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/wire"
)

// instancePages are the instance list, the create wizard
// (instance_new.go), the instance page with its actions (instance.go) and
// the parameters tab (parameters.go).
var instancePages = slices.Concat([]page{
	{"GET", "/instances", (*Server).handleInstanceList},
	{"GET", "/instances.csv", (*Server).handleInstanceCSV},
}, instanceNewPages, instanceViewPages, parameterPages)

// instanceFilter is the instance list's filter form, as the API's list
// takes it.
type instanceFilter struct {
	Name, Status, Tag, Project string
	Offset, Limit              int
}

func instanceFilterOf(q url.Values) instanceFilter {
	f := instanceFilter{Name: q.Get("name"), Status: q.Get("status"), Tag: q.Get("tag"), Project: q.Get("project"), Limit: 50}
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		f.Limit = n
	}
	return f
}

func (f instanceFilter) options() client.ListOptions {
	o := client.ListOptions{Name: f.Name, Project: f.Project, Offset: f.Offset, Limit: f.Limit}
	if f.Status != "" {
		o.Status = []string{f.Status}
	}
	if f.Tag != "" {
		o.Tags = []string{f.Tag}
	}
	return o
}

// query is the filter as a query string prefix for links (pages, CSV).
func (f instanceFilter) query() string {
	q := url.Values{}
	for k, v := range map[string]string{"name": f.Name, "status": f.Status, "tag": f.Tag, "project": f.Project} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return ""
	}
	return q.Encode() + "&"
}

type instanceListView struct {
	List     *wire.InstanceList
	Filter   instanceFilter
	Pager    pager
	Query    string
	CSV      string // the export's URL, with the filters
	Statuses []string
	// CanCreate shows the Create button: the caller may create instances
	// in the filtered project (or the default one).
	CanCreate bool
	// Busy says an instance shown is changing: the list polls until none is.
	Busy bool
	// Failed says an instance shown failed to be created: the list offers
	// to clear those away. Cleared is how many the last clearing removed.
	Failed  bool
	Cleared string
}

func (s *Server) handleInstanceList(c *call) error {
	f := instanceFilterOf(c.r.URL.Query())
	list, err := c.api.Instances(c.r.Context(), f.options())
	if err != nil {
		return err
	}
	v := instanceListView{List: list, Filter: f, Query: f.query(), CSV: "/instances.csv?" + f.query(),
		Pager:    newPager("/instances?"+f.query(), list.Offset, list.Limit, len(list.Instances), list.Total),
		Statuses: instanceStatuses, CanCreate: c.canCreate(f.Project)}
	v.Cleared = c.r.URL.Query().Get("cleared")
	for _, inst := range list.Instances {
		v.Failed = v.Failed || inst.Status == streamplane.InstanceCreateFailed
		switch inst.Status {
		case streamplane.InstanceCreating, streamplane.InstanceChanging, streamplane.InstanceRestarting, streamplane.InstanceDeleting:
			v.Busy = true
		}
	}
	return s.render(c, http.StatusOK, "instances", &view{Title: "Instances", Section: "instances", Data: v})
}

// handleInstanceCSV is the API's CSV export of the filtered list, as a
// download.
func (s *Server) handleInstanceCSV(c *call) error {
	f := instanceFilterOf(c.r.URL.Query())
	f.Offset, f.Limit = 0, 0
	text, err := c.api.InstancesCSV(c.r.Context(), f.options())
	if err != nil {
		return err
	}
	return download(c, "instances.csv", "text/csv; charset=utf-8", []byte(text))
}

// canCreate reports whether the caller may create an instance in project
// ("" for the default one); an answer the API refuses counts as no.
func (c *call) canCreate(project string) bool {
	if project == "" {
		project = streamplane.DefaultProject
	}
	allowed, err := c.can("", project, "instance:create")
	return err == nil && allowed["instance:create"]
}

// download sends data as a file to save.
func download(c *call, name, contentType string, data []byte) error {
	c.w.Header().Set("Content-Type", contentType)
	c.w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	c.w.Header().Set("Cache-Control", "no-store")
	_, err := c.w.Write(data)
	return err
}

var instanceStatuses = []string{"CREATING", "RUNNING", "CHANGING", "RESTARTING", "FAULTY", "CHANGE_FAILED", "CREATE_FAILED", "DELETING", "DELETED"}
