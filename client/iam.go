package client

import (
	"context"
	"net/url"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// Control-plane users ("IAM users"), their API tokens and the policies
// attached to them. A SASL user of an instance is a KafkaUser (users.go).

func iamUserPath(user string) string { return "/api/v1/iam/users/" + url.PathEscape(user) }

func policyPath(policy string) string { return "/api/v1/iam/policies/" + url.PathEscape(policy) }

// IAMUsers lists the control-plane users.
func (c *Client) IAMUsers(ctx context.Context) (*wire.AccountList, error) {
	var out wire.AccountList
	_, err := c.do(ctx, "GET", "/api/v1/iam/users", nil, nil, &out)
	return &out, err
}

// IAMUser returns a control-plane user by name.
func (c *Client) IAMUser(ctx context.Context, name string) (*streamplane.Account, error) {
	var out streamplane.Account
	if _, err := c.do(ctx, "GET", iamUserPath(name), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateIAMUser creates a control-plane user, with a password or, when
// spec.Password is empty, for API tokens only.
func (c *Client) CreateIAMUser(ctx context.Context, spec streamplane.AccountSpec) (*streamplane.Account, error) {
	var out streamplane.Account
	if _, err := c.do(ctx, "POST", "/api/v1/iam/users", nil, spec, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteIAMUser deletes a control-plane user and revokes its tokens.
func (c *Client) DeleteIAMUser(ctx context.Context, name string) error {
	_, err := c.do(ctx, "DELETE", iamUserPath(name), nil, nil, nil)
	return err
}

// SetIAMUserPassword gives a control-plane user a new password.
func (c *Client) SetIAMUserPassword(ctx context.Context, name, password string) error {
	_, err := c.do(ctx, "PUT", iamUserPath(name)+"/password", nil, wire.PasswordChange{Password: password}, nil)
	return err
}

// AttachPolicy gives a user a policy in a project (a.Project "" is the
// user's home project, "*" every project) and returns the user after.
func (c *Client) AttachPolicy(ctx context.Context, user string, a wire.AttachmentSpec) (*streamplane.Account, error) {
	var out streamplane.Account
	if _, err := c.do(ctx, "POST", iamUserPath(user)+"/attachments", nil, a, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DetachPolicy takes a policy attachment from a user and returns the user
// after; project "" is the user's home project.
func (c *Client) DetachPolicy(ctx context.Context, user string, a wire.AttachmentSpec) (*streamplane.Account, error) {
	q := url.Values{"policy": {a.Policy}}
	if a.Project != "" {
		q.Set("project", a.Project)
	}
	var out streamplane.Account
	if _, err := c.do(ctx, "DELETE", iamUserPath(user)+"/attachments", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Tokens lists API tokens, without their secrets: a user's, or with user
// "" every token the caller may see.
func (c *Client) Tokens(ctx context.Context, user string) (*wire.TokenList, error) {
	q := url.Values{}
	if user != "" {
		q.Set("user", user)
	}
	var out wire.TokenList
	_, err := c.do(ctx, "GET", "/api/v1/iam/tokens", q, nil, &out)
	return &out, err
}

// CreateToken makes an API token; its secret is in the answer and nowhere
// else, ever.
func (c *Client) CreateToken(ctx context.Context, spec streamplane.TokenSpec) (*streamplane.TokenSecret, error) {
	var out streamplane.TokenSecret
	if _, err := c.do(ctx, "POST", "/api/v1/iam/tokens", nil, spec, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RevokeToken revokes an API token by id.
func (c *Client) RevokeToken(ctx context.Context, id string) error {
	_, err := c.do(ctx, "DELETE", "/api/v1/iam/tokens/"+url.PathEscape(id), nil, nil, nil)
	return err
}

// Policies lists the built-in policies, then the custom ones.
func (c *Client) Policies(ctx context.Context) (*wire.PolicyList, error) {
	var out wire.PolicyList
	_, err := c.do(ctx, "GET", "/api/v1/iam/policies", nil, nil, &out)
	return &out, err
}

// Policy returns a policy by name.
func (c *Client) Policy(ctx context.Context, name string) (*streamplane.Policy, error) {
	var out streamplane.Policy
	if _, err := c.do(ctx, "GET", policyPath(name), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreatePolicy creates a custom policy.
func (c *Client) CreatePolicy(ctx context.Context, spec wire.PolicySpec) (*streamplane.Policy, error) {
	var out streamplane.Policy
	if _, err := c.do(ctx, "POST", "/api/v1/iam/policies", nil, spec, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdatePolicy replaces a custom policy's description and document; with
// IfMatch, only if the policy is still at that version.
func (c *Client) UpdatePolicy(ctx context.Context, name string, upd wire.PolicyUpdate, opts ...reqOpt) (*streamplane.Policy, error) {
	var out streamplane.Policy
	if _, err := c.do(ctx, "PUT", policyPath(name), nil, upd, &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeletePolicy deletes a custom policy.
func (c *Client) DeletePolicy(ctx context.Context, name string) error {
	_, err := c.do(ctx, "DELETE", policyPath(name), nil, nil, nil)
	return err
}

// SimulateRequest asks whether a user may do an action on a resource.
// Project "" is the resource instance's project, or the user's home
// project when the resource is not an existing instance.
type SimulateRequest struct {
	User     string
	Action   string // e.g. instance:delete
	Resource string // instance:<name>; "" for actions on no instance
	Project  string
}

// Simulate evaluates a user's policies for an action on a resource without
// doing it, and says what decided.
func (c *Client) Simulate(ctx context.Context, req SimulateRequest) (*wire.Decision, error) {
	q := url.Values{"user": {req.User}, "action": {req.Action}}
	if req.Resource != "" {
		q.Set("resource", req.Resource)
	}
	if req.Project != "" {
		q.Set("project", req.Project)
	}
	var out wire.Decision
	if _, err := c.do(ctx, "GET", "/api/v1/iam/simulate", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
