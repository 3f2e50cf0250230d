package kafkaadmin

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Features are one broker's view of the cluster's finalized features: the
// level of each by name, and the metadata offset (epoch) of that view.
type Features struct {
	Finalized map[string]int16
	Epoch     int64
}

// FinalizedFeatures asks one broker for the features it sees finalized.
// Kafka has no DescribeFeatures request: ApiVersions carries them (v3+),
// and each broker answers from its own metadata image.
func (c *Client) FinalizedFeatures(ctx context.Context, id int32) (Features, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req := kmsg.NewPtrApiVersionsRequest()
	// v3+ must name the client (KIP-511), or the broker answers INVALID_REQUEST.
	req.ClientSoftwareName, req.ClientSoftwareVersion = "streamplane", "1"
	resp, err := req.RequestWith(ctx, c.kcl.Broker(int(id)))
	if err != nil {
		return Features{}, fmt.Errorf("ask broker %d for its features: %w", id, err)
	}
	if err := kerrOf(resp.ErrorCode, nil); err != nil {
		return Features{}, fmt.Errorf("ask broker %d for its features: %w", id, err)
	}
	f := Features{Finalized: map[string]int16{}, Epoch: resp.FinalizedFeaturesEpoch}
	for _, ff := range resp.FinalizedFeatures {
		f.Finalized[ff.Name] = ff.MaxVersionLevel
	}
	return f, nil
}

// RaiseFeatures raises finalized features to the levels given, leaving
// out any already there or higher (current is what the cluster has). It
// validates first, so a refusal changes nothing, and answers what it sent.
func (c *Client) RaiseFeatures(ctx context.Context, current, want map[string]int16) ([]string, error) {
	var updates []kadm.FeatureUpdate
	var sent []string
	names := make([]string, 0, len(want))
	for name := range want {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if current[name] >= want[name] {
			continue
		}
		updates = append(updates, kadm.FeatureUpdate{Feature: name, MaxVersionLevel: want[name], UpgradeType: 1})
		sent = append(sent, fmt.Sprintf("%s=%d", name, want[name]))
	}
	if len(updates) == 0 {
		return nil, nil
	}
	for _, validate := range []bool{true, false} {
		res, err := c.adm.UpdateFeatures(ctx, validate, updates...)
		if err == nil {
			err = res.Error()
		}
		if err != nil {
			return nil, AppError(err, "", "update features %v", sent)
		}
	}
	return sent, nil
}
