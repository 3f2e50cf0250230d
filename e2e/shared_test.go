// Not in kfake: the instances these tests share are real brokers, started once per run.

package e2e

import (
	"fmt"
	"os"
	"sync"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

// shared is the server and 3-broker instance that tests share when they do
// not interfere with each other.
var shared sharedEnv

type sharedEnv struct {
	mu     sync.Mutex
	server *Server
	inst   *streamplane.Instance
}

// sharedInstance returns the shared server and instance, creating them on
// first use. The server is bound to the calling test for failures.
func sharedInstance(t *testing.T) (*Server, *streamplane.Instance) {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.server == nil {
		shared.server = NewServer(t, ServerOptions{Args: []string{"--metrics-interval", metricsInterval.String()}})
		shared.inst = createInstance(t, shared.server, devSpec("shared", 3))
	}
	shared.server.t = t
	return shared.server, shared.inst
}

func (e *sharedEnv) close(failed bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.server != nil {
		e.server.t = mainTB{failed: failed}
		e.server.Close()
	}
}

// mainTB lets TestMain's cleanup use Server methods outside any test.
type mainTB struct {
	testing.TB
	failed bool
}

func (m mainTB) Failed() bool                  { return m.failed }
func (mainTB) Helper()                         {}
func (mainTB) Logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
func (mainTB) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "e2e cleanup: "+format+"\n", args...)
}
func (mainTB) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "e2e cleanup: "+format+"\n", args...)
}
func (mainTB) Fatal(args ...any) { fmt.Fprintln(os.Stderr, append([]any{"e2e cleanup:"}, args...)...) }
