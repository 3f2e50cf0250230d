package kafkaplugin

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTopicPolicyCounting drives the topic policy with a scripted count
// (testdata/CheckTopicPolicy.java: limit 10, 5 per topic), in one JVM,
// through what a real broker cannot stage: counts that change or fail
// between two creations.
func TestTopicPolicyCounting(t *testing.T) {
	jar := testJar(t)
	rt := testRuntime(t)
	src, err := filepath.Abs(filepath.Join("testdata", "CheckTopicPolicy.java"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, "java", "-Xmx128m", "-cp", jar+string(os.PathListSeparator)+rt.Classpath(), src)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard // SLF4J's warnings and the policy's own log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cancel()
			<-done
		}
	}()
	out := bufio.NewScanner(stdout)
	do := func(command string) string {
		t.Helper()
		fmt.Fprintln(stdin, command)
		if !out.Scan() {
			t.Fatalf("CheckTopicPolicy stopped at %q: %v", command, out.Err())
		}
		return out.Text()
	}
	expect := func(command, want string) {
		t.Helper()
		if got := do(command); !strings.HasPrefix(got, want) {
			t.Errorf("%s: got %q, want %q…", command, got, want)
		}
	}

	calls := func() int {
		t.Helper()
		n, err := strconv.Atoi(do("calls"))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	expect("count aaa=3 bbb=4", "ok")
	// Names and partitions per topic are checked without counting.
	expect("create ab 1", `refused topic name "ab" must be 3–200 characters`)
	expect("create bad/name 1", `refused topic name "bad/name" must be 3–200 characters`)
	expect("create __mine 1", `refused topic name "__mine" is reserved`)
	expect("create __consumer_offsets 3", "ok")
	expect("create __consumer_offsets 4", "refused Kafka's internal topic __consumer_offsets takes at most 3 partitions")
	expect("create wide 6", "refused a topic has 1 to 5 partitions; wide would have 6")
	if n := calls(); n != 0 {
		t.Errorf("the policy counted %d times for names and internal topics", n)
	}

	// 7 used: 3 more fit, and the topics allowed count before the count
	// shows them.
	expect("create ccc 2", "ok")
	expect("assign ddd 1", "ok")
	before := calls()
	expect("create eee 1", "refused instance test allows 10 partitions and its topics have 10; 1 more would make 11")
	if calls() == before {
		t.Error("a refusal was decided on a kept count")
	}

	// The count shows ccc and ddd now, and bbb was deleted: room at once.
	expect("count aaa=3 ccc=2 ddd=1", "ok")
	expect("create eee 4", "ok")

	// A count that fails refuses, saying why: eee counts as allowed, so
	// the limit is reached and fff needs a new count.
	expect("fail", "ok")
	expect("create fff 1", "refused cannot count the partitions of instance test to check its limit (java.io.IOException: no broker answers); try again")
}
