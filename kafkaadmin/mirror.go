package kafkaadmin

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kgo"
)

// MirrorMaker 2's own topics on the instance, read for a migration's
// status. MirrorMaker runs as Connect, which keeps its state in compacted
// topics: its source offsets, as JSON (the worker's internal converter is
// JsonConverter without schemas), in mm2-offsets.<alias>.internal; its
// connectors' and tasks' states in mm2-status.<alias>.internal (Kafka's
// KafkaStatusBackingStore); and the checkpoint connector writes group
// offsets, in Kafka's binary schema format (Checkpoint.java), to
// <alias>.checkpoints.internal.

// Bounds of one read of a MirrorMaker topic: it ends after mirrorReadTime
// or mirrorReadRecords, whichever first, and then fails rather than answer
// from part of the log.
const (
	mirrorReadTime    = 20 * time.Second
	mirrorReadRecords = 2_000_000
	mirrorFetchBytes  = 1 << 20
)

// mirrorSourceConnector is the name MirrorMaker gives its source connector,
// the first element of the keys of its offsets.
const mirrorSourceConnector = "MirrorSourceConnector"

// MirrorCopied returns, per source topic and partition, the source offset
// MirrorMaker has copied up to (the next source offset it will copy):
// its last committed source offset plus one. A migration whose
// MirrorMaker has committed nothing yet has none.
func (c *Client) MirrorCopied(ctx context.Context, m *streamplane.Migration) (map[string]map[int32]int64, error) {
	recs, err := c.readMirrorTopic(ctx, "mm2-offsets."+m.SourceAlias()+".internal")
	if err != nil {
		return nil, err
	}
	return decodeMirrorOffsets(recs, m.SourceAlias()), nil
}

// MirrorConnectors returns MirrorMaker's connectors and tasks with their
// last reported states, connectors first, by name.
func (c *Client) MirrorConnectors(ctx context.Context, m *streamplane.Migration) ([]streamplane.MirrorConnector, error) {
	recs, err := c.readMirrorTopic(ctx, "mm2-status."+m.SourceAlias()+".internal")
	if err != nil {
		return nil, err
	}
	return decodeMirrorStatus(recs), nil
}

// MirrorGroupCheckpoints returns MirrorMaker's latest checkpoint of every
// group's partitions: the source offset it translated and the offset it
// translated it to on the instance.
func (c *Client) MirrorGroupCheckpoints(ctx context.Context, m *streamplane.Migration) (map[string]streamplane.GroupCheckpoints, error) {
	recs, err := c.readMirrorTopic(ctx, m.SourceAlias()+".checkpoints.internal")
	if err != nil {
		return nil, err
	}
	return decodeCheckpoints(recs), nil
}

// decodeCheckpoints keeps the last checkpoint per group and partition.
// A value is Kafka's INT16 schema version (0), then INT64 upstream offset,
// INT64 downstream offset and a STRING of metadata (Checkpoint.java).
func decodeCheckpoints(recs []*kgo.Record) map[string]streamplane.GroupCheckpoints {
	out := map[string]streamplane.GroupCheckpoints{}
	for _, r := range recs {
		group, topic, partition, err := decodeCheckpointKey(r.Key)
		if err != nil || len(r.Value) < 18 || binary.BigEndian.Uint16(r.Value) != 0 {
			continue
		}
		cp := streamplane.Checkpoint{Upstream: int64(binary.BigEndian.Uint64(r.Value[2:])),
			Downstream: int64(binary.BigEndian.Uint64(r.Value[10:])), At: r.Timestamp}
		if out[group] == nil {
			out[group] = streamplane.GroupCheckpoints{}
		}
		if out[group][topic] == nil {
			out[group][topic] = map[int32]streamplane.Checkpoint{}
		}
		out[group][topic][partition] = cp
	}
	return out
}

// readMirrorTopic reads every partition of a topic from its log start to
// the end offset it has when the read begins, in offset order per
// partition. A topic that does not exist yet (MirrorMaker has not started)
// has no records.
func (c *Client) readMirrorTopic(ctx context.Context, topic string) ([]*kgo.Record, error) {
	ctx, cancel := context.WithTimeout(ctx, mirrorReadTime)
	defer cancel()
	// Fresh metadata: the topic appears when MirrorMaker starts, and a
	// cached "unknown" would hide it from the status page for a while.
	l, err := c.topicLog(ctx, topic, time.Nanosecond)
	if streamplane.IsCode(err, streamplane.ENOTFOUND) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	parts := l.Partitions()
	starts, ends, _, err := l.Offsets(ctx, parts)
	if err != nil {
		return nil, err
	}
	var out []*kgo.Record
	for _, p := range parts {
		for offset := starts[p]; offset < ends[p]; {
			f, err := l.fetch(ctx, p, offset, mirrorFetchBytes)
			if err != nil {
				return nil, AppError(err, "", "read %s partition %d", topic, p)
			}
			for _, r := range f.records {
				if r.Offset < ends[p] {
					out = append(out, r)
				}
			}
			if len(out) > mirrorReadRecords {
				return nil, streamplane.Errorf(streamplane.EUNAVAILABLE, "%s holds more than %d records to read", topic, mirrorReadRecords)
			}
			if f.next <= offset { // nothing more below the end: a gap compaction or aborted transactions left
				break
			}
			offset = f.next
		}
	}
	return out, nil
}

// decodeMirrorOffsets reads the source connector's offsets of the source
// alias: keys ["MirrorSourceConnector",{"cluster":alias,"partition":N,
// "topic":T}] (MirrorUtils.wrapPartition), values {"offset":N}, the last
// source offset copied. The last record of a key wins; a null value
// deletes it. Records of other connectors or aliases, or that do not
// parse, are skipped.
func decodeMirrorOffsets(recs []*kgo.Record, alias string) map[string]map[int32]int64 {
	type key struct {
		topic     string
		partition int32
	}
	latest := map[key]int64{}
	for _, r := range recs {
		var k []json.RawMessage
		if json.Unmarshal(r.Key, &k) != nil || len(k) != 2 {
			continue
		}
		var connector string
		var part struct {
			Cluster   string `json:"cluster"`
			Partition *int32 `json:"partition"`
			Topic     string `json:"topic"`
		}
		if json.Unmarshal(k[0], &connector) != nil || connector != mirrorSourceConnector ||
			json.Unmarshal(k[1], &part) != nil || part.Cluster != alias || part.Topic == "" || part.Partition == nil {
			continue
		}
		id := key{part.Topic, *part.Partition}
		if r.Value == nil {
			delete(latest, id)
			continue
		}
		var v struct {
			Offset *int64 `json:"offset"`
		}
		if json.Unmarshal(r.Value, &v) != nil || v.Offset == nil {
			continue
		}
		latest[id] = *v.Offset + 1
	}
	out := map[string]map[int32]int64{}
	for id, next := range latest {
		if out[id.topic] == nil {
			out[id.topic] = map[int32]int64{}
		}
		out[id.topic][id.partition] = next
	}
	return out
}

// Keys of Connect's status topic (KafkaStatusBackingStore).
const (
	connectorStatusPrefix = "status-connector-"
	taskStatusPrefix      = "status-task-"
)

// decodeMirrorStatus reads connector and task states: keys
// status-connector-<name> and status-task-<name>-<n>, values JSON with
// "state" and "trace". The last record of a key wins; a null value (a
// deleted connector) removes it. Topic statuses (status-topic-) are
// skipped. Tasks are named <connector>-<n>.
func decodeMirrorStatus(recs []*kgo.Record) []streamplane.MirrorConnector {
	latest := map[string]streamplane.MirrorConnector{}
	for _, r := range recs {
		k := string(r.Key)
		var name string
		switch {
		case strings.HasPrefix(k, connectorStatusPrefix):
			name = strings.TrimPrefix(k, connectorStatusPrefix)
		case strings.HasPrefix(k, taskStatusPrefix):
			name = strings.TrimPrefix(k, taskStatusPrefix)
			i := strings.LastIndexByte(name, '-')
			if i <= 0 {
				continue
			}
			if _, err := strconv.Atoi(name[i+1:]); err != nil {
				continue
			}
		default:
			continue
		}
		if r.Value == nil {
			delete(latest, k)
			continue
		}
		var v struct {
			State string  `json:"state"`
			Trace *string `json:"trace"`
		}
		if json.Unmarshal(r.Value, &v) != nil || v.State == "" {
			continue
		}
		mc := streamplane.MirrorConnector{Name: name, State: v.State}
		if v.Trace != nil {
			mc.Trace = *v.Trace
		}
		latest[k] = mc
	}
	out := make([]streamplane.MirrorConnector, 0, len(latest))
	// Connectors (status-connector-) sort before tasks (status-task-).
	for _, k := range slices.Sorted(maps.Keys(latest)) {
		out = append(out, latest[k])
	}
	return out
}

// decodeCheckpointKey parses a checkpoint record's key.
func decodeCheckpointKey(b []byte) (group, topic string, partition int32, err error) {
	str := func() (string, error) {
		if len(b) < 2 {
			return "", fmt.Errorf("checkpoint key: short string length")
		}
		n := int(int16(binary.BigEndian.Uint16(b)))
		if n < 0 || len(b) < 2+n {
			return "", fmt.Errorf("checkpoint key: string of %d bytes in %d", n, len(b)-2)
		}
		s := string(b[2 : 2+n])
		b = b[2+n:]
		return s, nil
	}
	if group, err = str(); err != nil {
		return
	}
	if topic, err = str(); err != nil {
		return
	}
	if len(b) != 4 {
		return "", "", 0, fmt.Errorf("checkpoint key: %d bytes left for the partition, want 4", len(b))
	}
	return group, topic, int32(binary.BigEndian.Uint32(b)), nil
}
