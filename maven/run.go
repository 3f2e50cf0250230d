// Package maven runs Apache Maven for Streamplane's builds and installs
// (Kafka runtimes, the broker plugin) and serialises them: a file lock per
// Maven repository, since Maven 3.8 does not lock its local repository.
package maven

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/streamplane/streamplane/poll"
)

// maxErrorLines is how much of Maven's output an error carries.
const maxErrorLines = 20

var ansiRE = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

// StartError says Maven could not be started at all (not installed, not
// executable): callers turn it into advice on what to install.
type StartError struct{ Err error }

func (e *StartError) Error() string { return "maven: cannot start: " + e.Err.Error() }
func (e *StartError) Unwrap() error { return e.Err }

// Run runs mvn with args in dir and hands every output line, without
// colour codes, to line. Cancelling ctx kills Maven and every process it
// started (the mvn script starts a JVM). On failure the error carries
// Maven's last lines.
func Run(ctx context.Context, mvn string, env []string, dir string, args []string, line func(string)) error {
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("maven: %w", err)
	}
	defer r.Close()

	cmd := exec.CommandContext(ctx, mvn, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Start()
	w.Close() // ours; Maven holds its own copy until it exits
	if err != nil {
		return &StartError{Err: err}
	}

	var tail []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		// Maven 3.8 colours some output even in batch mode with colour off.
		text := strings.TrimSpace(ansiRE.ReplaceAllString(sc.Text(), ""))
		if text == "" {
			continue
		}
		if line != nil {
			line(text)
		}
		if tail = append(tail, text); len(tail) > maxErrorLines {
			tail = tail[1:]
		}
	}
	err = cmd.Wait()
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("maven stopped: %w", ctx.Err())
	case err != nil && len(tail) == 0:
		return fmt.Errorf("maven failed: %w", err)
	case err != nil:
		return fmt.Errorf("maven failed: %w:\n%s", err, strings.Join(tail, "\n"))
	}
	return nil
}

// Args returns the arguments of a batch run of goals on pom, with repo as
// the local repository: quiet, without colour, and failing any download
// whose checksum does not match. Callers append their own -D properties.
func Args(pom, repo string, goals ...string) []string {
	return append([]string{
		"-B", "-q", "-Dstyle.color=never",
		"--strict-checksums",
		"-f", pom,
		"-Dmaven.repo.local=" + repo,
	}, goals...)
}

// JavaHome returns the home of the JDK or JRE whose java executable is
// java (a path or a name on the PATH), for Maven's JAVA_HOME: the directory
// above bin/java, with symbolic links resolved.
func JavaHome(java string) (string, error) {
	path, err := exec.LookPath(java)
	if err != nil {
		return "", err
	}
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		path = resolved
	}
	return filepath.Dir(filepath.Dir(path)), nil
}

// lockPoll is how often a waiting LockFile tries again. flock(2) cannot be
// interrupted by a context, so waiting polls with LOCK_NB instead.
const lockPoll = 100 * time.Millisecond

// LockFile takes an exclusive flock on path, creating the file if needed,
// and returns the function that releases it. It serialises goroutines as
// well as processes: every call opens its own file description. onWait, if
// not nil, runs once if the lock is busy. The file is never deleted:
// removing a lock file lets two holders lock two different inodes.
func LockFile(ctx context.Context, path string, onWait func()) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening lock: %w", err)
	}
	fd := int(f.Fd())
	waited := false
	err = poll.Until(ctx, lockPoll, 0, func(context.Context) error {
		err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR):
			return poll.Stop(fmt.Errorf("locking %s: %w", path, err))
		}
		if !waited && onWait != nil {
			onWait()
		}
		waited = true
		return fmt.Errorf("%s is locked by another holder", path)
	})
	if err != nil {
		f.Close()
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return nil, fmt.Errorf("waiting for lock %s: %w", path, ctxErr)
		}
		return nil, err
	}
	return func() {
		_ = syscall.Flock(fd, syscall.LOCK_UN)
		f.Close()
	}, nil
}

// LockRepo creates the local repository repo if need be and takes the lock
// that every Streamplane Maven run on it holds, whichever package runs it
// (LockFile on <repo>/.streamplane.lock).
func LockRepo(ctx context.Context, repo string, onWait func()) (unlock func(), err error) {
	if err := os.MkdirAll(repo, 0o755); err != nil {
		return nil, fmt.Errorf("creating maven repository: %w", err)
	}
	return LockFile(ctx, filepath.Join(repo, ".streamplane.lock"), onWait)
}
