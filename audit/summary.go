package audit

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// maxSummary bounds an entry's summary.
const maxSummary = 512

// secretWords mark body fields whose values never reach the trail:
// passwords, tokens, private keys, certificates' keys, message contents.
var secretWords = []string{"password", "secret", "token", "key", "value", "headers", "certificate"}

// Summarize describes a request for the trail: its method and path and the
// top-level fields of a JSON body, with every secret-looking field's value
// replaced by "***". A body that is not a JSON object is described by its
// size only.
func Summarize(method, path string, body []byte) string {
	s := method + " " + path
	if len(body) == 0 {
		return s
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return fmt.Sprintf("%s (%d-byte body)", s, len(body))
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString(s)
	for i, k := range names {
		if i == 0 {
			b.WriteString(" ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteString("=")
		if isSecret(k) {
			b.WriteString("***")
		} else {
			b.WriteString(compact(fields[k]))
		}
	}
	if b.Len() > maxSummary {
		return b.String()[:maxSummary-3] + "..."
	}
	return b.String()
}

func isSecret(field string) bool {
	f := strings.ToLower(field)
	for _, w := range secretWords {
		if strings.Contains(f, w) {
			return true
		}
	}
	return false
}

// compact renders a value on one line, short; nested objects keep their
// keys but lose secret-looking values too.
func compact(raw json.RawMessage) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "?"
	}
	out, _ := json.Marshal(redact(v))
	if len(out) > 80 {
		return string(out[:77]) + "..."
	}
	return string(out)
}

func redact(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if isSecret(k) {
				x[k] = "***"
			} else {
				x[k] = redact(val)
			}
		}
	case []any:
		for i := range x {
			x[i] = redact(x[i])
		}
	}
	return v
}
