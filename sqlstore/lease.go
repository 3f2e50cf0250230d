package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

func (t *tx) AcquireLease(name, owner string, until time.Time) (*streamplane.Lease, bool, error) {
	var cur streamplane.Lease
	var untilNanos int64
	err := t.queryRow(`SELECT name, owner, token, until FROM leases WHERE name = ?`, name).Scan(&cur.Name, &cur.Owner, &cur.Token, &untilNanos)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		lease := &streamplane.Lease{Name: name, Owner: owner, Token: 1, Until: until}
		if _, err := t.exec(`INSERT INTO leases (name, owner, token, until) VALUES (?, ?, ?, ?)`, name, owner, lease.Token, nanos(until)); err != nil {
			return nil, false, fmt.Errorf("store: insert lease: %w", err)
		}
		return lease, true, nil
	case err != nil:
		return nil, false, fmt.Errorf("store: read lease: %w", err)
	}
	cur.Until = fromNanos(untilNanos)
	if cur.Owner != owner && cur.Owner != "" && cur.Until.After(t.now) {
		return &cur, false, nil
	}
	if cur.Owner != owner {
		cur.Token++
	}
	cur.Owner, cur.Until = owner, until
	if _, err := t.exec(`UPDATE leases SET owner = ?, token = ?, until = ? WHERE name = ?`, owner, cur.Token, nanos(until), name); err != nil {
		return nil, false, fmt.Errorf("store: update lease: %w", err)
	}
	return &cur, true, nil
}

func (t *tx) ReleaseLease(name, owner string) error {
	_, err := t.exec(`UPDATE leases SET owner = '', until = ? WHERE name = ? AND owner = ?`, nanos(t.now), name, owner)
	return err
}

func (t *tx) RenewLeases(prefix, owner string, until time.Time) error {
	cond, args := prefixRange("name", prefix)
	_, err := t.exec(`UPDATE leases SET until = ? WHERE owner = ? AND `+cond, append([]any{nanos(until), owner}, args...)...)
	return err
}

func (t *tx) Leases(prefix string) ([]streamplane.Lease, error) {
	cond, args := prefixRange("name", prefix)
	rows, err := t.query(`SELECT name, owner, token, until FROM leases WHERE `+cond+` ORDER BY name`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []streamplane.Lease
	for rows.Next() {
		var l streamplane.Lease
		var until int64
		if err := rows.Scan(&l.Name, &l.Owner, &l.Token, &until); err != nil {
			return nil, err
		}
		l.Until = fromNanos(until)
		out = append(out, l)
	}
	return out, rows.Err()
}
