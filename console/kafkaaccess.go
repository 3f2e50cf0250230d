package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

// Kafka-side access of an instance: its SASL users, topic grants, quotas,
// certificates, public access and mutual TLS.
var kafkaAccessPages = []page{
	{"GET", "/instances/{instance}/users", (*Server).handleKafkaUsers},
	{"POST", "/instances/{instance}/users", (*Server).handleKafkaUserCreate},
	{"POST", "/instances/{instance}/users/{user}/password", (*Server).handleKafkaUserPassword},
	{"POST", "/instances/{instance}/users/{user}/delete", (*Server).handleKafkaUserDelete},
	{"POST", "/instances/{instance}/grants", (*Server).handleGrant},
	{"POST", "/instances/{instance}/grants/revoke", (*Server).handleRevoke},
	{"GET", "/instances/{instance}/quotas", (*Server).handleQuotas},
	{"GET", "/instances/{instance}/quotas.csv", (*Server).handleQuotasCSV},
	{"POST", "/instances/{instance}/quotas", (*Server).handleQuotaCreate},
	{"POST", "/instances/{instance}/quotas/update", (*Server).handleQuotaUpdate},
	{"POST", "/instances/{instance}/quotas/delete", (*Server).handleQuotaDelete},
	{"GET", "/instances/{instance}/security", (*Server).handleSecurity},
	{"POST", "/instances/{instance}/security/ca", (*Server).handleSecurityCA},
	{"POST", "/instances/{instance}/security/public-access", (*Server).handlePublicAccess},
	{"POST", "/instances/{instance}/security/mutual-tls", (*Server).handleMutualTLS},
	{"POST", "/instances/{instance}/security/client-certificate", (*Server).handleClientCertificate},
	{"POST", "/instances/{instance}/security/certificate", (*Server).handleReplaceCertificate},
	{"POST", "/instances/{instance}/security/reset-kafka-password", (*Server).handleResetKafkaPassword},
}

// kafkaAccessActions are the instance changes the access tabs offer.
var kafkaAccessActions = []string{"user:create", "user:delete", "user:resetPassword", "permission:get", "permission:update",
	"quota:create", "quota:update", "quota:delete", "security:get", "security:update"}

// accessTab is what every access tab's template has besides its own data.
type accessTab struct {
	Instance *streamplane.Instance
	Can      map[string]bool
	// Refused is the API's refusal of the tab's list (a PLAINTEXT
	// instance has no SASL users; quotas need running brokers), shown in
	// place of the list rather than as an error page.
	Refused string
	Page    any
}

// instanceTab reads the instance and what the caller may change on it.
func (s *Server) instanceTab(c *call) (*accessTab, error) {
	name := c.r.PathValue("instance")
	inst, err := c.api.Instance(c.r.Context(), name)
	if err != nil {
		return nil, err
	}
	can, err := c.can(inst.Name, "", kafkaAccessActions...)
	if err != nil {
		return nil, err
	}
	return &accessTab{Instance: inst, Can: can}, nil
}

// refusedList is the message of an error the API answered a tab's list
// with because of the instance's state or kind (400 or 409), else "".
func refusedList(err error) string {
	var e *client.Error
	if errors.As(err, &e) && (e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusConflict) {
		return e.App.Message
	}
	return ""
}

// taskStarted sends the browser to the task a change started: the answer
// of a change that is a task, or a synchronous one the API answered with
// 202 because it ran long.
func taskStarted(c *call, t *streamplane.Task, err error) (bool, error) {
	var still *client.StillRunning
	switch {
	case errors.As(err, &still):
		return true, redirect(c, "/tasks/"+url.PathEscape(still.Task.ID))
	case err == nil && t != nil:
		return true, redirect(c, "/tasks/"+url.PathEscape(t.ID))
	}
	return false, nil
}

type kafkaUsersPage struct {
	Users  *streamplane.KafkaUserList
	Topics []string // for the grant form's picker
	// Topic is the topic whose grants are asked for (?topic=), Grants
	// its permissions, GrantsErr the API's refusal to read them.
	Topic     string
	Grants    *streamplane.TopicGrants
	GrantsErr string
	Done      string
}

func (s *Server) kafkaUsersView(c *call) (*view, error) {
	iv, err := s.instanceTab(c)
	if err != nil {
		return nil, err
	}
	ctx := c.r.Context()
	name := iv.Instance.Name
	p := &kafkaUsersPage{Topic: strings.TrimSpace(c.r.URL.Query().Get("topic")), Done: c.r.URL.Query().Get("done")}
	if p.Topic == "" {
		p.Topic = strings.TrimSpace(c.r.PostFormValue("topic"))
	}
	iv.Page = p
	p.Users, err = c.api.KafkaUsers(ctx, name)
	if err != nil {
		if iv.Refused = refusedList(err); iv.Refused == "" {
			return nil, err
		}
	}
	if iv.Refused == "" {
		if topics, err := c.api.Topics(ctx, name, client.TopicListOptions{Limit: 1000}); err == nil {
			for _, t := range topics.Topics {
				p.Topics = append(p.Topics, t.Name)
			}
		}
		if p.Topic != "" && iv.Can["permission:get"] {
			if p.Grants, err = c.api.TopicGrants(ctx, name, p.Topic); err != nil {
				var e *client.Error
				if !errors.As(err, &e) {
					return nil, err
				}
				p.GrantsErr = e.App.Message
			}
		}
	}
	return &view{Title: "Users · " + name, Section: "instances", Instance: name, Tab: "users", Data: iv}, nil
}

func (s *Server) handleKafkaUsers(c *call) error {
	v, err := s.kafkaUsersView(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "kafkauser-list", v)
}

// kafkaUsersForm shows the users tab again with a refused change; the
// passwords sent are not shown back.
func (s *Server) kafkaUsersForm(c *call, err error) error {
	if denied(err) {
		return err
	}
	if ok, terr := taskStarted(c, nil, err); ok {
		return terr
	}
	c.r.PostForm.Del("password")
	v, verr := s.kafkaUsersView(c)
	if verr != nil {
		return verr
	}
	return s.renderForm(c, "kafkauser-list", v, err)
}

func usersPath(c *call) string {
	return "/instances/" + url.PathEscape(c.r.PathValue("instance")) + "/users"
}

func (s *Server) handleKafkaUserCreate(c *call) error {
	_, err := c.api.CreateKafkaUser(c.r.Context(), c.r.PathValue("instance"), c.r.PostFormValue("name"), c.r.PostFormValue("password"))
	if err != nil {
		return s.kafkaUsersForm(c, err)
	}
	return redirect(c, usersPath(c)+"?done=created")
}

func (s *Server) handleKafkaUserPassword(c *call) error {
	c.r.PostForm.Set("user", c.r.PathValue("user"))
	_, err := c.api.ResetKafkaUserPassword(c.r.Context(), c.r.PathValue("instance"), c.r.PathValue("user"), c.r.PostFormValue("password"))
	if err != nil {
		return s.kafkaUsersForm(c, err)
	}
	return redirect(c, usersPath(c)+"?done=password")
}

func (s *Server) handleKafkaUserDelete(c *call) error {
	if err := c.api.DeleteKafkaUser(c.r.Context(), c.r.PathValue("instance"), c.r.PathValue("user")); err != nil {
		if ok, terr := taskStarted(c, nil, err); ok {
			return terr
		}
		return err
	}
	return redirect(c, usersPath(c)+"?done=deleted")
}

// grantOf reads the grant form: user "*" is the default grant, for
// every user.
func grantOf(c *call) streamplane.TopicGrant {
	g := streamplane.TopicGrant{User: c.r.PostFormValue("user"), Permission: streamplane.Permission(c.r.PostFormValue("permission"))}
	if g.User == "*" {
		g.User, g.Default = "", true
	}
	return g
}

func (s *Server) handleGrant(c *call) error {
	topic := strings.TrimSpace(c.r.PostFormValue("topic"))
	if _, err := c.api.GrantTopic(c.r.Context(), c.r.PathValue("instance"), topic, grantOf(c)); err != nil {
		return s.kafkaUsersForm(c, err)
	}
	return redirect(c, usersPath(c)+"?topic="+url.QueryEscape(topic)+"#grants")
}

func (s *Server) handleRevoke(c *call) error {
	topic := c.r.PostFormValue("topic")
	if _, err := c.api.RevokeTopic(c.r.Context(), c.r.PathValue("instance"), topic, grantOf(c)); err != nil {
		if ok, terr := taskStarted(c, nil, err); ok {
			return terr
		}
		return err
	}
	return redirect(c, usersPath(c)+"?topic="+url.QueryEscape(topic)+"#grants")
}
