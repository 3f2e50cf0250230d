package postgres_test

import (
	"testing"

	"github.com/streamplane/streamplane/postgres"
)

func TestRedact(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{"postgres://sp:pw@db.example.com:5432/streamplane?sslmode=require", "postgres://sp:xxxxx@db.example.com:5432/streamplane?sslmode=require"},
		{"postgresql://sp@db/streamplane", "postgresql://sp@db/streamplane"},
		{"postgres://db/streamplane", "postgres://db/streamplane"},
		{"postgres://sp:p%40ss@db/sp", "postgres://sp:xxxxx@db/sp"},
		{"postgres://sp:a/b@c@db/sp", "postgres://sp:xxxxx@db/sp"},
		{"postgres://sp@db/sp?application_name=x&password=pw&sslmode=disable", "postgres://sp@db/sp?application_name=x&password=xxxxx&sslmode=disable"},
		{"host=db user=sp password=pw dbname=sp", "host=db user=sp password=xxxxx dbname=sp"},
		{"host=db password = 'p w\\'s' dbname=sp", "host=db password = xxxxx dbname=sp"},
		{"host=db dbname=sp", "host=db dbname=sp"},
	} {
		if got := postgres.Redact(tt.url); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}
