// Package iam is the control plane's policy language and its evaluator
// (SPEC §5, DMS ch. 3): the catalog of actions a policy can name, the
// validation of policy documents, the built-in policies and the decision
// whether a caller's policies allow a request. It is pure: it reads no store
// and knows no HTTP; the API layer resolves a caller's attachments to Grants
// and describes each request as a Request.
package iam

import (
	"slices"
	"strings"
)

// Actions are "service:verb", with camelCase verbs as in DMS
// (dms:instance:modifyStatus becomes instance:restart here).
const (
	InstanceCreate      = "instance:create"
	InstanceList        = "instance:list"
	InstanceGet         = "instance:get"
	InstanceUpdate      = "instance:update"
	InstanceDelete      = "instance:delete"
	InstanceRestart     = "instance:restart"
	InstanceClearFailed = "instance:clearFailed"
	InstanceScale       = "instance:scale"
	InstanceUpgrade     = "instance:upgrade"
	InstanceReadLog     = "instance:readLog"

	TaskList   = "task:list"
	TaskGet    = "task:get"
	TaskDelete = "task:delete"

	RuntimeList    = "runtime:list"
	RuntimeInstall = "runtime:install"

	FlavorList = "flavor:list"

	TopicList   = "topic:list"
	TopicGet    = "topic:get"
	TopicCreate = "topic:create"
	TopicUpdate = "topic:update"
	TopicDelete = "topic:delete"
	// TopicReassign places a topic's replicas and leaders: reassignment
	// and preferred leader election.
	TopicReassign = "topic:reassign"

	GroupList         = "group:list"
	GroupGet          = "group:get"
	GroupDelete       = "group:delete"
	GroupResetOffsets = "group:resetOffsets"

	MessageRead = "message:read"
	MessageSend = "message:send"

	ParameterGet    = "parameter:get"
	ParameterUpdate = "parameter:update"

	UserList          = "user:list"
	UserCreate        = "user:create"
	UserResetPassword = "user:resetPassword"
	UserDelete        = "user:delete"

	PermissionGet    = "permission:get"
	PermissionUpdate = "permission:update"

	QuotaList   = "quota:list"
	QuotaCreate = "quota:create"
	QuotaUpdate = "quota:update"
	QuotaDelete = "quota:delete"

	SecurityGet    = "security:get"
	SecurityUpdate = "security:update"

	IAMListUsers    = "iam:listUsers"
	IAMGetUser      = "iam:getUser"
	IAMCreateUser   = "iam:createUser"
	IAMUpdateUser   = "iam:updateUser"
	IAMDeleteUser   = "iam:deleteUser"
	IAMListTokens   = "iam:listTokens"
	IAMCreateToken  = "iam:createToken"
	IAMRevokeToken  = "iam:revokeToken"
	IAMListPolicies = "iam:listPolicies"
	IAMGetPolicy    = "iam:getPolicy"
	IAMCreatePolicy = "iam:createPolicy"
	IAMUpdatePolicy = "iam:updatePolicy"
	IAMDeletePolicy = "iam:deletePolicy"
	IAMSimulate     = "iam:simulate"

	ProjectList   = "project:list"
	ProjectGet    = "project:get"
	ProjectCreate = "project:create"
	ProjectUpdate = "project:update"
	ProjectDelete = "project:delete"

	AuditRead   = "audit:read"
	AuditVerify = "audit:verify"

	MetricRead   = "metric:read"
	MetricExport = "metric:export"

	AlarmListRules  = "alarm:listRules"
	AlarmCreateRule = "alarm:createRule"
	AlarmUpdateRule = "alarm:updateRule"
	AlarmDeleteRule = "alarm:deleteRule"
	AlarmList       = "alarm:list"
	// Channels are the server's: global, like IAM.
	AlarmListChannels  = "alarm:listChannels"
	AlarmCreateChannel = "alarm:createChannel"
	AlarmDeleteChannel = "alarm:deleteChannel"

	// Migrations into an instance (MirrorMaker 2). Pausing and resuming
	// change what runs, as an update does: both are MigrationUpdate.
	MigrationList   = "migration:list"
	MigrationGet    = "migration:get"
	MigrationCreate = "migration:create"
	MigrationUpdate = "migration:update"
	MigrationDelete = "migration:delete"
	// MigrationInventory has the server connect to a cluster the caller
	// names and read its topics, groups and ACLs: not a read of anything
	// Streamplane keeps, so not read-only.
	MigrationInventory = "migration:inventory"
)

// ActionInfo describes one action. ReadOnly actions change nothing; they
// make up the ReadOnlyAccess policy.
type ActionInfo struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	ReadOnly    bool   `json:"read_only"`
}

// Actions is the catalog, grouped by service. A policy may name only these
// (or patterns that match some of them).
var Actions = []ActionInfo{
	{InstanceCreate, "Create an instance", false},
	{InstanceList, "List instances", true},
	{InstanceGet, "View an instance's details, brokers and metrics", true},
	{InstanceUpdate, "Change an instance's name, description, tags or deletion protection", false},
	{InstanceDelete, "Delete an instance", false},
	{InstanceRestart, "Restart an instance or one of its brokers", false},
	{InstanceClearFailed, "Clear a failed change or creation from an instance", false},
	{InstanceScale, "Add brokers, storage or change an instance's flavor", false},
	{InstanceUpgrade, "Upgrade an instance's Kafka version", false},
	{InstanceReadLog, "Read an instance's broker logs", true},

	{TaskList, "List tasks", true},
	{TaskGet, "View a task and its steps", true},
	{TaskDelete, "Delete a finished task's record", false},

	{RuntimeList, "List the Kafka runtime versions", true},
	{RuntimeInstall, "Install a Kafka runtime version on the server", false},

	{FlavorList, "List flavors and zones", true},

	{TopicList, "List an instance's topics", true},
	{TopicGet, "View a topic's partitions and configuration", true},
	{TopicCreate, "Create a topic", false},
	{TopicUpdate, "Change a topic's configuration, partitions or replicas", false},
	{TopicDelete, "Delete a topic", false},
	{TopicReassign, "Move a topic's replicas between brokers or elect its preferred leaders", false},

	{GroupList, "List an instance's consumer groups", true},
	{GroupGet, "View a consumer group's members and lag", true},
	{GroupDelete, "Delete a consumer group", false},
	{GroupResetOffsets, "Reset a consumer group's offsets", false},

	{MessageRead, "Query and read messages", true},
	{MessageSend, "Produce messages", false},

	{ParameterGet, "View an instance's configuration parameters", true},
	{ParameterUpdate, "Change an instance's configuration parameters", false},

	{UserList, "List an instance's SASL users", true},
	{UserCreate, "Create a SASL user", false},
	{UserResetPassword, "Reset a SASL user's password", false},
	{UserDelete, "Delete a SASL user", false},

	{PermissionGet, "View topic permissions of SASL users", true},
	{PermissionUpdate, "Grant or revoke topic permissions of SASL users", false},

	{QuotaList, "List Kafka quotas and their usage", true},
	{QuotaCreate, "Create a Kafka quota", false},
	{QuotaUpdate, "Change a Kafka quota", false},
	{QuotaDelete, "Delete a Kafka quota", false},

	{SecurityGet, "View security settings and download certificates", true},
	{SecurityUpdate, "Change public access or mutual TLS, replace certificates", false},

	{IAMListUsers, "List control-plane users", true},
	{IAMGetUser, "View a control-plane user and its attachments", true},
	{IAMCreateUser, "Create a control-plane user", false},
	{IAMUpdateUser, "Set a user's password, attach or detach policies", false},
	{IAMDeleteUser, "Delete a control-plane user", false},
	{IAMListTokens, "List API tokens (never their secrets)", true},
	{IAMCreateToken, "Create an API token", false},
	{IAMRevokeToken, "Revoke an API token", false},
	{IAMListPolicies, "List policies", true},
	{IAMGetPolicy, "View a policy's document", true},
	{IAMCreatePolicy, "Create a custom policy", false},
	{IAMUpdatePolicy, "Change a custom policy", false},
	{IAMDeletePolicy, "Delete a custom policy", false},
	{IAMSimulate, "Ask whether a user's policies allow a request", true},

	{ProjectList, "List projects", true},
	{ProjectGet, "View a project and its quotas", true},
	{ProjectCreate, "Create a project", false},
	{ProjectUpdate, "Change a project's description or limits", false},
	{ProjectDelete, "Delete an empty project", false},

	{AuditRead, "Query and export the audit log", true},
	{AuditVerify, "Verify the audit log's hash chain", true},

	{MetricRead, "Read the metric catalog and an instance's metric series", true},
	{MetricExport, "Scrape the Prometheus endpoint /metrics (the instances of readable projects)", true},

	{AlarmListRules, "List and view an instance's alarm rules", true},
	{AlarmCreateRule, "Create alarm rules on an instance, the recommended defaults included", false},
	{AlarmUpdateRule, "Change, enable or disable an alarm rule", false},
	{AlarmDeleteRule, "Delete an alarm rule", false},
	{AlarmList, "List an instance's alarms, firing and resolved", true},
	{AlarmListChannels, "List alarm notification channels and their deliveries", true},
	{AlarmCreateChannel, "Create an alarm notification channel (webhook or e-mail)", false},
	{AlarmDeleteChannel, "Delete an alarm notification channel", false},

	{MigrationList, "List an instance's migrations", true},
	{MigrationGet, "View a migration's progress, cutover readiness and MirrorMaker log", true},
	{MigrationCreate, "Start a migration from another Kafka cluster into an instance", false},
	{MigrationUpdate, "Change, pause or resume a migration", false},
	{MigrationDelete, "Delete a migration (what it copied stays)", false},
	{MigrationInventory, "Survey another Kafka cluster's topics, groups and traffic before migrating it", false},
}

// Lookup returns the catalog entry of an action, by exact name.
func Lookup(name string) (ActionInfo, bool) {
	i := slices.IndexFunc(Actions, func(a ActionInfo) bool { return a.Name == name })
	if i < 0 {
		return ActionInfo{}, false
	}
	return Actions[i], true
}

// Services lists the services of the catalog ("instance", "topic", …) in
// catalog order.
func Services() []string {
	var out []string
	for _, a := range Actions {
		if s := service(a.Name); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// service is the part of an action before its colon.
func service(action string) string {
	s, _, _ := strings.Cut(action, ":")
	return s
}
