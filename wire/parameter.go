package wire

import "encoding/json"

// ParameterValues sets parameters: name to value, each a JSON string,
// number or boolean ({"min.insync.replicas": 2, "log.retention.hours":
// "48"}), which the server reads as text.
type ParameterValues struct {
	Values map[string]json.RawMessage `json:"values"`
}

// ParameterNames names the parameters to restore to their defaults.
type ParameterNames struct {
	Names []string `json:"names"`
}
