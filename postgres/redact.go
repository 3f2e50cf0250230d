package postgres

import (
	neturl "net/url"
	"regexp"
	"strings"
)

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
