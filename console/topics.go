package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/wire"
)

// Topic names may be any of [A-Za-z0-9._-]{3,200}, "new" and "delete"
// included, so the pages about topics in general sit beside
// /topics/{topic}, never under it.
var topicPages = []page{
	{"GET", "/instances/{instance}/topics", (*Server).handleTopicList},
	{"GET", "/instances/{instance}/topics.csv", (*Server).handleTopicCSV},
	{"GET", "/instances/{instance}/create-topic", (*Server).handleTopicNew},
	{"POST", "/instances/{instance}/topics", (*Server).handleTopicCreate},
	{"POST", "/instances/{instance}/delete-topics", (*Server).handleTopicDelete},
	{"GET", "/instances/{instance}/topics/{topic}", (*Server).handleTopic},
	{"POST", "/instances/{instance}/topics/{topic}", (*Server).handleTopicUpdate},
	{"POST", "/instances/{instance}/topics/{topic}/grants", (*Server).handleTopicGrant},
	{"POST", "/instances/{instance}/topics/{topic}/revoke", (*Server).handleTopicRevoke},
	{"POST", "/instances/{instance}/topics/{topic}/elect-leaders", (*Server).handleTopicElect},
}

func init() {
	funcs["hasPrefix"] = strings.HasPrefix
	funcs["nbytes"] = func(n int) string { return humanBytes(int64(n)) }
	funcs["ids"] = func(ids []int32) string {
		s := make([]string, len(ids))
		for i, id := range ids {
			s[i] = strconv.Itoa(int(id))
		}
		return strings.Join(s, ", ")
	}
	funcs["intsList"] = func(ns []int) string {
		s := make([]string, len(ns))
		for i, n := range ns {
			s[i] = strconv.Itoa(n)
		}
		return strings.Join(s, ", ")
	}
	funcs["sub64"] = func(a, b int64) int64 { return a - b }
	funcs["notPreferred"] = func(p streamplane.TopicPartition) bool {
		return p.Leader >= 0 && len(p.Replicas) > 0 && int(p.Replicas[0]) != p.Leader
	}
	funcs["permWords"] = func(p streamplane.Permission) string {
		switch p {
		case streamplane.PermissionPublish:
			return "write"
		case streamplane.PermissionSubscribe:
			return "read"
		}
		return "read and write"
	}
}

// topicActions are the actions the topic pages offer buttons for.
var topicActions = []string{"topic:create", "topic:delete", "topic:update", "topic:reassign", "message:send", "message:read", "permission:update"}

// topicFilter is the topic list's filter form, as the API's list takes it.
type topicFilter struct {
	Name          string
	Internal      bool
	Offset, Limit int
}

func topicFilterOf(q url.Values) topicFilter {
	f := topicFilter{Name: q.Get("name"), Internal: q.Get("internal") != "", Limit: 50}
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		f.Limit = n
	}
	return f
}

func (f topicFilter) options() client.TopicListOptions {
	return client.TopicListOptions{Name: f.Name, Internal: f.Internal, Offset: f.Offset, Limit: f.Limit}
}

// query is the filter as a query string prefix for links (pages, CSV).
func (f topicFilter) query() string {
	q := url.Values{}
	if f.Name != "" {
		q.Set("name", f.Name)
	}
	if f.Internal {
		q.Set("internal", "true")
	}
	if len(q) == 0 {
		return ""
	}
	return q.Encode() + "&"
}

type topicListView struct {
	Instance string
	List     *streamplane.TopicList
	Filter   topicFilter
	Query    string
	Pager    pager
	Can      map[string]bool
	Deleted  []string             // topics the last batch deleted
	Failed   []wire.TopicDeletion // topics it could not delete, and why
	Confirm  string
	CSV      string // the export link, with the filter
}

func (s *Server) handleTopicList(c *call) error {
	v, err := s.topicList(c)
	if err != nil {
		return err
	}
	v.Deleted = c.r.URL.Query()["deleted"]
	return s.render(c, http.StatusOK, "topic-list", &view{Title: "Topics · " + v.Instance, Section: "instances", Instance: v.Instance, Tab: "topics", Data: v})
}

func (s *Server) topicList(c *call) (*topicListView, error) {
	name := c.r.PathValue("instance")
	f := topicFilterOf(c.r.URL.Query())
	list, err := c.api.Topics(c.r.Context(), name, f.options())
	if err != nil {
		return nil, err
	}
	can, err := c.can(name, "", topicActions...)
	if err != nil {
		return nil, err
	}
	base := "/instances/" + url.PathEscape(name) + "/topics?" + f.query()
	return &topicListView{Instance: name, List: list, Filter: f, Query: f.query(), Can: can,
		Pager:   newPager(base, list.Offset, list.Limit, len(list.Topics), list.Total),
		CSV:     "/instances/" + url.PathEscape(name) + "/topics.csv?" + f.query(),
		Confirm: "Delete the selected topics of instance " + name + "? Their messages are lost."}, nil
}

// handleTopicCSV is the API's CSV export of the filtered list, as a
// download.
func (s *Server) handleTopicCSV(c *call) error {
	name := c.r.PathValue("instance")
	f := topicFilterOf(c.r.URL.Query())
	f.Offset, f.Limit = 0, 0
	text, err := c.api.TopicsCSV(c.r.Context(), name, f.options())
	if err != nil {
		return err
	}
	return download(c, "topics-"+safeFileName(name)+".csv", "text/csv; charset=utf-8", []byte(text))
}

// safeFileName keeps a name to the characters a Content-Disposition
// filename may hold unquoted.
func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '.' || r == '-' || r == '_' || ('0' <= r && r <= '9') || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z')) {
			return r
		}
		return '_'
	}, s)
}

type topicNewView struct {
	Instance   string
	Brokers    int
	MaxReplica int
	Cleanup    []string
	Can        map[string]bool
}

func (s *Server) newTopicView(c *call) (*view, error) {
	name := c.r.PathValue("instance")
	inst, err := c.api.Instance(c.r.Context(), name)
	if err != nil {
		return nil, err
	}
	can, err := c.can(inst.Name, "", "topic:create")
	if err != nil {
		return nil, err
	}
	d := topicNewView{Can: can, Instance: inst.Name, Brokers: inst.BrokerCount, MaxReplica: min(streamplane.MaxTopicReplicas, inst.BrokerCount),
		Cleanup: []string{"delete", "compact", "compact,delete"}}
	return &view{Title: "Create a topic · " + inst.Name, Section: "instances", Instance: inst.Name, Tab: "topics", Data: d}, nil
}

func (s *Server) handleTopicNew(c *call) error {
	v, err := s.newTopicView(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "topic-new", v)
}

// handleTopicCreate creates a topic from the form. Its inputs are the
// API's TopicSpec fields; the cleanup policy and the other configs go
// into configs.
func (s *Server) handleTopicCreate(c *call) error {
	name := c.r.PathValue("instance")
	v, err := s.newTopicView(c)
	if err != nil {
		return err
	}
	f, err := readForm(c)
	if err != nil {
		return err
	}
	spec := streamplane.TopicSpec{Name: strings.TrimSpace(f.Get("name")), SyncReplication: f.Get("sync_replication") != "", SyncFlush: f.Get("sync_flush") != ""}
	if err := formInts(f, map[string]*int{"partitions": &spec.Partitions, "replicas": &spec.Replicas, "retention_hours": &spec.RetentionHours}); err != nil {
		return s.refused(c, "topic-new", v, err)
	}
	if spec.Configs, err = formConfigs(f.Get("configs")); err != nil {
		return s.refused(c, "topic-new", v, err)
	}
	if p := f.Get("cleanup.policy"); p != "" && p != "delete" {
		if spec.Configs == nil {
			spec.Configs = map[string]string{}
		}
		spec.Configs["cleanup.policy"] = p
	}
	_, err = c.api.CreateTopic(c.r.Context(), name, spec)
	if task := runningTask(err); task != "" {
		return redirect(c, "/tasks/"+url.PathEscape(task))
	}
	if err != nil {
		return s.refused(c, "topic-new", v, err)
	}
	return redirect(c, topicURL(name, spec.Name))
}

// readForm is the posted form. The session's check reads the CSRF token
// from the header htmx sends, so nothing may have parsed the body yet.
func readForm(c *call) (url.Values, error) {
	if err := c.r.ParseForm(); err != nil {
		return nil, streamplane.Invalid("", "the form could not be read: %v", err)
	}
	return c.r.PostForm, nil
}

// refused shows a refused change: beside the form's fields when the API
// found something wrong with them, but on the error page when the caller
// may not make the change at all, or it names no field the form has.
func (s *Server) refused(c *call, page string, v *view, err error) error {
	var e *client.Error
	if !errors.As(err, &e) || e.StatusCode == http.StatusForbidden || e.StatusCode == http.StatusUnauthorized {
		return err
	}
	return s.renderForm(c, page, v, err)
}

// runningTask is the task of a change the API answered before it ended.
func runningTask(err error) string {
	var still *client.StillRunning
	if errors.As(err, &still) && still.Task != nil {
		return still.Task.ID
	}
	return ""
}

func topicURL(instance, topic string) string {
	return "/instances/" + url.PathEscape(instance) + "/topics/" + url.PathEscape(topic)
}

// formInts reads whole numbers from a form; an empty field stays 0 (the
// API's default), anything else not a number is refused beside it.
func formInts(f url.Values, into map[string]*int) error {
	keys := make([]string, 0, len(into))
	for k := range into {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		s := strings.TrimSpace(f.Get(k))
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return fieldError(k, k+" must be a whole number, got %q", s)
		}
		*into[k] = n
	}
	return nil
}

// formConfigs reads topic configs written one per line as name=value.
func formConfigs(text string) (map[string]string, error) {
	out := map[string]string{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, val, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fieldError("configs", "line %d, %q, is not name=value", i+1, line)
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(val)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// handleTopicDelete deletes the checked topics. When every one went, the
// list shows which; otherwise it shows each refusal.
func (s *Server) handleTopicDelete(c *call) error {
	name := c.r.PathValue("instance")
	f, err := readForm(c)
	if err != nil {
		return err
	}
	topics := f["topic"]
	if len(topics) == 0 {
		return streamplane.Invalid("topic", "no topic was selected: tick the topics to delete")
	}
	results, err := c.api.DeleteTopics(c.r.Context(), name, topics...)
	if err != nil {
		return err
	}
	q := url.Values{}
	var failed []wire.TopicDeletion
	for _, r := range results {
		if r.Deleted {
			q.Add("deleted", r.Topic)
		} else {
			failed = append(failed, r)
		}
	}
	if len(failed) == 0 {
		return redirect(c, "/instances/"+url.PathEscape(name)+"/topics?"+q.Encode())
	}
	v, err := s.topicList(c)
	if err != nil {
		return err
	}
	v.Deleted, v.Failed = q["deleted"], failed
	return s.render(c, http.StatusOK, "topic-list", &view{Title: "Topics · " + name, Section: "instances", Instance: name, Tab: "topics", Data: v})
}
