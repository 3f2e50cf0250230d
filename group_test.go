package streamplane

import (
	"testing"
	"time"
)

func TestGroupStateOf(t *testing.T) {
	for _, tc := range []struct {
		kafka string
		want  GroupState
	}{
		// Classic groups.
		{"Dead", GroupDead},
		{"Empty", GroupEmpty},
		{"PreparingRebalance", GroupPreparingRebalance},
		{"CompletingRebalance", GroupCompletingRebalance},
		{"Stable", GroupStable},
		// KIP-848 consumer groups and streams groups.
		{"Assigning", GroupPreparingRebalance},
		{"NotReady", GroupPreparingRebalance},
		{"Reconciling", GroupCompletingRebalance},
		// Spellings other tools use.
		{"PREPARING_REBALANCE", GroupPreparingRebalance},
		{"stable", GroupStable},
		// Anything else is shown as unknown, never guessed.
		{"", GroupUnknown},
		{"Sleeping", GroupUnknown},
	} {
		if got := GroupStateOf(tc.kafka); got != tc.want {
			t.Errorf("GroupStateOf(%q) = %s, want %s", tc.kafka, got, tc.want)
		}
	}
}

func TestOffsetResetRequest_Validate(t *testing.T) {
	ts := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	before1970 := time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC)
	off, p, neg := int64(42), int32(2), int32(-1)
	t.Run("OK", func(t *testing.T) {
		for _, r := range []OffsetResetRequest{
			{Topic: "t", To: ResetEarliest},
			{Topic: "t", To: ResetLatest, Partition: &p},
			{Topic: "t", To: ResetTimestamp, Timestamp: &ts},
			{Topic: "t", To: ResetOffset, Offset: &off},
			{Topic: "t", To: ResetOffset, Offset: new(int64(-5))}, // clamped later, not refused
		} {
			if err := r.Validate(); err != nil {
				t.Errorf("%+v: %v", r, err)
			}
		}
	})
	for _, tc := range []struct {
		name  string
		req   OffsetResetRequest
		field string
	}{
		{"ErrTopicMissing", OffsetResetRequest{To: ResetEarliest}, "topic"},
		{"ErrPartitionNegative", OffsetResetRequest{Topic: "t", To: ResetEarliest, Partition: &neg}, "partition"},
		{"ErrToMissing", OffsetResetRequest{Topic: "t"}, "to"},
		{"ErrToUnknown", OffsetResetRequest{Topic: "t", To: "yesterday"}, "to"},
		{"ErrTimestampMissing", OffsetResetRequest{Topic: "t", To: ResetTimestamp}, "timestamp"},
		{"ErrTimestampBefore1970", OffsetResetRequest{Topic: "t", To: ResetTimestamp, Timestamp: &before1970}, "timestamp"},
		{"ErrOffsetMissing", OffsetResetRequest{Topic: "t", To: ResetOffset}, "offset"},
		{"ErrTimestampWithOffset", OffsetResetRequest{Topic: "t", To: ResetOffset, Offset: &off, Timestamp: &ts}, "timestamp"},
		{"ErrOffsetWithLatest", OffsetResetRequest{Topic: "t", To: ResetLatest, Offset: &off}, "offset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.req.Validate()
			var e *Error
			if !asErr(err, &e) || e.Code != EINVALID || e.Field != tc.field || e.Message == "" {
				t.Fatalf("got %v, want INVALID_ARGUMENT on field %s", err, tc.field)
			}
		})
	}
}

func asErr(err error, target **Error) bool {
	e, ok := err.(*Error)
	*target = e
	return ok
}

func TestOffsetResetRequest_SetTarget(t *testing.T) {
	for _, tc := range []struct {
		spec, to, describe string
	}{
		{"earliest", ResetEarliest, "earliest"},
		{"LATEST", ResetLatest, "latest"},
		{"timestamp=2026-11-21T10:00:00Z", ResetTimestamp, "timestamp 2026-11-21T10:00:00Z"},
		{"timestamp=2026-11-21T11:00:00.123+01:00", ResetTimestamp, "timestamp 2026-11-21T11:00:00.123+01:00"},
		{"offset=42", ResetOffset, "offset 42"},
		{"offset=-5", ResetOffset, "offset -5"},
	} {
		var r OffsetResetRequest
		r.Topic = "t"
		if err := r.SetTarget(tc.spec); err != nil {
			t.Errorf("%s: %v", tc.spec, err)
			continue
		}
		if r.To != tc.to || r.Describe() != tc.describe || r.Validate() != nil {
			t.Errorf("%s: to %s, %q, %v", tc.spec, r.To, r.Describe(), r.Validate())
		}
	}
	for _, tc := range []struct{ spec, field string }{
		{"", "to"},
		{"beginning", "to"},
		{"earliest=1", "to"},
		{"timestamp=yesterday", "timestamp"},
		{"timestamp=2026-11-21", "timestamp"},
		{"offset=x", "offset"},
		{"offset=", "offset"},
	} {
		var r OffsetResetRequest
		err := r.SetTarget(tc.spec)
		var e *Error
		if !asErr(err, &e) || e.Field != tc.field {
			t.Errorf("SetTarget(%q) = %v, want an error on field %s", tc.spec, err, tc.field)
		}
	}
}

func TestClampResetOffset(t *testing.T) {
	for _, tc := range []struct {
		want, start, end, got int64
		clamped               bool
	}{
		{5, 3, 10, 5, false},
		{3, 3, 10, 3, false},
		{10, 3, 10, 10, false},
		{-5, 3, 10, 3, true},
		{2, 3, 10, 3, true},
		{1_000_000_000, 3, 10, 10, true},
		{0, 0, 0, 0, false},
	} {
		got, clamped := ClampResetOffset(tc.want, tc.start, tc.end)
		if got != tc.got || clamped != tc.clamped {
			t.Errorf("ClampResetOffset(%d, %d, %d) = %d, %v; want %d, %v", tc.want, tc.start, tc.end, got, clamped, tc.got, tc.clamped)
		}
	}
}

func TestGroupFilter(t *testing.T) {
	g := Group{Name: "Billing-Service", State: GroupStable}
	for _, tc := range []struct {
		f    GroupFilter
		want bool
	}{
		{GroupFilter{}, true},
		{GroupFilter{Name: "billing"}, true},
		{GroupFilter{Name: "orders"}, false},
		{GroupFilter{States: []GroupState{GroupEmpty, GroupStable}}, true},
		{GroupFilter{Name: "bill", States: []GroupState{GroupEmpty}}, false},
	} {
		if got := tc.f.Matches(g); got != tc.want {
			t.Errorf("%+v matches %v, want %v", tc.f, got, tc.want)
		}
	}
	if err := (GroupFilter{States: []GroupState{"ASLEEP"}}).Validate(); !IsCode(err, EINVALID) {
		t.Errorf("unknown state: %v", err)
	}
}

func TestValidateGroupName(t *testing.T) {
	if err := ValidateGroupName("group", "console-consumer-1.a_b"); err != nil {
		t.Error(err)
	}
	for _, name := range []string{"", "tab\there", "nl\n"} {
		var e *Error
		if err := ValidateGroupName("group", name); !asErr(err, &e) || e.Field != "group" {
			t.Errorf("%q: %v", name, err)
		}
	}
}
