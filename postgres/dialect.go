package postgres

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	neturl "net/url"
	"regexp"
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

var (
	queryPassword = regexp.MustCompile(`[?&]password=([^&#]*)`)
	kvPassword    = regexp.MustCompile(`\bpassword\s*=\s*('(?:[^'\\]|\\.)*'|\S*)`)
)

// Redact returns a store URL with its password, if any, replaced by
// xxxxx, fit to log or show. It takes both URL and key=value forms.
func Redact(url string) string {
	spans := passwordSpans(url)
	for i := len(spans) - 1; i >= 0; i-- {
		url = url[:spans[i][0]] + "xxxxx" + url[spans[i][1]:]
	}
	return url
}

// passwordSpans returns where url's passwords are, in order and apart. In
// a URL it cannot make sense of, it errs towards hiding too much.
func passwordSpans(url string) [][2]int {
	var spans [][2]int
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		for _, m := range kvPassword.FindAllStringSubmatchIndex(url, -1) {
			spans = append(spans, [2]int{m[2], m[3]})
		}
		return spans
	}
	off := len(scheme) + len("://")
	// The user information ends at the authority's last @; a password
	// with an unescaped / or ? ends it at the URL's last @.
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		at = strings.LastIndex(rest, "@")
	}
	userEnd := 0
	if at >= 0 {
		if colon := strings.Index(rest[:at], ":"); colon >= 0 {
			spans = append(spans, [2]int{off + colon + 1, off + at})
		}
		userEnd = at
	}
	for _, m := range queryPassword.FindAllStringSubmatchIndex(rest[userEnd:], -1) {
		spans = append(spans, [2]int{off + userEnd + m[2], off + userEnd + m[3]})
	}
	return spans
}

// scrub removes url's passwords from text, an error about url.
func scrub(text, url string) string {
	for _, s := range passwordSpans(url) {
		pw := url[s[0]:s[1]]
		if pw == "" {
			continue
		}
		text = strings.ReplaceAll(text, pw, "xxxxx")
		if plain, err := neturl.PathUnescape(pw); err == nil && plain != "" {
			text = strings.ReplaceAll(text, plain, "xxxxx")
		}
	}
	return text
}
