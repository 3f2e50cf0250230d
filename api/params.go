package api

import (
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// Readers of query parameters. An absent parameter gives the zero value (or
// the default, or nil); a malformed one, an empty one (?to=) included, an
// EINVALID error naming it.

// intParam reads an integer from lo to hi (math.MaxInt: no upper bound).
func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	if !q.Has(name) {
		return def, nil
	}
	v := q.Get(name)
	n, err := strconv.Atoi(v)
	switch {
	case err == nil && n >= lo && n <= hi:
		return n, nil
	case hi == math.MaxInt:
		return 0, streamplane.Invalid(name, "%s must be an integer of %d or more, got %q", name, lo, v)
	default:
		return 0, streamplane.Invalid(name, "%s must be an integer from %d to %d, got %q", name, lo, hi, v)
	}
}

// paging reads offset and limit, limit from 1 to max, def by default.
func paging(q url.Values, def, max int) (offset, limit int, err error) {
	if limit, err = intParam(q, "limit", def, 1, max); err != nil {
		return 0, 0, err
	}
	if offset, err = intParam(q, "offset", 0, 0, math.MaxInt); err != nil {
		return 0, 0, err
	}
	return offset, limit, nil
}

func int32Param(q url.Values, name string) (*int32, error) {
	if !q.Has(name) {
		return nil, nil
	}
	s := q.Get(name)
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return nil, streamplane.Invalid(name, "%s must be an integer, got %q", name, s)
	}
	p := int32(n)
	return &p, nil
}

func int64Param(q url.Values, name string) (*int64, error) {
	if !q.Has(name) {
		return nil, nil
	}
	s := q.Get(name)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, streamplane.Invalid(name, "%s must be an integer, got %q", name, s)
	}
	return &n, nil
}

func floatParam(q url.Values, name string) (float64, error) {
	if !q.Has(name) {
		return 0, nil
	}
	s := q.Get(name)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, streamplane.Invalid(name, "%s must be a number, got %q", name, s)
	}
	return f, nil
}

func boolParam(q url.Values, name string) (bool, error) {
	if !q.Has(name) {
		return false, nil
	}
	s := q.Get(name)
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, streamplane.Invalid(name, "%s must be true or false, got %q", name, s)
	}
	return b, nil
}

var digits = regexp.MustCompile(`^[0-9]+$`)

// timeParam reads an RFC 3339 time or a Unix time in milliseconds, Kafka's
// own unit.
func timeParam(q url.Values, name string) (*time.Time, error) {
	if !q.Has(name) {
		return nil, nil
	}
	s := q.Get(name)
	if digits.MatchString(s) {
		ms, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			t := time.UnixMilli(ms).UTC()
			return &t, nil
		}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, streamplane.Invalid(name, "%s must be an RFC 3339 time such as 2026-11-21T10:00:00Z or Unix milliseconds, got %q", name, s)
	}
	return &t, nil
}

// rfc3339Param reads an RFC 3339 time.
func rfc3339Param(q url.Values, name string) (*time.Time, error) {
	if !q.Has(name) {
		return nil, nil
	}
	s := q.Get(name)
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, streamplane.Invalid(name, "%s must be an RFC 3339 time such as 2026-11-21T10:00:00Z, got %q", name, s)
	}
	return &t, nil
}

// listParam reads a repeatable, comma-separated list of upper-case values
// (statuses, states), in any case, each one of allowed.
func listParam[T ~string](q url.Values, name string, allowed []T) ([]T, error) {
	var list []T
	for _, v := range q[name] {
		for _, one := range strings.Split(v, ",") {
			if one == "" {
				continue
			}
			if t := T(strings.ToUpper(one)); slices.Contains(allowed, t) {
				list = append(list, t)
			} else {
				return nil, streamplane.Invalid(name, "unknown %s %q; one of %v", name, one, allowed)
			}
		}
	}
	return list, nil
}

// wantCSV reads a list's format: json (the default) or csv, asked for by
// format=csv or by Accept: text/csv.
func wantCSV(r *http.Request) (bool, error) {
	q := r.URL.Query()
	if !q.Has("format") {
		return strings.Contains(r.Header.Get("Accept"), "text/csv"), nil
	}
	switch f := q.Get("format"); f {
	case "json", "csv":
		return f == "csv", nil
	default:
		return false, streamplane.Invalid("format", "format must be json or csv, got %q", f)
	}
}
