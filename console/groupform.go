package console

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Form values become the API's typed fields here, for the forms of the
// groups, metrics and alarms pages. A value that does not even parse
// (letters in a number) is refused as the API refuses a wrong field, so it
// lands next to its input; everything that parses is the API's to judge.

// optionalInt reads an optional integer: nil when the field is empty.
func optionalInt(form url.Values, field string) (*int, error) {
	s := strings.TrimSpace(form.Get(field))
	if s == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return nil, fieldError(field, "%s must be a whole number, got %q", field, s)
	}
	return &n, nil
}

// formInt64 reads an optional 64-bit integer.
func formInt64(form url.Values, field string) (*int64, error) {
	s := strings.TrimSpace(form.Get(field))
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, fieldError(field, "%s must be a whole number, got %q", field, s)
	}
	return &n, nil
}

// formFloat reads an optional number.
func formFloat(form url.Values, field string) (*float64, error) {
	s := strings.TrimSpace(form.Get(field))
	if s == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fieldError(field, "%s must be a number, got %q", field, s)
	}
	return &f, nil
}

// formString reads an optional text: nil when empty.
func formString(form url.Values, field string) *string {
	s := strings.TrimSpace(form.Get(field))
	if s == "" {
		return nil
	}
	return &s
}

// localTimeLayouts are what a datetime-local input sends (with or without
// seconds); the pages label such inputs as UTC.
var localTimeLayouts = []string{"2006-01-02T15:04:05", "2006-01-02T15:04"}

// parseFormTime reads a time as a datetime-local input sends it (taken as
// UTC) or as RFC 3339.
func parseFormTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	for _, l := range localTimeLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// formTime reads an optional time field.
func formTime(form url.Values, field string) (*time.Time, error) {
	s := strings.TrimSpace(form.Get(field))
	if s == "" {
		return nil, nil
	}
	t, ok := parseFormTime(s)
	if !ok {
		return nil, fieldError(field, "%s must be a time such as 2026-11-21T10:00:00 (UTC) or 2026-11-21T10:00:00Z, got %q", field, s)
	}
	return &t, nil
}

// localInput formats a time for a datetime-local input, in UTC.
func localInput(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }

// formList splits a list typed in one field (commas, spaces or lines).
func formList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

func init() {
	funcs["deref"] = func(p any) string {
		switch v := p.(type) {
		case *int64:
			if v != nil {
				return strconv.FormatInt(*v, 10)
			}
		case *int:
			if v != nil {
				return strconv.Itoa(*v)
			}
		case *string:
			if v != nil {
				return *v
			}
		case *float64:
			if v != nil {
				return number(*v)
			}
		}
		return "–"
	}
	funcs["number"] = number
	// kafkaState is Kafka's own name of a group's state when it says more
	// than the mapped one (Reconciling, not Empty beside EMPTY).
	funcs["kafkaState"] = func(state any, kafka string) string {
		if strings.EqualFold(strings.ReplaceAll(fmt.Sprint(state), "_", ""), kafka) {
			return ""
		}
		return kafka
	}
	funcs["labels"] = labelText
	funcs["inlist"] = func(list []string, s string) bool {
		for _, v := range list {
			if v == s {
				return true
			}
		}
		return false
	}
}

// number shows a float to two decimals at most, without needless ones.
func number(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "–"
	}
	return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
}

// postForm is the posted form's fields, parsed here: an htmx request
// carries its CSRF token in a header, so nothing before the page has read
// the body (and renderForm shows r.PostForm as it finds it).
func postForm(c *call) url.Values {
	c.r.ParseForm()
	return c.r.PostForm
}
