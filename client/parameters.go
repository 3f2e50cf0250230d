package client

import (
	"context"
	"encoding/json"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// Parameters lists an instance's tunable parameters.
func (c *Client) Parameters(ctx context.Context, instance string) (*streamplane.ParameterList, error) {
	var out streamplane.ParameterList
	_, err := c.do(ctx, "GET", instancePath(instance)+"/parameters", nil, nil, &out)
	return &out, err
}

// SetParameters sets parameters: dynamic ones live, static ones at the next restart.
func (c *Client) SetParameters(ctx context.Context, instance string, values map[string]string) (*streamplane.ParameterChange, error) {
	body := wire.ParameterValues{Values: map[string]json.RawMessage{}}
	for name, v := range values {
		body.Values[name], _ = json.Marshal(v) // a string always marshals
	}
	var out streamplane.ParameterChange
	_, err := c.do(ctx, "PATCH", instancePath(instance)+"/parameters", nil, body, &out)
	return &out, err
}

// ResetParameters restores parameters to their defaults.
func (c *Client) ResetParameters(ctx context.Context, instance string, names ...string) (*streamplane.ParameterChange, error) {
	var out streamplane.ParameterChange
	_, err := c.do(ctx, "POST", instancePath(instance)+"/parameters/reset", nil, wire.ParameterNames{Names: names}, &out)
	return &out, err
}
