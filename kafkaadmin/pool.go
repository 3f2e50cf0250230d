package kafkaadmin

import (
	"context"
	"net"
	"strings"
	"sync"

	streamplane "github.com/streamplane/streamplane"
)

// Endpoints returns where an instance's internal listeners are and the
// credentials to use on them.
type Endpoints func(ctx context.Context, inst *streamplane.Instance) (seeds []string, creds streamplane.Credentials, err error)

// Pool keeps one client per instance, so the supervisor, tasks and API
// handlers share connections.
type Pool struct {
	endpoints Endpoints
	// Dial, when set, is how the clients connect (streamplane.DialFunc).
	Dial func(ctx context.Context, network, address string) (net.Conn, error)

	mu      sync.Mutex
	clients map[string]pooled
}

type pooled struct {
	key    string // seeds and user: a change of either means a new client
	client *Client
}

// NewPool returns an empty pool.
func NewPool(endpoints Endpoints) *Pool {
	return &Pool{endpoints: endpoints, clients: map[string]pooled{}}
}

// Get returns the instance's client, dialing it on first use.
func (p *Pool) Get(ctx context.Context, inst *streamplane.Instance) (*Client, error) {
	seeds, creds, err := p.endpoints(ctx, inst)
	if err != nil {
		return nil, err
	}
	key := strings.Join(seeds, ",") + "|" + creds.AdminUser
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[inst.ID]; ok {
		if c.key == key {
			return c.client, nil
		}
		c.client.Close()
	}
	c, err := Dial(seeds, creds.AdminUser, creds.AdminPassword, p.Dial)
	if err != nil {
		return nil, err
	}
	p.clients[inst.ID] = pooled{key: key, client: c}
	return c, nil
}

// Drop closes and forgets an instance's client.
func (p *Pool) Drop(instanceID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[instanceID]; ok {
		c.client.Close()
		delete(p.clients, instanceID)
	}
}

// Close closes every client.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, c := range p.clients {
		c.client.Close()
		delete(p.clients, id)
	}
}
