package service

import (
	"context"
	"fmt"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
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
	step := fmt.Sprintf("Grant %s on topic %s to %s", g.Permission, topic, g.Grantee())
	var out *streamplane.TopicGrants
	err := s.change(ctx, idOrName, streamplane.TaskGrantTopic, step, grantParams{Topic: topic, TopicGrant: g}, checkSASL,
		func(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client) (string, error) {
			var err error
			if g.Permission, err = streamplane.ParsePermission("permission", string(g.Permission)); err != nil {
				return "", err
			}
			if err := s.checkGrant(ctx, inst, cl, topic, g, true); err != nil {
				return "", err
			}
			if err := cl.SetTopicGrant(ctx, topic, g.Principal(), g.Permission); err != nil {
				return "", kafkaadmin.AppError(err, "", "grant %s on topic %s to %s", g.Permission, topic, g.Grantee())
			}
			s.Log.Info("topic permission granted", "instance", inst.Name, "topic", topic, "principal", g.Principal(), "permission", g.Permission)
			if out, err = topicGrants(ctx, cl, topic); err != nil {
				return "", err
			}
			return fmt.Sprintf("%s may %s topic %s", g.Grantee(), g.Permission, topic), nil
		})
	return out, err
}

// RevokeTopic removes a user's grant, or the default grant, from a topic.
// A topic left with no grant is open to every user again.
func (s *Service) RevokeTopic(ctx context.Context, idOrName, topic string, g streamplane.TopicGrant) (*streamplane.TopicGrants, error) {
	g.Permission = ""
	step := fmt.Sprintf("Revoke the permission of %s on topic %s", g.Grantee(), topic)
	var out *streamplane.TopicGrants
	err := s.change(ctx, idOrName, streamplane.TaskRevokeTopic, step, grantParams{Topic: topic, TopicGrant: g}, checkSASL,
		func(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client) (string, error) {
			if err := s.checkGrant(ctx, inst, cl, topic, g, false); err != nil {
				return "", err
			}
			found, err := cl.RevokeTopicGrant(ctx, topic, g.Principal())
			if err != nil {
				return "", kafkaadmin.AppError(err, "", "revoke the permission of %s on topic %s", g.Grantee(), topic)
			}
			if !found {
				field := "user"
				if g.Default {
					field = "default"
				}
				return "", &streamplane.Error{Code: streamplane.ENOTFOUND, Field: field,
					Message: fmt.Sprintf("topic %s grants %s nothing to revoke", topic, g.Grantee())}
			}
			s.Log.Info("topic permission revoked", "instance", inst.Name, "topic", topic, "principal", g.Principal())
			if out, err = topicGrants(ctx, cl, topic); err != nil {
				return "", err
			}
			result := fmt.Sprintf("revoked the permission of %s on topic %s", g.Grantee(), topic)
			if out.Open {
				result += "; the topic has no grant left and is open to every user"
			}
			return result, nil
		})
	return out, err
}

// checkGrant checks a grant's grantee and topic: a user being granted
// must exist (one being revoked need not: a stray grant can always go),
// and the topic must exist and be a user's topic.
func (s *Service) checkGrant(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client, topic string, g streamplane.TopicGrant, granting bool) error {
	if err := g.CheckGrantee(); err != nil {
		return err
	}
	if granting && !g.Default {
		if _, err := s.kafkaUser(ctx, inst, g.User); err != nil {
			return err
		}
	}
	if err := streamplane.ValidateTopicName("topic", topic); err != nil {
		return err
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
