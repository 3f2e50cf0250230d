package api

import (
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// messageQueryParams are the query parameters of GET .../messages.
var messageQueryParams = []string{"partition", "from", "to", "from_offset", "to_offset", "limit", "max_scan", "newest_first", "cursor"}

// encodeMessageQuery writes a query back as the parameters that ask for it.
func encodeMessageQuery(q streamplane.MessageQuery) url.Values {
	v := url.Values{}
	if q.Partition != nil {
		v.Set("partition", strconv.Itoa(int(*q.Partition)))
	}
	for name, t := range map[string]*time.Time{"from": q.From, "to": q.To} {
		if t != nil {
			v.Set(name, t.Format(time.RFC3339Nano))
			if t.Equal(time.UnixMilli(t.UnixMilli())) && t.UnixMilli() >= 0 {
				v.Set(name, strconv.FormatInt(t.UnixMilli(), 10)) // also for years RFC 3339 cannot write
			}
		}
	}
	for name, o := range map[string]*int64{"from_offset": q.FromOffset, "to_offset": q.ToOffset} {
		if o != nil {
			v.Set(name, strconv.FormatInt(*o, 10))
		}
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.MaxScan != 0 {
		v.Set("max_scan", strconv.Itoa(q.MaxScan))
	}
	if q.NewestFirst {
		v.Set("newest_first", "true")
	}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	return v
}

// FuzzMessageQueryParams feeds the query string of a message search. A
// refused search is EINVALID naming one of the search's parameters; an
// accepted one reads the same when written back as parameters.
func FuzzMessageQueryParams(f *testing.F) {
	for _, s := range []string{
		"partition=0&from_offset=5&to_offset=10&limit=20",
		"from=2026-11-21T10:00:00.5%2B01:00&to=1763719200000&newest_first=true&max_scan=1000",
		"from=99999999999999999999&to=x",
		"partition=-1&from=2026-01-01T00:00:00Z&from_offset=1",
		"limit=0&max_scan=-3&newest_first=maybe",
		"cursor=0:1200,2:1185&partition=2147483648",
		"to_offset=9223372036854775808",
		"from=%zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return // net/http answers 400 before the handler runs
		}
		q, err := messageQuery("orders", v)
		if err == nil {
			err = q.Normalize()
		}
		if err != nil {
			var e *streamplane.Error
			if !errors.As(err, &e) || e.Code != streamplane.EINVALID || !slices.Contains(messageQueryParams, e.Field) {
				t.Fatalf("%q: err = %v, want %s naming one of the parameters", raw, err, streamplane.EINVALID)
			}
			return
		}
		again, err := messageQuery("orders", encodeMessageQuery(q))
		if err == nil {
			err = again.Normalize()
		}
		if err != nil {
			t.Fatalf("%q read as %+v; written back it is refused: %v", raw, q, err)
		}
		if !sameMessageQuery(q, again) {
			t.Fatalf("%q read as %+v; written back it reads as %+v", raw, q, again)
		}
	})
}

func sameMessageQuery(a, b streamplane.MessageQuery) bool {
	sameTime := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	if !sameTime(a.From, b.From) || !sameTime(a.To, b.To) {
		return false
	}
	a.From, a.To, b.From, b.To = nil, nil, nil, nil
	return reflect.DeepEqual(a, b)
}
