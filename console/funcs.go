package console

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"sort"
	"strings"
	"time"
)

// funcs are the helpers templates may call. They format; they decide
// nothing.
var funcs = template.FuncMap{
	"bytes":    humanBytes,
	"when":     when,
	"ago":      ago,
	"join":     strings.Join,
	"pct":      func(f float64) string { return fmt.Sprintf("%.0f%%", f) },
	"pathq":    url.PathEscape,
	"query":    url.QueryEscape,
	"json":     prettyJSON,
	"status":   statusClass,
	"sortkeys": sortedKeys,
	"add":      func(a, b int) int { return a + b },
	"seq": func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = i
		}
		return s
	},
	"dict":  dict,
	"areas": func() []string { return consoleAreas },
}

// consoleAreas each have a stylesheet and a script under static/areas.
var consoleAreas = []string{"instances", "topics", "groups", "access", "migrations"}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// when shows a time in UTC to the second; the zero time as a dash.
func when(t any) string {
	switch v := t.(type) {
	case time.Time:
		if v.IsZero() {
			return "–"
		}
		return v.UTC().Format("2006-01-02 15:04:05Z")
	case *time.Time:
		if v == nil {
			return "–"
		}
		return when(*v)
	}
	return fmt.Sprint(t)
}

func ago(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	d := time.Since(t).Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

func prettyJSON(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// statusClass is the badge colour of an instance, task, alarm or
// migration state.
func statusClass(state any) string {
	switch strings.ToUpper(fmt.Sprint(state)) {
	case "RUNNING", "SUCCEEDED", "RESOLVED", "STABLE", "OK":
		return "ok"
	case "FAILED", "ERROR", "FIRING", "DEAD", "CREATE_FAILED", "CHANGE_FAILED", "FAULTY", "SERVICE_EXCEPTION":
		return "bad"
	case "CREATING", "RESTARTING", "DELETING", "PENDING", "CHANGING", "RUNNING_TASK", "PREPARING_REBALANCE", "COMPLETING_REBALANCE",
		"MODIFYING":
		return "busy"
	}
	return "neutral"
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// dict builds a map from pairs, for passing several values to a partial.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
