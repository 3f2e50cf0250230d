package authn

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// TokenPrefix marks Streamplane API tokens, so secret scanners and people
// can tell one when they see it.
const TokenPrefix = "spt_"

// NewToken returns a new token secret (256 random bits) and the hash the
// store keeps. The secret is shown to its owner once and never stored.
func NewToken() (secret, hash string, err error) {
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", "", err
	}
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(buf)
	return secret, HashToken(secret), nil
}

// HashToken is the stored form of a token secret: hex SHA-256. A fast hash
// is enough here because the secret has 256 bits of entropy.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// LooksLikeToken reports whether s has a token's shape, to refuse obvious
// garbage before a store lookup.
func LooksLikeToken(s string) bool {
	return strings.HasPrefix(s, TokenPrefix) && len(s) == len(TokenPrefix)+43
}
