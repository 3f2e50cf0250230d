package wire

import streamplane "github.com/streamplane/streamplane"

// UserCreateRequest creates a SASL user. The password travels only in
// request bodies and no answer carries one.
type UserCreateRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

// PasswordRequest gives a user a new password.
type PasswordRequest struct {
	Password string `json:"password"`
}

// GrantRequest gives a permission on a topic to the grantee the path names.
type GrantRequest struct {
	Permission streamplane.Permission `json:"permission"`
}
