package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	streamplane "github.com/streamplane/streamplane"
)

// Dialect is what differs between the databases the queries run on. The
// queries are written once, with ? placeholders; a dialect adapts them.
type Dialect struct {
	// Name names the database in errors: "SQLite", "PostgreSQL".
	Name string
	// Numbered placeholders ($1, $2, …) replace each ? (PostgreSQL).
	Numbered bool
	// Strpos is the function giving the 1-based position of a string in
	// another, 0 if absent: SQLite's instr, PostgreSQL's strpos.
	Strpos string
	// AbortsOnError: a failed statement aborts the whole transaction
	// (PostgreSQL), so a statement whose failure the code handles runs in a
	// savepoint. SQLite undoes only the statement.
	AbortsOnError bool

	IsUniqueViolation     func(error) bool
	IsForeignKeyViolation func(error) bool
	// Unreachable tells errors that mean the database cannot be reached
	// (nil: none do).
	Unreachable func(error) bool
	// Secret is text never to show in an error, the password of the
	// database's URL; "" for none.
	Secret string
}

// Err is err as the store returns it from a transaction: ESTOREDOWN when
// the database cannot be reached, unless the caller gave up (ctx ended)
// first; err unchanged otherwise.
func (d Dialect) Err(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil || d.Unreachable == nil {
		return err
	}
	var e *streamplane.Error
	if errors.As(err, &e) || !d.Unreachable(err) {
		return err
	}
	cause := err.Error()
	if d.Secret != "" {
		cause = strings.ReplaceAll(cause, d.Secret, "xxxxx")
	}
	// The message reaches API clients, signed in or not: it says what is
	// wrong without the database's address and user, which only the log
	// (the error's text) shows.
	return fmt.Errorf("%w (%s)", streamplane.Errorf(streamplane.ESTOREDOWN,
		"the store (%s) cannot be reached; retry when it is back", d.Name), cause)
}

// Wrap is Err for an error of the store's own machinery (begin, commit):
// when the database is reachable it says what failed.
func (d Dialect) Wrap(ctx context.Context, what string, err error) error {
	if err == nil {
		return nil
	}
	if e := d.Err(ctx, err); e != err {
		return e
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

// rebound caches queries rewritten with numbered placeholders. Queries
// with IN lists vary with the list's length, so the cache stops growing at
// maxRebound entries; a query beyond that is rewritten each time.
var (
	rebound      sync.Map
	reboundCount atomic.Int64
)

const maxRebound = 4096

// rebind returns q with the dialect's placeholders. A ? in a quoted string
// or identifier, or in a -- comment, is left alone.
func (d Dialect) rebind(q string) string {
	if !d.Numbered || !strings.Contains(q, "?") {
		return q
	}
	if r, ok := rebound.Load(q); ok {
		return r.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	comment := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case comment:
			comment = c != '\n'
		case quote != 0:
			if c == quote { // a doubled quote closes and reopens
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			comment = true
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	r := b.String()
	if reboundCount.Load() < maxRebound {
		if _, loaded := rebound.LoadOrStore(q, r); !loaded {
			reboundCount.Add(1)
		}
	}
	return r
}
