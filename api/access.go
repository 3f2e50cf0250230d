package api

import "net/http"

// scope says where an operation's action is decided: which project the
// request acts in and which instance it names, if any.
type scope int

const (
	// public operations need no token: the OpenAPI document and login.
	public scope = iota
	// signedIn operations need a valid token and nothing else (whoami).
	signedIn
	// onInstance operations act on the {instance} of the path, in its
	// project; tasks act on their instance.
	onInstance
	// onTask operations act on the {task} of the path: on its instance,
	// or, for a task without one, like anyProject.
	onTask
	// creating is instance creation: the project and conditions come from
	// the request body.
	creating
	// anyProject reads are allowed when some project allows them; lists
	// then show only what the allowed projects hold.
	anyProject
	// onProject operations read the {project} of the path.
	onProject
	// global operations administer the whole control plane: only policies
	// attached for every project ("*") count.
	global
)

// access is what an operation needs: its action in the policy language and
// where it is decided.
type access struct {
	Action string
	Scope  scope
}

// Access maps every operation of the route table to its action; the
// OpenAPI document names the same action per operation (x-action), and a
// test keeps the three in step.
var Access = map[string]access{
	"GET /api/v1/openapi.json":     {"", public},
	"POST /api/v1/auth/login":      {"", public},
	"GET /api/v1/auth/whoami":      {"", signedIn},
	"POST /api/v1/auth/logout":     {"", signedIn},
	"GET /api/v1/auth/permissions": {"", signedIn},

	"GET /api/v1/flavors":                     {"flavor:list", anyProject},
	"GET /api/v1/zones":                       {"flavor:list", anyProject},
	"GET /api/v1/runtimes":                    {"runtime:list", anyProject},
	"POST /api/v1/runtimes/{version}/install": {"runtime:install", global},

	"GET /api/v1/instances":                            {"instance:list", anyProject},
	"POST /api/v1/instances":                           {"instance:create", creating},
	"POST /api/v1/instances/clear-failed":              {"instance:clearFailed", anyProject},
	"GET /api/v1/instances/{instance}":                 {"instance:get", onInstance},
	"PATCH /api/v1/instances/{instance}":               {"instance:update", onInstance},
	"DELETE /api/v1/instances/{instance}":              {"instance:delete", onInstance},
	"POST /api/v1/instances/{instance}/restart":        {"instance:restart", onInstance},
	"POST /api/v1/instances/{instance}/change-flavor":  {"instance:scale", onInstance},
	"POST /api/v1/instances/{instance}/scale":          {"instance:scale", onInstance},
	"POST /api/v1/instances/{instance}/expand-storage": {"instance:scale", onInstance},

	// Version upgrade (issue 9).
	"POST /api/v1/instances/{instance}/upgrade":          {"instance:upgrade", onInstance},
	"POST /api/v1/instances/{instance}/finalize-upgrade": {"instance:upgrade", onInstance},
	"POST /api/v1/instances/{instance}/rollback-upgrade": {"instance:upgrade", onInstance},

	"GET /api/v1/instances/{instance}/tasks":                      {"task:list", onInstance},
	"GET /api/v1/instances/{instance}/brokers/{broker}/log":       {"instance:readLog", onInstance},
	"GET /api/v1/tasks":                                           {"task:list", anyProject},
	"GET /api/v1/tasks/{task}":                                    {"task:get", onTask},
	"DELETE /api/v1/tasks/{task}":                                 {"task:delete", onTask},
	"GET /api/v1/instances/{instance}/disk-usage":                 {"instance:get", onInstance},
	"GET /api/v1/instances/{instance}/topics":                     {"topic:list", onInstance},
	"POST /api/v1/instances/{instance}/topics":                    {"topic:create", onInstance},
	"POST /api/v1/instances/{instance}/topics/delete":             {"topic:delete", onInstance},
	"GET /api/v1/instances/{instance}/topics/{topic}":             {"topic:get", onInstance},
	"PATCH /api/v1/instances/{instance}/topics/{topic}":           {"topic:update", onInstance},
	"DELETE /api/v1/instances/{instance}/topics/{topic}":          {"topic:delete", onInstance},
	"GET /api/v1/instances/{instance}/topics/{topic}/sample-code": {"topic:get", onInstance},
	"POST /api/v1/instances/{instance}/elect-leaders":             {"topic:reassign", onInstance},
	"POST /api/v1/instances/{instance}/reassignments":             {"topic:reassign", onInstance},
	"GET /api/v1/instances/{instance}/reassignments":              {"topic:get", onInstance},
	"DELETE /api/v1/instances/{instance}/reassignments":           {"topic:reassign", onInstance},

	"GET /api/v1/instances/{instance}/groups":                        {"group:list", onInstance},
	"POST /api/v1/instances/{instance}/groups/delete":                {"group:delete", onInstance},
	"GET /api/v1/instances/{instance}/groups/{group}":                {"group:get", onInstance},
	"DELETE /api/v1/instances/{instance}/groups/{group}":             {"group:delete", onInstance},
	"POST /api/v1/instances/{instance}/groups/{group}/reset-offsets": {"group:resetOffsets", onInstance},

	"GET /api/v1/instances/{instance}/topics/{topic}/messages":                                       {"message:read", onInstance},
	"POST /api/v1/instances/{instance}/topics/{topic}/messages":                                      {"message:send", onInstance},
	"GET /api/v1/instances/{instance}/topics/{topic}/partitions/{partition}/messages/{offset}":       {"message:read", onInstance},
	"GET /api/v1/instances/{instance}/topics/{topic}/partitions/{partition}/messages/{offset}/value": {"message:read", onInstance},

	"GET /api/v1/instances/{instance}/parameters":        {"parameter:get", onInstance},
	"PATCH /api/v1/instances/{instance}/parameters":      {"parameter:update", onInstance},
	"POST /api/v1/instances/{instance}/parameters/reset": {"parameter:update", onInstance},

	"GET /api/v1/instances/{instance}/quotas":       {"quota:list", onInstance},
	"POST /api/v1/instances/{instance}/quotas":      {"quota:create", onInstance},
	"PATCH /api/v1/instances/{instance}/quotas":     {"quota:update", onInstance},
	"DELETE /api/v1/instances/{instance}/quotas":    {"quota:delete", onInstance},
	"GET /api/v1/instances/{instance}/quotas/usage": {"quota:list", onInstance},

	"GET /api/v1/instances/{instance}/certificate":          {"security:get", onInstance},
	"PUT /api/v1/instances/{instance}/certificate":          {"security:update", onInstance},
	"POST /api/v1/instances/{instance}/client-certificates": {"security:update", onInstance},
	"PUT /api/v1/instances/{instance}/public-access":        {"security:update", onInstance},
	"POST /api/v1/instances/{instance}/advertise":           {"security:update", onInstance},
	"PUT /api/v1/instances/{instance}/mutual-tls":           {"security:update", onInstance},

	"GET /api/v1/instances/{instance}/users":                                 {"user:list", onInstance},
	"POST /api/v1/instances/{instance}/users":                                {"user:create", onInstance},
	"GET /api/v1/instances/{instance}/users/{user}":                          {"user:list", onInstance},
	"DELETE /api/v1/instances/{instance}/users/{user}":                       {"user:delete", onInstance},
	"POST /api/v1/instances/{instance}/users/{user}/reset-password":          {"user:resetPassword", onInstance},
	"POST /api/v1/instances/{instance}/reset-kafka-password":                 {"user:resetPassword", onInstance},
	"GET /api/v1/instances/{instance}/topics/{topic}/grants":                 {"permission:get", onInstance},
	"PUT /api/v1/instances/{instance}/topics/{topic}/grants/default":         {"permission:update", onInstance},
	"DELETE /api/v1/instances/{instance}/topics/{topic}/grants/default":      {"permission:update", onInstance},
	"PUT /api/v1/instances/{instance}/topics/{topic}/grants/users/{user}":    {"permission:update", onInstance},
	"DELETE /api/v1/instances/{instance}/topics/{topic}/grants/users/{user}": {"permission:update", onInstance},

	"GET /api/v1/iam/users":                       {"iam:listUsers", global},
	"POST /api/v1/iam/users":                      {"iam:createUser", global},
	"GET /api/v1/iam/users/{user}":                {"iam:getUser", global},
	"DELETE /api/v1/iam/users/{user}":             {"iam:deleteUser", global},
	"PUT /api/v1/iam/users/{user}/password":       {"iam:updateUser", global},
	"POST /api/v1/iam/users/{user}/attachments":   {"iam:updateUser", global},
	"DELETE /api/v1/iam/users/{user}/attachments": {"iam:updateUser", global},
	"GET /api/v1/iam/tokens":                      {"iam:listTokens", global},
	"POST /api/v1/iam/tokens":                     {"iam:createToken", global},
	"DELETE /api/v1/iam/tokens/{token}":           {"iam:revokeToken", global},
	"GET /api/v1/iam/policies":                    {"iam:listPolicies", global},
	"POST /api/v1/iam/policies":                   {"iam:createPolicy", global},
	"GET /api/v1/iam/policies/{policy}":           {"iam:getPolicy", global},
	"PUT /api/v1/iam/policies/{policy}":           {"iam:updatePolicy", global},
	"DELETE /api/v1/iam/policies/{policy}":        {"iam:deletePolicy", global},
	"GET /api/v1/iam/simulate":                    {"iam:simulate", global},

	"GET /api/v1/projects":              {"project:list", anyProject},
	"POST /api/v1/projects":             {"project:create", global},
	"GET /api/v1/projects/{project}":    {"project:get", onProject},
	"PATCH /api/v1/projects/{project}":  {"project:update", global},
	"DELETE /api/v1/projects/{project}": {"project:delete", global},

	"GET /api/v1/audit":        {"audit:read", global},
	"GET /api/v1/audit/verify": {"audit:verify", global},

	"GET /api/v1/metrics":                                   {"", signedIn},
	"GET /api/v1/instances/{instance}/metrics/{metric}":     {"metric:read", onInstance},
	"GET /api/v1/instances/{instance}/metrics/{metric}/top": {"metric:read", onInstance},
	"GET /metrics": {"metric:export", anyProject},

	"GET /api/v1/instances/{instance}/alarm-rules":           {"alarm:listRules", onInstance},
	"POST /api/v1/instances/{instance}/alarm-rules":          {"alarm:createRule", onInstance},
	"POST /api/v1/instances/{instance}/alarm-rules/defaults": {"alarm:createRule", onInstance},
	"GET /api/v1/instances/{instance}/alarm-rules/{rule}":    {"alarm:listRules", onInstance},
	"PATCH /api/v1/instances/{instance}/alarm-rules/{rule}":  {"alarm:updateRule", onInstance},
	"DELETE /api/v1/instances/{instance}/alarm-rules/{rule}": {"alarm:deleteRule", onInstance},
	"GET /api/v1/instances/{instance}/alarms":                {"alarm:list", onInstance},

	"GET /api/v1/alarm-channels":                      {"alarm:listChannels", global},
	"POST /api/v1/alarm-channels":                     {"alarm:createChannel", global},
	"GET /api/v1/alarm-channels/{channel}":            {"alarm:listChannels", global},
	"DELETE /api/v1/alarm-channels/{channel}":         {"alarm:deleteChannel", global},
	"GET /api/v1/alarm-channels/{channel}/deliveries": {"alarm:listChannels", global},

	// Migrations (issue 12). Pause and resume are updates: they change
	// what runs, as a new selection does.
	"GET /api/v1/instances/{instance}/migrations":                           {"migration:list", onInstance},
	"POST /api/v1/instances/{instance}/migrations":                          {"migration:create", onInstance},
	"GET /api/v1/instances/{instance}/migrations/{migration}":               {"migration:get", onInstance},
	"PATCH /api/v1/instances/{instance}/migrations/{migration}":             {"migration:update", onInstance},
	"DELETE /api/v1/instances/{instance}/migrations/{migration}":            {"migration:delete", onInstance},
	"POST /api/v1/instances/{instance}/migrations/{migration}/pause":        {"migration:update", onInstance},
	"POST /api/v1/instances/{instance}/migrations/{migration}/resume":       {"migration:update", onInstance},
	"GET /api/v1/instances/{instance}/migrations/{migration}/cutover-check": {"migration:get", onInstance},
	"GET /api/v1/instances/{instance}/migrations/{migration}/logs":          {"migration:get", onInstance},
	// The inventory of a source concerns no instance and reads nothing
	// Streamplane keeps: allowed to whoever some project allows it, as
	// the flavor list is.
	"POST /api/v1/migration-inventory": {"migration:inventory", anyProject},
}

// auditedAs names the audit action of an operation that needs no IAM action
// but changes something all the same.
var auditedAs = map[string]string{
	"POST /api/v1/auth/logout": "auth:logout",
}

// answered is the status of a change answered with something other than
// 200 when it succeeds, for its audit entry; a change that runs as a task
// past the request is recorded as 202.
var answered = map[string]int{
	"POST /api/v1/instances/{instance}/topics":               http.StatusCreated,
	"POST /api/v1/instances/{instance}/users":                http.StatusCreated,
	"POST /api/v1/instances/{instance}/quotas":               http.StatusCreated,
	"DELETE /api/v1/instances/{instance}/users/{user}":       http.StatusNoContent,
	"DELETE /api/v1/instances/{instance}/groups/{group}":     http.StatusNoContent,
	"POST /api/v1/instances/{instance}/alarm-rules":          http.StatusCreated,
	"POST /api/v1/instances/{instance}/alarm-rules/defaults": http.StatusCreated,
	"DELETE /api/v1/instances/{instance}/alarm-rules/{rule}": http.StatusNoContent,
	"POST /api/v1/alarm-channels":                            http.StatusCreated,
	"DELETE /api/v1/alarm-channels/{channel}":                http.StatusNoContent,
	"POST /api/v1/auth/logout":                               http.StatusNoContent,
	"POST /api/v1/instances/{instance}/migrations":           http.StatusCreated,
}
