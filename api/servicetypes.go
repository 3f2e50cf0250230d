package api

import (
	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/service"
	"github.com/streamplane/streamplane/wire"
)

// The service still returns its own copies of a few wire types; these turn
// them into the ones the client reads. Delete each once the service returns
// the root package's type. TestServiceTypesConvertWhole checks that no
// field is lost on the way.

func parameterChange(c *service.ParameterChange) streamplane.ParameterChange {
	return streamplane.ParameterChange{ParameterList: streamplane.ParameterList(c.ParameterList), AppliedLive: c.AppliedLive, Saved: c.Saved}
}

func taskDetail(d *service.TaskDetail) streamplane.TaskDetail {
	return streamplane.TaskDetail{Task: *d.Task, Events: d.Events}
}

func runtimeOf(rt service.RuntimeStatus) wire.Runtime {
	return wire.Runtime{Version: rt.Version, Released: rt.Released, SupportStart: rt.SupportStart,
		SupportEnd: rt.SupportEnd, Recommended: rt.Recommended, Installed: rt.Installed, Path: rt.Path}
}
