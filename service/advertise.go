package service

import (
	"context"
	"fmt"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/workflow"
)

// Advertise sets the address a broker gives clients on a client listener
// (or goes back to its own), through a rolling restart: Kafka reads
// advertised.listeners only at start. On SASL_SSL the brokers' new
// certificates name the address's host.
func (s *Service) Advertise(ctx context.Context, idOrName string, req streamplane.AdvertiseRequest, ifMatch *int64) (*streamplane.Task, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	reason := fmt.Sprintf("broker %d advertises %s on its %s listener", req.Broker, orOwnAddress(req.Address), req.Listener)
	return s.instanceTask(ctx, idOrName, ifMatch, streamplane.TaskSetAdvertisedAddress, workflow.RestartParams{Reason: reason},
		func(_ streamplane.Tx, inst *streamplane.Instance) error {
			if inst.Status != streamplane.InstanceRunning {
				return streamplane.Errorf(streamplane.ESTATE, "instance %s is %s; advertised addresses change only when RUNNING", inst.Name, inst.Status)
			}
			if err := inst.Advertise(req); err != nil {
				return err
			}
			inst.Status = streamplane.InstanceChanging
			return nil
		})
}

func orOwnAddress(addr string) string {
	if addr == "" {
		return "its own address"
	}
	return addr
}
