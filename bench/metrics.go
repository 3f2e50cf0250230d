package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Collection cost: a server of its own collecting every 10 s from a
// 10-broker instance with topics, traffic and consumer groups. The wall
// time of a round comes from the server's own account of each round (its
// debug log); its CPU from /proc, over whole rounds, scaled to the default
// 60 s interval. The CPU includes everything else the server does in that
// time (the supervisor's checks every 2 s), so it is an upper bound.
const (
	collectBrokers    = 10
	collectTopics     = 40
	collectPartitions = 6
	collectGroups     = 4
	collectRounds     = 6
	collectInterval   = 10 * time.Second
)

func measureCollection(ctx context.Context, env *benchEnv) ([]row, error) {
	dir, err := os.MkdirTemp("", "streamplane-bench-collect-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	srv, err := startServer(env.opts.binary, dir, "--port-range", "36400-36799", "--metrics-interval", collectInterval.String(), "--log-level", "debug")
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	c := srv.client
	version := kafkaruntime.Recommended().Version
	if err := installRuntime(ctx, c, version); err != nil {
		return nil, err
	}
	spec := streamplane.InstanceSpec{Name: "bench-collect", Version: version, Flavor: "kafka.2u4g.cluster",
		BrokerCount: collectBrokers, StorageGBPerBroker: 100, Zones: []string{"az1", "az2", "az3"}}
	_, inst, err := timeCreate(ctx, c, spec)
	if err != nil {
		return nil, err
	}
	defer deleteInstance(ctx, c, inst.ID)
	if inst, err = c.Instance(ctx, inst.ID); err != nil {
		return nil, err
	}
	cl, err := kafkaClient(inst, kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	var topics []string
	for i := range collectTopics {
		topics = append(topics, fmt.Sprintf("collect-%02d", i))
	}
	if _, err := adm.CreateTopics(ctx, collectPartitions, 3, nil, topics...); err != nil {
		return nil, err
	}
	// Some data in every partition, and groups with offsets in every topic.
	value := make([]byte, 512)
	for round := range 20 {
		var recs []*kgo.Record
		for _, t := range topics {
			recs = append(recs, &kgo.Record{Topic: t, Key: []byte(strconv.Itoa(round)), Value: value})
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			return nil, err
		}
	}
	for g := range collectGroups {
		offsets := kadm.Offsets{}
		for _, t := range topics {
			for p := range int32(collectPartitions) {
				offsets.Add(kadm.Offset{Topic: t, Partition: p, At: 1})
			}
		}
		if _, err := adm.CommitOffsets(ctx, fmt.Sprintf("collect-group-%d", g), offsets); err != nil {
			return nil, err
		}
	}

	// Rounds from now on see the whole instance; the first of them is
	// skipped (its rates have no previous reading).
	logPath := filepath.Join(dir, "server.log")
	start, err := countRounds(logPath)
	if err != nil {
		return nil, err
	}
	var cpuFrom float64
	var rounds []round
	deadline := time.Now().Add(collectInterval * (collectRounds + 4))
	for time.Now().Before(deadline) {
		all, err := readRounds(logPath)
		if err != nil {
			return nil, err
		}
		fresh := all[min(start, len(all)):]
		if len(fresh) >= 1 && cpuFrom == 0 {
			if cpuFrom, err = processCPUSeconds(srv.pid()); err != nil {
				return nil, err
			}
			start += len(fresh)
			continue
		}
		if cpuFrom > 0 && len(fresh) >= collectRounds {
			rounds = fresh[:collectRounds]
			break
		}
		time.Sleep(time.Second) // polling the log for the next round
	}
	if len(rounds) < collectRounds {
		return nil, fmt.Errorf("saw %d collection rounds in %s", len(rounds), collectInterval*(collectRounds+4))
	}
	cpuTo, err := processCPUSeconds(srv.pid())
	if err != nil {
		return nil, err
	}
	var took []time.Duration
	for _, r := range rounds {
		took = append(took, r.took)
	}
	perRound := (cpuTo - cpuFrom) / float64(len(rounds))
	series := rounds[len(rounds)-1].samples
	return []row{
		{"metrics: collection round, 10 brokers", fmt.Sprintf("%d ms", median(took).Milliseconds()),
			fmt.Sprintf("median of %d rounds (max %d ms); %d series from %d topics × %d partitions and %d groups; target < 1 s",
				len(took), percentile(took, 100).Milliseconds(), series, collectTopics, collectPartitions, collectGroups)},
		{"metrics: server CPU at a 60 s interval", fmt.Sprintf("%.2f%% of a core", 100*perRound/60),
			fmt.Sprintf("%.0f ms of CPU per round (everything the server did, over %d rounds at %s); target < 2%%",
				perRound*1000, len(rounds), collectInterval)},
	}, nil
}

// round is one collection as the server's log tells it.
type round struct {
	took    time.Duration
	samples int
}

var roundLine = regexp.MustCompile(`msg="metrics round".*samples=(\d+) took_ms=(\d+)`)

func readRounds(path string) ([]round, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []round
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		m := roundLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		ms, _ := strconv.Atoi(m[2])
		out = append(out, round{took: time.Duration(ms) * time.Millisecond, samples: n})
	}
	return out, sc.Err()
}

func countRounds(path string) (int, error) {
	r, err := readRounds(path)
	return len(r), err
}

// processCPUSeconds is a process's user and system CPU time.
func processCPUSeconds(pid int) (float64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100, nil // USER_HZ
}
