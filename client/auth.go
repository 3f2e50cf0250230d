package client

import (
	"context"

	streamplane "github.com/streamplane/streamplane"
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

// WhoAmI returns the account the client's token belongs to.
func (c *Client) WhoAmI(ctx context.Context) (*streamplane.Account, error) {
	var out streamplane.Account
	_, err := c.do(ctx, "GET", "/api/v1/auth/whoami", nil, nil, &out)
	return &out, err
}
