package localpods

import (
	"path"
	"sort"
	"strings"
)

// A rewriter maps the paths a container names (in its command, arguments,
// environment, working directory and exec probes) to paths on this host:
// the mount paths of its volumes first, then the paths of its image.
type rewriter struct {
	rules []pathRule
}

// A pathRule maps one directory as a container sees it to a host directory.
// Both are cleaned and have no trailing slash; the root is "".
type pathRule struct {
	from string
	to   string
}

func newPathRule(from, to string) pathRule {
	return pathRule{from: rootless(from), to: rootless(to)}
}

func rootless(p string) string {
	p = path.Clean("/" + p)
	if p == "/" {
		return ""
	}
	return p
}

// newRewriter orders each group by length, longest first, so a mount at
// /opt/kafka/config wins over an image path /opt/kafka; mounts come before
// the image because a volume hides what the image has under its mount path.
func newRewriter(mounts, image []pathRule) *rewriter {
	byLength := func(rs []pathRule) []pathRule {
		rs = append([]pathRule(nil), rs...)
		sort.SliceStable(rs, func(i, j int) bool { return len(rs[i].from) > len(rs[j].from) })
		return rs
	}
	return &rewriter{rules: append(byLength(mounts), byLength(image)...)}
}

// rewrite replaces every absolute path in s that lies under a rule's
// directory. A path starts at a slash that does not follow a path character,
// so "--config=/etc/kafka/a", "file:/opt/x", "file:///opt/x" and each part
// of "/a/lib/*:/b/lib/*" are found, and "/data/opt" is not taken for "/opt".
// A rule matches whole path elements: /opt/kafka does not match
// /opt/kafka-logs. What a rule produced is not rewritten again.
func (w *rewriter) rewrite(s string) string {
	if w == nil || len(w.rules) == 0 || !strings.Contains(s, "/") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '/' || (i > 0 && isPathChar(s[i-1])) {
			b.WriteByte(s[i])
			i++
			continue
		}
		// Several slashes (file:///x) count as one: the path starts at the last.
		for i+1 < len(s) && s[i+1] == '/' {
			b.WriteByte('/')
			i++
		}
		rule, ok := w.match(s[i:])
		if !ok {
			b.WriteByte('/')
			i++
			continue
		}
		b.WriteString(rule.to)
		i += len(rule.from)
		// Copy the rest of this path as it is.
		for i < len(s) && isPathChar(s[i]) {
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}

func (w *rewriter) match(p string) (pathRule, bool) {
	for _, r := range w.rules {
		if !strings.HasPrefix(p, r.from) {
			continue
		}
		rest := p[len(r.from):]
		if rest == "" || rest[0] == '/' || !isPathChar(rest[0]) {
			return r, true
		}
	}
	return pathRule{}, false
}

// isPathChar tells the characters that continue a path element.
func isPathChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '.', '_', '-', '~', '/', '+', '@':
		return true
	}
	return false
}
