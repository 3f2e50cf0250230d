package client

import (
	"context"

	streamplane "github.com/streamplane/streamplane"
)

// ParameterList is an instance's parameters.
type ParameterList struct {
	Parameters     []streamplane.Parameter `json:"parameters"`
	PendingRestart []string                `json:"pending_restart"`
}

// ParameterChange is what a change of parameters did.
type ParameterChange struct {
	ParameterList
	AppliedLive []string `json:"applied_live"`
	Saved       []string `json:"saved"`
}

// Parameter returns one parameter of a list.
func (l *ParameterList) Parameter(name string) (streamplane.Parameter, bool) {
	for _, p := range l.Parameters {
		if p.Name == name {
			return p, true
		}
	}
	return streamplane.Parameter{}, false
}

// Parameters lists an instance's tunable parameters.
func (c *Client) Parameters(ctx context.Context, instance string) (*ParameterList, error) {
	var out ParameterList
	_, err := c.do(ctx, "GET", instancePath(instance)+"/parameters", nil, nil, &out)
	return &out, err
}

// SetParameters sets parameters: dynamic ones live, static ones at the next restart.
func (c *Client) SetParameters(ctx context.Context, instance string, values map[string]string) (*ParameterChange, error) {
	var out ParameterChange
	_, err := c.do(ctx, "PATCH", instancePath(instance)+"/parameters", nil,
		map[string]any{"values": values}, &out)
	return &out, err
}

// ResetParameters restores parameters to their defaults.
func (c *Client) ResetParameters(ctx context.Context, instance string, names ...string) (*ParameterChange, error) {
	var out ParameterChange
	_, err := c.do(ctx, "POST", instancePath(instance)+"/parameters/reset", nil,
		map[string]any{"names": names}, &out)
	return &out, err
}
