package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	streamplane "github.com/streamplane/streamplane"
)

// Partition reassignment, the console feature users of Kafka consoles ask
// for most (reference/consoles.md): a topic's replicas moved onto chosen
// brokers, or onto a hand-written plan, previewed first, throttled; and
// the moves in progress with their progress and a cancel.
var reassignPages = []page{
	{"GET", "/instances/{instance}/topics/{topic}/reassign", (*Server).handleReassignForm},
	{"POST", "/instances/{instance}/topics/{topic}/reassign", (*Server).handleReassign},
	{"GET", "/instances/{instance}/reassignments", (*Server).handleReassignments},
	{"POST", "/instances/{instance}/reassignments/cancel", (*Server).handleReassignCancel},
}

type reassignView struct {
	Instance string
	Topic    *streamplane.TopicDetail
	Brokers  []streamplane.Broker
	Replicas int // the topic's replicas per partition now
	Plan     *streamplane.ReassignPlan
	Applied  bool // the plan shown was carried out, not only previewed
	Can      map[string]bool
}

// Chosen says a broker is ticked: as the user sent it, or, on a fresh
// form, every broker holding the topic.
func (v *reassignView) Chosen(form url.Values, id int) bool {
	if form != nil {
		return slices.Contains(form["brokers"], strconv.Itoa(id))
	}
	for _, p := range v.Topic.Partitions {
		if slices.Contains(p.Replicas, int32(id)) {
			return true
		}
	}
	return false
}

func (s *Server) reassignView(c *call) (*reassignView, error) {
	ctx := c.r.Context()
	name, topic := c.r.PathValue("instance"), c.r.PathValue("topic")
	inst, err := c.api.Instance(ctx, name)
	if err != nil {
		return nil, err
	}
	detail, err := c.api.Topic(ctx, name, topic)
	if err != nil {
		return nil, err
	}
	can, err := c.can(name, "", "topic:reassign")
	if err != nil {
		return nil, err
	}
	v := &reassignView{Instance: inst.Name, Topic: detail, Brokers: inst.Brokers, Can: can}
	if len(detail.Partitions) > 0 {
		v.Replicas = len(detail.Partitions[0].Replicas)
	}
	return v, nil
}

func (s *Server) reassignPage(c *call, status int, v *reassignView, form url.Values) error {
	return s.render(c, status, "topic-reassign", &view{Title: "Reassign " + v.Topic.Topic.Name, Section: "instances",
		Instance: v.Instance, Tab: "topics", Data: v, Form: form})
}

func (s *Server) handleReassignForm(c *call) error {
	v, err := s.reassignView(c)
	if err != nil {
		return err
	}
	return s.reassignPage(c, http.StatusOK, v, nil)
}

// handleReassign previews a plan (dry_run) or carries it out. A move that
// outlasts the API's short wait goes on as a task, shown live.
func (s *Server) handleReassign(c *call) error {
	v, err := s.reassignView(c)
	if err != nil {
		return err
	}
	f := c.r.PostForm
	req, err := reassignRequestOf(v.Topic.Topic.Name, f)
	if err == nil {
		v.Plan, err = c.api.Reassign(c.r.Context(), v.Instance, req)
	}
	if id := runningTask(err); id != "" {
		return redirect(c, "/tasks/"+url.PathEscape(id))
	}
	if err != nil {
		return s.refused(c, "topic-reassign", &view{Title: "Reassign " + v.Topic.Topic.Name, Section: "instances",
			Instance: v.Instance, Tab: "topics", Data: v}, err)
	}
	v.Applied = !req.DryRun
	if v.Applied { // the topic as it is now
		if v.Topic, err = c.api.Topic(c.r.Context(), v.Instance, v.Topic.Topic.Name); err != nil {
			return err
		}
	}
	return s.reassignPage(c, http.StatusOK, v, f)
}

// reassignRequestOf reads the form: the brokers ticked, replicas and
// throttle, or a hand-written plan (JSON: [{"partition":0,"replicas":[1,2,0]},…])
// that replaces the automatic one.
func reassignRequestOf(topic string, f url.Values) (streamplane.ReassignRequest, error) {
	req := streamplane.ReassignRequest{DryRun: f.Get("dry_run") == "true"}
	if err := formInts(f, map[string]*int{"replicas": &req.Replicas, "throttle_mbps": &req.ThrottleMBps}); err != nil {
		return req, err
	}
	if text := strings.TrimSpace(f.Get("assignments")); text != "" {
		if err := json.Unmarshal([]byte(text), &req.Assignments); err != nil {
			return req, fieldError("assignments", `the plan must be a JSON list such as [{"partition": 0, "replicas": [1, 2, 0]}]: %v`, err)
		}
		for i := range req.Assignments {
			if req.Assignments[i].Topic == "" {
				req.Assignments[i].Topic = topic
			}
		}
		return req, nil
	}
	req.Topics = []string{topic}
	for _, b := range f["brokers"] {
		id, err := strconv.ParseInt(b, 10, 32)
		if err != nil {
			return req, fieldError("brokers", "brokers are broker ids, got %q", b)
		}
		req.Brokers = append(req.Brokers, int32(id))
	}
	return req, nil
}

type reassignmentsView struct {
	Instance string
	Status   *streamplane.ReassignStatus
	Percent  int
	Can      map[string]bool
	Canceled bool
}

// handleReassignments shows the moves in progress on the instance.
func (s *Server) handleReassignments(c *call) error {
	name := c.r.PathValue("instance")
	st, err := c.api.ReassignStatus(c.r.Context(), name)
	if err != nil {
		return err
	}
	can, err := c.can(name, "", "topic:reassign")
	if err != nil {
		return err
	}
	return s.renderReassignments(c, name, st, can, c.r.URL.Query().Get("canceled") != "")
}

func (s *Server) renderReassignments(c *call, name string, st *streamplane.ReassignStatus, can map[string]bool, canceled bool) error {
	v := reassignmentsView{Instance: name, Status: st, Can: can, Canceled: canceled}
	if st.BytesToMove > 0 {
		v.Percent = int(min(100, st.BytesMoved*100/st.BytesToMove))
	}
	return s.render(c, http.StatusOK, "topic-reassignments", &view{Title: "Reassignments", Section: "instances",
		Instance: name, Tab: "topics", Data: v})
}

func (s *Server) handleReassignCancel(c *call) error {
	name := c.r.PathValue("instance")
	if _, err := c.api.CancelReassignment(c.r.Context(), name); err != nil {
		return err
	}
	return redirect(c, "/instances/"+url.PathEscape(name)+"/reassignments?canceled=1")
}
