package console

import (
	"net/http"
	"net/url"
	"strconv"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/wire"
)

var taskPages = []page{
	{"GET", "/tasks", (*Server).handleTaskList},
	{"GET", "/tasks/{task}", (*Server).handleTask},
	{"POST", "/tasks/{task}/delete", (*Server).handleTaskDelete},
}

// taskFilter is the task list's filter form, as the API's list takes it.
type taskFilter struct {
	Instance, Status, Kind string
	Offset, Limit          int
}

func taskFilterOf(q url.Values) taskFilter {
	f := taskFilter{Instance: q.Get("instance"), Status: q.Get("status"), Kind: q.Get("kind"), Limit: 50}
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		f.Limit = n
	}
	return f
}

// Query is the filter as a query string prefix for links (pages, the
// live list).
func (f taskFilter) Query() string {
	q := url.Values{}
	for k, v := range map[string]string{"instance": f.Instance, "status": f.Status, "kind": f.Kind} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return ""
	}
	return q.Encode() + "&"
}

type taskListView struct {
	List     *wire.TaskList
	Filter   taskFilter
	Pager    pager
	Statuses []streamplane.TaskStatus
	Running  bool
}

func (s *Server) handleTaskList(c *call) error {
	f := taskFilterOf(c.r.URL.Query())
	o := client.TaskOptions{Instance: f.Instance, Kind: f.Kind, Offset: f.Offset, Limit: f.Limit}
	if f.Status != "" {
		o.Status = []string{f.Status}
	}
	list, err := c.api.Tasks(c.r.Context(), o)
	if err != nil {
		return err
	}
	d := taskListView{List: list, Filter: f, Statuses: streamplane.TaskStatuses,
		Pager: newPager("/tasks?"+f.Query(), list.Offset, list.Limit, len(list.Tasks), list.Total)}
	for _, t := range list.Tasks {
		if !t.Status.Done() {
			d.Running = true
		}
	}
	return s.render(c, http.StatusOK, "task-list", &view{Title: "Tasks", Section: "tasks", Data: d})
}

type taskView struct {
	Task *streamplane.TaskDetail
	// Instance is the name of the instance the task acts on, when there
	// is one (the task's target).
	Instance string
	Can      map[string]bool
}

func (s *Server) handleTask(c *call) error {
	t, err := c.api.Task(c.r.Context(), c.r.PathValue("task"))
	if err != nil {
		return err
	}
	d := taskView{Task: t}
	if t.InstanceID != "" {
		d.Instance = t.Target
	}
	if d.Can, err = c.can("", "", "task:delete"); err != nil {
		return err
	}
	if t.Status.Done() {
		refreshWhenDone(c)
	}
	return s.render(c, http.StatusOK, "task", &view{Title: "Task " + t.Kind + " " + t.Target, Section: "tasks", Data: d})
}

// handleTaskDelete removes a finished task's record; the API refuses a
// running task (tasks cannot be cancelled).
func (s *Server) handleTaskDelete(c *call) error {
	id := c.r.PathValue("task")
	if err := c.api.DeleteTask(c.r.Context(), id); err != nil {
		return err
	}
	return redirect(c, "/tasks")
}
