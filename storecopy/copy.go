// Package storecopy moves a Streamplane store from SQLite to PostgreSQL:
// every table, row for row, in one transaction on the destination, then
// checks that both hold the same. The two schemas are the same tables and
// columns (packages sqlite and postgres keep them so); only the column
// types differ, and each value is converted to the destination's type.
package storecopy

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/membership"
	"github.com/streamplane/streamplane/postgres"
)

// Report says what was copied: the rows of each table, in copy order.
type Report struct {
	Tables []TableCount
	Took   time.Duration
}

// TableCount is one table's row count, the same on both sides.
type TableCount struct {
	Table string
	Rows  int
}

// tablesInUse are the tables whose rows say a store is in use; a
// destination holding any is refused rather than overwritten.
var tablesInUse = []string{"instances", "accounts", "tasks", "audit"}

// querier is what reads a database: *sql.DB or *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Copy copies the SQLite database src into the PostgreSQL database dst,
// both at the current schema, verifies the copy and commits it. It
// refuses when a server still runs on either (its writes would be lost or
// mixed in) and when dst already holds instances, accounts, tasks or audit
// entries. src is the SQLite store's writing connection (sqlite.DB.Raw),
// dst the PostgreSQL store's (postgres.DB.Raw).
//
// Every check is made inside the two transactions, where no server can
// write between the check and the copy: the source's transaction is the
// writing connection's, which begins with BEGIN IMMEDIATE and so keeps
// SQLite's writers out until it ends; the destination's takes the lock
// every PostgreSQL store writer takes. A copy that does not verify is
// rolled back, so that the move can be run again.
func Copy(ctx context.Context, src, dst *sql.DB) (*Report, error) {
	start := time.Now()
	// BEGIN IMMEDIATE (sqlite's writer is opened with _txlock=immediate):
	// one snapshot, and no writes to the source until the copy ends.
	srcTx, err := src.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin on the source: %w", err)
	}
	defer srcTx.Rollback()
	tables, err := sourceTables(ctx, srcTx)
	if err != nil {
		return nil, err
	}
	if err := refuseLiveServers(ctx, srcTx, "source", "?"); err != nil {
		return nil, err
	}
	dstTx, err := dst.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin on the destination: %w", err)
	}
	defer dstTx.Rollback()
	if err := postgres.LockWrites(ctx, dstTx); err != nil {
		return nil, fmt.Errorf("lock the destination against writers: %w", err)
	}
	if err := refuseLiveServers(ctx, dstTx, "destination", "$1"); err != nil {
		return nil, err
	}
	destCols := map[string]map[string]string{}
	for _, t := range tables {
		cols, err := destinationColumns(ctx, dstTx, t.name)
		if err != nil {
			return nil, err
		}
		for _, c := range t.columns {
			if _, ok := cols[c]; !ok {
				return nil, streamplane.Errorf(streamplane.EPRECONDITION,
					"the destination has no column %s.%s: it is not at this streamplane's schema", t.name, c)
			}
		}
		destCols[t.name] = cols
	}
	if err := refuseInUse(ctx, dstTx, tables); err != nil {
		return nil, err
	}

	// What the destination's migrations seeded (the default project) goes:
	// the source has its own.
	for _, t := range slices.Backward(tables) {
		if _, err := dstTx.ExecContext(ctx, `DELETE FROM `+quote(t.name)); err != nil {
			return nil, fmt.Errorf("empty %s: %w", t.name, err)
		}
	}
	report := &Report{}
	for _, t := range tables {
		n, err := copyTable(ctx, srcTx, dstTx, t, destCols[t.name])
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", t.name, err)
		}
		report.Tables = append(report.Tables, TableCount{Table: t.name, Rows: n})
	}
	if err := resetSequences(ctx, dstTx); err != nil {
		return nil, err
	}
	if err := verify(ctx, tables, srcTx, dstTx); err != nil {
		return nil, err
	}
	if err := dstTx.Commit(); err != nil {
		return nil, err
	}
	report.Took = time.Since(start)
	return report, nil
}

// table is a source table: its name and columns.
type table struct {
	name    string
	columns []string
}

// sourceTables lists the source's tables, each after the tables its
// foreign keys point at, so that rows can be inserted in order.
func sourceTables(ctx context.Context, src querier) ([]table, error) {
	rows, err := src.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list the source's tables: %w", err)
	}
	names, err := scanStrings(rows)
	if err != nil {
		return nil, err
	}
	deps := map[string][]string{}
	byName := map[string]table{}
	for _, name := range names {
		r, err := src.QueryContext(ctx, `SELECT "table" FROM pragma_foreign_key_list(?)`, name)
		if err != nil {
			return nil, err
		}
		if deps[name], err = scanStrings(r); err != nil {
			return nil, err
		}
		cr, err := src.QueryContext(ctx, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, name)
		if err != nil {
			return nil, err
		}
		cols, err := scanStrings(cr)
		if err != nil {
			return nil, err
		}
		byName[name] = table{name: name, columns: cols}
	}
	var ordered []table
	done := map[string]bool{}
	var visit func(name string, path []string) error
	visit = func(name string, path []string) error {
		if done[name] {
			return nil
		}
		if slices.Contains(path, name) {
			return fmt.Errorf("foreign keys form a cycle: %v", append(path, name))
		}
		for _, d := range deps[name] {
			if d != name {
				if err := visit(d, append(path, name)); err != nil {
					return err
				}
			}
		}
		done[name] = true
		ordered = append(ordered, byName[name])
		return nil
	}
	for _, name := range names {
		if err := visit(name, nil); err != nil {
			return nil, err
		}
	}
	return ordered, nil
}

func scanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// destinationColumns maps each column of a destination table to its type.
func destinationColumns(ctx context.Context, dst querier, name string) (map[string]string, error) {
	rows, err := dst.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1`, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string]string{}
	for rows.Next() {
		var c, typ string
		if err := rows.Scan(&c, &typ); err != nil {
			return nil, err
		}
		cols[c] = typ
	}
	if len(cols) == 0 && rows.Err() == nil {
		return nil, streamplane.Errorf(streamplane.EPRECONDITION, "the destination has no table %s: it is not at this streamplane's schema", name)
	}
	return cols, rows.Err()
}

// refuseLiveServers refuses a store some server reported to lately.
func refuseLiveServers(ctx context.Context, db querier, side, mark string) error {
	var id, listen string
	err := db.QueryRowContext(ctx, `SELECT id, listen FROM servers WHERE seen_at >= `+mark+` ORDER BY seen_at DESC LIMIT 1`,
		time.Now().Add(-membership.Lease).UnixNano()).Scan(&id, &listen)
	switch {
	case err == sql.ErrNoRows:
		return nil
	case err != nil:
		return fmt.Errorf("read the %s's servers: %w", side, err)
	}
	return streamplane.Errorf(streamplane.EPRECONDITION,
		"server %s (%s) is running on the %s store; stop every server first, so that no change is lost", id, listen, side)
}

// refuseInUse refuses a destination that already holds a store's data.
func refuseInUse(ctx context.Context, dst querier, tables []table) error {
	for _, name := range tablesInUse {
		if !slices.ContainsFunc(tables, func(t table) bool { return t.name == name }) {
			continue
		}
		var n int
		if err := dst.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quote(name)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return streamplane.Errorf(streamplane.ECONFLICT,
				"the destination already holds %d row(s) in %s: move into a new, empty database", n, name)
		}
	}
	return nil
}

// quotedColumns are the table's columns, quoted for both databases.
func (t table) quotedColumns() []string {
	cols := make([]string, len(t.columns))
	for i, c := range t.columns {
		cols[i] = quote(c)
	}
	return cols
}

// selectAll reads every row of the table, its columns in order.
func (t table) selectAll(ctx context.Context, db querier) (*sql.Rows, error) {
	return db.QueryContext(ctx, `SELECT `+strings.Join(t.quotedColumns(), ", ")+` FROM `+quote(t.name))
}

// scanRow reads the current row's n values as the driver gives them.
func scanRow(rows *sql.Rows, n int) ([]any, error) {
	vals, ptrs := make([]any, n), make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	return vals, rows.Scan(ptrs...)
}

// copyTable inserts every row of a source table into the destination, a
// batch of rows per statement.
func copyTable(ctx context.Context, src, dst *sql.Tx, t table, types map[string]string) (int, error) {
	cols := t.quotedColumns()
	rows, err := t.selectAll(ctx, src)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	// PostgreSQL takes at most 65535 parameters in one statement.
	perBatch := max(1, 5000/len(cols))
	var batch []any
	count, inBatch := 0, 0
	flush := func() error {
		if inBatch == 0 {
			return nil
		}
		var sb strings.Builder
		sb.WriteString(`INSERT INTO ` + quote(t.name) + ` (` + strings.Join(cols, ", ") + `) VALUES `)
		for r := range inBatch {
			if r > 0 {
				sb.WriteString(", ")
			}
			sb.WriteByte('(')
			for c := range cols {
				if c > 0 {
					sb.WriteString(", ")
				}
				fmt.Fprintf(&sb, "$%d", r*len(cols)+c+1)
			}
			sb.WriteByte(')')
		}
		_, err := dst.ExecContext(ctx, sb.String(), batch...)
		batch, inBatch = batch[:0], 0
		return err
	}
	for rows.Next() {
		vals, err := scanRow(rows, len(cols))
		if err != nil {
			return 0, err
		}
		for i, c := range t.columns {
			v, err := convert(vals[i], types[c])
			if err != nil {
				return 0, fmt.Errorf("column %s: %w", c, err)
			}
			batch = append(batch, v)
		}
		inBatch++
		count++
		if inBatch == perBatch {
			if err := flush(); err != nil {
				return 0, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return count, flush()
}

// convert turns a value as SQLite gives it into one the destination
// column's type takes.
func convert(v any, destType string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch destType {
	case "boolean":
		switch x := v.(type) {
		case int64:
			return x != 0, nil
		case bool:
			return x, nil
		}
	case "bytea":
		switch x := v.(type) {
		case string:
			return []byte(x), nil
		case []byte:
			return x, nil
		}
	case "text", "character varying":
		switch x := v.(type) {
		case []byte:
			return string(x), nil
		case string:
			return x, nil
		}
	default:
		return v, nil
	}
	return nil, fmt.Errorf("cannot store a %T in a %s column", v, destType)
}

// resetSequences moves every sequence behind a column past the largest
// value copied, so that the next row the destination numbers itself does
// not collide with a copied one.
func resetSequences(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')`)
	if err != nil {
		return err
	}
	type col struct{ table, column string }
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.table, &c.column); err != nil {
			rows.Close()
			return err
		}
		cols = append(cols, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range cols {
		q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', '%s'), COALESCE((SELECT MAX(%s) FROM %s), 0) + 1, false)`,
			c.table, c.column, quote(c.column), quote(c.table))
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("reset the sequence of %s.%s: %w", c.table, c.column, err)
		}
	}
	return nil
}

// quote quotes an identifier for both databases.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
