package wire

import streamplane "github.com/streamplane/streamplane"

// FlavorList is the broker flavors.
type FlavorList struct {
	Flavors []streamplane.Flavor `json:"flavors"`
}

// ZoneList is the zones instances may be placed in.
type ZoneList struct {
	Zones []string `json:"zones"`
}

// RuntimeList is the Kafka runtime catalog, oldest first.
type RuntimeList struct {
	Runtimes []Runtime `json:"runtimes"`
}

// Runtime is a catalog entry and whether the server has it installed.
// Dates are YYYY-MM-DD.
type Runtime struct {
	Version      string `json:"version"`
	Released     string `json:"released"`
	SupportStart string `json:"support_start"`
	SupportEnd   string `json:"support_end"`
	Recommended  bool   `json:"recommended"`
	Installed    bool   `json:"installed"`
	Path         string `json:"path,omitempty"`
}
