package client

import (
	"context"
	"net/url"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

func usersPath(instance string) string { return instancePath(instance) + "/users" }

func userPath(instance, user string) string { return usersPath(instance) + "/" + url.PathEscape(user) }

// KafkaUsers lists an instance's SASL users.
func (c *Client) KafkaUsers(ctx context.Context, instance string) (*streamplane.KafkaUserList, error) {
	var out streamplane.KafkaUserList
	if _, err := c.do(ctx, "GET", usersPath(instance), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// KafkaUser returns one SASL user.
func (c *Client) KafkaUser(ctx context.Context, instance, user string) (*streamplane.KafkaUserInfo, error) {
	var out streamplane.KafkaUserInfo
	if _, err := c.do(ctx, "GET", userPath(instance, user), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateKafkaUser creates a SASL user with a password (8–32 characters, at
// least three of lower case, upper case, digits and special characters).
func (c *Client) CreateKafkaUser(ctx context.Context, instance, name, password string) (*streamplane.KafkaUserInfo, error) {
	var out streamplane.KafkaUserInfo
	body := wire.UserCreateRequest{Name: name, Password: password}
	if _, err := c.do(ctx, "POST", usersPath(instance), nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ResetKafkaUserPassword gives a SASL user a new password.
func (c *Client) ResetKafkaUserPassword(ctx context.Context, instance, user, password string) (*streamplane.KafkaUserInfo, error) {
	var out streamplane.KafkaUserInfo
	body := wire.PasswordRequest{Password: password}
	if _, err := c.do(ctx, "POST", userPath(instance, user)+"/reset-password", nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteKafkaUser deletes a SASL user and its topic permissions.
func (c *Client) DeleteKafkaUser(ctx context.Context, instance, user string) error {
	_, err := c.do(ctx, "DELETE", userPath(instance, user), nil, nil, nil)
	return err
}

// ResetKafkaPassword gives the instance's initial user a new password.
func (c *Client) ResetKafkaPassword(ctx context.Context, instance, password string) (*streamplane.KafkaUserInfo, error) {
	var out streamplane.KafkaUserInfo
	body := wire.PasswordRequest{Password: password}
	if _, err := c.do(ctx, "POST", instancePath(instance)+"/reset-kafka-password", nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// grantPath is the path of a grant: the default one, or a user's.
func grantPath(instance, topic string, g streamplane.TopicGrant) string {
	p := topicPath(instance, topic) + "/grants"
	if g.Default {
		return p + "/default"
	}
	return p + "/users/" + url.PathEscape(g.User)
}

// TopicGrants returns a topic's permissions.
func (c *Client) TopicGrants(ctx context.Context, instance, topic string) (*streamplane.TopicGrants, error) {
	var out streamplane.TopicGrants
	if _, err := c.do(ctx, "GET", topicPath(instance, topic)+"/grants", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GrantTopic gives g.User, or every user when g.Default, g.Permission on a
// topic, replacing what that grantee had there; it returns the topic's
// permissions after the change.
func (c *Client) GrantTopic(ctx context.Context, instance, topic string, g streamplane.TopicGrant) (*streamplane.TopicGrants, error) {
	var out streamplane.TopicGrants
	body := wire.GrantRequest{Permission: g.Permission}
	if _, err := c.do(ctx, "PUT", grantPath(instance, topic, g), nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RevokeTopic removes the grant of g.User, or the default grant when
// g.Default, from a topic; it returns the topic's permissions after.
func (c *Client) RevokeTopic(ctx context.Context, instance, topic string, g streamplane.TopicGrant) (*streamplane.TopicGrants, error) {
	var out streamplane.TopicGrants
	if _, err := c.do(ctx, "DELETE", grantPath(instance, topic, g), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
