package streamplane_test

import (
	"errors"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

func TestValidateNewKafkaUserName(t *testing.T) {
	for _, name := range []string{"alice", "u-bob_2", "Anonymous1"} {
		if err := streamplane.ValidateNewKafkaUserName("name", name); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
	for _, tc := range []struct{ name, want string }{
		{"", "required"},
		{"bob", "4–64"},
		{"1abc", "start with a letter"},
		{"streamplane-admin", "reserved"},
		{"Streamplane-Controller", "reserved"},
		{"ANONYMOUS", "reserved"},
		{"anonymous", "reserved"},
	} {
		err := streamplane.ValidateNewKafkaUserName("name", tc.name)
		var e *streamplane.Error
		if !errors.As(err, &e) || e.Field != "name" || !strings.Contains(e.Message, tc.want) {
			t.Errorf("%q: got %v, want an error on name mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestKafkaUserLimitAndInfo(t *testing.T) {
	if err := streamplane.CheckKafkaUserLimit("orders", streamplane.MaxKafkaUsers-1); err != nil {
		t.Errorf("the 20th user: %v", err)
	}
	err := streamplane.CheckKafkaUserLimit("orders", streamplane.MaxKafkaUsers)
	if !streamplane.IsCode(err, streamplane.ELIMIT) || !strings.Contains(err.Error(), "20") || !strings.Contains(err.Error(), "orders") {
		t.Errorf("the 21st user: %v", err)
	}

	info := streamplane.NewKafkaUserInfo(streamplane.KafkaUser{Name: "alice"})
	if strings.Join(info.Mechanisms, ",") != "SCRAM-SHA-512" {
		t.Errorf("SCRAM-only user: %v", info.Mechanisms)
	}
	info = streamplane.NewKafkaUserInfo(streamplane.KafkaUser{Name: "alice", PlainHash: []byte{1}})
	if strings.Join(info.Mechanisms, ",") != "SCRAM-SHA-512,PLAIN" {
		t.Errorf("PLAIN user: %v", info.Mechanisms)
	}
}
