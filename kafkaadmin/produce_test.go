package kafkaadmin

import (
	"errors"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// Sending through franz-go's producer. Not here: a topic with
// message.timestamp.type=LogAppendTime, which kfake does not model (it
// stamps a batch only when the producer asks, not by the topic's config).
func TestProduce(t *testing.T) {
	c, _ := fakeClient(t)
	ctx := testContext(t)
	mustCreateTopic(t, c, "orders", 3, map[string]string{"max.message.bytes": "2048"})
	log, err := c.TopicLog(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour).Truncate(time.Millisecond)

	t.Run("KeyedGoesWhereJavaPutsIt", func(t *testing.T) {
		for _, key := range []string{"customer-42", "a", "zzz", "ünïcode"} {
			sent, err := log.Produce(ctx, streamplane.MessageRecord{Key: []byte(key), Value: []byte("v"), Timestamp: at}, false)
			if err != nil {
				t.Fatal(err)
			}
			// murmur2 of the key, masked, modulo the partitions: Kafka's DefaultPartitioner.
			want := int32((murmur2([]byte(key)) & 0x7fffffff) % 3)
			if sent.Partition != want {
				t.Errorf("key %q: partition %d, want %d", key, sent.Partition, want)
			}
		}
	})

	t.Run("ChosenPartitionAndReadBack", func(t *testing.T) {
		rec := streamplane.MessageRecord{Partition: 2, Key: []byte("customer-42"), Value: []byte("hello"), Timestamp: at,
			Headers: []streamplane.MessageRecordHeader{{Key: "a", Value: []byte("b")}, {Key: "empty"}}}
		first, err := log.Produce(ctx, rec, true)
		if err != nil {
			t.Fatal(err)
		}
		second, err := log.Produce(ctx, rec, true)
		if err != nil {
			t.Fatal(err)
		}
		if first.Partition != 2 || second.Partition != 2 || second.Offset != first.Offset+1 {
			t.Errorf("sent %+v then %+v, want partition 2 at consecutive offsets", first, second)
		}
		if first.Topic != "orders" || !first.Timestamp.Equal(at) || first.TimestampType != streamplane.TimestampCreateTime {
			t.Errorf("sent %+v, want topic orders at %s (CreateTime)", first, at)
		}
		got, err := log.Read(ctx, 2, first.Offset)
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Key) != "customer-42" || string(got.Value) != "hello" || !got.Timestamp.Equal(at) ||
			len(got.Headers) != 2 || got.Headers[0].Key != "a" || string(got.Headers[0].Value) != "b" || got.Headers[1].Key != "empty" {
			t.Errorf("read back %+v", got)
		}
	})

	t.Run("WithoutKey", func(t *testing.T) {
		sent, err := log.Produce(ctx, streamplane.MessageRecord{Value: []byte("anywhere"), Timestamp: at}, false)
		if err != nil || sent.Partition < 0 || sent.Partition > 2 {
			t.Errorf("sent %+v, %v", sent, err)
		}
	})

	errCases := []struct {
		name      string
		rec       streamplane.MessageRecord
		partition bool
		code      string
		field     string
	}{
		{"TooLargeForTopic", streamplane.MessageRecord{Value: []byte(strings.Repeat("x", 5000))}, false, streamplane.EINVALID, "value"},
		{"NoSuchPartition", streamplane.MessageRecord{Partition: 3, Value: []byte("x")}, true, streamplane.ENOTFOUND, "partition"},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			tc.rec.Timestamp = at
			_, err := log.Produce(ctx, tc.rec, tc.partition)
			wantAppError(t, err, tc.code, tc.field)
		})
	}
}

// murmur2 is Kafka's Utils.murmur2, written out from the Java source so
// the test does not check franz-go against itself.
func murmur2(data []byte) uint32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	length := len(data)
	h := seed ^ uint32(length)
	for i := 0; i+4 <= length; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	tail := data[length&^3:]
	switch len(tail) {
	case 3:
		h ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(tail[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}

// wantAppError fails unless err is a streamplane.Error with the code and field.
func wantAppError(t *testing.T, err error, code, field string) {
	t.Helper()
	var e *streamplane.Error
	if !errors.As(err, &e) || e.Code != code || e.Field != field {
		t.Errorf("error %v (%T), want code %s on field %q", err, err, code, field)
	}
}
