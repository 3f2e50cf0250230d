package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

const auditColumns = `seq, at, user_name, source, action, resource_type, resource_id, resource_name, project, result,
	status, request_id, task_id, summary, prev_hash, hash`

// AppendAudit chains e after the newest entry or, when pruning removed
// every entry, after the anchor the last prune left. It runs in the
// caller's write transaction, which holds the database's write lock, so no
// other append can take the same sequence number.
func (t *tx) AppendAudit(e *streamplane.AuditEntry) error {
	var (
		last     int64
		lastHash string
	)
	err := t.queryRow(`SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&last, &lastHash)
	if errors.Is(err, sql.ErrNoRows) {
		err = t.queryRow(`SELECT seq, hash FROM audit_anchor WHERE id = 1`).Scan(&last, &lastHash)
		if errors.Is(err, sql.ErrNoRows) {
			last, lastHash, err = 0, "", nil
		}
	}
	if err != nil {
		return fmt.Errorf("store: read audit chain end: %w", err)
	}
	// Whole microseconds survive every store's timestamps, so the time the
	// hash covers is the time read back.
	e.Seq, e.At, e.PrevHash = last+1, t.now.Truncate(time.Microsecond), lastHash
	e.Hash = e.ChainHash(e.PrevHash)
	_, err = t.exec(`INSERT INTO audit (`+auditColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		e.Seq, nanos(e.At), e.User, e.Source, e.Action, e.ResourceType, e.ResourceID, e.ResourceName, e.Project,
		e.Result, e.Status, e.RequestID, e.TaskID, e.Summary, e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("store: append audit entry: %w", err)
	}
	return nil
}

func (t *tx) AuditEntries(f streamplane.AuditFilter) ([]*streamplane.AuditEntry, int, error) {
	where, args := []string{"1=1"}, []any{}
	if f.From != nil {
		where, args = append(where, "at >= ?"), append(args, nanos(*f.From))
	}
	if f.To != nil {
		where, args = append(where, "at <= ?"), append(args, nanos(*f.To))
	}
	if f.User != "" {
		where, args = append(where, "user_name = ?"), append(args, f.User)
	}
	if prefix, ok := strings.CutSuffix(f.Action, "*"); ok {
		// A range rather than LIKE, so the action index serves it.
		cond, more := prefixRange("action", prefix)
		where, args = append(where, cond), append(args, more...)
	} else if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	if f.Resource != "" {
		where, args = append(where, "(resource_id = ? OR resource_name = ?)"), append(args, f.Resource, f.Resource)
	}
	if f.Result != "" {
		where, args = append(where, "result = ?"), append(args, f.Result)
	}
	if len(f.Project) > 0 {
		cond, more := inList("project", f.Project)
		where, args = append(where, cond), append(args, more...)
	}
	order := " ORDER BY seq DESC"
	if f.AfterSeq > 0 {
		where, args = append(where, "seq > ?"), append(args, f.AfterSeq)
	}
	if f.AfterSeq > 0 || f.OldestFirst {
		order = " ORDER BY seq"
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := t.queryRow(`SELECT COUNT(*) FROM audit WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count audit entries: %w", err)
	}
	q := `SELECT ` + auditColumns + ` FROM audit WHERE ` + cond + order
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, f.Offset)
	} else if f.Offset > 0 {
		q += fmt.Sprintf(" LIMIT %d OFFSET %d", math.MaxInt64, f.Offset) // no LIMIT ALL in SQLite, no LIMIT -1 in PostgreSQL
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list audit entries: %w", err)
	}
	list, err := scanAudit(rows)
	return list, total, err
}

// PruneAudit removes the oldest entries up to the first one at or after
// before: a prefix of the chain, so what remains still verifies from its
// first entry's PrevHash. The last entry removed becomes the anchor the
// next append chains to if nothing remains.
func (t *tx) PruneAudit(before time.Time) (int, error) {
	var (
		lastSeq  int64
		lastHash string
	)
	err := t.queryRow(`SELECT seq, hash FROM audit
		WHERE seq < COALESCE((SELECT MIN(seq) FROM audit WHERE at >= ?), 9223372036854775807)
		ORDER BY seq DESC LIMIT 1`, nanos(before)).Scan(&lastSeq, &lastHash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // nothing older than before
	} else if err != nil {
		return 0, fmt.Errorf("store: prune audit: %w", err)
	}
	res, err := t.exec(`DELETE FROM audit WHERE seq <= ?`, lastSeq)
	if err != nil {
		return 0, fmt.Errorf("store: prune audit: %w", err)
	}
	if _, err := t.exec(`INSERT INTO audit_anchor (id, seq, hash) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`, lastSeq, lastHash); err != nil {
		return 0, fmt.Errorf("store: save audit anchor: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func scanAudit(rows *sql.Rows) ([]*streamplane.AuditEntry, error) {
	defer rows.Close()
	var list []*streamplane.AuditEntry
	for rows.Next() {
		var (
			e  streamplane.AuditEntry
			at int64
		)
		if err := rows.Scan(&e.Seq, &at, &e.User, &e.Source, &e.Action, &e.ResourceType, &e.ResourceID, &e.ResourceName,
			&e.Project, &e.Result, &e.Status, &e.RequestID, &e.TaskID, &e.Summary, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("store: scan audit entry: %w", err)
		}
		e.At = fromNanos(at)
		list = append(list, &e)
	}
	return list, rows.Err()
}
