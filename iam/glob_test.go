package iam

import "testing"

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "instance:delete", true},
		{"instance:delete", "instance:delete", true},
		{"instance:delete", "instance:deletes", false},
		{"instance:delete", "instance:delet", false},
		{"instance:*", "instance:delete", true},
		{"instance:*", "topic:delete", false},
		{"*:delete", "topic:delete", true},
		{"*:delete", "topic:deleted", false},
		{"instance:re*", "instance:readLog", true},
		{"instance:re*", "instance:get", false},
		{"prod-*-eu", "prod-orders-eu", true},
		{"prod-*-eu", "prod-orders-us", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"a*a*a", "aa", false},
		{"**", "x", true},
		{"*x", "xyx", true},
		{"*x", "xy", false},
		{"Instance:*", "instance:get", false}, // case matters
	} {
		if got := match(tc.pattern, tc.s); got != tc.want {
			t.Errorf("match(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}
