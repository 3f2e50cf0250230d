package postgres

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/streamplane/streamplane/sqlstore"
)

// dialect is PostgreSQL's, for a database whose password is password.
func dialect(password string) sqlstore.Dialect {
	return sqlstore.Dialect{
		Name:                  "PostgreSQL",
		Numbered:              true,
		Strpos:                "strpos",
		AbortsOnError:         true,
		IsUniqueViolation:     func(err error) bool { return sqlState(err) == "23505" },
		IsForeignKeyViolation: func(err error) bool { return sqlState(err) == "23503" },
		Unreachable:           unreachable,
		Secret:                password,
	}
}

func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// unreachable tells the errors of a database that cannot be reached: no
// connection, a connection lost or ended by the server (shutting down,
// starting up, or timing out a transaction that waited too long on this
// process). The server's other errors (a refused password, a missing
// database) are not: waiting does not cure them.
func unreachable(err error) bool {
	if code := sqlState(err); code != "" {
		return strings.HasPrefix(code, "08") || // connection exception
			code == "57P01" || code == "57P02" || code == "57P03" || // admin or crash shutdown, cannot connect now
			code == "25P03" || code == "57P05" // idle in transaction, idle session timeout
	}
	var netErr net.Error
	return errors.As(err, &netErr) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		pgconn.Timeout(err)
}
