package sqlstore

import (
	"fmt"

	streamplane "github.com/streamplane/streamplane"
)

func (t *tx) ReservePorts(owner string, count, lo, hi int, usable func(int) bool) ([]int, error) {
	held, err := t.ownedPorts(owner)
	if err != nil {
		return nil, err
	}
	if len(held) >= count {
		return held[:count], nil
	}
	taken := map[int]bool{}
	rows, err := t.query(`SELECT port FROM port_reservations WHERE port BETWEEN ? AND ?`, lo, hi)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var p int
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return nil, err
		}
		taken[p] = true
	}
	rows.Close()
	for p := lo; p <= hi && len(held) < count; p++ {
		if taken[p] || (usable != nil && !usable(p)) {
			continue
		}
		if _, err := t.exec(`INSERT INTO port_reservations (port, owner, seq) VALUES (?, ?, ?)`, p, owner, len(held)); err != nil {
			return nil, fmt.Errorf("store: reserve port %d: %w", p, err)
		}
		held = append(held, p)
	}
	if len(held) < count {
		return nil, streamplane.Errorf(streamplane.ELIMIT, "port range %d–%d has no %d free ports left; widen it with --port-range", lo, hi, count)
	}
	return held, nil
}

func (t *tx) ownedPorts(owner string) ([]int, error) {
	rows, err := t.query(`SELECT port FROM port_reservations WHERE owner = ? ORDER BY seq`, owner)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var p int
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (t *tx) ReleasePorts(owner string) error {
	_, err := t.exec(`DELETE FROM port_reservations WHERE owner = ?`, owner)
	return err
}
