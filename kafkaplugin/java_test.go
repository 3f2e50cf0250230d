package kafkaplugin

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// checker runs testdata/CheckCredentials.java: the plugin's handler, driven
// as Kafka's PlainSaslServer drives it, in one JVM for the whole test.
type checker struct {
	t      *testing.T
	stdin  io.WriteCloser
	stdout *bufio.Scanner
}

func startChecker(t *testing.T, file string) (*checker, string) {
	t.Helper()
	jar := testJar(t)
	rt := testRuntime(t)
	dir := t.TempDir()
	logName, logConfig, logFlag := rt.LogConfig(dir, dir)
	if err := os.WriteFile(filepath.Join(dir, logName), logConfig, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := filepath.Abs(filepath.Join("testdata", "CheckCredentials.java"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "java", "-Xmx128m", logFlag,
		"-cp", jar+string(os.PathListSeparator)+rt.Classpath(), src, file)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = t.Output()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close() // ends the driver's loop
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		}
		cancel() // kills it if it has not ended
		<-done
	})
	return &checker{t: t, stdin: stdin, stdout: bufio.NewScanner(stdout)}, filepath.Join(dir, "server.log")
}

// login asks the handler whether name and password log in, and how long
// it took to decide.
func (c *checker) login(name, password string) (bool, time.Duration) {
	c.t.Helper()
	fmt.Fprintf(c.stdin, "%s %s\n", base64.StdEncoding.EncodeToString([]byte(name)), base64.StdEncoding.EncodeToString([]byte(password)))
	if !c.stdout.Scan() {
		c.t.Fatalf("CheckCredentials stopped: %v", c.stdout.Err())
	}
	ok, micros, _ := strings.Cut(c.stdout.Text(), " ")
	us, err := strconv.Atoi(micros)
	if err != nil {
		c.t.Fatalf("CheckCredentials printed %q", c.stdout.Text())
	}
	return ok == "true", time.Duration(us) * time.Microsecond
}

func (c *checker) expect(name, password string, want bool) {
	c.t.Helper()
	if got, _ := c.login(name, password); got != want {
		c.t.Errorf("login %q with %q: got %v, want %v", name, password, got, want)
	}
}

// replaceFile writes data to path by rename, as WriteFile does.
func replaceFile(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestJavaAgreesWithGo checks that the plugin accepts exactly what Verify
// accepts, for files WriteFile writes, and follows the file as it changes.
func TestJavaAgreesWithGo(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plain-users")
	users := testUsers(t, "alice", "alice-secret", "ünï", "pässwörd 🔑", "a b#c", `quote"d\`)
	low := Credential{Iterations: MinIterations, Salt: []byte("12345678"), Hash: nil}
	low.Hash, _ = derive("low-cost", low.Salt, low.Iterations, 32)
	users["low"] = low
	if err := WriteFile(file, users); err != nil {
		t.Fatal(err)
	}
	c, serverLog := startChecker(t, file)

	t.Run("Passwords", func(t *testing.T) {
		ok, cold := c.login("alice", "alice-secret")
		if !ok {
			t.Error("alice cannot log in")
		}
		t.Logf("first login, before the JIT compiled PBKDF2: %v", cold)
		for _, tt := range []struct {
			name, password string
		}{
			{"alice", "alice-secret"},
			{"alice", "alice-secreT"},
			{"alice", "alice-secret\x00"},
			{"ünï", "pässwörd 🔑"},
			{"ünï", "passwörd 🔑"},
			{"a b#c", "pässwörd 🔑"},
			{`quote"d\`, `quote"d\`},
			{"low", "low-cost"},
			{"low", "low-cost!"},
			{"nobody", "alice-secret"},
			{"ALICE", "alice-secret"},
		} {
			want := false
			if cred, ok := users[tt.name]; ok {
				want = Verify(cred, tt.password)
			}
			c.expect(tt.name, tt.password, want)
		}
		// Spot checks that the table above is not all false.
		c.expect("alice", "alice-secret", true)
		c.expect("low", "low-cost", true)
	})

	t.Run("Reload", func(t *testing.T) {
		users["bob"] = testUsers(t, "bob", "bob-secret")["bob"]
		users["alice"] = testUsers(t, "alice", "alice-new")["alice"]
		if err := WriteFile(file, users); err != nil {
			t.Fatal(err)
		}
		c.expect("bob", "bob-secret", true)
		c.expect("alice", "alice-secret", false)
		c.expect("alice", "alice-new", true)
		delete(users, "bob")
		if err := WriteFile(file, users); err != nil {
			t.Fatal(err)
		}
		c.expect("bob", "bob-secret", false)
	})

	t.Run("Malformed", func(t *testing.T) {
		good, _ := os.ReadFile(file)
		replaceFile(t, file, append(slices.Clip(good), "carol:40000:not base64!:x\n"...))
		c.expect("alice", "alice-new", false) // every login, until fixed
		c.expect("ünï", "pässwörd 🔑", false)
		replaceFile(t, file, good)
		c.expect("alice", "alice-new", true)

		if err := os.Remove(file); err != nil {
			t.Fatal(err)
		}
		c.expect("alice", "alice-new", false)
		replaceFile(t, file, good)
		c.expect("alice", "alice-new", true)

		log, _ := os.ReadFile(serverLog)
		for _, want := range []string{
			"is malformed: line 7: Illegal base64 character",
			"cannot read " + file + ": NoSuchFileException",
			"rejecting every PLAIN login until it is fixed",
		} {
			if !strings.Contains(string(log), want) {
				t.Errorf("the log lacks %q:\n%s", want, log)
			}
		}
		if strings.Count(string(log), "is malformed") != 1 {
			t.Errorf("a malformed file was logged %d times, want once", strings.Count(string(log), "is malformed"))
		}
	})

	t.Run("Cost", func(t *testing.T) {
		// The JIT needs a few logins; then one costs what the broker pays.
		var times []time.Duration
		for range 15 {
			_, d := c.login("alice", "alice-new")
			times = append(times, d)
		}
		_, unknown := c.login("nobody", "x")
		slices.Sort(times)
		t.Logf("login cost at %d iterations after warm-up: median %v, min %v, max %v; unknown user %v",
			DefaultIterations, times[len(times)/2], times[0], times[len(times)-1], unknown)
	})
}
