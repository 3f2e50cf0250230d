package storecopy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// Verify checks that the PostgreSQL database dst holds what the SQLite
// database src holds: for every table of the source, the same rows with
// the same values, whatever the order. It names the first table that
// differs. Copy runs the same check before it commits.
func Verify(ctx context.Context, src, dst *sql.DB) error {
	tables, err := sourceTables(ctx, src)
	if err != nil {
		return err
	}
	return verify(ctx, tables, src, dst)
}

// verify compares the tables of src and dst, databases or transactions.
func verify(ctx context.Context, tables []table, src, dst querier) error {
	for _, t := range tables {
		want, wantN, err := tableDigest(ctx, src, t)
		if err != nil {
			return fmt.Errorf("read the source's %s: %w", t.name, err)
		}
		got, gotN, err := tableDigest(ctx, dst, t)
		if err != nil {
			return fmt.Errorf("read the destination's %s: %w", t.name, err)
		}
		if wantN != gotN || want != got {
			return streamplane.Errorf(streamplane.EINTERNAL,
				"the copy differs from the source in table %s: %d row(s) there, %d in the copy", t.name, wantN, gotN)
		}
	}
	return nil
}

// tableDigest hashes a table's rows, each written in one form whatever the
// database (integers and booleans as numbers, text and bytes as bytes),
// sorted, so that the same rows give the same digest.
func tableDigest(ctx context.Context, db querier, t table) (string, int, error) {
	rows, err := t.selectAll(ctx, db)
	if err != nil {
		return "", 0, err
	}
	defer rows.Close()
	var lines [][]byte
	for rows.Next() {
		vals, err := scanRow(rows, len(t.columns))
		if err != nil {
			return "", 0, err
		}
		var line bytes.Buffer
		for _, v := range vals {
			line.WriteString(canonical(v))
			line.WriteByte(0)
		}
		lines = append(lines, line.Bytes())
	}
	if err := rows.Err(); err != nil {
		return "", 0, err
	}
	slices.SortFunc(lines, bytes.Compare)
	h := sha256.New()
	for _, l := range lines {
		h.Write(l)
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil)), len(lines), nil
}

// canonical writes a value the same way from either database.
func canonical(v any) string {
	switch x := v.(type) {
	case nil:
		return "N"
	case int64:
		return "i" + strconv.FormatInt(x, 10)
	case int32:
		return "i" + strconv.FormatInt(int64(x), 10)
	case bool:
		if x {
			return "i1"
		}
		return "i0"
	case float64:
		return "f" + strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return "s" + hex.EncodeToString([]byte(x))
	case []byte:
		return "s" + hex.EncodeToString(x)
	case time.Time:
		return "t" + x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("?%T:%v", v, v)
}
