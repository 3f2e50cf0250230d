package console

// can asks the API which of actions the signed-in user may take on an
// instance (or, with "", in project), so a page leaves out buttons that
// would only be refused. It decides nothing: the API still authorises
// every change when it is asked for.
func (c *call) can(instance, project string, actions ...string) (map[string]bool, error) {
	return c.api.Permissions(c.r.Context(), instance, project, actions...)
}
