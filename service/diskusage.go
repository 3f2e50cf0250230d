package service

import (
	"context"
	"sort"
	"sync"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
)

// DiskUsage reports an instance's storage by broker and its topics by the
// disk they take, biggest first (DMS 7.11): the top N of those at or above
// a size and a share of the instance's storage.
//
// A broker's total is its storage_gb_per_broker in decimal gigabytes (1 GB
// = 10^9 bytes, as disks are sold), not the size of the filesystem under
// it: locally all brokers share one disk. Used is what its replicas' logs
// hold, as DescribeLogDirs reports it.
func (s *Service) DiskUsage(ctx context.Context, idOrName string, f streamplane.DiskUsageFilter) (*streamplane.DiskUsage, error) {
	if err := f.Normalize(); err != nil {
		return nil, err
	}
	inst, cl, err := s.cluster(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	var (
		wg       sync.WaitGroup
		metas    []kafkaadmin.TopicMetadata
		metaErr  error
		sizes    kafkaadmin.ReplicaSizes
		failed   map[int32]error
		sizesErr error
	)
	wg.Go(func() { metas, metaErr = cl.Topics(ctx) })
	wg.Go(func() { sizes, failed, sizesErr = cl.ReplicaSizes(ctx, nil) })
	wg.Wait()
	if sizesErr != nil {
		return nil, kafkaadmin.AppError(sizesErr, "", "describe the log directories of %s", inst.Name)
	}
	if metaErr != nil {
		return nil, kafkaadmin.AppError(metaErr, "", "list the topics of %s", inst.Name)
	}

	perBroker := int64(inst.StorageGBPerBroker) * s.storageUnit()
	du := &streamplane.DiskUsage{Brokers: []streamplane.BrokerDiskUsage{}, Topics: []streamplane.TopicDiskUsage{}}
	for _, b := range inst.Brokers {
		if b.State == streamplane.BrokerDeleted {
			continue
		}
		id := int32(b.ID)
		bu := streamplane.BrokerDiskUsage{Broker: b.ID, UsedBytes: sizes.Broker(id), TotalBytes: perBroker}
		if err, ok := failed[id]; ok {
			bu.Error = err.Error()
		} else if _, ok := sizes[id]; !ok {
			bu.Error = "the broker did not report its log directories"
		}
		bu.Percent = percent(bu.UsedBytes, bu.TotalBytes)
		du.Brokers = append(du.Brokers, bu)
		du.UsedBytes += bu.UsedBytes
		du.TotalBytes += bu.TotalBytes
	}
	du.Percent = percent(du.UsedBytes, du.TotalBytes)

	for _, m := range metas {
		if m.Err != nil {
			continue
		}
		tu := streamplane.TopicDiskUsage{Name: m.Name, Internal: isInternal(m)}
		for _, p := range m.Partitions {
			data, disk := partitionSizes(m.Name, p, sizes)
			tu.SizeBytes += data
			tu.DiskBytes += disk
		}
		tu.Percent = percent(tu.DiskBytes, du.TotalBytes)
		if tu.DiskBytes < f.MinBytes || tu.Percent < f.MinPercent {
			continue
		}
		du.Topics = append(du.Topics, tu)
	}
	sort.Slice(du.Topics, func(i, j int) bool {
		a, b := du.Topics[i], du.Topics[j]
		return a.DiskBytes > b.DiskBytes || a.DiskBytes == b.DiskBytes && a.Name < b.Name
	})
	du.Matched = len(du.Topics)
	du.Topics = du.Topics[:min(len(du.Topics), f.Top)]
	return du, nil
}

// percent returns part as a percentage of whole.
func percent(part, whole int64) float64 {
	if whole <= 0 {
		return 0
	}
	return float64(part) * 100 / float64(whole)
}
