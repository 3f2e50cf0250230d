package console

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

// topicView is the topic page: the topic, Kafka Manager's views of it,
// who consumes it, who may use it and how to reach it from code.
type topicView struct {
	Instance  string
	Detail    *streamplane.TopicDetail
	Health    topicHealth
	Consumers []topicConsumer
	// MoreGroups says the instance has more groups than the page looked
	// at for consumers.
	MoreGroups bool
	// ConsumersErr is why the groups could not be read, when they could
	// not: the rest of the page does without them.
	ConsumersErr string
	Grants       *streamplane.TopicGrants
	GrantsErr    string
	Reassign     []streamplane.PartitionReassignment
	ReassignID   string
	Sample       *streamplane.SampleCode
	SampleErr    string
	Languages    []string
	Listeners    []string
	Lang         string
	Listener     string
	Configs      string // the topic's own overrides as name=value lines, for the edit form
	Can          map[string]bool
	Notice       string
	Permission   []streamplane.Permission
}

// topicConsumer is one group's coverage of and lag on the topic.
type topicConsumer struct {
	Group    string
	State    streamplane.GroupState
	Covered  int // partitions with a committed offset
	Coverage int // percent of the topic's partitions
	Lag      int64
}

// groupsScanned bounds how many groups the topic page describes to find
// its consumers: one API call each.
const groupsScanned = 100

// managedConfigs are set through the form's own fields, not the configs
// box.
var managedConfigs = []string{streamplane.ConfigRetentionMs, streamplane.ConfigMinInsyncReplicas, streamplane.ConfigFlushMessages}

func (s *Server) topicView(c *call) (*view, error) {
	ctx := c.r.Context()
	instName, topic := c.r.PathValue("instance"), c.r.PathValue("topic")
	d, err := c.api.Topic(ctx, instName, topic)
	if err != nil {
		return nil, err
	}
	inst, err := c.api.Instance(ctx, instName)
	if err != nil {
		return nil, err
	}
	can, err := c.can(instName, "", topicActions...)
	if err != nil {
		return nil, err
	}
	v := &topicView{Instance: inst.Name, Detail: d, Health: newTopicHealth(d, inst.Brokers), Can: can,
		Languages: streamplane.SampleLanguages, Permission: streamplane.Permissions}
	if v.Consumers, v.MoreGroups, err = s.topicConsumers(c, inst.Name, d); err != nil {
		v.ConsumersErr = apiMessage(err)
	}
	if v.Grants, err = c.api.TopicGrants(ctx, inst.Name, topic); err != nil {
		v.GrantsErr = apiMessage(err)
	}
	if st, err := c.api.ReassignStatus(ctx, inst.Name); err == nil {
		for _, p := range st.InProgress {
			if p.Topic == topic {
				v.Reassign = append(v.Reassign, p)
			}
		}
		if len(v.Reassign) > 0 {
			v.ReassignID = st.TaskID
		}
	}
	for l := range inst.BootstrapServers {
		v.Listeners = append(v.Listeners, l)
	}
	sort.Strings(v.Listeners)
	q := c.r.URL.Query()
	v.Lang, v.Listener = q.Get("lang"), q.Get("listener")
	if !slices.Contains(v.Languages, v.Lang) {
		v.Lang = "go"
	}
	if v.Sample, err = c.api.SampleCode(ctx, inst.Name, topic, v.Lang, v.Listener); err != nil {
		v.SampleErr = apiMessage(err)
	} else {
		v.Listener = v.Sample.Listener
	}
	var lines []string
	for _, cfg := range d.Configs {
		if cfg.Source == streamplane.SourceTopic && !cfg.Sensitive && !slices.Contains(managedConfigs, cfg.Name) {
			lines = append(lines, cfg.Name+"="+cfg.Value)
		}
	}
	v.Configs = strings.Join(lines, "\n")
	switch {
	case q.Has("elected"):
		v.Notice = fmt.Sprintf("Preferred leader election: %s partitions moved to their preferred leader, %s already there, %s failed.",
			num(q.Get("elected")), num(q.Get("already")), num(q.Get("failed")))
	case q.Has("saved"):
		v.Notice = "The topic's settings were saved."
	}
	return &view{Title: topic + " · " + inst.Name, Section: "instances", Instance: inst.Name, Tab: "topics", Data: v}, nil
}

// num keeps a count from the query as a number, so a crafted link cannot
// put words in the page's notice.
func num(s string) string {
	n, _ := strconv.Atoi(s)
	return strconv.Itoa(n)
}

// apiMessage is what the API said, for a section of a page that can do
// without its data.
func apiMessage(err error) string {
	if e, ok := err.(*client.Error); ok {
		return e.App.Message
	}
	return err.Error()
}

// topicConsumers finds the groups with offsets in the topic: coverage is
// the share of the topic's partitions the group has committed an offset
// in (Kafka Manager's consumer coverage), lag its sum there.
func (s *Server) topicConsumers(c *call, instance string, d *streamplane.TopicDetail) ([]topicConsumer, bool, error) {
	ctx := c.r.Context()
	list, err := c.api.Groups(ctx, instance, client.GroupOptions{Limit: groupsScanned})
	if err != nil {
		return nil, false, err
	}
	var out []topicConsumer
	for _, g := range list.Groups {
		gd, err := c.api.Group(ctx, instance, g.Name)
		if err != nil {
			continue // gone since the list, or not readable: not a consumer to show
		}
		for _, t := range gd.Topics {
			if t.Topic != d.Topic.Name {
				continue
			}
			tc := topicConsumer{Group: g.Name, State: gd.State, Lag: t.Lag}
			for _, p := range t.Partitions {
				if p.Offset != nil {
					tc.Covered++
				}
			}
			if n := len(d.Partitions); n > 0 {
				tc.Coverage = 100 * tc.Covered / n
			}
			out = append(out, tc)
		}
	}
	return out, list.Total > len(list.Groups), nil
}

func (s *Server) handleTopic(c *call) error {
	v, err := s.topicView(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "topic", v)
}

// handleTopicUpdate saves the edit form: it sends the API only what
// differs from the topic as it is, so an unchanged field is never
// rewritten (and an untouched retention never turns an override into
// one).
func (s *Server) handleTopicUpdate(c *call) error {
	ctx := c.r.Context()
	instName, topic := c.r.PathValue("instance"), c.r.PathValue("topic")
	v, err := s.topicView(c)
	if err != nil {
		return err
	}
	d := v.Data.(*topicView).Detail
	f, err := readForm(c)
	if err != nil {
		return err
	}
	var upd streamplane.TopicUpdate
	var partitions, retention int
	if err := formInts(f, map[string]*int{"partitions": &partitions, "retention_hours": &retention}); err != nil {
		return s.refused(c, "topic", v, err)
	}
	if partitions != 0 && partitions != len(d.Partitions) {
		upd.Partitions = &partitions
	}
	if retention != 0 && retention != d.Topic.RetentionHours {
		upd.RetentionHours = &retention
	}
	if sync := f.Get("sync_replication") != ""; sync != d.Topic.SyncReplication {
		upd.SyncReplication = &sync
	}
	if flush := f.Get("sync_flush") != ""; flush != d.Topic.SyncFlush {
		upd.SyncFlush = &flush
	}
	want, err := formConfigs(f.Get("configs"))
	if err != nil {
		return s.refused(c, "topic", v, err)
	}
	had, _ := formConfigs(v.Data.(*topicView).Configs)
	for k, val := range want {
		if old, ok := had[k]; !ok || old != val {
			if upd.Configs == nil {
				upd.Configs = map[string]string{}
			}
			upd.Configs[k] = val
		}
	}
	for k := range had {
		if _, ok := want[k]; !ok {
			upd.DeleteConfigs = append(upd.DeleteConfigs, k)
		}
	}
	sort.Strings(upd.DeleteConfigs)
	_, err = c.api.UpdateTopic(ctx, instName, topic, upd)
	if task := runningTask(err); task != "" {
		return redirect(c, "/tasks/"+url.PathEscape(task))
	}
	if err != nil {
		return s.refused(c, "topic", v, err)
	}
	return redirect(c, topicURL(instName, topic)+"?saved=1")
}

// topicGrantOf reads a grant from a form: a user's, or the default one.
func topicGrantOf(f url.Values) streamplane.TopicGrant {
	g := streamplane.TopicGrant{User: strings.TrimSpace(f.Get("user")), Permission: streamplane.Permission(f.Get("permission"))}
	g.Default = f.Get("default") != "" || g.User == ""
	if g.Default {
		g.User = ""
	}
	return g
}

func (s *Server) handleTopicGrant(c *call) error {
	instName, topic := c.r.PathValue("instance"), c.r.PathValue("topic")
	f, err := readForm(c)
	if err != nil {
		return err
	}
	_, err = c.api.GrantTopic(c.r.Context(), instName, topic, topicGrantOf(f))
	if err != nil {
		if httpStatus(err) == http.StatusForbidden {
			return err
		}
		v, verr := s.topicView(c)
		if verr != nil {
			return verr
		}
		return s.refused(c, "topic", v, err)
	}
	return redirect(c, topicURL(instName, topic)+"#grants")
}

func (s *Server) handleTopicRevoke(c *call) error {
	instName, topic := c.r.PathValue("instance"), c.r.PathValue("topic")
	f, err := readForm(c)
	if err != nil {
		return err
	}
	if _, err := c.api.RevokeTopic(c.r.Context(), instName, topic, topicGrantOf(f)); err != nil {
		return err
	}
	return redirect(c, topicURL(instName, topic)+"#grants")
}

// handleTopicElect moves the topic's leaderships back to their preferred
// replicas and shows the outcome on the topic page.
func (s *Server) handleTopicElect(c *call) error {
	instName, topic := c.r.PathValue("instance"), c.r.PathValue("topic")
	res, err := c.api.ElectLeaders(c.r.Context(), instName, topic)
	if err != nil {
		return err
	}
	q := url.Values{"elected": {strconv.Itoa(res.Elected)}, "already": {strconv.Itoa(res.AlreadyPreferred)}, "failed": {strconv.Itoa(len(res.Failed))}}
	return redirect(c, topicURL(instName, topic)+"?"+q.Encode())
}
