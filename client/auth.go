package client

import (
	"context"
	"net/url"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// Login signs in with a password and returns a new token with its secret.
// It sends no token of its own, whatever c.Token holds.
func (c *Client) Login(ctx context.Context, user, password string) (*streamplane.TokenSecret, error) {
	var out streamplane.TokenSecret
	_, err := c.do(ctx, "POST", "/api/v1/auth/login", nil, streamplane.Login{User: user, Password: password}, &out, withoutToken)
	return &out, err
}

// Logout revokes the client's token.
func (c *Client) Logout(ctx context.Context) error {
	_, err := c.do(ctx, "POST", "/api/v1/auth/logout", nil, nil, nil)
	return err
}

// Permissions asks which of actions the client's own policies allow on an
// instance (name or id), or with none in a project ("" for the control
// plane itself).
func (c *Client) Permissions(ctx context.Context, instance, project string, actions ...string) (map[string]bool, error) {
	q := url.Values{"actions": actions}
	if instance != "" {
		q.Set("instance", instance)
	}
	if project != "" {
		q.Set("project", project)
	}
	var out wire.Permissions
	_, err := c.do(ctx, "GET", "/api/v1/auth/permissions", q, nil, &out)
	return out.Allowed, err
}

// WhoAmI returns the account the client's token belongs to.
func (c *Client) WhoAmI(ctx context.Context) (*streamplane.Account, error) {
	var out streamplane.Account
	_, err := c.do(ctx, "GET", "/api/v1/auth/whoami", nil, nil, &out)
	return &out, err
}
