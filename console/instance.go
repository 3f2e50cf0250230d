package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/wire"
)

var instanceViewPages = []page{
	{"GET", "/instances/{instance}", (*Server).handleInstance},
	{"POST", "/instances/{instance}/ca-bundle", (*Server).handleCertificate},
	{"POST", "/instances/{instance}/{action}", (*Server).handleInstanceAction},
}

// instanceActions are the changes the instance page offers, each with the
// IAM action the API checks, so the page can leave out what would be
// refused.
var instanceActions = []string{"instance:update", "instance:delete", "instance:restart", "instance:scale",
	"instance:upgrade", "parameter:update", "security:get", "task:list", "task:delete"}

type instanceView struct {
	Inst      *streamplane.Instance
	Tasks     []*streamplane.Task
	TasksErr  string
	Running   bool // a task of the instance runs: the live section polls
	Disk      *streamplane.DiskUsage
	DiskErr   string
	Alarms    []*streamplane.Alarm
	Can       map[string]bool
	Flavors   []streamplane.Flavor
	Upgrades  []wire.Runtime // catalog versions newer than the instance's
	Listeners []listenerAddr
	TagText   string // the tags as the update form's key=value lines
	// Removable are the broker-only nodes (not controllers), which a scale
	// down may drain and remove.
	Removable []int
}

// listenerAddr is one client listener's bootstrap servers.
type listenerAddr struct{ Name, Addresses string }

// instanceViewOf gathers the instance page: the instance, its recent
// tasks, and while it serves, its disk use and firing alarms.
func (s *Server) instanceViewOf(c *call, name string) (*view, error) {
	ctx := c.r.Context()
	inst, err := c.api.Instance(ctx, name)
	if err != nil {
		return nil, err
	}
	d := instanceView{Inst: inst}
	if d.Can, err = c.can(inst.Name, "", instanceActions...); err != nil {
		return nil, err
	}
	if d.Can["task:list"] {
		if tl, err := c.api.Tasks(ctx, client.TaskOptions{Instance: inst.ID, Limit: 10}); err == nil {
			d.Tasks = tl.Tasks
		} else {
			d.TasksErr = errorText(err)
		}
	}
	for _, t := range d.Tasks {
		if !t.Status.Done() {
			d.Running = true
		}
	}
	if inst.Status == streamplane.InstanceCreating || inst.Status == streamplane.InstanceDeleting || inst.TaskID != "" {
		d.Running = true
	}
	for _, l := range sortedKeys(inst.BootstrapServers) {
		d.Listeners = append(d.Listeners, listenerAddr{l, inst.BootstrapServers[l]})
	}
	for _, b := range inst.Brokers {
		if !b.IsController() && b.State != streamplane.BrokerDeleted {
			d.Removable = append(d.Removable, b.ID)
		}
	}
	var tags []string
	for _, k := range sortedKeys(inst.Tags) {
		tags = append(tags, k+"="+inst.Tags[k])
	}
	d.TagText = strings.Join(tags, "\n")
	if inst.Status == streamplane.InstanceRunning {
		if du, err := c.api.DiskUsage(ctx, inst.Name, streamplane.DiskUsageFilter{Top: 5}); err == nil {
			d.Disk = du
		} else {
			d.DiskErr = errorText(err)
		}
		if al, err := c.api.Alarms(ctx, inst.Name, client.AlarmOptions{State: streamplane.AlarmFiring}); err == nil {
			d.Alarms = al.Alarms
		}
	}
	// The change forms' choices: only for a caller who may make them.
	if d.Can["instance:scale"] {
		if d.Flavors, err = c.api.Flavors(ctx); err != nil {
			return nil, err
		}
	}
	if d.Can["instance:upgrade"] {
		runtimes, err := c.api.Runtimes(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range runtimes {
			if versionLess(inst.Version, r.Version) {
				d.Upgrades = append(d.Upgrades, r)
			}
		}
	}
	return &view{Title: inst.Name, Section: "instances", Instance: inst.Name, Tab: "overview", Data: d}, nil
}

func (s *Server) handleInstance(c *call) error {
	v, err := s.instanceViewOf(c, c.r.PathValue("instance"))
	if err != nil {
		return err
	}
	if !v.Data.(instanceView).Running {
		refreshWhenDone(c)
	}
	return s.render(c, http.StatusOK, "instance", v)
}

// handleInstanceAction makes one of the instance page's changes through
// the API and shows the instance again, where the task it started runs
// live; a refusal is shown beside the field it names.
func (s *Server) handleInstanceAction(c *call) error {
	name := c.r.PathValue("instance")
	if err := c.r.ParseForm(); err != nil {
		return streamplane.Invalid("", "the form could not be read: %v", err)
	}
	f := c.r.PostForm
	ctx := c.r.Context()
	var (
		task *streamplane.Task
		err  error
	)
	switch c.r.PathValue("action") {
	case "restart":
		task, err = c.api.RestartInstance(ctx, name, f.Get("force") == "true")
	case "scale":
		req := streamplane.ScaleRequest{NoRebalance: f.Get("no_rebalance") == "true"}
		if req.BrokerCount, err = formInt(f, "broker_count"); err == nil {
			if strings.TrimSpace(f.Get("throttle_mbps")) != "" {
				req.ThrottleMBps, err = formInt(f, "throttle_mbps")
			}
			if err == nil {
				task, err = c.api.Scale(ctx, name, req)
			}
		}
	case "remove-broker":
		var id int
		if id, err = formInt(f, "remove_brokers"); err == nil {
			task, err = c.api.Scale(ctx, name, streamplane.ScaleRequest{RemoveBrokers: []int{id}})
		}
	case "expand-storage":
		var gb int
		if gb, err = formInt(f, "storage_gb_per_broker"); err == nil {
			task, err = c.api.ExpandStorage(ctx, name, gb)
		}
	case "change-flavor":
		task, err = c.api.ChangeFlavor(ctx, name, f.Get("flavor"))
	case "upgrade":
		task, err = c.api.UpgradeInstance(ctx, name, streamplane.UpgradeRequest{Version: f.Get("version"), NoFinalize: f.Get("no_finalize") == "true"})
	case "finalize-upgrade":
		task, err = c.api.FinalizeUpgrade(ctx, name)
	case "rollback-upgrade":
		task, err = c.api.RollbackUpgrade(ctx, name)
	case "update":
		err = s.updateInstance(c, name)
	case "delete":
		if task, err = c.api.DeleteInstance(ctx, name); err == nil {
			return redirect(c, "/tasks/"+url.PathEscape(task.ID))
		}
	default:
		return streamplane.Errorf(streamplane.ENOTFOUND, "no such page: %s", c.r.URL.Path)
	}
	if err != nil {
		return s.refusedOnInstance(c, name, err)
	}
	_ = task // the instance page shows it among the instance's tasks
	return redirect(c, "/instances/"+url.PathEscape(name))
}

// updateInstance changes the description, tags, capacity policy and
// deletion protection to what the form says: only what differs is sent.
func (s *Server) updateInstance(c *call, name string) error {
	ctx := c.r.Context()
	inst, err := c.api.Instance(ctx, name)
	if err != nil {
		return err
	}
	f := c.r.PostForm
	upd := streamplane.InstanceUpdate{}
	if d := f.Get("description"); d != inst.Description {
		upd.Description = &d
	}
	if p := f.Get("capacity_policy"); p != "" && p != inst.CapacityPolicy {
		upd.CapacityPolicy = &p
	}
	if dp := f.Get("deletion_protection") == "true"; dp != inst.DeletionProtection {
		upd.DeletionProtection = &dp
	}
	tags, err := parseTags(f.Get("tags"))
	if err != nil {
		return err
	}
	for k, v := range tags {
		if old, ok := inst.Tags[k]; !ok || old != v {
			if upd.SetTags == nil {
				upd.SetTags = map[string]string{}
			}
			upd.SetTags[k] = v
		}
	}
	for _, k := range sortedKeys(inst.Tags) {
		if _, ok := tags[k]; !ok {
			upd.RemoveTags = append(upd.RemoveTags, k)
		}
	}
	_, err = c.api.UpdateInstance(ctx, name, upd, client.IfMatch(inst.ResourceVersion))
	return err
}

// refusedOnInstance shows the instance page again with the API's refusal
// beside the field it names (or above the page).
func (s *Server) refusedOnInstance(c *call, name string, err error) error {
	var e *client.Error
	if !errors.As(fieldOnForm(err), &e) {
		return err
	}
	v, verr := s.instanceViewOf(c, name)
	if verr != nil {
		return verr
	}
	c.r.PostForm.Del("password")
	return s.renderForm(c, "instance", v, err)
}

// handleCertificate downloads what clients must trust to reach a SASL_SSL
// instance, in the format asked for. Posted, so a truststore password
// stays out of the address bar and history.
func (s *Server) handleCertificate(c *call) error {
	name := c.r.PathValue("instance")
	if err := c.r.ParseForm(); err != nil {
		return streamplane.Invalid("", "the form could not be read: %v", err)
	}
	format := c.r.PostForm.Get("format")
	data, err := c.api.CertificateBundle(c.r.Context(), name, format, c.r.PostForm.Get("password"))
	if err != nil {
		return s.refusedOnInstance(c, name, err)
	}
	file, kind := name+"-ca.pem", "application/x-pem-file"
	switch format {
	case "pkcs12":
		file, kind = name+"-truststore.p12", "application/x-pkcs12"
	case "jks":
		file, kind = name+"-truststore.jks", "application/octet-stream"
	}
	return download(c, file, kind, data)
}

// refreshWhenDone makes the live section's last poll, the one that finds
// nothing running any more, reload the whole page, so the parts that only
// a settled instance or task shows (disk usage, buttons) appear too.
func refreshWhenDone(c *call) {
	if c.r.URL.Query().Get("fragment") != "" && c.r.Header.Get("HX-Request") == "true" {
		c.w.Header().Set("HX-Refresh", "true")
	}
}

// errorText is an API error's message, for a part of a page that could
// not be shown.
func errorText(err error) string {
	var e *client.Error
	if errors.As(err, &e) {
		return e.App.Message
	}
	return "could not be read"
}

// versionLess compares dotted version numbers ("3.9.1" < "4.1.0").
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(pa), len(pb)) {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

func init() {
	// brokerState is a broker state's badge colour.
	funcs["brokerState"] = func(s streamplane.BrokerState) string {
		switch s {
		case streamplane.BrokerActive:
			return "ok"
		case streamplane.BrokerError:
			return "bad"
		case streamplane.BrokerDeleted:
			return "neutral"
		}
		return "busy"
	}
	// currentStep names the step a task runs (or last ran).
	funcs["currentStep"] = func(t *streamplane.Task) string {
		if len(t.Steps) == 0 {
			return ""
		}
		return t.Steps[min(t.Current, len(t.Steps)-1)].Name
	}
	// taskClass is a task state's badge colour: a running task is busy,
	// not the green of a running instance.
	funcs["taskClass"] = func(s streamplane.TaskStatus) string {
		switch s {
		case streamplane.TaskSucceeded:
			return "ok"
		case streamplane.TaskFailed:
			return "bad"
		case streamplane.TaskRunning, streamplane.TaskPending:
			return "busy"
		}
		return "neutral"
	}
	// stepClass is a task step's colour: done, failed, running, to do.
	funcs["stepClass"] = func(s streamplane.StepStatus) string {
		switch s {
		case streamplane.StepDone:
			return "ok"
		case streamplane.StepFailed:
			return "bad"
		case streamplane.StepRunning:
			return "busy"
		}
		return "neutral"
	}
}
