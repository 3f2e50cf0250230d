// Package authn holds the secrets of control-plane sign-in: password
// hashing (Argon2id), API token secrets (random, stored only as hashes) and
// the throttle that slows and then locks repeated failed logins.
package authn
