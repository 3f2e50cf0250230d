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
)

// migrationPages: an instance's migrations from another Kafka cluster
// (MirrorMaker 2): the list with the form that starts one, and each one's
// progress, cutover check, MirrorMaker log and changes.
var migrationPages = []page{
	{"GET", "/instances/{instance}/migrations", (*Server).handleMigrations},
	{"POST", "/instances/{instance}/migrations", (*Server).handleMigrationCreate},
	{"GET", "/instances/{instance}/migrations/{migration}", (*Server).handleMigration},
	{"POST", "/instances/{instance}/migrations/{migration}", (*Server).handleMigrationUpdate},
	{"POST", "/instances/{instance}/migrations/{migration}/pause", (*Server).handleMigrationPause},
	{"POST", "/instances/{instance}/migrations/{migration}/resume", (*Server).handleMigrationResume},
	{"POST", "/instances/{instance}/migrations/{migration}/delete", (*Server).handleMigrationDelete},
}

// migrationLogLines is how much of MirrorMaker's log the page shows.
const migrationLogLines = 200

func migrationsPath(inst string) string { return "/instances/" + url.PathEscape(inst) + "/migrations" }

func migrationPath(inst, name string) string {
	return migrationsPath(inst) + "/" + url.PathEscape(name)
}

type migrationsView struct {
	Instance   string
	Migrations []*streamplane.Migration
	Busy       bool // a change of one is under way: the list polls
	Can        map[string]bool
	Protocols  []string
	Mechanisms []string
}

// migrationsPage gathers the list and the create form's choices.
func (s *Server) migrationsPage(c *call) (*view, error) {
	inst := c.r.PathValue("instance")
	list, err := c.api.Migrations(c.r.Context(), inst)
	if err != nil {
		return nil, err
	}
	d := &migrationsView{Instance: inst, Migrations: list, Protocols: streamplane.SourceProtocols, Mechanisms: streamplane.SourceMechanisms}
	for _, m := range list {
		if m.State.Busy() {
			d.Busy = true
		}
	}
	if d.Can, err = c.can(inst, "", "migration:create"); err != nil {
		return nil, err
	}
	return &view{Title: "Migrations · " + inst, Section: "instances", Instance: inst, Tab: "migrations", Data: d,
		Form: url.Values{"source.security_protocol": {streamplane.SourcePlaintext}}}, nil
}

func (s *Server) handleMigrations(c *call) error {
	v, err := s.migrationsPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "migration-list", v)
}

// migrationFormFields are the create form's fields, by the names the
// API's refusals give them.
var migrationFormFields = []string{"name", "source.bootstrap_servers", "source.security_protocol", "source.sasl_mechanism",
	"source.username", "source.password", "source.ca_pem", "topics", "groups", "sync_topic_configs", "sync_acls"}

// migrationSpecOf reads the create form. Bootstrap servers are separated
// by commas, spaces or line breaks.
func migrationSpecOf(f url.Values) streamplane.MigrationSpec {
	return streamplane.MigrationSpec{
		Name: strings.TrimSpace(f.Get("name")),
		Source: streamplane.MigrationSource{
			BootstrapServers: strings.FieldsFunc(f.Get("source.bootstrap_servers"), func(r rune) bool {
				return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
			}),
			SecurityProtocol: f.Get("source.security_protocol"),
			SASLMechanism:    f.Get("source.sasl_mechanism"),
			Username:         strings.TrimSpace(f.Get("source.username")),
			Password:         f.Get("source.password"),
			CA:               strings.TrimSpace(f.Get("source.ca_pem")),
		},
		Topics:           strings.TrimSpace(f.Get("topics")),
		Groups:           strings.TrimSpace(f.Get("groups")),
		SyncTopicConfigs: f.Get("sync_topic_configs") == "true",
		SyncACLs:         f.Get("sync_acls") == "true",
	}
}

// handleMigrationCreate starts a migration and shows it, CREATING, where
// it updates live. A refusal shows the form again, without the password.
func (s *Server) handleMigrationCreate(c *call) error {
	inst := c.r.PathValue("instance")
	form := postForm(c)
	m, err := c.api.CreateMigration(c.r.Context(), inst, migrationSpecOf(form))
	if err != nil {
		form.Del("source.password")
		v, perr := s.migrationsPage(c)
		if perr != nil {
			return perr
		}
		return s.renderForm(c, "migration-list", v, onFields(err, migrationFormFields))
	}
	return redirect(c, migrationPath(inst, m.Name))
}

type migrationView struct {
	Instance string
	M        *streamplane.MigrationStatus
	// Live: MirrorMaker runs or a change is under way, so the status
	// part polls.
	Live     bool
	Checks   []streamplane.CutoverCheck
	CheckErr string
	Log      string
	LogErr   string
	Can      map[string]bool
	Done     string // what the last change did, for the notice
}

// migrationLive says whether a migration's figures move: while
// MirrorMaker copies, and while a change of it runs.
func migrationLive(st streamplane.MigrationState) bool {
	return st.Busy() || st == streamplane.MigrationRunning
}

// migrationPage gathers a migration's page, or of a fragment only what
// it shows: the status part (polled), the cutover check or the log (each
// read again on demand). Each part that cannot be read says why in its
// place.
func (s *Server) migrationPage(c *call) (*view, error) {
	inst, name := c.r.PathValue("instance"), c.r.PathValue("migration")
	ctx := c.r.Context()
	frag := fragmentOf(c)
	st, err := s.migrationOf(c, inst, name, frag == "cutover" || frag == "log")
	if err != nil {
		return nil, err
	}
	d := &migrationView{Instance: inst, M: st, Live: migrationLive(st.State), Done: c.r.URL.Query().Get("done")}
	if frag == "" || frag == "cutover" {
		if d.Checks, err = c.api.CutoverCheck(ctx, inst, st.ID); err != nil {
			d.CheckErr = errorText(err)
		}
	}
	if frag == "" || frag == "log" {
		if d.Log, err = c.api.MigrationLogs(ctx, inst, st.ID, migrationLogLines); err != nil {
			d.LogErr = errorText(err)
		}
	}
	if frag == "" && st.State != streamplane.MigrationDeleted {
		if d.Can, err = c.can(inst, "", "migration:update", "migration:delete"); err != nil {
			return nil, err
		}
	}
	f := url.Values{"topics": {st.Migration.Topics}, "groups": {st.Migration.Groups}}
	if st.SyncTopicConfigs {
		f.Set("sync_topic_configs", "true")
	}
	if st.SyncACLs {
		f.Set("sync_acls", "true")
	}
	return &view{Title: "Migration " + st.Name + " · " + inst, Section: "instances", Instance: inst, Tab: "migrations", Data: d, Form: f}, nil
}

// migrationOf reads a migration with its progress, or, when record
// suffices (a part of the page that shows no figures), only its record
// from the list: no read of the two clusters. A migration the list lacks
// (a deleted one) is read in full.
func (s *Server) migrationOf(c *call, inst, name string, record bool) (*streamplane.MigrationStatus, error) {
	if record {
		list, err := c.api.Migrations(c.r.Context(), inst)
		if err != nil {
			return nil, err
		}
		for _, m := range list {
			if m.Name == name || m.ID == name {
				return &streamplane.MigrationStatus{Migration: *m}, nil
			}
		}
	}
	return c.api.Migration(c.r.Context(), inst, name)
}

// fragmentOf is the fragment an htmx request asks for, "" for the page.
func fragmentOf(c *call) string {
	if c.r.Header.Get("HX-Request") != "true" {
		return ""
	}
	return c.r.URL.Query().Get("fragment")
}

func (s *Server) handleMigration(c *call) error {
	v, err := s.migrationPage(c)
	if err != nil {
		return err
	}
	// The poll carries the state the page shows: when it has changed,
	// the whole page loads again, so that its actions fit the new state.
	if fragmentOf(c) == "status" && c.r.URL.Query().Get("state") != string(v.Data.(*migrationView).M.State) {
		c.w.Header().Set("HX-Refresh", "true")
	}
	return s.render(c, http.StatusOK, "migration", v)
}

// migrationUpdateFields are the update form's fields.
var migrationUpdateFields = []string{"topics", "groups", "sync_topic_configs", "sync_acls", "source_password"}

// handleMigrationUpdate changes what a migration copies, on the condition
// that nobody changed it since the form was read.
func (s *Server) handleMigrationUpdate(c *call) error {
	inst, name := c.r.PathValue("instance"), c.r.PathValue("migration")
	form := postForm(c)
	topics, groups := strings.TrimSpace(form.Get("topics")), strings.TrimSpace(form.Get("groups"))
	configs, acls := form.Get("sync_topic_configs") == "true", form.Get("sync_acls") == "true"
	u := streamplane.MigrationUpdate{Topics: &topics, Groups: &groups, SyncTopicConfigs: &configs, SyncACLs: &acls}
	version, err := formInt64(form, "resource_version")
	if err == nil {
		if version != nil {
			_, err = c.api.UpdateMigration(c.r.Context(), inst, name, u, form.Get("source_password"), client.IfMatch(*version))
		} else {
			_, err = c.api.UpdateMigration(c.r.Context(), inst, name, u, form.Get("source_password"))
		}
	}
	if err != nil {
		form.Del("source_password")
		return s.migrationRefused(c, onFields(err, migrationUpdateFields), true)
	}
	return redirect(c, migrationPath(inst, name)+"?"+url.Values{"done": {"Selection saved."}}.Encode())
}

func (s *Server) handleMigrationPause(c *call) error {
	return s.migrationAction(c, "Paused.", func(inst, name string) error {
		_, err := c.api.PauseMigration(c.r.Context(), inst, name)
		return err
	})
}

func (s *Server) handleMigrationResume(c *call) error {
	return s.migrationAction(c, "Resumed.", func(inst, name string) error {
		_, err := c.api.ResumeMigration(c.r.Context(), inst, name)
		return err
	})
}

func (s *Server) handleMigrationDelete(c *call) error {
	return s.migrationAction(c, "Deleted: MirrorMaker stopped; the topics and offsets it copied stay.", func(inst, name string) error {
		_, err := c.api.DeleteMigration(c.r.Context(), inst, name)
		return err
	})
}

// migrationAction makes a change of a migration and shows it again; a
// refusal (a change under way, say) is shown above the page.
func (s *Server) migrationAction(c *call, done string, act func(inst, name string) error) error {
	inst, name := c.r.PathValue("instance"), c.r.PathValue("migration")
	if err := act(inst, name); err != nil {
		return s.migrationRefused(c, onFields(err, nil), false)
	}
	return redirect(c, migrationPath(inst, name)+"?"+url.Values{"done": {done}}.Encode())
}

// migrationRefused shows the migration's page again with a refusal of
// one of its changes: the update form with what the user sent when it
// was that form's, else with the migration's selection.
func (s *Server) migrationRefused(c *call, err error, sent bool) error {
	v, perr := s.migrationPage(c)
	if perr != nil {
		return perr
	}
	if !sent {
		var e *client.Error
		if !errors.As(err, &e) {
			return err
		}
		v.Err, v.Field = e.App.Message, e.App.Field
		return s.render(c, e.StatusCode, "migration", v)
	}
	return s.renderForm(c, "migration", v, err)
}

// onFields keeps a refusal's field only when the form has that field:
// a refusal naming another (the migration's state, If-Match) is shown
// above the form instead of pointing at nothing.
func onFields(err error, fields []string) error {
	var e *client.Error
	if !errors.As(err, &e) || e.App.Field == "" || slices.Contains(fields, e.App.Field) {
		return err
	}
	top := *e
	top.App.Field = ""
	return &top
}

// Pausable, Resumable and Changeable say which changes the migration's
// state leaves open, so the page offers only those (the API refuses the
// others with 409 anyway): pause while MirrorMaker runs or keeps failing,
// resume (retry) a paused or failed one, nothing while a change runs.
func (d *migrationView) Pausable() bool {
	return d.M.State == streamplane.MigrationRunning || d.M.State == streamplane.MigrationServiceException
}

func (d *migrationView) Resumable() bool {
	return d.M.State == streamplane.MigrationPaused || d.M.State == streamplane.MigrationServiceException
}

func (d *migrationView) Changeable() bool {
	return !d.M.State.Busy() && d.M.State != streamplane.MigrationDeleted
}

func init() {
	funcs["count"] = groupDigits
	funcs["rate"] = func(bytesPerSec float64) string { return humanBytes(int64(bytesPerSec)) + "/s" }
}

// groupDigits writes n with thousands separators: records behind are
// read at a glance.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// LogLines is how many of the log's last lines the page shows.
func (d *migrationView) LogLines() int { return migrationLogLines }
