package kafkaruntime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// MinJava is the oldest Java major version Streamplane runs Kafka on. Kafka
// 4.x brokers, tools and Connect need 17; 3.9 still starts on 11 but has
// deprecated it, and one floor for every release keeps upgrades simple.
const MinJava = 17

// RequirementError says that the machine lacks a program Streamplane needs,
// and what to install. Callers can map it to a "failed precondition".
type RequirementError struct {
	Need    string // "Java 17 or newer"
	Purpose string // "to run Kafka 4.1.1"
	Problem string // what was found instead
	Install string // how to fix it
	Err     error  // the underlying failure, if any
}

func (e *RequirementError) Error() string {
	return fmt.Sprintf("kafkaruntime: %s is required %s (%s); %s", e.Need, e.Purpose, e.Problem, e.Install)
}

func (e *RequirementError) Unwrap() error { return e.Err }

// javaError builds the error for a missing or too old Java. purpose names
// what it is needed for, e.g. "to run Kafka 4.1.1".
func javaError(purpose, problem string, err error) *RequirementError {
	return &RequirementError{
		Need:    fmt.Sprintf("Java %d or newer", MinJava),
		Purpose: purpose,
		Problem: problem,
		Install: fmt.Sprintf("install a JDK (Debian: apt-get install openjdk-%d-jre-headless) or set STREAMPLANE_JAVA", MinJava),
		Err:     err,
	}
}

// CheckJava runs `java -version` and returns the Java major version. It
// returns a *RequirementError if java cannot be run or is older than MinJava.
// An empty java means "java" on the PATH.
func CheckJava(ctx context.Context, java string) (major int, err error) {
	return checkJava(ctx, java, "to run Kafka")
}

func checkJava(ctx context.Context, java, purpose string) (int, error) {
	if java == "" {
		java = "java"
	}
	out, err := exec.CommandContext(ctx, java, "-version").CombinedOutput()
	if ctx.Err() != nil {
		return 0, fmt.Errorf("kafkaruntime: checking java: %w", ctx.Err())
	}
	if err != nil {
		return 0, javaError(purpose, runProblem(java, out, err), err)
	}
	major, ok := parseJavaVersion(string(out))
	if !ok {
		return 0, javaError(purpose, fmt.Sprintf("cannot read the version %q prints: %q", java+" -version", firstLine(out)), nil)
	}
	if major < MinJava {
		return major, javaError(purpose, fmt.Sprintf("%s is Java %d", java, major), nil)
	}
	return major, nil
}

var javaVersionRE = regexp.MustCompile(`version "([0-9]+)(?:\.([0-9]+))?[^"]*"`)

// parseJavaVersion reads the major version from `java -version` output:
// `openjdk version "17.0.15" 2025-04-15`, `java version "1.8.0_392"` (8),
// `openjdk version "21" 2023-09-19`, `openjdk version "26-ea"`.
func parseJavaVersion(out string) (int, bool) {
	m := javaVersionRE.FindStringSubmatch(out)
	if m == nil {
		return 0, false
	}
	major, err := strconv.Atoi(m[1])
	if err != nil {
		return 0, false
	}
	if major == 1 && m[2] != "" { // 1.8 and older spell the major second
		major, err = strconv.Atoi(m[2])
		if err != nil {
			return 0, false
		}
	}
	return major, true
}

// runProblem describes why running program failed, for a RequirementError.
func runProblem(program string, out []byte, err error) string {
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return fmt.Sprintf("%q is not on the PATH", program)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("%q does not exist", program)
	}
	problem := fmt.Sprintf("running %q: %v", program, err)
	if tail := lastLine(out); tail != "" {
		problem += ": " + tail
	}
	return problem
}

func firstLine(b []byte) string {
	line, _, _ := bytes.Cut(bytes.TrimSpace(b), []byte("\n"))
	return strings.TrimSpace(string(line))
}

func lastLine(b []byte) string {
	b = bytes.TrimSpace(b)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	}
	return strings.TrimSpace(string(b))
}
