package service

import (
	"context"
	"fmt"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/task"
)

// Topic permissions (DMS 8.9) are Kafka ACLs: Kafka is the only record of
// them, so what the API shows is what the brokers enforce.

// grantParams is what a recorded grant or revocation keeps.
type grantParams struct {
	Topic string `json:"topic"`
	streamplane.TopicGrant
}

// TopicGrants returns a topic's grants, and whether it is open to every
// user for having none.
func (s *Service) TopicGrants(ctx context.Context, idOrName, topic string) (*streamplane.TopicGrants, error) {
	inst, err := s.saslInstance(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	cl, err := s.admin(ctx, inst)
	if err != nil {
		return nil, err
	}
	if _, err := findTopic(ctx, inst, cl, topic); err != nil {
		return nil, err
	}
	return topicGrants(ctx, cl, topic)
}

func topicGrants(ctx context.Context, cl *kafkaadmin.Client, topic string) (*streamplane.TopicGrants, error) {
	g, err := cl.TopicGrants(ctx, topic)
	if err != nil {
		return nil, kafkaadmin.AppError(err, "topic", "read the permissions of topic %s", topic)
	}
	return &g, nil
}

// GrantTopic gives a user, or every user (the default grant), a
// permission on a topic, replacing what that grantee had there. It returns
// the topic's grants after the change.
func (s *Service) GrantTopic(ctx context.Context, idOrName, topic string, g streamplane.TopicGrant) (*streamplane.TopicGrants, error) {
	return s.changeGrant(ctx, idOrName, streamplane.TaskGrantTopic, topic, g)
}

// RevokeTopic removes a user's grant, or the default grant, from a topic.
// A topic left with no grant is open to every user again.
func (s *Service) RevokeTopic(ctx context.Context, idOrName, topic string, g streamplane.TopicGrant) (*streamplane.TopicGrants, error) {
	g.Permission = ""
	return s.changeGrant(ctx, idOrName, streamplane.TaskRevokeTopic, topic, g)
}

func (s *Service) changeGrant(ctx context.Context, idOrName, kind, topic string, g streamplane.TopicGrant) (*streamplane.TopicGrants, error) {
	// The task keeps the grant as checked (the permission's canonical name).
	params := &grantParams{Topic: topic, TopicGrant: g}
	_, err := s.change(ctx, changeRequest{instance: idOrName, kind: kind, params: params,
		check: func(inst *streamplane.Instance) (err error) {
			if err := checkSASL(inst); err != nil {
				return err
			}
			if kind == streamplane.TaskGrantTopic {
				if params.Permission, err = streamplane.ParsePermission("permission", string(g.Permission)); err != nil {
					return err
				}
			}
			if err := g.CheckGrantee(); err != nil {
				return err
			}
			return streamplane.ValidateTopicName("topic", topic)
		}})
	if err != nil {
		return nil, err
	}
	return s.TopicGrants(ctx, idOrName, topic)
}

func (s *Service) grantWorkflow() task.Workflow {
	return s.changeWorkflow(streamplane.TaskGrantTopic, nil,
		task.Step{Name: "Check the grantee and the topic", Run: s.checkGrantStep(true)},
		task.Step{Name: "Grant the permission", Run: s.grant},
	)
}

func (s *Service) revokeWorkflow() task.Workflow {
	return s.changeWorkflow(streamplane.TaskRevokeTopic, nil,
		task.Step{Name: "Check the grantee and the topic", Run: s.checkGrantStep(false)},
		task.Step{Name: "Revoke the permission", Run: s.revoke},
	)
}

// checkGrantStep checks the grant against the instance; a revocation
// needs a grant to revoke.
func (s *Service) checkGrantStep(granting bool) func(ctx context.Context, r *task.Run) error {
	return func(ctx context.Context, r *task.Run) error {
		var p grantParams
		inst, cl, err := s.changeInput(ctx, r, &p)
		if err != nil {
			return err
		}
		if err := s.checkGrant(ctx, inst, cl, p.Topic, p.TopicGrant, granting); err != nil || granting {
			return err
		}
		grants, err := topicGrants(ctx, cl, p.Topic)
		if err != nil {
			return err
		}
		for _, g := range grants.Grants {
			if g.Principal() == p.Principal() {
				return nil
			}
		}
		field := "user"
		if p.Default {
			field = "default"
		}
		return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: field,
			Message: fmt.Sprintf("topic %s grants %s nothing to revoke", p.Topic, p.Grantee())}
	}
}

// grant sets the grantee's permission; setting it again is harmless.
func (s *Service) grant(ctx context.Context, r *task.Run) error {
	var p grantParams
	inst, cl, err := s.changeInput(ctx, r, &p)
	if err != nil {
		return err
	}
	if err := cl.SetTopicGrant(ctx, p.Topic, p.Principal(), p.Permission); err != nil {
		return kafkaadmin.AppError(err, "", "grant %s on topic %s to %s", p.Permission, p.Topic, p.Grantee())
	}
	s.Log.Info("topic permission granted", "instance", inst.Name, "topic", p.Topic, "principal", p.Principal(), "permission", p.Permission)
	return r.SaveState(ctx, changeState{Result: fmt.Sprintf("%s may %s topic %s", p.Grantee(), p.Permission, p.Topic)})
}

// revoke removes the grantee's grant. The first step found one: if it is
// gone, this task revoked it before a restart.
func (s *Service) revoke(ctx context.Context, r *task.Run) error {
	var p grantParams
	inst, cl, err := s.changeInput(ctx, r, &p)
	if err != nil {
		return err
	}
	if _, err := cl.RevokeTopicGrant(ctx, p.Topic, p.Principal()); err != nil {
		return kafkaadmin.AppError(err, "", "revoke the permission of %s on topic %s", p.Grantee(), p.Topic)
	}
	s.Log.Info("topic permission revoked", "instance", inst.Name, "topic", p.Topic, "principal", p.Principal())
	grants, err := topicGrants(ctx, cl, p.Topic)
	if err != nil {
		return err
	}
	result := fmt.Sprintf("revoked the permission of %s on topic %s", p.Grantee(), p.Topic)
	if grants.Open {
		result += "; the topic has no grant left and is open to every user"
	}
	return r.SaveState(ctx, changeState{Result: result})
}

// checkGrant checks a grant's grantee and topic: a user being granted
// must exist (one being revoked need not: a stray grant can always go),
// and the topic must exist and be a user's topic.
func (s *Service) checkGrant(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client, topic string, g streamplane.TopicGrant, granting bool) error {
	if granting && !g.Default {
		if _, err := s.kafkaUser(ctx, inst, g.User); err != nil {
			return err
		}
	}
	m, err := findTopic(ctx, inst, cl, topic)
	if err != nil {
		return err
	}
	if isInternal(m) {
		return streamplane.Invalid("topic", "topic %s is Kafka's own; its access is not granted per user", topic)
	}
	return nil
}
